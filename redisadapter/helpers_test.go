package redisadapter_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

// node is one Go server of a test cluster, listening on loopback.
type node struct {
	srv *socketio.Server
	url string
}

// startNode starts a server whose adapter is redisadapter.New(rdb, opts); it is closed when the
// test ends.
func startNode(t testing.TB, rdb redis.UniversalClient, opts redisadapter.Options) *node {
	t.Helper()
	return startNodeWith(t, redisadapter.New(rdb, opts), opts.Logger)
}

// startShardedNode starts a server whose adapter is redisadapter.NewSharded(rdb, opts).
func startShardedNode(t testing.TB, rdb redis.UniversalClient, opts redisadapter.ShardedOptions) *node {
	t.Helper()
	return startNodeWith(t, redisadapter.NewSharded(rdb, opts), opts.Logger)
}

// startNodeWith starts a server whose adapter factory is f; it is closed when the test ends.
func startNodeWith(t testing.TB, f adapter.Factory, logger *slog.Logger) *node {
	t.Helper()
	srv, err := socketio.NewServer(socketio.Options{Adapter: f, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("server close: %v", err)
		}
		hs.Close()
	})
	return &node{srv: srv, url: hs.URL}
}

// uid is the node's id for the main namespace.
func (n *node) uid() string { return n.srv.Namespace().Adapter().(*cluster.Adapter).UID() }

// client is a WebSocket client connected to the main namespace of a node.
type client struct {
	*testclient.Client
	id string
}

func connect(t testing.TB, n *node) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := testclient.Dial(ctx, n.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	id, err := c.Connect(ctx, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{Client: c, id: id}
}

// next returns the next event the client got: its name and its arguments as JSON.
func (c *client) next(t testing.TB) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, name, _, err := c.NextEvent(ctx)
	if err != nil {
		t.Fatalf("client %s: %v", c.id, err)
	}
	return name, string(p.Data)
}

// expectEvent fails unless the next event is name.
func (c *client) expectEvent(t testing.TB, name string) string {
	t.Helper()
	got, data := c.next(t)
	if got != name {
		t.Fatalf("client %s got %q (%s), want %q", c.id, got, data, name)
	}
	return data
}

// waitCount waits until every node counts n servers.
func waitCount(t testing.TB, n int, nodes ...*node) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, nd := range nodes {
		for {
			got, err := nd.srv.Namespace().Adapter().ServerCount(context.Background())
			if err == nil && got == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("server count %d (%v), want %d", got, err, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// logSink collects log output and lets a test wait for a line.
type logSink struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	notify chan struct{}
}

func newLogSink() *logSink { return &logSink{notify: make(chan struct{}, 1)} }

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf.Write(p)
	l.mu.Unlock()
	select {
	case l.notify <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *logSink) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor waits until the log holds s.
func (l *logSink) waitFor(t testing.TB, s string) { t.Helper(); l.waitForN(t, s, 1) }

// waitForN waits until the log holds s n times.
func (l *logSink) waitForN(t testing.TB, s string, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for strings.Count(l.String(), s) < n {
		select {
		case <-l.notify:
		case <-deadline:
			t.Fatalf("log never said %q; log:\n%s", s, l.String())
		}
	}
}

// capture records what is published on channels starting with prefix.
type capture struct {
	t  testing.TB
	ps *redis.PubSub
}

func startCapture(t testing.TB, rdb *redis.Client, prefix string) *capture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ps := rdb.PSubscribe(ctx, prefix+"*")
	t.Cleanup(func() { _ = ps.Close() })
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	return &capture{t: t, ps: ps}
}

// next returns the next message published on a channel matching pred (others are skipped).
func (c *capture) next(pred func(channel string) bool) *redis.Message {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		m, err := c.ps.ReceiveMessage(ctx)
		if err != nil {
			c.t.Fatalf("capture: %v", err)
		}
		if pred(m.Channel) {
			return m
		}
	}
}
