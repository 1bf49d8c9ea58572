// Package redispub publishes to Redis through short outages, for package redisadapter and
// package emitter: a bounded, ordered queue (by count, bytes and age) that keeps what could
// not be published while Redis was unreachable and publishes it, in order, once Redis and the
// subscribers are back; the classification of go-redis errors that says "unreachable"; and
// the subscriber counts (PUBSUB NUMSUB / SHARDNUMSUB) that tell when the subscribers are back.
//
// Order: while the queue holds anything, every new message goes behind it, and the queue
// counts as empty only once its last message has been published; so a caller's messages keep
// the order in which it sent them (messages of different goroutines have no order to keep).
package redispub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
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

// Limits bound a Queue.
type Limits struct {
	// Messages is the most messages the queue holds; negative means no queue at all.
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
	// Publish sends one message and returns how many subscribers received it.
	PublishPayload(ctx context.Context, channel string, payload []byte) (int64, error)
	// Subscribers returns how many subscribers the scope of the destination has now; it fails
	// while Redis (or, for an adapter, its own subscription connection) is away.
	Subscribers(ctx context.Context) (int64, error)
}

// Message is one message to publish.
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

	at time.Time
}

// Result is what became of a message.
type Result struct {
	// Receivers is what PUBLISH answered: how many subscriptions received the message. Zero
	// when Queued.
	Receivers int64
	// Queued is set when the message went to the queue (Redis was unreachable, or messages sent
	// before were still queued); it is published when Redis is back.
	Queued bool
}

// Stats are a queue's counters. A Stats may be shared by several queues; it then sums them.
type Stats struct {
	dropped atomic.Uint64
	queued  atomic.Int64
	bytes   atomic.Int64
}

// Dropped is how many messages were dropped: refused because the queue was full, aged out,
// refused by Redis when flushed, or left when the queue was drained at close.
func (s *Stats) Dropped() uint64 { return s.dropped.Load() }

// Queued is how many messages wait now.
func (s *Stats) Queued() int { return int(s.queued.Load()) }

// QueuedBytes is how many payload bytes wait now.
func (s *Stats) QueuedBytes() int { return int(s.bytes.Load()) }

// Config configures a Queue.
type Config struct {
	Limits Limits
	// Name prefixes log messages ("redisadapter", "emitter").
	Name string
	// Unavailable is the error that the errors of messages the queue cannot take wrap.
	Unavailable error
	// Timeout bounds each command the queue sends itself (publishes of queued messages,
	// subscriber counts).
	Timeout time.Duration
	Logger  *slog.Logger
	// Stats receives the counters; nil means a Stats of the queue's own.
	Stats *Stats
}

// Queue publishes messages, through its bounded queue when Redis is unreachable. Its methods
// are safe for concurrent use. A goroutine runs while the queue holds messages; Drain stops it.
type Queue struct {
	cfg Config

	mu       sync.Mutex
	items    []*Message // items[0] is published first; it stays here while it is being published
	inflight *Message   // items[0] while the flush goroutine publishes it
	bytes    int
	seen     map[string]int64 // scope -> receivers of its last Wide message
	run      *flushRun        // the flush goroutine, while items is not empty
	draining int              // Drain calls in progress
	outage   outage
	lastLog  time.Time
	unlogged int // drops not logged yet
}

// outage describes the current spell of queueing, for the recovery log line.
type outage struct {
	since   time.Time
	flushed int
	dropped int
	reason  string // of the last drop
}

// flushRun is one flush goroutine.
type flushRun struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
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
	return &Queue{cfg: cfg, seen: make(map[string]int64)}
}

// Stats returns the queue's counters.
func (q *Queue) Stats() *Stats { return q.cfg.Stats }

// Send publishes m at once when the queue is empty and down is false (down: the caller knows
// Redis is away, e.g. its subscription connection is lost). Otherwise, or when that publish
// fails because Redis is unreachable, m goes to the queue, and Send returns a Result with
// Queued set. An error wraps Config.Unavailable when the queue cannot take m (full, or there
// is no queue); other errors are those of the publish (Redis refused it, ctx ended, a
// timeout: the message may or may not have been delivered). ctx bounds the direct publish
// only.
func (q *Queue) Send(ctx context.Context, m *Message, down bool) (Result, error) {
	q.mu.Lock()
	if len(q.items) > 0 || down {
		err := q.pushLocked(m)
		q.mu.Unlock()
		return Result{Queued: err == nil}, err
	}
	q.mu.Unlock()
	n, err := m.Dest.PublishPayload(ctx, m.Channel, m.Payload)
	if err == nil {
		if m.Wide {
			q.mu.Lock()
			q.noteLocked(m.Scope, n)
			q.mu.Unlock()
		}
		return Result{Receivers: n}, nil
	}
	if q.cfg.Limits.Messages < 0 || ctx.Err() != nil || !Unreachable(err) {
		return Result{}, err
	}
	q.mu.Lock()
	qerr := q.pushLocked(m)
	q.mu.Unlock()
	if qerr != nil {
		return Result{}, fmt.Errorf("%w; publish: %v", qerr, err)
	}
	return Result{Queued: true}, nil
}

// noteLocked remembers the receivers of a scope's Wide message.
func (q *Queue) noteLocked(scope string, n int64) {
	if _, ok := q.seen[scope]; !ok && len(q.seen) >= 4096 {
		clear(q.seen) // namespaces made on the fly: forget rather than grow
	}
	q.seen[scope] = n
}

// pushLocked queues a copy of m, or says why it cannot.
func (q *Queue) pushLocked(m *Message) error {
	lim := q.cfg.Limits
	if lim.Messages < 0 {
		return q.cfg.Unavailable
	}
	now := time.Now()
	q.expireLocked(now)
	size := len(m.Payload)
	full := ""
	switch {
	case len(q.items) >= lim.Messages:
		full = fmt.Sprintf("%d messages", len(q.items))
	case lim.Bytes > 0 && q.bytes+size > lim.Bytes:
		full = fmt.Sprintf("%d bytes, this message %d", q.bytes, size)
	}
	if full != "" {
		q.dropLocked(1, "queue full")
		return fmt.Errorf("%w: outage queue full (%s)", q.cfg.Unavailable, full)
	}
	c := *m
	c.Payload = append([]byte(nil), m.Payload...)
	c.at = now
	if len(q.items) == 0 {
		q.outage = outage{since: now}
	}
	q.items = append(q.items, &c)
	q.bytes += size
	q.cfg.Stats.queued.Add(1)
	q.cfg.Stats.bytes.Add(int64(size))
	if q.run == nil {
		ctx, cancel := context.WithCancel(context.Background())
		q.run = &flushRun{ctx: ctx, cancel: cancel, done: make(chan struct{})}
		go q.flush(q.run)
		q.cfg.Logger.Info(q.cfg.Name+": Redis unreachable; queueing messages until it is back",
			"max_messages", lim.Messages, "max_bytes", lim.Bytes, "max_age", lim.Age)
	}
	return nil
}

// expireLocked drops the messages at the head that waited longer than Limits.Age (never the
// one being published).
func (q *Queue) expireLocked(now time.Time) {
	if q.cfg.Limits.Age <= 0 || len(q.items) == 0 {
		return
	}
	start := 0
	if q.inflight != nil {
		start = 1
	}
	end := start
	for end < len(q.items) && now.Sub(q.items[end].at) > q.cfg.Limits.Age {
		end++
	}
	if end == start {
		return
	}
	for _, m := range q.items[start:end] {
		q.bytes -= len(m.Payload)
		q.cfg.Stats.bytes.Add(-int64(len(m.Payload)))
	}
	q.items = append(q.items[:start], q.items[end:]...)
	q.cfg.Stats.queued.Add(-int64(end - start))
	q.dropLocked(end-start, "older than the queue's max age")
}

// dropLocked counts n dropped messages and logs, at most once per logEvery.
func (q *Queue) dropLocked(n int, reason string) {
	q.cfg.Stats.dropped.Add(uint64(n))
	q.outage.dropped += n
	q.outage.reason = reason
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

// popLocked removes the head.
func (q *Queue) popLocked() {
	m := q.items[0]
	q.items[0] = nil
	q.items = q.items[1:]
	if len(q.items) == 0 {
		q.items = nil // let the backing array go
	}
	q.bytes -= len(m.Payload)
	q.cfg.Stats.queued.Add(-1)
	q.cfg.Stats.bytes.Add(-int64(len(m.Payload)))
}

// flush publishes the queue, head first, until it is empty, or a Drain gives up on it.
func (q *Queue) flush(r *flushRun) {
	defer close(r.done)
	ready := make(map[string]bool) // scopes whose subscribers are back
	backoff := time.Duration(0)
	retry := func() bool { // wait before trying again; false: give up
		if q.stalled() {
			return false
		}
		backoff = min(max(2*backoff, 50*time.Millisecond), 500*time.Millisecond)
		return sleep(r.ctx, backoff)
	}
	for {
		q.mu.Lock()
		q.expireLocked(time.Now())
		if len(q.items) == 0 || r.ctx.Err() != nil {
			q.endLocked(r, "closed before Redis was back")
			q.mu.Unlock()
			return
		}
		m := q.items[0]
		want := q.seen[m.Scope]
		q.mu.Unlock()

		if !ready[m.Scope] {
			if !q.await(r, m, want) {
				if !retry() {
					q.stop(r, "closed before Redis was back")
					return
				}
				continue
			}
			ready[m.Scope] = true
		}
		q.mu.Lock()
		q.expireLocked(time.Now())
		if len(q.items) == 0 || q.items[0] != m { // it aged out while the flush waited
			q.mu.Unlock()
			continue
		}
		q.inflight = m
		q.mu.Unlock()
		ctx, cancel := context.WithTimeout(r.ctx, q.cfg.Timeout)
		n, err := m.Dest.PublishPayload(ctx, m.Channel, m.Payload)
		cancel()
		q.mu.Lock()
		q.inflight = nil
		q.mu.Unlock()
		switch {
		case err == nil:
		case r.ctx.Err() != nil:
			q.stop(r, "closed before Redis was back")
			return
		case errors.Is(err, redis.ErrClosed):
			q.stop(r, "Redis client closed")
			return
		case Unreachable(err) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			// Redis went away again. A timeout is tried again too: nobody waits for the answer.
			clear(ready)
			if !retry() {
				q.stop(r, "closed before Redis was back")
				return
			}
			continue
		}
		backoff = 0
		q.mu.Lock()
		q.popLocked()
		if err == nil {
			q.outage.flushed++
			if m.Wide {
				q.noteLocked(m.Scope, n)
			}
		} else {
			q.dropLocked(1, "refused by Redis: "+err.Error())
		}
		q.mu.Unlock()
	}
}

// stalled reports whether the flush should give up rather than wait for Redis: a Drain is in
// progress.
func (q *Queue) stalled() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.draining > 0
}

// stop ends the flush run r, dropping what is left.
func (q *Queue) stop(r *flushRun, reason string) {
	q.mu.Lock()
	q.endLocked(r, reason)
	q.mu.Unlock()
}

// endLocked ends the flush run r: what is left is dropped for reason, and the end of the
// outage is logged.
func (q *Queue) endLocked(r *flushRun, reason string) {
	if n := len(q.items); n > 0 {
		clear(q.items)
		q.items = nil
		q.cfg.Stats.queued.Add(-int64(n))
		q.cfg.Stats.bytes.Add(-int64(q.bytes))
		q.bytes = 0
		q.dropLocked(n, reason)
	}
	if q.run == r {
		q.run = nil
	}
	r.cancel()
	o := q.outage
	took := time.Since(o.since).Round(time.Millisecond)
	if o.dropped > 0 { // the rate limit may have kept the last drops out of the log
		q.cfg.Logger.Warn(q.cfg.Name+": outage queue empty again; some messages were dropped",
			"published", o.flushed, "dropped", o.dropped, "last_reason", o.reason, "queued_for", took)
	} else {
		q.cfg.Logger.Info(q.cfg.Name+": outage queue empty again", "published", o.flushed, "queued_for", took)
	}
	q.outage = outage{}
	q.lastLog, q.unlogged = time.Time{}, 0
}

// await waits until the subscribers of m's scope are back: Dest.Subscribers answers with at
// least want, or has been answering for Settle (or answers at all, during a Drain). It
// returns false when Redis does not answer.
func (q *Queue) await(r *flushRun, m *Message, want int64) bool {
	var answered time.Time
	for {
		ctx, cancel := context.WithTimeout(r.ctx, q.cfg.Timeout)
		n, err := m.Dest.Subscribers(ctx)
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
		if !sleep(r.ctx, 50*time.Millisecond) {
			return false
		}
	}
}

// Flush waits until the queue is empty (every queued message published, or dropped) or ctx
// ends.
func (q *Queue) Flush(ctx context.Context) error {
	for {
		q.mu.Lock()
		r := q.run
		q.mu.Unlock()
		if r == nil {
			return nil
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Drain publishes what is queued while Redis answers, until ctx ends; it does not wait for a
// Redis that is away. Then the flush goroutine ends, and what is left is dropped (counted and
// logged). Drain returns how many messages were dropped meanwhile. The queue stays usable.
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
		q.mu.Lock()
		r := q.run
		q.mu.Unlock()
		if r == nil {
			break
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			r.cancel()
			<-r.done
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
