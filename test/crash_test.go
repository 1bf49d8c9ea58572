package test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

// childNodeEnv selects the child-node role of the test binary (see TestMain); its value is a
// childConfig in JSON.
const childNodeEnv = "GOSOCKIO_TEST_CHILD_NODE"

// childConfig tells a child node which Redis to use.
type childConfig struct {
	RedisURL string   `json:"redisURL,omitempty"` // a single Redis
	Cluster  []string `json:"cluster,omitempty"`  // or the addresses of a Redis Cluster
	Prefix   string   `json:"prefix"`
}

// runChildNode is the main function of a child node: a server with the sharded adapter on
// loopback. It prints "listening <URL>" and serves until the process is killed.
func runChildNode(spec string) int {
	var cfg childConfig
	if err := json.Unmarshal([]byte(spec), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "child node:", err)
		return 2
	}
	var rdb redis.UniversalClient
	if len(cfg.Cluster) > 0 {
		rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: cfg.Cluster})
	} else {
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child node:", err)
			return 2
		}
		rdb = redis.NewClient(opt)
	}
	srv, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.NewSharded(rdb, redisadapter.ShardedOptions{ChannelPrefix: cfg.Prefix})})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child node:", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child node:", err)
		return 1
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	err = http.Serve(ln, srv)
	fmt.Fprintln(os.Stderr, "child node:", err)
	return 1
}

// childNode is a node running in a process of its own.
type childNode struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed when the process has exited and its output is read
}

// startChildNode runs the test binary as a child node and waits for it to listen.
func startChildNode(t *testing.T, cfg childConfig) *childNode {
	t.Helper()
	spec, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childNodeEnv+"="+string(spec))
	cmd.Stderr = &testWriter{t: t, prefix: "[child!]"}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &childNode{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				urls <- u
			}
		}
		_ = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() { c.kill(t) })
	select {
	case c.url = <-urls:
	case <-c.done:
		t.Fatal("child node exited before listening")
	case <-time.After(20 * time.Second):
		t.Fatal("child node did not start listening")
	}
	return c
}

// kill kills the process (SIGKILL: no clean close of anything) and waits for it to exit.
func (c *childNode) kill(t *testing.T) {
	t.Helper()
	if c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Kill()
	}
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Error("killed child node did not exit")
	}
}

// testWriter sends lines to the test log, until the test ends.
type testWriter struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for line := range strings.Lines(string(p)) {
		w.t.Log(w.prefix, strings.TrimRight(line, "\n"))
	}
	return len(p), nil
}

// TestShardedNodeCrash kills the process of one node of a sharded cluster of three. Redis
// drops its connection, so SHARDNUMSUB no longer counts it: the other nodes' FetchSockets and
// ServerSideEmitWithAck then get every answer they wait for at once, instead of waiting
// RequestsTimeout for the dead node. A node started again is counted again and answers. Over
// a single Redis 7 and over a 3-master Redis Cluster.
func TestShardedNodeCrash(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		r := redistest.Sharded(t)
		testNodeCrash(t, r.Client(t), childConfig{RedisURL: r.URL})
	})
	t.Run("redis-cluster", func(t *testing.T) {
		addrs := redistest.StartCluster(t, 3)
		rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		t.Cleanup(func() { _ = rdb.Close() })
		testNodeCrash(t, rdb, childConfig{Cluster: addrs})
	})
}

func testNodeCrash(t *testing.T, rdb redis.UniversalClient, cfg childConfig) {
	const requestsTimeout = 10 * time.Second
	cfg.Prefix = redistest.Key(t)
	start := func() (*socketio.Server, string) {
		srv, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.NewSharded(rdb,
			redisadapter.ShardedOptions{ChannelPrefix: cfg.Prefix, RequestsTimeout: requestsTimeout})})
		if err != nil {
			t.Fatal(err)
		}
		srv.On("anyone", func(ev *socketio.Event) error { return ev.Ack("here") })
		u, stopHTTP := serve(t, "127.0.0.1:0", srv)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Close(ctx); err != nil {
				t.Errorf("close: %v", err)
			}
			stopHTTP()
		})
		return srv, u
	}
	srv, u := start()
	_, u2 := start()
	dial := func(u string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := testclient.Dial(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		id, err := c.Connect(ctx, "/", nil)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	count := func() int {
		n, err := srv.Namespace().Adapter().ServerCount(context.Background())
		if err != nil {
			return -1
		}
		return n
	}
	fetch := func(want ...string) time.Duration {
		t.Helper()
		start := time.Now()
		socks, err := srv.FetchSockets(context.Background())
		el := time.Since(start)
		var ids []string
		for _, s := range socks {
			ids = append(ids, s.ID())
		}
		if err != nil || len(ids) != len(want) {
			t.Fatalf("FetchSockets: %v, %v; want %v", ids, err, want)
		}
		for _, id := range want {
			if !strings.Contains(strings.Join(ids, " "), id) {
				t.Fatalf("FetchSockets: %v, want %v", ids, want)
			}
		}
		return el
	}
	mine, other := dial(u), dial(u2)

	child := startChildNode(t, cfg)
	theirs := dial(child.url)
	eventually(t, "three servers", 10*time.Second, func() bool { return count() == 3 })
	fetch(mine, other, theirs)

	killed := time.Now()
	child.kill(t)
	eventually(t, "the killed node no longer counted", requestsTimeout/2, func() bool { return count() == 2 })
	dropped := time.Since(killed)
	el := fetch(mine, other)
	answers, err := srv.ServerSideEmitWithAck(context.Background(), "anyone")
	if err != nil || len(answers) != 1 {
		t.Errorf("ServerSideEmitWithAck after the crash: %d answers, %v", len(answers), err)
	}
	total := time.Since(killed)
	if total > requestsTimeout/4 {
		t.Errorf("FetchSockets and ServerSideEmitWithAck answered %v after the crash, want well before RequestsTimeout (%v)", total, requestsTimeout)
	}
	t.Logf("killed node uncounted after %v; FetchSockets then took %v; both requests done %v after the kill (RequestsTimeout %v)",
		dropped, el, total, requestsTimeout)

	again := startChildNode(t, cfg)
	back := dial(again.url)
	eventually(t, "the restarted node counted again", 10*time.Second, func() bool { return count() == 3 })
	if el := fetch(mine, other, back); el > requestsTimeout/4 {
		t.Errorf("FetchSockets with the restarted node took %v", el)
	}
}
