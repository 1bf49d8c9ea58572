package redisadapter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/internal/ticks"
	"github.com/gosockio/gosockio/redisadapter"
)

// TestOutageQueueOff: with MaxQueued negative, publishing fails at once with ErrUnavailable
// while Redis is away, as before the queue existed; local delivery goes on.
func TestOutageQueueOff(t *testing.T) {
	r := redistest.Mini(t)
	rdb := r.Client(t)
	logs := newLogSink()
	stats := new(redisadapter.Stats)
	a := startNode(t, rdb, redisadapter.Options{Key: redistest.Key(t), RequestsTimeout: time.Second, Logger: logs.logger(),
		MaxQueued: -1, Stats: stats})
	ca := connect(t, a)
	r.Mini.Close()
	logs.waitFor(t, "subscriber connection lost")
	start := time.Now()
	if err := a.srv.Emit("during"); !errors.Is(err, redisadapter.ErrUnavailable) {
		t.Errorf("Emit with Redis down and no queue: %v, want ErrUnavailable", err)
	}
	if el := time.Since(start); el > 100*time.Millisecond {
		t.Errorf("Emit took %v", el)
	}
	ca.expectEvent(t, "during")
	if stats.Queued() != 0 {
		t.Errorf("%d queued without a queue", stats.Queued())
	}
}

// TestOutageQueueFull: what the queue cannot take fails with ErrUnavailable and is counted;
// what it took reaches the other node, in order, once Redis is back.
func TestOutageQueueFull(t *testing.T) {
	r := redistest.Mini(t)
	rdb := r.Client(t)
	logs := newLogSink()
	stats := new(redisadapter.Stats)
	opts := redisadapter.Options{Key: redistest.Key(t), RequestsTimeout: time.Second, Logger: logs.logger(), MaxQueued: 2, Stats: stats}
	a := startNode(t, rdb, opts)
	b := startNode(t, rdb, opts)
	waitCount(t, 2, a, b)
	cb := connect(t, b)
	r.Mini.Close()
	logs.waitForN(t, "subscriber connection lost", 2)
	for _, ev := range []string{"q1", "q2"} {
		if err := a.srv.Emit(ev); err != nil {
			t.Fatalf("Emit %s: %v", ev, err)
		}
	}
	if err := a.srv.Emit("q3"); !errors.Is(err, redisadapter.ErrUnavailable) {
		t.Errorf("Emit with a full queue: %v, want ErrUnavailable", err)
	}
	if stats.Dropped() != 1 || stats.Queued() != 2 {
		t.Errorf("dropped %d, queued %d; want 1, 2", stats.Dropped(), stats.Queued())
	}
	logs.waitFor(t, "dropped messages that waited for Redis")
	if err := r.Mini.Restart(); err != nil {
		t.Fatal(err)
	}
	cb.expectEvent(t, "q1")
	cb.expectEvent(t, "q2")
	if err := a.srv.Emit("after"); err != nil {
		t.Fatal(err)
	}
	cb.expectEvent(t, "after")
}

// TestOutageQueueClose: closing the servers while Redis is away does not wait for it: the
// queued messages are dropped, counted and logged, and no goroutine is left (TestMain checks).
func TestOutageQueueClose(t *testing.T) {
	r := redistest.Mini(t)
	rdb := r.Client(t)
	logs := newLogSink()
	stats := new(redisadapter.Stats)
	f := redisadapter.New(rdb, redisadapter.Options{Key: redistest.Key(t), Logger: logs.logger(), Stats: stats})
	a := startNodeWith(t, f, logs.logger())
	a.srv.Of("/other") // a second namespace: the last to close drains the queue
	r.Mini.Close()
	logs.waitFor(t, "subscriber connection lost")
	for range 3 {
		if err := a.srv.Emit("x"); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := a.srv.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("close took %v with Redis away", el)
	}
	if stats.Dropped() != 3 || stats.Queued() != 0 {
		t.Errorf("dropped %d, queued %d; want 3, 0", stats.Dropped(), stats.Queued())
	}
	logs.waitFor(t, "closed before Redis was back")
}

// TestRedisRestartUnderTraffic: node A broadcasts 100 numbered ticks a second while a real
// redis-server is killed (SIGKILL) and started again on the same port 5 s later. The client of
// node B must get every tick, in order, except at most the few in flight when Redis died.
func TestRedisRestartUnderTraffic(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		name := "classic"
		if sharded {
			name = "sharded"
		}
		t.Run(name, func(t *testing.T) {
			rs := redistest.StartServer(t)
			rdb := rs.Client(t, nil)
			logs := newLogSink()
			stats := new(redisadapter.Stats)
			key := redistest.Key(t)
			var a, b *node
			if sharded {
				opts := redisadapter.ShardedOptions{ChannelPrefix: key, Logger: logs.logger(), Stats: stats}
				a, b = startShardedNode(t, rdb, opts), startShardedNode(t, rdb, opts)
			} else {
				opts := redisadapter.Options{Key: key, Logger: logs.logger(), Stats: stats}
				a, b = startNode(t, rdb, opts), startNode(t, rdb, opts)
			}
			waitCount(t, 2, a, b)
			rec := ticks.Record(connect(t, b).Client, "tick")

			tk := ticks.Start(10*time.Millisecond, func(n int64) error { return a.srv.Emit("tick", n) })
			rec.WaitFor(t, 20, 10*time.Second)
			rs.Stop(t)
			killedAt := tk.Sent()
			time.Sleep(5 * time.Second)
			rs.Start(t)
			time.Sleep(2 * time.Second)
			sent, failed := tk.Stop()
			rec.WaitFor(t, sent, 20*time.Second)
			tally := rec.Tally(sent)
			t.Logf("%v (%d sent before the kill, %d refused); queue dropped %d", tally, killedAt, failed, stats.Dropped())
			if tally.Lost > 2 || tally.Disordered > 0 || failed > 0 {
				t.Errorf("%v, %d refused; want ≤ 2 lost (the ticks in flight when Redis died), none out of order or refused", tally, failed)
			}
		})
	}
}
