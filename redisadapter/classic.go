package redisadapter

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/redispub"
	"github.com/gosockio/gosockio/internal/wire"
)

// transport is the cluster.Transport of one namespace in the classic family: PUBLISH on the
// channels of docs/redis-wire.md §2.1 (through the Factory's outbox), deliveries from the
// Factory's shared subscriber.
type transport struct {
	base
	sub  *subscriber
	rdb  redis.UniversalClient
	uid  string
	ch   wire.ClassicChannels
	opts Options
	pipe redispub.Pipe // nil with a Redis Cluster: see publisher

	confirms []<-chan struct{} // closed when Redis confirms each subscription (or the subscriber ends); guarded by mu
}

var _ cluster.Transport = (*transport)(nil)

func newTransport(sub *subscriber, out *outbox, rdb redis.UniversalClient, nsp, uid string, opts Options) *transport {
	t := &transport{base: newBase(nsp, opts.RequestsTimeout, out), sub: sub, rdb: rdb, uid: uid,
		ch: wire.NewClassicChannels(opts.Key, nsp), opts: opts}
	if _, ok := rdb.(*redis.ClusterClient); !ok {
		t.pipe = redispub.Client(rdb, false)
	}
	return t
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

func (t *transport) setConfirmations(waits []<-chan struct{}) {
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
	waits := t.confirms
	t.mu.Unlock()
	return t.ready(ctx, waits, nil, t.sub.down.Load)
}

// Publish implements cluster.Transport: PUBLISH through the outbox, without waiting for
// Redis for broadcasts and answers (see "Faults" and "Publishing" in the package doc).
func (t *transport) Publish(ctx context.Context, topic cluster.Topic, b []byte) error {
	// Every node receives every channel of the namespace but the node-specific response one.
	wide := topic.Kind != cluster.TopicResponse
	return t.publish(ctx, t, "publish", t.channel(topic), b, t.ch.Request(), wide, posted(topic), t.sub.down.Load())
}

// Pipe implements redispub.Dest: PUBLISH through publisher.
func (t *transport) Pipe(ctx context.Context) redispub.Pipe {
	if t.pipe != nil {
		return t.pipe
	}
	return redispub.Client(publisher(ctx, t.rdb, t.ch.Request()), false)
}

// Subscribers implements redispub.Dest: the nodes of the namespace, as ServerCount.
func (t *transport) Subscribers(ctx context.Context) (int64, error) {
	n, err := t.ServerCount(ctx)
	return int64(n), err
}

// publisher returns the client to PUBLISH a namespace's messages through. A Redis Cluster
// client sends PUBLISH to any node, and messages published through different nodes reach
// subscribers through the cluster bus in no guaranteed order. Publishing every channel of a
// namespace through one node (the master of the hash slot of key, the namespace's request
// channel) keeps a node's messages in the order it sent them, as a single Redis does; the
// outbox pipelines the messages in a row that go through the same node.
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
	return t.serverCount(ctx, t.sub.down.Load(), func(ctx context.Context) (int, error) {
		return redispub.CountSubscribers(ctx, t.rdb, t.ch.Request(), false)
	})
}

// Close implements cluster.Transport: deliveries stop (Close waits for one in progress) and
// the namespace's channels are unsubscribed; the last namespace of the Factory closes the
// subscription connection and drains the outbox.
func (t *transport) Close(ctx context.Context) error {
	return t.closeOnce(ctx, func() error {
		chans := make([]string, 0, 3)
		for ch := range t.routes() {
			chans = append(chans, ch)
		}
		return t.sub.remove(ctx, t, chans, t.ch.Pattern())
	})
}
