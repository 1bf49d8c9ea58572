// Package redispub publishes to Redis for package redisadapter and package emitter: one
// ordered queue per publisher (a Factory, an Emitter) that pipelines what waits and keeps what
// could not be published while Redis was unreachable; the classification of go-redis errors
// that says "unreachable"; and the subscriber counts (PUBSUB NUMSUB / SHARDNUMSUB) that tell
// when the subscribers are back.
//
// Pipelining: one message at a time is published while the queue is idle, at once, by the
// goroutine that sends it (Send) or by the queue's goroutine (Post). The messages handed to the
// queue while a round trip is in flight wait behind it, and go out together in one go-redis
// pipeline (one round trip) as soon as it is back, in the order in which they were handed over.
//
// Outages: when Redis cannot be reached the queue becomes an outage queue, bounded by count,
// bytes and age, and publishes its content, in order, once Redis and the subscribers are back.
//
// Order: a queue has at most one round trip in flight, and every message goes behind those
// handed over before it; so a caller's messages keep the order in which it sent them (messages
// of different goroutines have no order to keep), through outages too.
package redispub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// The zero-value defaults of the queue's bounds.
const (
	DefaultMessages = 10_000
	DefaultBytes    = 16 << 20
	DefaultAge      = 10 * time.Second
)

// Settle is how long the queue waits, once Redis answers again, for the subscribers of a
// scope to be as many as before the outage (they reconnect on their own schedule, within a
// second for Go and Node nodes) before it publishes anyway.
const Settle = 2 * time.Second

// logEvery rate-limits the warnings about dropped messages.
const logEvery = 5 * time.Second

// The bounds of one pipeline, and of what Post lets wait before its callers wait for their
// message's round trip (PostWindow, at most Limits.Messages when that is positive).
const (
	MaxBatch      = 512
	maxBatchBytes = 1 << 20
	PostWindow    = 1024
)

// Limits bound a Queue while Redis is unreachable.
type Limits struct {
	// Messages is the most messages the outage queue holds; negative means no outage queue at
	// all (what cannot be published fails).
	Messages int
	// Bytes is the most payload bytes it holds; zero or negative means no byte bound.
	Bytes int
	// Age is how long a message may wait; zero or negative means no age bound.
	Age time.Duration
}

// ResolveLimits applies the zero-value defaults of options documented as "zero means the
// default, negative means off": messages 0 → DefaultMessages (negative: no queue), bytes 0 →
// DefaultBytes (negative: no byte bound), age 0 → DefaultAge (negative: no age bound).
func ResolveLimits(messages, bytes int, age time.Duration) Limits {
	l := Limits{Messages: messages, Bytes: bytes, Age: age}
	if l.Messages == 0 {
		l.Messages = DefaultMessages
	}
	if l.Bytes == 0 {
		l.Bytes = DefaultBytes
	}
	if l.Age == 0 {
		l.Age = DefaultAge
	}
	return l
}

// Dest is where a message is published: a namespace of an adapter or of an emitter.
type Dest interface {
	// Pipe returns what the destination's messages are published through now. Messages in a
	// row whose Pipes are equal (==) go out in one round trip, so a Pipe must be comparable.
	Pipe(ctx context.Context) Pipe
	// Subscribers returns how many subscribers the scope of the destination has now; it fails
	// while Redis (or, for an adapter, its own subscription connection) is away.
	Subscribers(ctx context.Context) (int64, error)
}

// Pipe publishes messages.
type Pipe interface {
	// Publish sends msgs, in order, in one round trip, and sets res[i] to Redis' answer to
	// msgs[i] (len(res) == len(msgs)).
	Publish(ctx context.Context, msgs []*Message, res []Reply)
}

// Reply is Redis' answer to one message.
type Reply struct {
	// Receivers is what PUBLISH (SPUBLISH) answered: how many subscriptions received it.
	Receivers int64
	Err       error
}

// Client returns the Pipe of a go-redis client: PUBLISH, or SPUBLISH when sharded, and a
// pipeline for several messages. c is a *redis.Client, or a *redis.ClusterClient, whose
// pipelines send each command to the node of its channel's slot (each node's share in
// order, the nodes' concurrently). Pipes of the same client and family are equal.
func Client(c redis.Cmdable, sharded bool) Pipe {
	if c != nil && !reflect.TypeOf(c).Comparable() { // a wrapper of the caller's: a Pipe of its own
		return &client{c: c, sharded: sharded}
	}
	return client{c: c, sharded: sharded}
}

type client struct {
	c       redis.Cmdable
	sharded bool
}

func (p client) Publish(ctx context.Context, msgs []*Message, res []Reply) {
	Each(ctx, p.c, msgs, res, p.cmd)
}

// Each runs cmd for every message, alone or, for several, in one pipeline of c, and sets
// res[i] to the answer of msgs[i]'s command: its error, and Receivers when it answers an
// integer (PUBLISH, SPUBLISH). It is how a Pipe sends other commands than PUBLISH (XADD).
func Each[C redis.Cmder](ctx context.Context, c redis.Cmdable, msgs []*Message, res []Reply,
	cmd func(context.Context, redis.Cmdable, *Message) C) {
	if len(msgs) == 1 {
		res[0] = reply(cmd(ctx, c, msgs[0]))
		return
	}
	pipe := c.Pipeline()
	cmds := make([]C, len(msgs))
	for i, m := range msgs {
		cmds[i] = cmd(ctx, pipe, m)
	}
	_, _ = pipe.Exec(ctx) // each command has its own answer or error
	for i, c := range cmds {
		res[i] = reply(c)
	}
}

func reply(c redis.Cmder) Reply {
	if ic, ok := c.(*redis.IntCmd); ok {
		n, err := ic.Result()
		return Reply{Receivers: n, Err: err}
	}
	return Reply{Err: c.Err()}
}

func (p client) cmd(ctx context.Context, c redis.Cmdable, m *Message) *redis.IntCmd {
	if p.sharded {
		return c.SPublish(ctx, m.Channel, m.Payload)
	}
	return c.Publish(ctx, m.Channel, m.Payload)
}

// Message is one message to publish. The queue keeps it until it is published or dropped:
// a Message is handed to one Send or Post, and not used again by the caller.
type Message struct {
	Dest    Dest
	Channel string
	Payload []byte
	// Scope names the subscribers Dest.Subscribers counts (e.g. a namespace's request channel);
	// before publishing queued messages of a scope, the queue waits (at most Settle) until they
	// are as many as the receivers of the scope's last Wide message published before.
	Scope string
	// Wide marks a channel that every subscriber of the scope receives, so that the receivers
	// of its PUBLISH tell how many they are.
	Wide bool

	at    time.Time // when it was handed over
	w     *waiter   // who waits for the answer; nil for posted and outage messages
	state uint8
}

// The states of a Message in the queue.
const (
	waiting   uint8 = iota
	sending         // in the round trip in flight
	cancelled       // its Send's context ended before it was sent: skipped
)

// waiter is how a Send learns what became of its message.
type waiter struct {
	done chan struct{} // one value once res and err are set
	res  Result
	err  error
}

var waiters = sync.Pool{New: func() any { return &waiter{done: make(chan struct{}, 1)} }}

// Result is what became of a message.
type Result struct {
	// Receivers is what PUBLISH answered: how many subscriptions received the message. Zero
	// when Queued.
	Receivers int64
	// Queued is set when the message went to the outage queue (Redis was unreachable, or
	// messages sent before were still queued); it is published when Redis is back.
	Queued bool
}

// Stats are a queue's counters. A Stats may be shared by several queues; it then sums them.
type Stats struct {
	dropped atomic.Uint64
	queued  atomic.Int64
	bytes   atomic.Int64
}

// Dropped is how many messages were dropped: refused because the queue was full, aged out,
// refused by Redis when published from the queue, or left when the queue was drained at close.
func (s *Stats) Dropped() uint64 { return s.dropped.Load() }

// Queued is how many messages wait in the outage queue now (not those in flight, nor those
// waiting a moment behind a round trip while Redis answers).
func (s *Stats) Queued() int { return int(s.queued.Load()) }

// QueuedBytes is how many payload bytes wait in the outage queue now.
func (s *Stats) QueuedBytes() int { return int(s.bytes.Load()) }

// Config configures a Queue.
type Config struct {
	Limits Limits
	// Name prefixes log messages ("redisadapter", "emitter").
	Name string
	// Unavailable is the error that the errors of messages the queue cannot take wrap.
	Unavailable error
	// Timeout bounds each round trip the queue's goroutine makes (pipelines, subscriber
	// counts).
	Timeout time.Duration
	Logger  *slog.Logger
	// Stats receives the counters; nil means a Stats of the queue's own.
	Stats *Stats
}

// Queue publishes messages in order, several in one round trip when they wait behind one in
// flight, and through its bounded outage queue when Redis is unreachable. Its methods are safe
// for concurrent use. A goroutine runs while the queue holds messages posted or queued (none
// while it is empty); Drain ends it.
type Queue struct {
	cfg    Config
	window int // the most posted messages that wait before Post waits too

	mu       sync.Mutex
	buf      []*Message // buf[head:] wait, oldest first; the first inflight of them are in flight
	head     int
	inflight int
	flightB  int           // payload bytes of those in flight
	bytes    int           // payload bytes of buf[head:]
	busy     bool          // a sender runs (the queue's goroutine, or a Send publishing its own message); false means empty
	idle     chan struct{} // closed when busy turns false; made by Flush and Drain
	ctx      context.Context
	cancel   context.CancelFunc // ends ctx: a Drain gave up
	outage   bool               // buf[head:] is the outage queue
	ready    map[string]bool    // outage: scopes whose subscribers are back (the sender's)
	seen     map[string]int64   // scope -> receivers of its last Wide message
	draining int                // Drain calls in progress
	spell    spell
	lastLog  time.Time
	unlogged int // drops not logged yet
	counted  int // messages of this queue in cfg.Stats.queued
	countedB int // bytes of this queue in cfg.Stats.bytes

	// The sender's scratch (only the sender uses them, and there is one at a time).
	batch []*Message
	send  []*Message
	res   []Reply
	pipes []Pipe
}

// spell describes the current outage, for the recovery log line.
type spell struct {
	since   time.Time
	flushed int
	dropped int
	reason  string // of the last drop
}

// New returns an empty queue.
func New(cfg Config) *Queue {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Stats == nil {
		cfg.Stats = new(Stats)
	}
	if cfg.Unavailable == nil {
		cfg.Unavailable = errors.New("Redis unavailable")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	q := &Queue{cfg: cfg, window: PostWindow, seen: make(map[string]int64), ready: make(map[string]bool)}
	if n := cfg.Limits.Messages; n > 0 && n < q.window {
		q.window = n
	}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	return q
}

// Stats returns the queue's counters.
func (q *Queue) Stats() *Stats { return q.cfg.Stats }

// Send publishes m and returns Redis' answer. While the queue is idle it publishes m at once,
// in the caller's goroutine; while a round trip is in flight m waits behind it and goes out
// with what waits with it, in one pipeline. While the queue is an outage queue, or down is set
// (the caller knows Redis is away, e.g. its subscription connection is lost), or when the
// publish fails because Redis is unreachable, m goes to the outage queue and Send returns a
// Result with Queued set. An error wraps Config.Unavailable when the outage queue cannot take
// m (full, or there is none); other errors are those of the publish (Redis refused it, ctx
// ended, a timeout: the message may or may not have been delivered). A message whose ctx
// ends before it was sent is not sent.
func (q *Queue) Send(ctx context.Context, m *Message, down bool) (Result, error) {
	q.mu.Lock()
	if res, err, done := q.admitOutageLocked(m, down, false); done {
		q.mu.Unlock()
		return res, err
	}
	w := waiters.Get().(*waiter)
	m.w = w
	q.pushLocked(m)
	if q.busy {
		q.mu.Unlock()
		return q.wait(ctx, m, w)
	}
	q.busy = true
	batch := q.takeLocked()
	q.mu.Unlock()
	q.sendBatch(ctx, batch, false)
	q.mu.Lock()
	if q.lenLocked() > 0 {
		go q.run(q.ctx) // busy stays set: the queue's goroutine takes over
	} else {
		q.idleLocked()
	}
	q.mu.Unlock()
	return q.wait(ctx, m, w) // answered by now
}

// Post hands m to the queue and returns without waiting for Redis: the queue's goroutine
// publishes it, with what waits with it, in one pipeline. Post copies m.Payload. Its error is
// that of Send for a message the outage queue cannot take (while the queue is an outage queue,
// or down is set); what becomes of m later is counted and logged, not returned. When PostWindow
// messages already wait (Redis is slow), Post waits for m's round trip and returns its error.
func (q *Queue) Post(ctx context.Context, m *Message, down bool) error {
	m.Payload = bytes.Clone(m.Payload)
	q.mu.Lock()
	if _, err, done := q.admitOutageLocked(m, down, true); done {
		q.mu.Unlock()
		return err
	}
	if q.lenLocked() >= q.window { // busy: !busy means empty
		w := waiters.Get().(*waiter)
		m.w = w
		q.pushLocked(m)
		q.mu.Unlock()
		_, err := q.wait(ctx, m, w)
		return err
	}
	q.pushLocked(m)
	if !q.busy {
		q.busy = true
		go q.run(q.ctx)
	}
	q.mu.Unlock()
	return nil
}

// admitOutageLocked queues m in the outage queue when the queue is one or down is set (the
// outage then begins); done reports whether it did, or refused m.
func (q *Queue) admitOutageLocked(m *Message, down, owned bool) (res Result, err error, done bool) {
	if !down && !q.outage {
		return Result{}, nil, false
	}
	lim := q.cfg.Limits
	if lim.Messages < 0 {
		return Result{}, q.cfg.Unavailable, true
	}
	if !q.outage {
		q.holdLocked()
	}
	now := time.Now()
	q.expireLocked(now)
	if full := q.fullLocked(q.lenLocked()-q.inflight, q.bytes-q.flightB, len(m.Payload)); full != "" {
		q.dropLocked(1, "queue full")
		return Result{}, fmt.Errorf("%w: outage queue full (%s)", q.cfg.Unavailable, full), true
	}
	if !owned {
		m.Payload = bytes.Clone(m.Payload)
	}
	q.pushLocked(m)
	m.at = now
	q.countLocked()
	if !q.busy {
		q.busy = true
		go q.run(q.ctx)
	}
	return Result{Queued: true}, nil, true
}

// fullLocked says why the outage queue, holding n messages of b bytes, cannot take size
// bytes more ("" when it can). The bounds apply to the messages that wait, not to those in
// flight.
func (q *Queue) fullLocked(n, b, size int) string {
	lim := q.cfg.Limits
	switch {
	case n >= lim.Messages:
		return fmt.Sprintf("%d messages", n)
	case lim.Bytes > 0 && b+size > lim.Bytes:
		return fmt.Sprintf("%d bytes, this message %d", b, size)
	}
	return ""
}

// wait returns what became of m, which w waits for. When ctx ends first and m is not in
// flight, m is skipped.
func (q *Queue) wait(ctx context.Context, m *Message, w *waiter) (Result, error) {
	select {
	case <-w.done:
	case <-ctx.Done():
		q.mu.Lock()
		if m.w == w && m.state == waiting {
			m.state, m.w = cancelled, nil
			q.mu.Unlock()
			waiters.Put(w)
			return Result{}, ctx.Err()
		}
		q.mu.Unlock()
		<-w.done // answered, or in flight: answered within the round trip's timeout
	}
	res, err := w.res, w.err
	w.res, w.err = Result{}, nil
	waiters.Put(w)
	return res, err
}

// answerLocked tells m's Send (if one waits) what became of m.
func (q *Queue) answerLocked(m *Message, res Result, err error) {
	if w := m.w; w != nil {
		m.w = nil
		w.res, w.err = res, err
		w.done <- struct{}{}
	}
}

func (q *Queue) lenLocked() int { return len(q.buf) - q.head }

func (q *Queue) itemsLocked() []*Message { return q.buf[q.head:] }

func (q *Queue) pushLocked(m *Message) {
	if q.head > 0 && len(q.buf) == cap(q.buf) && q.head >= len(q.buf)/2 {
		n := copy(q.buf, q.buf[q.head:])
		clear(q.buf[n:])
		q.buf, q.head = q.buf[:n], 0
	}
	if m.at.IsZero() {
		m.at = time.Now()
	}
	m.state = waiting
	q.buf = append(q.buf, m)
	q.bytes += len(m.Payload)
}

// popLocked removes the head.
func (q *Queue) popLocked() *Message {
	m := q.buf[q.head]
	q.buf[q.head] = nil
	q.head++
	q.bytes -= len(m.Payload)
	if q.head == len(q.buf) {
		q.buf, q.head = q.buf[:0], 0
		if cap(q.buf) > 4*MaxBatch {
			q.buf = nil // let a large backing array go
		}
	}
	return m
}

// filterLocked keeps, of the messages after those in flight, those for which keep is true.
func (q *Queue) filterLocked(keep func(*Message) bool) {
	items := q.itemsLocked()
	out := q.head + q.inflight
	for _, m := range items[q.inflight:] {
		if keep(m) {
			q.buf[out] = m
			out++
		} else {
			q.bytes -= len(m.Payload)
		}
	}
	clear(q.buf[out:])
	q.buf = q.buf[:out]
	if q.head == len(q.buf) {
		q.buf, q.head = q.buf[:0], 0
	}
}

// countLocked brings cfg.Stats in line with the outage queue (what waits, not what is in
// flight).
func (q *Queue) countLocked() {
	n, b := 0, 0
	if q.outage {
		n, b = q.lenLocked()-q.inflight, q.bytes-q.flightB
	}
	q.cfg.Stats.queued.Add(int64(n - q.counted))
	q.cfg.Stats.bytes.Add(int64(b - q.countedB))
	q.counted, q.countedB = n, b
}

// holdLocked makes the queue an outage queue (again): the Sends that wait for messages not in
// flight learn that they are queued, and what exceeds the bounds is dropped (its Send gets an
// error wrapping Config.Unavailable). Redis is to be awaited again.
func (q *Queue) holdLocked() {
	clear(q.ready)
	if !q.outage {
		q.outage = true
		q.spell = spell{since: time.Now()}
		lim := q.cfg.Limits
		q.cfg.Logger.Info(q.cfg.Name+": Redis unreachable; queueing messages until it is back",
			"max_messages", lim.Messages, "max_bytes", lim.Bytes, "max_age", lim.Age)
	}
	n, b := 0, 0
	q.filterLocked(func(m *Message) bool {
		if m.state == cancelled {
			return false
		}
		if full := q.fullLocked(n, b, len(m.Payload)); full != "" {
			q.dropLocked(1, "queue full")
			q.answerLocked(m, Result{}, fmt.Errorf("%w: outage queue full (%s)", q.cfg.Unavailable, full))
			return false
		}
		if m.w != nil {
			m.Payload = bytes.Clone(m.Payload) // its Send returns now
			q.answerLocked(m, Result{Queued: true}, nil)
		}
		n++
		b += len(m.Payload)
		return true
	})
	q.countLocked()
}

// expireLocked drops the outage queue's messages at the head that waited longer than
// Limits.Age (never those in flight).
func (q *Queue) expireLocked(now time.Time) {
	if !q.outage || q.cfg.Limits.Age <= 0 {
		return
	}
	items := q.itemsLocked()
	n := 0
	for _, m := range items[q.inflight:] {
		if now.Sub(m.at) <= q.cfg.Limits.Age {
			break
		}
		n++
	}
	if n == 0 {
		return
	}
	i := 0
	q.filterLocked(func(m *Message) bool {
		i++
		if i > n {
			return true
		}
		q.answerLocked(m, Result{}, fmt.Errorf("%w: dropped after waiting longer than %v", q.cfg.Unavailable, q.cfg.Limits.Age))
		return false
	})
	q.dropLocked(n, "older than the queue's max age")
	q.countLocked()
}

// dropLocked counts n dropped messages and logs, at most once per logEvery.
func (q *Queue) dropLocked(n int, reason string) {
	q.cfg.Stats.dropped.Add(uint64(n))
	q.spell.dropped += n
	q.spell.reason = reason
	q.unlogged += n
	now := time.Now()
	if now.Sub(q.lastLog) < logEvery {
		return
	}
	q.cfg.Logger.Warn(q.cfg.Name+": dropped messages that waited for Redis",
		"dropped", q.unlogged, "reason", reason, "dropped_total", q.cfg.Stats.dropped.Load(),
		"max_messages", q.cfg.Limits.Messages, "max_bytes", q.cfg.Limits.Bytes, "max_age", q.cfg.Limits.Age)
	q.lastLog, q.unlogged = now, 0
}

// takeLocked marks the next batch in flight: up to MaxBatch messages (maxBatchBytes of
// payload, at least one message) from the head, in the outage queue only those of scopes
// whose subscribers are back. It returns them (cancelled ones included, which are not sent).
func (q *Queue) takeLocked() []*Message {
	items := q.itemsLocked()
	q.batch, q.send = q.batch[:0], q.send[:0]
	size := 0
	for _, m := range items {
		if len(q.batch) == MaxBatch || len(q.batch) > 0 && size+len(m.Payload) > maxBatchBytes ||
			q.outage && !q.ready[m.Scope] {
			break
		}
		q.batch = append(q.batch, m)
		size += len(m.Payload)
		if m.state == cancelled {
			continue
		}
		m.state = sending
		q.send = append(q.send, m)
	}
	q.inflight, q.flightB = len(q.batch), size
	q.countLocked()
	return q.batch
}

// errNotSent is the reply of the messages of a batch behind a round trip that failed.
var errNotSent = errors.New("redispub: not sent")

// sendBatch publishes batch (which takeLocked returned): the messages in a row with the same
// Pipe in one round trip each, in order, until one fails for want of Redis. ctx is the
// caller's for a Send publishing its own message (worker false), else the queue's, and each
// round trip then gets Config.Timeout. It settles the batch, and reports whether Redis could
// not be reached (the messages not published stay at the head).
func (q *Queue) sendBatch(ctx context.Context, batch []*Message, worker bool) (held bool) {
	send := q.send
	if cap(q.res) < len(send) {
		q.res = make([]Reply, len(send))
	}
	res := q.res[:len(send)]
	clear(res)
	pipes := q.pipes[:0]
	for _, m := range send {
		pipes = append(pipes, m.Dest.Pipe(ctx))
	}
	q.pipes = pipes
	for i := 0; i < len(send); {
		j := i + 1
		for j < len(send) && pipes[j] == pipes[i] {
			j++
		}
		pctx, cancel := ctx, context.CancelFunc(nil)
		if worker {
			pctx, cancel = context.WithTimeout(ctx, q.cfg.Timeout)
		}
		pipes[i].Publish(pctx, send[i:j], res[i:j])
		if cancel != nil {
			cancel()
		}
		failed := false
		for k := i; k < j; k++ {
			if q.hold(ctx, send[k], res[k].Err, worker) {
				failed = true
				break
			}
		}
		if failed {
			for k := j; k < len(send); k++ {
				res[k].Err = errNotSent
			}
			break
		}
		i = j
	}
	clear(pipes)

	q.mu.Lock()
	defer q.mu.Unlock()
	k := 0
	for i, m := range batch {
		if m.state == cancelled {
			q.popLocked()
			continue
		}
		r := res[k]
		k++
		if q.hold(ctx, m, r.Err, worker) {
			for _, m := range batch[i:] {
				if m.state == sending {
					m.state = waiting
				}
			}
			q.inflight, q.flightB = 0, 0
			if ctx.Err() == nil || !worker { // else the queue's goroutine stops
				q.holdLocked()
			}
			return true
		}
		q.popLocked()
		m.state = waiting
		switch {
		case r.Err == nil:
			if m.Wide {
				q.noteLocked(m.Scope, r.Receivers)
			}
			if q.outage {
				q.spell.flushed++
			}
			q.answerLocked(m, Result{Receivers: r.Receivers}, nil)
		case m.w != nil:
			q.answerLocked(m, Result{}, r.Err)
		case Unreachable(r.Err):
			q.dropLocked(1, "Redis unreachable (no outage queue): "+r.Err.Error())
		default:
			q.dropLocked(1, "refused by Redis: "+r.Err.Error())
		}
	}
	q.inflight, q.flightB = 0, 0
	q.countLocked()
	clear(q.batch)
	clear(q.send)
	return false
}

// hold reports whether m, whose round trip answered err, is to stay queued for a later try:
// Redis could not be reached, or (for a message nobody waits for) did not answer in time, or
// it was not sent; or the queue's goroutine is stopping.
func (q *Queue) hold(ctx context.Context, m *Message, err error, worker bool) bool {
	switch {
	case err == nil:
		return false
	case err == errNotSent || worker && ctx.Err() != nil:
		return true
	case q.cfg.Limits.Messages < 0 || !worker && ctx.Err() != nil:
		return false
	case Unreachable(err):
		return true
	}
	return m.w == nil && (errors.Is(err, context.DeadlineExceeded) || isTimeout(err))
}

// noteLocked remembers the receivers of a scope's Wide message.
func (q *Queue) noteLocked(scope string, n int64) {
	if _, ok := q.seen[scope]; !ok && len(q.seen) >= 4096 {
		clear(q.seen) // namespaces made on the fly: forget rather than grow
	}
	q.seen[scope] = n
}

// run is the queue's goroutine: it publishes what waits, in batches, until the queue is empty
// or a Drain gives up on it; in an outage it first waits for Redis and the subscribers.
func (q *Queue) run(ctx context.Context) {
	backoff := time.Duration(0)
	for {
		q.mu.Lock()
		q.expireLocked(time.Now())
		for q.lenLocked() > 0 && q.itemsLocked()[0].state == cancelled {
			q.popLocked()
			q.countLocked()
		}
		if q.lenLocked() == 0 || ctx.Err() != nil {
			q.endLocked("closed before Redis was back")
			q.mu.Unlock()
			return
		}
		if m := q.itemsLocked()[0]; q.outage && !q.ready[m.Scope] {
			want := q.seen[m.Scope]
			q.mu.Unlock()
			if !q.await(ctx, m.Dest, want) {
				if !q.retry(ctx, &backoff) {
					q.stop("closed before Redis was back")
					return
				}
				continue
			}
			q.mu.Lock()
			q.ready[m.Scope] = true
			q.mu.Unlock()
			continue
		}
		batch := q.takeLocked()
		q.mu.Unlock()
		if q.sendBatch(ctx, batch, true) {
			if !q.retry(ctx, &backoff) {
				q.stop("closed before Redis was back")
				return
			}
			continue
		}
		backoff = 0
	}
}

// retry waits before the queue's goroutine tries again, longer each time; false: give up (a
// Drain is in progress, or ctx ended).
func (q *Queue) retry(ctx context.Context, backoff *time.Duration) bool {
	if q.stalled() {
		return false
	}
	*backoff = min(max(2**backoff, 50*time.Millisecond), 500*time.Millisecond)
	return sleep(ctx, *backoff)
}

// stalled reports whether the queue's goroutine should give up rather than wait for Redis: a
// Drain is in progress.
func (q *Queue) stalled() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.draining > 0
}

// stop ends the queue's goroutine, dropping what is left.
func (q *Queue) stop(reason string) {
	q.mu.Lock()
	q.endLocked(reason)
	q.mu.Unlock()
}

// endLocked ends the queue's goroutine: what is left is dropped for reason (its Sends get an
// error wrapping Config.Unavailable), the end of an outage is logged, and the queue is idle.
func (q *Queue) endLocked(reason string) {
	if n := q.lenLocked(); n > 0 {
		dropped := 0
		for _, m := range q.itemsLocked() {
			if m.state != cancelled {
				dropped++
				q.answerLocked(m, Result{}, fmt.Errorf("%w: dropped: %s", q.cfg.Unavailable, reason))
			}
		}
		clear(q.buf)
		q.buf, q.head, q.bytes = nil, 0, 0
		if dropped > 0 {
			q.dropLocked(dropped, reason)
		}
	}
	if q.outage {
		q.outage = false
		s := q.spell
		took := time.Since(s.since).Round(time.Millisecond)
		if s.dropped > 0 { // the rate limit may have kept the last drops out of the log
			q.cfg.Logger.Warn(q.cfg.Name+": outage queue empty again; some messages were dropped",
				"published", s.flushed, "dropped", s.dropped, "last_reason", s.reason, "queued_for", took)
		} else {
			q.cfg.Logger.Info(q.cfg.Name+": outage queue empty again", "published", s.flushed, "queued_for", took)
		}
		q.lastLog, q.unlogged = time.Time{}, 0
	}
	q.spell = spell{}
	q.countLocked()
	q.idleLocked()
}

// idleLocked marks the queue idle (it is empty).
func (q *Queue) idleLocked() {
	q.busy = false
	if q.idle != nil {
		close(q.idle)
		q.idle = nil
	}
	if q.ctx.Err() != nil { // a Drain gave up on the last goroutine: the next one gets a new context
		q.ctx, q.cancel = context.WithCancel(context.Background())
	}
}

// await waits until the subscribers of a scope of d are back: Dest.Subscribers answers with
// at least want, or has been answering for Settle (or answers at all, during a Drain). It
// returns false when Redis does not answer.
func (q *Queue) await(ctx context.Context, d Dest, want int64) bool {
	var answered time.Time
	for {
		cctx, cancel := context.WithTimeout(ctx, q.cfg.Timeout)
		n, err := d.Subscribers(cctx)
		cancel()
		switch {
		case err != nil:
			return false
		case n >= want || q.stalled():
			return true
		case answered.IsZero():
			answered = time.Now()
		case time.Since(answered) >= Settle:
			return true
		}
		if !sleep(ctx, 50*time.Millisecond) {
			return false
		}
	}
}

// idleChan returns a channel closed once the queue is idle, or nil when it is.
func (q *Queue) idleChan() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.busy {
		return nil
	}
	if q.idle == nil {
		q.idle = make(chan struct{})
	}
	return q.idle
}

// Flush waits until the queue is empty (every message handed over published, or dropped) or
// ctx ends.
func (q *Queue) Flush(ctx context.Context) error {
	for {
		idle := q.idleChan()
		if idle == nil {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Drain publishes what is queued while Redis answers, until ctx ends; it does not wait for a
// Redis that is away. Then the queue's goroutine ends, and what is left is dropped (counted
// and logged). Drain returns how many messages were dropped meanwhile. The queue stays usable.
func (q *Queue) Drain(ctx context.Context) int {
	q.mu.Lock()
	q.draining++
	before := q.cfg.Stats.dropped.Load()
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		q.draining--
		q.mu.Unlock()
	}()
	for {
		idle := q.idleChan()
		if idle == nil {
			break
		}
		select {
		case <-idle:
		case <-ctx.Done():
			q.mu.Lock()
			if q.busy {
				q.cancel()
			}
			q.mu.Unlock()
			<-idle
		}
	}
	return int(q.cfg.Stats.dropped.Load() - before)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Unreachable reports whether err says that Redis could not be reached, so that the command
// was not run (or, for a connection that broke under it, most likely not: go-redis itself
// sends such a command again). It is false for an answer of Redis (except the transient
// LOADING, MASTERDOWN, CLUSTERDOWN and TRYAGAIN), a closed client, an ended context and a
// timeout (Redis may have run the command).
func Unreachable(err error) bool {
	if err == nil || errors.Is(err, redis.ErrClosed) {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return false
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		for _, p := range []string{"LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN"} {
			if strings.HasPrefix(rerr.Error(), p) {
				return true
			}
		}
		return false
	}
	// Not an answer of Redis: a broken or refused connection (io.EOF, ECONNRESET, ECONNREFUSED,
	// EPIPE), an exhausted pool, a Sentinel or Cluster client that finds no node.
	return true
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// CountSubscribers asks Redis how many connections subscribe ch: PUBSUB NUMSUB, or with sharded
// PUBSUB SHARDNUMSUB. On a Redis Cluster it sums the answers of every node (a classic
// subscription lives on one node) or, sharded, of every master.
func CountSubscribers(ctx context.Context, rdb redis.UniversalClient, ch string, sharded bool) (int, error) {
	count := func(ctx context.Context, c redis.Cmdable) (int64, error) {
		var m map[string]int64
		var err error
		if sharded {
			m, err = c.PubSubShardNumSub(ctx, ch).Result()
		} else {
			m, err = c.PubSubNumSub(ctx, ch).Result()
		}
		return m[ch], err
	}
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		n, err := count(ctx, rdb)
		return int(n), err
	}
	each := cc.ForEachShard
	if sharded {
		each = cc.ForEachMaster
	}
	var (
		mu    sync.Mutex
		total int64
	)
	err := each(ctx, func(ctx context.Context, c *redis.Client) error {
		n, err := count(ctx, c)
		if err != nil {
			return err
		}
		mu.Lock()
		total += n
		mu.Unlock()
		return nil
	})
	return int(total), err
}
