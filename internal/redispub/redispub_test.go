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
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/internal/testlog"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// fakeRedis is a Dest, and its own Pipe, whose Redis can be taken away and brought back.
type fakeRedis struct {
	mu     sync.Mutex
	up     bool
	subs   int64  // what Subscribers answers while up
	refuse string // a channel Redis answers with an error
	got    []string
	trips  int           // round trips (Publish calls)
	sizes  []int         // messages of each round trip
	hang   chan struct{} // when not nil, Publish closes it and waits for its context
	gate   chan struct{} // when not nil, each round trip waits until it is closed
	delay  time.Duration // each round trip takes this long
}

var errDown = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}

type redisErr string

func (e redisErr) Error() string { return string(e) }
func (redisErr) RedisError()     {}

func (f *fakeRedis) Pipe(context.Context) Pipe { return f }

func (f *fakeRedis) Publish(ctx context.Context, msgs []*Message, res []Reply) {
	if f.hang != nil {
		close(f.hang)
		<-ctx.Done()
		for i := range res {
			res[i].Err = ctx.Err()
		}
		return
	}
	if f.gate != nil {
		<-f.gate
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trips++
	f.sizes = append(f.sizes, len(msgs))
	for i, m := range msgs {
		switch {
		case !f.up:
			res[i].Err = errDown
		case m.Channel == f.refuse:
			res[i].Err = redisErr("ERR refused")
		default:
			f.got = append(f.got, string(m.Payload))
			res[i].Receivers = f.subs
		}
	}
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
	f.set(true, 2) // before the flush asks
	start := time.Now()
	send(t, q, msg(f, "b"), true)
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

// TestPipelined: Sends of many goroutines while a round trip is in flight go out together, in
// far fewer round trips than messages, each goroutine's messages in its order, none lost.
func TestPipelined(t *testing.T) {
	f := &fakeRedis{delay: 2 * time.Millisecond}
	f.set(true, 1)
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	const senders, each = 20, 50
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				res, err := q.Send(context.Background(), msg(f, fmt.Sprintf("%d-%d", g, i)), false)
				if err != nil || res.Queued || res.Receivers != 1 {
					errs <- fmt.Errorf("g%d m%d: %+v, %v", g, i, res, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkOrder(t, f.received(), senders, each)
	f.mu.Lock()
	trips, sizes := f.trips, f.sizes
	f.mu.Unlock()
	t.Logf("%d messages in %d round trips (largest %d)", senders*each, trips, slices.Max(sizes))
	if trips > senders*each/4 {
		t.Errorf("%d round trips for %d messages: not pipelined", trips, senders*each)
	}
}

// checkOrder checks that got holds every "g-i" of senders×each, each sender's in order.
func checkOrder(t *testing.T, got []string, senders, each int) {
	t.Helper()
	next := make([]int, senders)
	for _, s := range got {
		var g, i int
		if _, err := fmt.Sscanf(s, "%d-%d", &g, &i); err != nil {
			t.Fatalf("published %q", s)
		}
		if i != next[g] {
			t.Fatalf("sender %d: got message %d, want %d (out of order or lost)", g, i, next[g])
		}
		next[g]++
	}
	for g, n := range next {
		if n != each {
			t.Errorf("sender %d: %d messages published, want %d", g, n, each)
		}
	}
}

// TestPostPipelined: one goroutine posting without waiting: the messages handed over while a
// round trip is in flight go out in the next one, in order.
func TestPostPipelined(t *testing.T) {
	f := &fakeRedis{delay: time.Millisecond}
	f.set(true, 1)
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	const n = 2000
	for i := range n {
		if err := q.Post(context.Background(), msg(f, fmt.Sprintf("0-%d", i)), false); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, q)
	checkOrder(t, f.received(), 1, n)
	f.mu.Lock()
	trips := f.trips
	f.mu.Unlock()
	if trips > n/10 {
		t.Errorf("%d round trips for %d posted messages", trips, n)
	}
	if q.Stats().Queued() != 0 || q.Stats().Dropped() != 0 {
		t.Errorf("queued %d, dropped %d", q.Stats().Queued(), q.Stats().Dropped())
	}
}

// TestLoneSend: a Send while nothing is in flight is published at once, in one round trip of
// its own, by the caller.
func TestLoneSend(t *testing.T) {
	f := &fakeRedis{delay: 20 * time.Millisecond}
	f.set(true, 3)
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	start := time.Now()
	res := send(t, q, msg(f, "a"), false)
	if el := time.Since(start); el > f.delay+100*time.Millisecond {
		t.Errorf("lone Send took %v, its round trip %v", el, f.delay)
	}
	if res.Receivers != 3 || f.trips != 1 {
		t.Errorf("%+v in %d round trips", res, f.trips)
	}
	start = time.Now()
	if err := q.Post(context.Background(), msg(f, "b"), false); err != nil {
		t.Fatal(err)
	}
	flush(t, q)
	if el := time.Since(start); el > f.delay+100*time.Millisecond || f.trips != 2 {
		t.Errorf("lone Post published after %v (its round trip %v), %d round trips in all", el, f.delay, f.trips)
	}
}

// TestBatchErrors: in a pipeline, the message Redis refuses fails its own Send only; a
// refused posted message is dropped and counted.
func TestBatchErrors(t *testing.T) {
	f := &fakeRedis{refuse: "bad", gate: make(chan struct{})}
	f.set(true, 1)
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	var wg sync.WaitGroup
	wg.Go(func() { send(t, q, msg(f, "first"), false) }) // in flight until the gate opens
	waitQueue(t, q, 1)
	results := make([]error, 3)
	for i, ch := range []string{"ch", "bad", "ch"} {
		wg.Go(func() {
			_, results[i] = q.Send(context.Background(), &Message{Dest: f, Channel: ch, Payload: []byte(fmt.Sprint(i))}, false)
		})
		waitQueue(t, q, 2+i)
	}
	if err := q.Post(context.Background(), &Message{Dest: f, Channel: "bad", Payload: []byte("p")}, false); err != nil {
		t.Fatal(err)
	}
	close(f.gate)
	wg.Wait()
	flush(t, q)
	var rerr redisErr
	if results[0] != nil || !errors.As(results[1], &rerr) || results[2] != nil {
		t.Errorf("results %v, want nil, ERR refused, nil", results)
	}
	if q.Stats().Dropped() != 1 {
		t.Errorf("dropped %d, want the refused posted message", q.Stats().Dropped())
	}
	if got := f.received(); !slices.Equal(got, []string{"first", "0", "2"}) || f.trips != 2 {
		t.Errorf("published %v in %d round trips, want first, 0, 2 in 2", got, f.trips)
	}
}

// waitQueue waits until q holds n messages.
func waitQueue(t *testing.T, q *Queue, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		q.mu.Lock()
		got := q.lenLocked()
		q.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue holds %d messages, want %d", got, n)
		}
	}
}

// TestSendCancelled: a Send whose context ends while its message waits behind a round trip
// returns the context's error, and the message is not published.
func TestSendCancelled(t *testing.T) {
	f := &fakeRedis{delay: 50 * time.Millisecond}
	f.set(true, 1)
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	go func() { _ = q.Post(context.Background(), msg(f, "a"), false) }()
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := q.Send(ctx, msg(f, "b"), false); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send: %v, want its context's error", err)
	}
	send(t, q, msg(f, "c"), false)
	flush(t, q)
	if got := f.received(); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("published %v, want a, c", got)
	}
}

// TestOutageBehindPipeline: when Redis goes away under a pipeline, the Sends waiting behind
// it learn that their messages are queued, and everything is published in order once Redis
// is back.
func TestOutageBehindPipeline(t *testing.T) {
	f := &fakeRedis{delay: 5 * time.Millisecond}
	f.set(true, 1)
	q, _ := newQueue(t, ResolveLimits(0, 0, 0))
	send(t, q, msg(f, "0-0"), false) // one receiver seen
	var wg sync.WaitGroup
	queued := atomic.Int64{}
	const senders, each = 8, 20
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if g == 0 && i == 0 {
					continue
				}
				res, err := q.Send(context.Background(), msg(f, fmt.Sprintf("%d-%d", g, i)), false)
				if err != nil {
					t.Errorf("%d-%d: %v", g, i, err)
				}
				if res.Queued {
					queued.Add(1)
				}
				if g == 0 && i == 5 {
					f.set(false, 0)
				}
			}
		}()
	}
	wg.Wait()
	if queued.Load() == 0 {
		t.Fatal("nothing queued while Redis was away")
	}
	f.set(true, 1)
	flush(t, q)
	checkOrder(t, f.received(), senders, each)
	if q.Stats().Queued() != 0 || q.Stats().Dropped() != 0 {
		t.Errorf("queued %d, dropped %d", q.Stats().Queued(), q.Stats().Dropped())
	}
}

// TestPostWindow: with PostWindow messages waiting, Post waits for its round trip.
func TestPostWindow(t *testing.T) {
	f := &fakeRedis{delay: 30 * time.Millisecond}
	f.set(true, 1)
	q, _ := newQueue(t, ResolveLimits(4, 0, 0)) // window 4
	start := time.Now()
	for i := range 10 {
		if err := q.Post(context.Background(), msg(f, fmt.Sprintf("0-%d", i)), false); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < f.delay {
		t.Errorf("10 Posts with a window of 4 returned after %v, without waiting", el)
	}
	flush(t, q)
	checkOrder(t, f.received(), 1, 10)
}

// TestClientPipe: Client sends one message as one command and several in one pipeline, over
// a real Redis; the receivers come back per message.
func TestClientPipe(t *testing.T) {
	rdb := redistest.Real(t).Client(t)
	hook := &tripHook{}
	rdb.AddHook(hook)
	ctx := context.Background()
	key := redistest.Key(t)
	ps := rdb.Subscribe(ctx, key+"a")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	p := Client(rdb, false)
	if p != Client(rdb, false) || p == Client(rdb, true) {
		t.Error("Pipes of one client and family are not equal, or those of two families are")
	}
	msgs := []*Message{{Channel: key + "a", Payload: []byte("1")}, {Channel: key + "b", Payload: []byte("2")}, {Channel: key + "a", Payload: []byte("3")}}
	res := make([]Reply, 3)
	p.Publish(ctx, msgs[:1], res[:1])
	p.Publish(ctx, msgs, res)
	for i, want := range []int64{1, 0, 1} {
		if res[i].Err != nil || res[i].Receivers != want {
			t.Errorf("reply %d: %+v, want %d receivers", i, res[i], want)
		}
	}
	if hook.cmds.Load() != 1 || hook.pipes.Load() != 1 {
		t.Errorf("%d commands, %d pipelines; want 1, 1", hook.cmds.Load(), hook.pipes.Load())
	}
	for _, want := range []string{"1", "1", "3"} {
		m, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Payload != want {
			t.Errorf("received %q, want %q", m.Payload, want)
		}
	}
}

// tripHook counts the commands and pipelines a go-redis client sends.
type tripHook struct{ cmds, pipes atomic.Int64 }

func (*tripHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *tripHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "publish" || cmd.Name() == "spublish" {
			h.cmds.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h *tripHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && (cmds[0].Name() == "publish" || cmds[0].Name() == "spublish") {
			h.pipes.Add(1)
		}
		return next(ctx, cmds)
	}
}
