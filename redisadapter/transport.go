package redisadapter

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/redispub"
)

// outbox is the outage queue of a Factory, shared by the transports of its namespaces so that
// the server's messages keep their order across them; the last transport to close drains it.
type outbox struct {
	*redispub.Queue
	users atomic.Int64
}

func newOutbox(q queueOptions) *outbox {
	if q.stats == nil {
		q.stats = new(Stats)
	}
	return &outbox{Queue: redispub.New(redispub.Config{
		Limits:      redispub.ResolveLimits(q.maxQueued, q.maxQueuedBytes, q.maxQueueAge),
		Name:        "redisadapter",
		Unavailable: ErrUnavailable,
		Timeout:     q.timeout,
		Logger:      q.logger,
		Stats:       &q.stats.s,
	})}
}

// base is what the classic and sharded transports of a namespace share: the gate that stops
// deliveries at Close, publishing through the Factory's outbox, and RequestsTimeout.
type base struct {
	nsp     string
	timeout time.Duration
	out     *outbox
	recv    func(cluster.Topic, []byte)

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup // deliveries in progress
	once     sync.Once
	closeErr error
}

func newBase(nsp string, timeout time.Duration, out *outbox) base {
	out.users.Add(1)
	return base{nsp: nsp, timeout: timeout, out: out}
}

// deliver hands an inbound message to the namespace's adapter, unless the transport is closed.
func (b *base) deliver(topic cluster.Topic, p []byte) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.inflight.Add(1)
	b.mu.Unlock()
	defer b.inflight.Done()
	b.recv(topic, p)
}

// namespace returns the name of the transport's namespace.
func (b *base) namespace() string { return b.nsp }

func (b *base) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// closeOnce runs the transport's Close once: deliveries stop (it waits for one in progress),
// then release runs; the last transport of the Factory then publishes what its outbox still
// holds, while Redis answers, for at most RequestsTimeout, and drops the rest.
func (b *base) closeOnce(ctx context.Context, release func() error) error {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		b.inflight.Wait()
		b.closeErr = release()
		if b.out.users.Add(-1) == 0 {
			dctx, cancel := context.WithTimeout(ctx, b.timeout)
			defer cancel()
			b.out.Drain(dctx)
		}
	})
	return b.closeErr
}

// bound gives ctx the RequestsTimeout when it has no deadline, so that no command waits
// forever on a Redis that went away.
func (b *base) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, b.timeout)
}

// publish sends payload on ch through the outbox (see "Faults" and "Publishing" in the
// package doc): queued while Redis is away (down: this node's subscription connection is
// lost); otherwise, with post, handed over without waiting for Redis (what waits behind a
// round trip in flight goes out in the next one, in one pipeline), else published at once or
// with the next round trip, and waited for. scope is the channel whose subscribers are the
// namespace's nodes; wide says whether every one of them receives ch.
func (b *base) publish(ctx context.Context, d redispub.Dest, cmd, ch string, payload []byte, scope string, wide, post, down bool) error {
	m := &redispub.Message{Dest: d, Channel: ch, Payload: payload, Scope: scope, Wide: wide}
	var err error
	if post {
		err = b.out.Post(ctx, m, down)
	} else {
		ctx, cancel := b.bound(ctx)
		_, err = b.out.Send(ctx, m, down)
		cancel()
	}
	if err != nil {
		return fmt.Errorf("redisadapter: %s %s: %w", cmd, ch, err)
	}
	return nil
}

// posted says which topics a transport publishes without waiting for Redis: broadcasts and
// answers, whose callers have nothing to wait for (a broadcast is delivered locally at once, or
// in streams mode when it is read back; an answer's failure is only logged). Requests (FetchSockets, ServerSideEmit, room operations,
// broadcasts with acknowledgements) wait for their PUBLISH, so that a failure is theirs.
func posted(topic cluster.Topic) bool { return topic.Kind != cluster.TopicRequest }

// ready is the Ready of both transports: it waits for waits (Redis' confirmations) and for
// more (nil: nothing more), then reports whether messages from the other nodes arrive.
func (b *base) ready(ctx context.Context, waits []<-chan struct{}, more func(context.Context) error, down func() bool) error {
	if b.isClosed() {
		return fmt.Errorf("redisadapter: namespace %s: %w", b.nsp, adapter.ErrClosed)
	}
	for _, w := range waits {
		select {
		case <-w:
		case <-ctx.Done():
			return fmt.Errorf("redisadapter: subscriptions of %s not confirmed: %w", b.nsp, ctx.Err())
		}
	}
	if more != nil {
		if err := more(ctx); err != nil {
			return err
		}
	}
	switch {
	case b.isClosed():
		return fmt.Errorf("redisadapter: namespace %s: %w", b.nsp, adapter.ErrClosed)
	case down():
		return fmt.Errorf("redisadapter: subscriptions of %s: %w", b.nsp, ErrUnavailable)
	}
	return nil
}

// serverCount is the ServerCount of both transports: count unless the subscription
// connection is lost.
func (b *base) serverCount(ctx context.Context, down bool, count func(context.Context) (int, error)) (int, error) {
	if down {
		return 0, fmt.Errorf("redisadapter: server count of %s: %w", b.nsp, ErrUnavailable)
	}
	ctx, cancel := b.bound(ctx)
	defer cancel()
	n, err := count(ctx)
	if err != nil {
		return 0, fmt.Errorf("redisadapter: server count of %s: %w", b.nsp, err)
	}
	return n, nil
}
