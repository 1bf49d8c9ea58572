package redisadapter_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

// readier is what a readiness probe asserts on a namespace's adapter.
type readier interface{ Ready(context.Context) error }

func ready(t *testing.T, srv *socketio.Server, d time.Duration) error {
	t.Helper()
	r, ok := srv.Namespace().Adapter().(readier)
	if !ok {
		t.Fatalf("adapter %T has no Ready method", srv.Namespace().Adapter())
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return r.Ready(ctx)
}

// TestReady: Ready is nil once Redis has confirmed the subscriptions, fails with ErrUnavailable
// while the subscription connection is lost, recovers with it, and fails with ErrClosed after
// the server is closed.
func TestReady(t *testing.T) {
	r := redistest.Mini(t)
	logs := newLogSink()
	opts := redisadapter.Options{Key: redistest.Key(t), RequestsTimeout: time.Second, Logger: logs.logger()}
	n := startNode(t, r.Client(t), opts)
	if err := ready(t, n.srv, 5*time.Second); err != nil {
		t.Fatalf("Ready with Redis up: %v", err)
	}

	r.Mini.Close()
	logs.waitFor(t, "subscriber connection lost")
	if err := ready(t, n.srv, 5*time.Second); !errors.Is(err, redisadapter.ErrUnavailable) {
		t.Errorf("Ready with Redis down: %v, want ErrUnavailable", err)
	}
	if err := r.Mini.Restart(); err != nil {
		t.Fatal(err)
	}
	logs.waitFor(t, "subscriber reconnected")
	if err := ready(t, n.srv, 5*time.Second); err != nil {
		t.Errorf("Ready after Redis came back: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ready(t, n.srv, 5*time.Second); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("Ready after Close: %v, want ErrClosed", err)
	}
}

// TestReadyNeverConfirmed: a server started while Redis is unreachable is not ready; Ready
// returns when its context ends.
func TestReadyNeverConfirmed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	n := startNode(t, rdb, redisadapter.Options{Key: redistest.Key(t), RequestsTimeout: 200 * time.Millisecond, Logger: newLogSink().logger()})
	err = ready(t, n.srv, 300*time.Millisecond)
	if err == nil {
		t.Fatal("Ready with Redis unreachable: nil")
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, redisadapter.ErrUnavailable) {
		t.Errorf("Ready with Redis unreachable: %v, want a deadline or ErrUnavailable", err)
	}
}
