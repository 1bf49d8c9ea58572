package test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// restartable is a Redis the test can take away and bring back on the same address.
type restartable struct {
	addr  string
	stop  func()
	start func()
}

// ownRedis is a redis-server process of the test when the binary is installed, else a
// miniredis.
func ownRedis(t *testing.T) restartable {
	if _, err := exec.LookPath("redis-server"); err == nil {
		s := redistest.StartServer(t)
		return restartable{addr: s.Addr, stop: func() { s.Stop(t) }, start: func() { s.Start(t) }}
	}
	t.Log("redis-server is not installed: restarting a miniredis instead")
	r := redistest.Mini(t)
	return restartable{addr: r.Addr, stop: r.Mini.Close, start: func() {
		if err := r.Mini.Restart(); err != nil {
			t.Fatal(err)
		}
	}}
}

// syncLog collects log output for the test to search.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.buf.String(), s)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ticks reads a client's "tick" events and records the highest sequence number seen.
type ticks struct {
	last atomic.Int64
	done chan struct{}
}

func readTicks(c *testclient.Client) *ticks {
	tk := &ticks{done: make(chan struct{})}
	tk.last.Store(-1)
	go func() {
		defer close(tk.done)
		for p := range c.Packets {
			if p.Type != parser.Event {
				continue
			}
			name, args, err := parser.EventArgs(p)
			var n int64
			if err != nil || name != "tick" || args.Bind(0, &n) != nil {
				continue
			}
			if n > tk.last.Load() {
				tk.last.Store(n)
			}
		}
	}()
	return tk
}

// TestClusterRedisRestart kills Redis under traffic and starts it again: no node crashes or
// hangs, publishing fails with errors while local delivery goes on (the outage queue is off
// here: MaxQueued -1; redis_restart_test.go covers the queue), requests fail, and once Redis
// is back the cluster works again without restarting any node.
func TestClusterRedisRestart(t *testing.T) {
	rs := ownRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.addr, MaxRetries: 1})
	t.Cleanup(func() { _ = rdb.Close() })
	logs := &syncLog{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	key := redistest.Key(t)

	var srvs []*socketio.Server
	var tks []*ticks
	for i := range 3 {
		srv, err := socketio.NewServer(socketio.Options{
			Adapter: redisadapter.New(rdb, redisadapter.Options{Key: key, RequestsTimeout: time.Second, Logger: logger, MaxQueued: -1}),
			Logger:  logger,
		})
		if err != nil {
			t.Fatal(err)
		}
		u, stopHTTP := serve(t, "127.0.0.1:0", srv)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Close(ctx); err != nil {
				t.Errorf("close node %d: %v", i, err)
			}
			stopHTTP()
		})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := testclient.Dial(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Connect(ctx, "/", nil); err != nil {
			t.Fatal(err)
		}
		cancel()
		t.Cleanup(c.Close)
		srvs = append(srvs, srv)
		tks = append(tks, readTicks(c))
	}
	count := func(srv *socketio.Server) int {
		n, err := srv.Namespace().Adapter().ServerCount(context.Background())
		if err != nil {
			return -1
		}
		return n
	}
	eventually(t, "three servers", 10*time.Second, func() bool {
		return count(srvs[0]) == 3 && count(srvs[1]) == 3 && count(srvs[2]) == 3
	})

	// Traffic: node 0 broadcasts a numbered tick every 5 ms.
	var (
		seq       atomic.Int64
		emitErrs  atomic.Int64
		stopTicks = make(chan struct{})
		ticking   sync.WaitGroup
	)
	ticking.Add(1)
	go func() {
		defer ticking.Done()
		tk := time.NewTicker(5 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stopTicks:
				return
			case <-tk.C:
				if err := srvs[0].Emit("tick", seq.Add(1)); err != nil {
					emitErrs.Add(1)
				}
			}
		}
	}()
	defer func() { close(stopTicks); ticking.Wait() }()
	reached := func(i int, n int64) func() bool { return func() bool { return tks[i].last.Load() >= n } }
	start := seq.Load() + 5
	for i := range tks {
		eventually(t, fmt.Sprintf("ticks at client %d", i), 10*time.Second, reached(i, start))
	}

	rs.stop()
	downAt := seq.Load()
	eventually(t, "the subscriber noticing the loss", 10*time.Second, func() bool { return logs.has("subscriber connection lost") })
	// Local delivery goes on while publishing fails.
	eventually(t, "local ticks during the outage", 10*time.Second, reached(0, downAt+20))
	eventually(t, "publish errors", 10*time.Second, func() bool { return emitErrs.Load() > 0 })
	began := time.Now()
	if _, err := srvs[1].FetchSockets(context.Background()); err == nil {
		t.Error("FetchSockets with Redis down: no error")
	}
	if _, err := srvs[2].ServerSideEmitWithAck(context.Background(), "anyone"); err == nil {
		t.Error("ServerSideEmitWithAck with Redis down: no error")
	}
	if el := time.Since(began); el > time.Second {
		t.Errorf("requests with Redis down took %v", el)
	}
	remoteBefore := tks[2].last.Load()
	if remoteBefore > downAt+10 {
		t.Errorf("client of node 2 got tick %d, emitted well after Redis went away (%d)", remoteBefore, downAt)
	}

	rs.start()
	upAt := seq.Load()
	eventually(t, "the subscribers reconnecting", 15*time.Second, func() bool { return logs.has("subscriber reconnected") })
	for i := range tks {
		eventually(t, fmt.Sprintf("ticks at client %d after the restart", i), 15*time.Second, reached(i, upAt+10))
	}
	eventually(t, "three servers after the restart", 10*time.Second, func() bool {
		return count(srvs[0]) == 3 && count(srvs[1]) == 3 && count(srvs[2]) == 3
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	socks, err := srvs[2].FetchSockets(ctx)
	if err != nil || len(socks) != 3 {
		t.Errorf("FetchSockets after the restart: %d sockets, %v", len(socks), err)
	}
	for _, srv := range srvs[1:] {
		srv.On("after", func(ev *socketio.Event) error { return ev.Ack("here") })
	}
	answers, err := srvs[0].ServerSideEmitWithAck(ctx, "after")
	if err != nil || len(answers) != 2 {
		t.Errorf("ServerSideEmitWithAck after the restart: %d answers, %v", len(answers), err)
	}
	t.Logf("ticks: %d emitted, %d publish errors during the outage", seq.Load(), emitErrs.Load())
}
