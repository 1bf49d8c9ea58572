package emitter_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/emitter"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/internal/testlog"
)

// TestResult: the …Result variants tell the channel and how many subscriptions received the
// message; nobody listening is 0.
func TestResult(t *testing.T) {
	rdb, key := newRedis(t)
	e := emitter.New(rdb, emitter.Options{Key: key})
	res, err := e.To("r1").EmitResult(ctx, "ev")
	if err != nil || res != (emitter.Result{Channel: key + "#/#r1#"}) {
		t.Errorf("nobody subscribed: %+v, %v; want 0 receivers on %s#/#r1#", res, err, key)
	}
	record(t, rdb, key) // one subscription to every channel of the key
	admin := e.Of("/admin")
	for name, do := range map[string]func() (emitter.Result, error){
		"Emit":                      func() (emitter.Result, error) { return e.EmitResult(ctx, "ev", 1) },
		"operator Emit":             func() (emitter.Result, error) { return e.Except("x").EmitResult(ctx, "ev") },
		"SocketsJoin":               func() (emitter.Result, error) { return admin.SocketsJoinResult(ctx, "r") },
		"operator SocketsJoin":      func() (emitter.Result, error) { return admin.In("a").SocketsJoinResult(ctx, "r") },
		"SocketsLeave":              func() (emitter.Result, error) { return admin.SocketsLeaveResult(ctx, "r") },
		"operator SocketsLeave":     func() (emitter.Result, error) { return admin.In("a").SocketsLeaveResult(ctx, "r") },
		"DisconnectSockets":         func() (emitter.Result, error) { return admin.DisconnectSocketsResult(ctx, true) },
		"operator DisconnectSocket": func() (emitter.Result, error) { return admin.In("a").DisconnectSocketsResult(ctx, false) },
		"ServerSideEmit":            func() (emitter.Result, error) { return admin.ServerSideEmitResult(ctx, "ev") },
	} {
		res, err := do()
		if err != nil || res.Receivers != 1 || res.Queued || !strings.HasPrefix(res.Channel, key) {
			t.Errorf("%s: %+v, %v; want 1 receiver", name, res, err)
		}
	}
	if res, err := e.SocketsJoinResult(ctx); err != nil || res != (emitter.Result{}) {
		t.Errorf("SocketsJoin without rooms: %+v, %v; want nothing published", res, err)
	}
}

// deadRedis returns a client of an address where nothing listens.
func deadRedis(t *testing.T) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func closeEmitter(t *testing.T, e *emitter.Emitter) error {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return e.Close(c)
}

// TestOutageQueueBounds: with Redis unreachable, messages are queued (nil error, Queued set)
// up to MaxQueued; the next fails with ErrUnavailable; Close does not wait for Redis, drops
// the queued ones, counts them and ends the queue's goroutine (TestMain checks).
func TestOutageQueueBounds(t *testing.T) {
	logs := &testlog.Buffer{}
	e := emitter.New(deadRedis(t), emitter.Options{Key: "k", MaxQueued: 2, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	for _, ev := range []string{"a", "b"} {
		res, err := e.Of("/x").EmitResult(ctx, ev)
		if err != nil || !res.Queued || res.Channel != "k#/x#" {
			t.Fatalf("Emit %s with Redis away: %+v, %v; want queued", ev, res, err)
		}
	}
	if err := e.Emit(ctx, "c"); !errors.Is(err, emitter.ErrUnavailable) {
		t.Errorf("Emit with a full queue: %v, want ErrUnavailable", err)
	}
	if e.Queued() != 2 || e.Dropped() != 1 {
		t.Errorf("queued %d, dropped %d; want 2, 1", e.Queued(), e.Dropped())
	}
	start := time.Now()
	if err := closeEmitter(t, e); !errors.Is(err, emitter.ErrUnavailable) || !strings.Contains(err.Error(), "2 queued messages dropped") {
		t.Errorf("Close: %v, want 2 dropped", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Close waited %v for a Redis that is away", el)
	}
	if e.Queued() != 0 || e.Dropped() != 3 {
		t.Errorf("after Close: queued %d, dropped %d; want 0, 3", e.Queued(), e.Dropped())
	}
	for _, s := range []string{"queueing messages", "queue full", "closed before Redis was back"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, logs)
		}
	}
}

// TestOutageQueueRestart: a real redis-server killed (SIGKILL) and started again on the same
// port: what the emitter sent meanwhile reaches the subscriber once Redis is back, in order,
// and publishing is direct again after.
func TestOutageQueueRestart(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		redistest.Skip(t, "redis-server is not installed")
	}
	rs := redistest.StartServer(t)
	rdb := rs.Client(t, nil)
	key := uniqueKey(t)
	e := emitter.New(rdb, emitter.Options{Key: key})
	t.Cleanup(func() { _ = closeEmitter(t, e) })

	// A server stand-in: subscribed to the request channel (which the queue counts) and to the
	// broadcast channel, receiving across the restart (go-redis resubscribes).
	ps := rdb.Subscribe(ctx, key+"-request#/#", key+"#/#")
	t.Cleanup(func() { _ = ps.Close() })
	var (
		mu  sync.Mutex
		got []string
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			m, err := ps.ReceiveTimeout(ctx, 200*time.Millisecond)
			if err != nil {
				if !strings.Contains(err.Error(), "timeout") {
					time.Sleep(100 * time.Millisecond)
				}
				continue
			}
			if msg, ok := m.(*redis.Message); ok && msg.Channel == key+"#/#" {
				mu.Lock()
				got = append(got, msg.Payload)
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	waitNumSub(t, rdb, key+"-request#/#", 1)

	if res, err := e.EmitResult(ctx, "before"); err != nil || res.Receivers != 1 {
		t.Fatalf("before the outage: %+v, %v", res, err)
	}
	received := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(got)
	}
	for deadline := time.Now().Add(5 * time.Second); received() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the subscriber did not get the message sent before the outage")
		}
	}
	rs.Stop(t)
	for _, ev := range []string{"q1", "q2", "q3"} {
		res, err := e.EmitResult(ctx, ev)
		if err != nil || !res.Queued {
			t.Fatalf("Emit %s with Redis killed: %+v, %v; want queued", ev, res, err)
		}
	}
	rs.Start(t)
	fctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := e.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	res, err := e.EmitResult(ctx, "after")
	if err != nil || res.Queued || res.Receivers != 1 {
		t.Errorf("after the outage: %+v, %v; want published to 1", res, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var events []string
	for time.Now().Before(deadline) {
		mu.Lock()
		events = events[:0]
		for _, p := range got {
			for _, ev := range []string{"before", "q1", "q2", "q3", "after"} {
				if strings.Contains(p, ev) {
					events = append(events, ev)
				}
			}
		}
		mu.Unlock()
		if len(events) == 5 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Join(events, " ") != "before q1 q2 q3 after" {
		t.Errorf("subscriber got %q, want before q1 q2 q3 after", events)
	}
	if e.Dropped() != 0 {
		t.Errorf("%d dropped", e.Dropped())
	}
}

func waitNumSub(t *testing.T, rdb *redis.Client, ch string, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, err := rdb.PubSubNumSub(ctx, ch).Result()
		if err == nil && m[ch] == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("NUMSUB %s = %v (%v), want %d", ch, m[ch], err, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
