package redispub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/internal/testlog"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// fakeRedis is a Dest whose Redis can be taken away and brought back.
type fakeRedis struct {
	mu     sync.Mutex
	up     bool
	subs   int64  // what Subscribers answers while up
	refuse string // a channel Redis answers with an error
	got    []string
	hang   chan struct{} // when not nil, PublishPayload closes it and waits for its context
}

var errDown = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}

type redisErr string

func (e redisErr) Error() string { return string(e) }
func (redisErr) RedisError()     {}

func (f *fakeRedis) PublishPayload(ctx context.Context, ch string, b []byte) (int64, error) {
	if f.hang != nil {
		close(f.hang)
		<-ctx.Done()
		return 0, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.up {
		return 0, errDown
	}
	if ch == f.refuse {
		return 0, redisErr("ERR refused")
	}
	f.got = append(f.got, string(b))
	return f.subs, nil
}

func (f *fakeRedis) Subscribers(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.up {
		return 0, errDown
	}
	return f.subs, nil
}

func (f *fakeRedis) set(up bool, subs int64) {
	f.mu.Lock()
	f.up, f.subs = up, subs
	f.mu.Unlock()
}

func (f *fakeRedis) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.got)
}

var errUnavailable = errors.New("test: unavailable")

func newQueue(t *testing.T, lim Limits) (*Queue, *testlog.Buffer) {
	t.Helper()
	logs := &testlog.Buffer{}
	q := New(Config{Limits: lim, Name: "test", Unavailable: errUnavailable, Timeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		q.Drain(ctx)
	})
	return q, logs
}

func msg(f *fakeRedis, s string) *Message {
	return &Message{Dest: f, Channel: "ch", Payload: []byte(s), Scope: "scope", Wide: true}
}

func send(t *testing.T, q *Queue, m *Message, down bool) Result {
	t.Helper()
	res, err := q.Send(context.Background(), m, down)
	if err != nil {
		t.Fatalf("Send %s: %v", m.Payload, err)
	}
	return res
}

func flush(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// TestOrder: a message that fails because Redis is unreachable is queued, the next ones go
// behind it (even once Redis is back, until the queue is empty), and the queue publishes them
// in order once Redis and the scope's subscribers are back.
func TestOrder(t *testing.T) {
	f := &fakeRedis{}
	f.set(true, 2)
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	if res := send(t, q, msg(f, "m0"), false); res.Queued || res.Receivers != 2 {
		t.Fatalf("m0: %+v, want published to 2", res)
	}
	f.set(false, 0)
	if res := send(t, q, msg(f, "m1"), false); !res.Queued {
		t.Fatalf("m1 with Redis down: %+v, want queued", res)
	}
	f.set(true, 1) // Redis back, but one subscriber of two
	for i := 2; i < 50; i++ {
		if res := send(t, q, msg(f, fmt.Sprintf("m%d", i)), false); !res.Queued {
			t.Fatalf("m%d behind queued messages: %+v, want queued", i, res)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if got := f.received(); len(got) != 1 {
		t.Fatalf("published %v before the subscribers were back", got)
	}
	f.set(true, 2)
	flush(t, q)
	got := f.received()
	for i, s := range got {
		if s != fmt.Sprintf("m%d", i) {
			t.Fatalf("published %v, want m0…m49 in order", got)
		}
	}
	if len(got) != 50 || q.Stats().Queued() != 0 || q.Stats().Dropped() != 0 {
		t.Fatalf("published %d, queued %d, dropped %d", len(got), q.Stats().Queued(), q.Stats().Dropped())
	}
	if res := send(t, q, msg(f, "m50"), false); res.Queued {
		t.Fatal("queue empty again, yet m50 was queued")
	}
}

// TestSettle: when the subscribers do not come back to their number before the outage (a
// node left meanwhile), the queue publishes anyway after Settle.
func TestSettle(t *testing.T) {
	f := &fakeRedis{}
	f.set(true, 3)
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	send(t, q, msg(f, "a"), false)
	send(t, q, msg(f, "b"), true)
	start := time.Now()
	f.set(true, 2)
	flush(t, q)
	if el := time.Since(start); el < Settle-100*time.Millisecond || el > Settle+time.Second {
		t.Errorf("flushed after %v, want about %v", el, Settle)
	}
	if got := f.received(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("published %v", got)
	}
}

// TestBounds: the queue refuses what exceeds its count or bytes with the Unavailable error,
// drops what waited too long, counts both, and logs.
func TestBounds(t *testing.T) {
	t.Run("count", func(t *testing.T) {
		f := &fakeRedis{}
		q, logs := newQueue(t, ResolveLimits(3, 0, 0))
		for i := range 3 {
			send(t, q, msg(f, fmt.Sprint(i)), true)
		}
		_, err := q.Send(context.Background(), msg(f, "3"), true)
		if !errors.Is(err, errUnavailable) {
			t.Fatalf("fourth message: %v, want the Unavailable error", err)
		}
		if q.Stats().Dropped() != 1 || q.Stats().Queued() != 3 {
			t.Errorf("dropped %d, queued %d; want 1, 3", q.Stats().Dropped(), q.Stats().Queued())
		}
		if !strings.Contains(logs.String(), "reason=\"queue full\"") {
			t.Errorf("no warning:\n%s", logs)
		}
		f.set(true, 0)
		flush(t, q)
		if got := f.received(); !slices.Equal(got, []string{"0", "1", "2"}) {
			t.Errorf("published %v", got)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		f := &fakeRedis{}
		q, _ := newQueue(t, ResolveLimits(0, 10, 0))
		send(t, q, msg(f, "12345"), true)
		send(t, q, msg(f, "67890"), true)
		if _, err := q.Send(context.Background(), msg(f, "x"), true); !errors.Is(err, errUnavailable) {
			t.Fatalf("eleventh byte: %v, want the Unavailable error", err)
		}
		if q.Stats().QueuedBytes() != 10 || q.Stats().Dropped() != 1 {
			t.Errorf("queued %d bytes, dropped %d", q.Stats().QueuedBytes(), q.Stats().Dropped())
		}
	})
	t.Run("age", func(t *testing.T) {
		f := &fakeRedis{}
		q, logs := newQueue(t, ResolveLimits(0, 0, 100*time.Millisecond))
		send(t, q, msg(f, "old1"), true)
		send(t, q, msg(f, "old2"), true)
		time.Sleep(150 * time.Millisecond)
		send(t, q, msg(f, "new"), true)
		if q.Stats().Dropped() != 2 || q.Stats().Queued() != 1 {
			t.Errorf("dropped %d, queued %d; want 2, 1", q.Stats().Dropped(), q.Stats().Queued())
		}
		if !strings.Contains(logs.String(), "max age") {
			t.Errorf("no warning:\n%s", logs)
		}
		f.set(true, 0)
		flush(t, q)
		if got := f.received(); !slices.Equal(got, []string{"new"}) {
			t.Errorf("published %v", got)
		}
	})
	t.Run("age while the subscribers are awaited", func(t *testing.T) {
		f := &fakeRedis{}
		f.set(true, 2)
		q, _ := newQueue(t, ResolveLimits(0, 0, 200*time.Millisecond))
		send(t, q, msg(f, "direct"), false) // 2 receivers
		send(t, q, msg(f, "old"), true)
		f.set(true, 1) // the flush waits for a second subscriber, up to Settle
		flush(t, q)
		if got := f.received(); !slices.Equal(got, []string{"direct"}) || q.Stats().Dropped() != 1 {
			t.Errorf("published %v, dropped %d; want the aged message dropped, not published", got, q.Stats().Dropped())
		}
	})
	t.Run("off", func(t *testing.T) {
		f := &fakeRedis{}
		q, _ := newQueue(t, ResolveLimits(-1, 0, 0))
		if _, err := q.Send(context.Background(), msg(f, "a"), true); !errors.Is(err, errUnavailable) {
			t.Errorf("down, no queue: %v, want the Unavailable error", err)
		}
		if _, err := q.Send(context.Background(), msg(f, "a"), false); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("unreachable, no queue: %v, want the publish error", err)
		}
	})
}

// TestRefused: a queued message that Redis refuses is dropped and counted; the next ones go on.
// A direct publish that Redis refuses returns its error and queues nothing.
func TestRefused(t *testing.T) {
	f := &fakeRedis{refuse: "bad"}
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	send(t, q, msg(f, "a"), true)
	send(t, q, &Message{Dest: f, Channel: "bad", Payload: []byte("b")}, true)
	send(t, q, msg(f, "c"), true)
	f.set(true, 0)
	flush(t, q)
	if got := f.received(); !slices.Equal(got, []string{"a", "c"}) || q.Stats().Dropped() != 1 {
		t.Errorf("published %v, dropped %d", got, q.Stats().Dropped())
	}
	if _, err := q.Send(context.Background(), &Message{Dest: f, Channel: "bad"}, false); err == nil || q.Stats().Queued() != 0 {
		t.Errorf("refused direct publish: %v, %d queued", err, q.Stats().Queued())
	}
}

// TestDrain: Drain publishes what it can while Redis answers, does not wait for a Redis that
// is away, drops the rest, and leaves no goroutine; the queue stays usable.
func TestDrain(t *testing.T) {
	f := &fakeRedis{}
	q, logs := newQueue(t, ResolveLimits(0, 0, 0))
	send(t, q, msg(f, "a"), true)
	send(t, q, msg(f, "b"), true)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n := q.Drain(ctx); n != 2 {
		t.Errorf("Drain dropped %d, want 2", n)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Drain waited %v for a Redis that is away", el)
	}
	if !strings.Contains(logs.String(), "closed before Redis was back") {
		t.Errorf("no warning:\n%s", logs)
	}
	send(t, q, msg(f, "c"), true)
	f.set(true, 5) // fewer than before would not matter: Drain does not settle
	if n := q.Drain(ctx); n != 0 {
		t.Errorf("Drain with Redis up dropped %d", n)
	}
	if got := f.received(); !slices.Equal(got, []string{"c"}) {
		t.Errorf("published %v", got)
	}
}

// TestDrainDeadline: a Drain whose context ends stops a flush that is blocked on Redis, and
// drops what is left.
func TestDrainDeadline(t *testing.T) {
	f := &fakeRedis{hang: make(chan struct{})}
	f.set(true, 0)
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	send(t, q, msg(f, "a"), true)
	<-f.hang // the flush is in PublishPayload, which waits for its context
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if n := q.Drain(ctx); n != 1 {
		t.Errorf("Drain dropped %d, want 1", n)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("Drain took %v", el)
	}
}

// TestUnreachable: which go-redis errors mean "not sent".
func TestUnreachable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{errDown, true},
		{io.EOF, true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{errors.New("redis: all sentinels specified in configuration are unreachable"), true},
		{redisErr("LOADING Redis is loading the dataset in memory"), true},
		{redisErr("ERR unknown command"), false},
		{redis.ErrClosed, false},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
		{&net.OpError{Op: "read", Err: timeoutErr{}}, false},
		{nil, false},
	} {
		if got := Unreachable(c.err); got != c.want {
			t.Errorf("Unreachable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
