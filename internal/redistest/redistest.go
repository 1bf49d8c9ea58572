// Package redistest gives tests a Redis: the one at REDIS_URL when it is set, otherwise an
// in-process miniredis (New), or, for tests that need a real Redis (Real), the one that
// answers at 127.0.0.1:6379; or a redis-server process of their own (for tests that stop and
// restart it). Every test uses its own key prefix (Key) and never flushes anything, since
// the Redis may be shared with other tests.
package redistest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// InCI reports whether the tests run in CI (CI is set), where a missing prerequisite fails
// the test instead of skipping it.
func InCI() bool { return os.Getenv("CI") != "" }

// Skip skips t, or fails it in CI.
func Skip(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("cannot run in CI: %s", why)
	}
	t.Skip("skipping: " + why)
}

// Redis is a Redis a test can use.
type Redis struct {
	// Addr is host:port.
	Addr string
	// URL is a redis:// URL of it (with the database of REDIS_URL).
	URL string
	// Mini is the miniredis when the test got one, nil for a real Redis.
	Mini *miniredis.Miniredis
	opts *redis.Options
}

// New returns the Redis at REDIS_URL, or a fresh miniredis when REDIS_URL is not set.
func New(t testing.TB) *Redis {
	t.Helper()
	if os.Getenv("REDIS_URL") != "" {
		return Real(t)
	}
	return Mini(t)
}

// Mini returns a fresh miniredis, closed when the test ends.
func Mini(t testing.TB) *Redis {
	t.Helper()
	m := miniredis.RunT(t)
	return &Redis{Addr: m.Addr(), URL: "redis://" + m.Addr(), Mini: m, opts: &redis.Options{Addr: m.Addr()}}
}

// defaultAddr is where Real looks for a Redis when REDIS_URL is not set.
var defaultAddr = "127.0.0.1:6379"

var (
	probeMu sync.Mutex
	probed  = map[string]error{} // address → the answer of its first probe
)

// probe reports whether a Redis answers PING at addr, asking once per address and process.
func probe(addr string) error {
	probeMu.Lock()
	defer probeMu.Unlock()
	if err, ok := probed[addr]; ok {
		return err
	}
	err := ping(addr)
	probed[addr] = err
	return err
}

// ping sends one PING over a plain connection (a go-redis client would log its failed dials).
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line = strings.TrimSpace(line); line != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Real returns the Redis at REDIS_URL or, when REDIS_URL is not set, the one that answers at
// 127.0.0.1:6379; without either the test is skipped (failed in CI).
func Real(t testing.TB) *Redis {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		if err := probe(defaultAddr); err != nil {
			Skip(t, fmt.Sprintf("REDIS_URL is not set and no Redis answers at %s (%v)", defaultAddr, err))
		}
		u = "redis://" + defaultAddr
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	r := &Redis{Addr: opt.Addr, URL: u, opts: opt}
	c := r.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("REDIS_URL=%s does not answer: %v", u, err)
	}
	return r
}

// Sharded returns a Redis with sharded pub/sub (SPUBLISH, SSUBSCRIBE, PUBSUB SHARDNUMSUB):
// the one at REDIS_URL when it is set; else a miniredis when it has those commands (v2.40.0
// does not); else a redis-server process of the test. Without any of them the test is
// skipped (failed in CI).
func Sharded(t testing.TB) *Redis {
	t.Helper()
	if os.Getenv("REDIS_URL") != "" {
		return Real(t)
	}
	m := Mini(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := m.Client(t)
	err := c.SPublish(ctx, "redistest-probe", "x").Err()
	if err == nil {
		err = c.PubSubShardNumSub(ctx, "redistest-probe").Err()
	}
	if err == nil {
		return m
	}
	if _, lerr := exec.LookPath("redis-server"); lerr != nil {
		Skip(t, fmt.Sprintf("miniredis lacks sharded pub/sub (%v), REDIS_URL is not set and redis-server is not installed", err))
	}
	s := StartServer(t)
	return &Redis{Addr: s.Addr, URL: "redis://" + s.Addr, opts: &redis.Options{Addr: s.Addr}}
}

// Client returns a new client of r, closed when the test ends.
func (r *Redis) Client(t testing.TB) *redis.Client {
	t.Helper()
	opt := *r.opts
	c := redis.NewClient(&opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// Key returns a key prefix no other test uses (the test's name and random bytes), free of
// glob characters.
func Key(t testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "gosockio-test-" + unsafeChars.ReplaceAllString(t.Name(), "_") + "-" + hex.EncodeToString(b[:])
}

// Server is a redis-server process of one test, on a loopback port of its own.
type Server struct {
	// Addr is 127.0.0.1:port; it stays the same across Stop and Start.
	Addr  string
	bin   string
	argv  []string // the whole command line, when not the default one
	ready string   // the log line that tells the server is ready
	extra []string
	cmd   *exec.Cmd
	done  chan struct{}
}

// StartServer starts redis-server (without persistence) on a free loopback port, with extra
// arguments. Without the binary the test is skipped (failed in CI). The process is killed when
// the test ends.
func StartServer(t testing.TB, extra ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		Skip(t, "redis-server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{Addr: addr, bin: bin, extra: extra, ready: "Ready to accept connections"}
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// StartSentinel starts a Redis Sentinel (redis-server --sentinel) on a free loopback port,
// monitoring the master at masterAddr under the name "mymaster" with a quorum of 1, and
// returns its address.
func StartSentinel(t testing.TB, masterAddr string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		Skip(t, "redis-server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	host, mport, _ := net.SplitHostPort(masterAddr)
	conf := filepath.Join(t.TempDir(), "sentinel.conf")
	text := fmt.Sprintf("port %s\nbind 127.0.0.1\nsentinel monitor mymaster %s %s 1\n", port, host, mport)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: addr, bin: bin, argv: []string{conf, "--sentinel"}, ready: "+monitor master"}
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return addr
}

// StartCluster starts a Redis Cluster of n masters (no replicas) on loopback, its slots
// spread evenly, and waits until every node reports the cluster ok. It returns the nodes'
// addresses.
func StartCluster(t testing.TB, n int) []string {
	t.Helper()
	dir := t.TempDir()
	var addrs []string
	var clients []*redis.Client
	for i := range n {
		s := StartServer(t, "--cluster-enabled", "yes", "--dir", dir, "--cluster-config-file", fmt.Sprintf("nodes-%d.conf", i),
			"--cluster-node-timeout", "2000")
		addrs = append(addrs, s.Addr)
		clients = append(clients, s.Client(t, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, c := range clients {
		lo, hi := i*16384/n, (i+1)*16384/n-1
		if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			t.Fatalf("cluster addslotsrange on %s: %v", addrs[i], err)
		}
		if i > 0 {
			host, port, _ := net.SplitHostPort(addrs[i])
			if err := clients[0].Do(ctx, "CLUSTER", "MEET", host, port).Err(); err != nil {
				t.Fatalf("cluster meet %s: %v", addrs[i], err)
			}
		}
	}
	for i, c := range clients {
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", n)) {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("cluster node %s not ready: %v\n%s", addrs[i], err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return addrs
}

// Start (re)starts the process on s.Addr and waits until it answers.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	deadline := time.Now().Add(10 * time.Second)
	for {
		args := append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}, s.extra...)
		if s.argv != nil {
			args = s.argv
		}
		cmd := exec.Command(s.bin, args...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		ready := make(chan bool, 1)
		done := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(out)
			ok := false
			for sc.Scan() {
				if !ok && strings.Contains(sc.Text(), s.ready) {
					ok = true
					ready <- true
				}
			}
			if !ok {
				ready <- false
			}
			_ = cmd.Wait()
			close(done)
		}()
		select {
		case ok := <-ready:
			if ok {
				s.cmd, s.done = cmd, done
				return
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		// The port may still be held by the previous process for a moment.
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on port %s did not start", port)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop kills the process (as a crash would) and waits for it to exit.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Client returns a client of the server, closed when the test ends.
func (s *Server) Client(t testing.TB, opt *redis.Options) *redis.Client {
	t.Helper()
	o := redis.Options{}
	if opt != nil {
		o = *opt
	}
	o.Addr = s.Addr
	c := redis.NewClient(&o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Port returns the server's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// String is the server's address.
func (s *Server) String() string { return fmt.Sprintf("redis-server %s", s.Addr) }
