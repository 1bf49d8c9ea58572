package redisadapter

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/wire"
)

// transport is the cluster.Transport of one namespace in the classic family: PUBLISH on the
// channels of spec/redis-wire.md §2.1, deliveries from the Factory's shared subscriber.
type transport struct {
	sub  *subscriber
	rdb  redis.UniversalClient
	nsp  string
	uid  string
	ch   wire.ClassicChannels
	opts Options
	recv func(cluster.Topic, []byte)

	mu       sync.Mutex
	closed   bool
	confirms []chan struct{} // closed when Redis confirms each subscription (or the subscriber ends)
	inflight sync.WaitGroup  // deliveries in progress
	once     sync.Once
	closeErr error
}

var _ cluster.Transport = (*transport)(nil)

func newTransport(sub *subscriber, rdb redis.UniversalClient, nsp, uid string, opts Options) *transport {
	return &transport{sub: sub, rdb: rdb, nsp: nsp, uid: uid, ch: wire.NewClassicChannels(opts.Key, nsp), opts: opts}
}

// routes are the channels the namespace subscribes (besides the broadcast pattern): requests,
// the shared response channel and this node's own, exactly once each.
func (t *transport) routes() map[string]route {
	return map[string]route{
		t.ch.Request():         {tr: t, kind: cluster.TopicRequest},
		t.ch.Response():        {tr: t, kind: cluster.TopicResponse},
		t.ch.ResponseTo(t.uid): {tr: t, kind: cluster.TopicResponse, node: t.uid},
	}
}

// deliver hands an inbound message to the namespace's adapter, unless the transport is closed.
func (t *transport) deliver(topic cluster.Topic, b []byte) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.inflight.Add(1)
	t.mu.Unlock()
	defer t.inflight.Done()
	t.recv(topic, b)
}

func (t *transport) channel(topic cluster.Topic) string {
	switch topic.Kind {
	case cluster.TopicRoom:
		return t.ch.Room(topic.Room)
	case cluster.TopicRequest:
		return t.ch.Request()
	case cluster.TopicResponse:
		if t.opts.PublishOnSpecificResponseChannel && topic.Node != "" {
			return t.ch.ResponseTo(topic.Node)
		}
		return t.ch.Response()
	}
	return t.ch.Broadcast()
}

// bound gives ctx the RequestsTimeout when it has no deadline, so that no command waits
// forever on a Redis that went away.
func (t *transport) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, t.opts.RequestsTimeout)
}

func (t *transport) setConfirmations(waits []chan struct{}) {
	t.mu.Lock()
	t.confirms = waits
	t.mu.Unlock()
}

// Ready waits until Redis has confirmed every subscription of the namespace (or ctx ends), then
// reports whether messages from the other nodes arrive: nil; an error wrapping ErrUnavailable
// while the subscription connection is lost; adapter.ErrClosed once the adapter is closed.
// cluster.Adapter.Ready calls it.
func (t *transport) Ready(ctx context.Context) error {
	t.mu.Lock()
	waits, closed := t.confirms, t.closed
	t.mu.Unlock()
	if closed {
		return fmt.Errorf("redisadapter: namespace %s: %w", t.nsp, adapter.ErrClosed)
	}
	for _, w := range waits {
		select {
		case <-w:
		case <-ctx.Done():
			return fmt.Errorf("redisadapter: subscriptions of %s not confirmed: %w", t.nsp, ctx.Err())
		}
	}
	t.mu.Lock()
	closed = t.closed
	t.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("redisadapter: namespace %s: %w", t.nsp, adapter.ErrClosed)
	case t.sub.down.Load():
		return fmt.Errorf("redisadapter: subscriptions of %s: %w", t.nsp, ErrUnavailable)
	}
	return nil
}

// Publish implements cluster.Transport.
func (t *transport) Publish(ctx context.Context, topic cluster.Topic, b []byte) error {
	ch := t.channel(topic)
	if t.sub.down.Load() {
		return fmt.Errorf("redisadapter: publish %s: %w", ch, ErrUnavailable)
	}
	ctx, cancel := t.bound(ctx)
	defer cancel()
	if err := publisher(ctx, t.rdb, t.ch.Request()).Publish(ctx, ch, b).Err(); err != nil {
		return fmt.Errorf("redisadapter: publish %s: %w", ch, err)
	}
	return nil
}

// publisher returns the client to PUBLISH a namespace's messages through. A Redis Cluster
// client sends PUBLISH to any node, and messages published through different nodes reach
// subscribers through the cluster bus in no guaranteed order. Publishing every channel of a
// namespace through one node (the master of the hash slot of key, the namespace's request
// channel) keeps a node's messages in the order it sent them, as a single Redis does.
func publisher(ctx context.Context, rdb redis.UniversalClient, key string) redis.Cmdable {
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		if c, err := cc.MasterForKey(ctx, key); err == nil {
			return c
		}
	}
	return rdb
}

// ServerCount implements cluster.Transport: the subscribers of the request channel
// (PUBSUB NUMSUB, summed over the nodes of a Redis Cluster).
func (t *transport) ServerCount(ctx context.Context) (int, error) {
	if t.sub.down.Load() {
		return 0, fmt.Errorf("redisadapter: server count of %s: %w", t.nsp, ErrUnavailable)
	}
	ctx, cancel := t.bound(ctx)
	defer cancel()
	n, err := countSubscribers(ctx, t.rdb, t.ch.Request(), false)
	if err != nil {
		return 0, fmt.Errorf("redisadapter: server count of %s: %w", t.nsp, err)
	}
	return n, nil
}

// countSubscribers asks Redis how many connections subscribe ch: PUBSUB NUMSUB, or with sharded
// PUBSUB SHARDNUMSUB. On a Redis Cluster it sums the answers of every node (a classic
// subscription lives on one node) or, sharded, of every master.
func countSubscribers(ctx context.Context, rdb redis.UniversalClient, ch string, sharded bool) (int, error) {
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

// Close implements cluster.Transport: deliveries stop (Close waits for one in progress) and
// the namespace's channels are unsubscribed; the last namespace of the Factory closes the
// subscription connection.
func (t *transport) Close(ctx context.Context) error {
	t.once.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.mu.Unlock()
		t.inflight.Wait()
		chans := make([]string, 0, 3)
		for ch := range t.routes() {
			chans = append(chans, ch)
		}
		t.closeErr = t.sub.remove(ctx, t, chans, t.ch.Pattern())
	})
	return t.closeErr
}
