package redisadapter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/redispub"
	"github.com/gosockio/gosockio/internal/wire"
)

// NewSharded returns the Factory of the sharded Redis adapter over rdb, wire-compatible with
// Node's createShardedAdapter: messages go through sharded pub/sub (SPUBLISH, SSUBSCRIBE;
// Redis 7 or later), which a Redis Cluster delivers within the shard that owns the channel
// instead of to every node of the cluster. Give the Factory to one socketio.Server, and a
// Factory of its own to each other server of the same process.
//
// rdb may be a *redis.ClusterClient (each channel is subscribed on the master that owns its
// hash slot; the server count is summed over the masters), a *redis.Client (standalone, or
// Sentinel through redis.NewFailoverClient) or any UniversalClient of those; it stays the
// caller's. Like New's, the Factory keeps one outage queue for its namespaces (see "Faults"
// in the package doc). Redis must answer SPUBLISH: a server that does not know the sharded
// commands (Redis 6, miniredis) makes the Factory fail. Every node of a cluster must use the
// same ChannelPrefix and SubscriptionMode.
//
// The operations are those of New, with the sharded adapter's rules: a node applies its own
// broadcasts, joins, leaves and disconnections at once and ignores its own copy; answers go
// to the requester's own channel; FetchSockets waits its Timeout when one is set, else
// RequestsTimeout. The family has no allRooms request: Adapter().AllRooms returns this node's
// rooms with an error wrapping cluster.ErrUnsupported (and errors.ErrUnsupported).
func NewSharded(rdb redis.UniversalClient, opts ShardedOptions) adapter.Factory {
	opts = opts.withDefaults()
	if err := clientError(rdb); err != nil {
		return failing(err)
	}
	mode := wire.SubscriptionMode(opts.SubscriptionMode)
	if !mode.Valid() {
		return failing(fmt.Errorf("redisadapter: unknown subscription mode %q (want %q, %q or %q)", opts.SubscriptionMode,
			SubscriptionStatic, SubscriptionDynamic, SubscriptionDynamicPrivate))
	}
	sub := newShardSubscriber(rdb, opts.Logger, false)
	out := newOutbox(opts.queue())
	return func(l *adapter.Local) (adapter.Adapter, error) {
		nsp := l.Namespace().Name()
		uid := wire.NewClusterID()
		tr := &shardedTransport{base: newBase(nsp, opts.RequestsTimeout, out), sub: sub, rdb: rdb, local: l, uid: uid,
			ch:   wire.NewShardedChannels(opts.ChannelPrefix, nsp),
			mode: mode, opts: opts, pipe: redispub.Client(rdb, true), rooms: make(map[string]<-chan struct{}), changed: make(map[string]struct{}),
			idle: make(chan struct{}), roomWake: make(chan struct{}, 1), roomStop: make(chan struct{}), roomDone: make(chan struct{})}
		close(tr.idle)
		go tr.runRooms()
		a := cluster.New(l, uid, tr, cluster.NewShardedCodec(), cluster.Options{
			RequestTimeout:        opts.RequestsTimeout,
			RoomTopic:             mode.RoomChannel,
			FetchTimeoutFromFlags: true,
			NoAllRooms:            true,
			Logger:                opts.Logger.With("node", uid),
		})
		tr.recv = a.Receive
		return started(a, opts.RequestsTimeout, tr.start)
	}
}

// shardedTransport is the cluster.Transport of one namespace in the sharded family: SPUBLISH
// on the channels of docs/redis-wire.md §2.2, deliveries from the Factory's shardSubscriber,
// and room channels (un)subscribed as local rooms come and go (cluster.RoomSubscriber).
type shardedTransport struct {
	base
	sub   *shardSubscriber
	rdb   redis.UniversalClient
	local *adapter.Local
	uid   string
	ch    wire.ShardedChannels
	mode  wire.SubscriptionMode
	opts  ShardedOptions
	pipe  redispub.Pipe

	// rooms are the rooms whose channel is subscribed, with the channel closed when Redis
	// confirms it; guarded by sub.opMu.
	rooms map[string]<-chan struct{}

	// Room (un)subscriptions are made by one goroutine, so that neither a socket's Join nor
	// the receive goroutine waits for Redis (as in Node, which does not await them): the
	// rooms whose channel may need a change wait in changed.
	roomMu   sync.Mutex
	changed  map[string]struct{}
	idle     chan struct{} // closed while no room change waits or is being made
	roomWake chan struct{} // 1-slot: changed has rooms
	roomStop chan struct{}
	roomDone chan struct{}

	nsConn   *shardConn        // the connection of the namespace channel; guarded by mu
	confirms []<-chan struct{} // closed when Redis confirms the namespace and response channels; guarded by mu
}

var (
	_ cluster.Transport      = (*shardedTransport)(nil)
	_ cluster.RoomSubscriber = (*shardedTransport)(nil)
)

// start subscribes the namespace channel and this node's response channel, and waits (until
// ctx ends) for Redis to confirm them. A Redis that answers but does not know the sharded
// commands is an error; one that does not answer yet is only logged (the subscriptions are
// made when it does).
func (t *shardedTransport) start(ctx context.Context) error {
	if _, err := t.ServerCount(ctx); err != nil {
		var rerr redis.Error
		if errors.As(err, &rerr) && strings.Contains(strings.ToLower(rerr.Error()), "unknown") {
			return fmt.Errorf("redisadapter: sharded pub/sub needs Redis 7 or later (PUBSUB SHARDNUMSUB, SPUBLISH, SSUBSCRIBE): %w", err)
		}
		t.opts.Logger.Warn("redisadapter: Redis does not answer yet; subscribing anyway", "nsp", t.nsp, "err", err)
	}
	t.sub.opMu.Lock()
	nsWait, nsConn, err := t.sub.subscribeLocked(ctx, t.ch.Namespace(), t, cluster.Topic{Kind: cluster.TopicRequest}, true)
	if err != nil {
		t.sub.opMu.Unlock()
		if errors.Is(err, errChannelTaken) {
			return fmt.Errorf("redisadapter: namespace %s already has an adapter from this Factory (use one Factory per server)", t.nsp)
		}
		return err
	}
	respWait, _, err := t.sub.subscribeLocked(ctx, t.ch.Response(t.uid), t, cluster.Topic{Kind: cluster.TopicResponse, Node: t.uid}, true)
	t.sub.opMu.Unlock()
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.nsConn = nsConn
	t.confirms = []<-chan struct{}{nsWait, respWait}
	t.mu.Unlock()
	for _, w := range []<-chan struct{}{nsWait, respWait} {
		select {
		case <-w:
		case <-ctx.Done():
			t.opts.Logger.Warn("redisadapter: subscription not confirmed yet; it will be made when Redis answers",
				"nsp", t.nsp, "err", ctx.Err())
			return nil
		}
	}
	return nil
}

func (t *shardedTransport) channel(topic cluster.Topic) string {
	switch topic.Kind {
	case cluster.TopicRoom:
		return t.ch.Room(topic.Room)
	case cluster.TopicResponse:
		return t.ch.Response(topic.Node)
	}
	return t.ch.Namespace()
}

// down reports whether the connection of the namespace channel is lost.
func (t *shardedTransport) down() bool {
	t.mu.Lock()
	c := t.nsConn
	t.mu.Unlock()
	return c != nil && c.down.Load()
}

// Ready waits until Redis has confirmed the namespace's subscriptions, those of its current
// room channels included (or ctx ends), then reports whether messages from the other nodes
// arrive: nil; an error wrapping ErrUnavailable while the namespace channel's connection is
// lost; adapter.ErrClosed once the adapter is closed. cluster.Adapter.Ready calls it.
func (t *shardedTransport) Ready(ctx context.Context) error {
	t.mu.Lock()
	waits := t.confirms
	t.mu.Unlock()
	return t.ready(ctx, waits, func(ctx context.Context) error {
		if err := t.roomsSettled(ctx); err != nil {
			return fmt.Errorf("redisadapter: room subscriptions of %s not confirmed: %w", t.nsp, err)
		}
		return nil
	}, t.down)
}

// Publish implements cluster.Transport: SPUBLISH on the topic's channel through the outbox,
// without waiting for Redis for broadcasts and answers (see "Faults" and "Publishing" in the
// package doc).
func (t *shardedTransport) Publish(ctx context.Context, topic cluster.Topic, b []byte) error {
	// Every node receives the namespace channel; room and response channels reach some.
	wide := topic.Kind == cluster.TopicBroadcast || topic.Kind == cluster.TopicRequest
	return t.publish(ctx, t, "spublish", t.channel(topic), b, t.ch.Namespace(), wide, posted(topic), t.down())
}

// Pipe implements redispub.Dest: SPUBLISH through the client, whose pipelines on a Redis
// Cluster send each channel's messages to the master of its slot, in order.
func (t *shardedTransport) Pipe(context.Context) redispub.Pipe { return t.pipe }

// Subscribers implements redispub.Dest: the nodes of the namespace, as ServerCount.
func (t *shardedTransport) Subscribers(ctx context.Context) (int64, error) {
	n, err := t.ServerCount(ctx)
	return int64(n), err
}

// ServerCount implements cluster.Transport: the subscribers of the namespace channel
// (PUBSUB SHARDNUMSUB, summed over the masters of a Redis Cluster). A node whose connection
// Redis has dropped (a crashed process) is no longer counted.
func (t *shardedTransport) ServerCount(ctx context.Context) (int, error) {
	return t.serverCount(ctx, t.down(), func(ctx context.Context) (int, error) {
		return redispub.CountSubscribers(ctx, t.rdb, t.ch.Namespace(), true)
	})
}

// SubscribeRoom implements cluster.RoomSubscriber: the room appeared on this node. The
// subscription is made in the background, at once unless Redis is slow or away.
func (t *shardedTransport) SubscribeRoom(_ context.Context, room string) error {
	t.roomChanged(room)
	return nil
}

// UnsubscribeRoom implements cluster.RoomSubscriber: the room emptied on this node.
func (t *shardedTransport) UnsubscribeRoom(_ context.Context, room string) error {
	t.roomChanged(room)
	return nil
}

func (t *shardedTransport) roomChanged(room string) {
	if t.mode == wire.SubscriptionStatic {
		return
	}
	t.roomMu.Lock()
	t.changed[room] = struct{}{}
	select {
	case <-t.idle:
		t.idle = make(chan struct{})
	default:
	}
	t.roomMu.Unlock()
	select {
	case t.roomWake <- struct{}{}:
	default:
	}
}

// runRooms brings the room channels in line with the local rooms until roomStop is closed.
func (t *shardedTransport) runRooms() {
	defer close(t.roomDone)
	for {
		select {
		case <-t.roomStop:
			t.roomMu.Lock()
			t.closeIdleLocked() // nothing more will be done
			t.roomMu.Unlock()
			return
		case <-t.roomWake:
		}
		t.roomMu.Lock()
		rooms := t.changed
		t.changed = make(map[string]struct{})
		t.roomMu.Unlock()
		for room := range rooms {
			ctx, cancel := context.WithTimeout(context.Background(), t.opts.RequestsTimeout)
			err := t.syncRoom(ctx, room)
			cancel()
			if err != nil {
				t.opts.Logger.Warn("redisadapter: room subscription failed", "nsp", t.nsp, "room", room, "err", err)
			}
		}
		t.roomMu.Lock()
		if len(t.changed) == 0 {
			t.closeIdleLocked()
		}
		t.roomMu.Unlock()
	}
}

// closeIdleLocked marks the room goroutine idle; the caller holds roomMu.
func (t *shardedTransport) closeIdleLocked() {
	select {
	case <-t.idle: // already
	default:
		close(t.idle)
	}
}

// roomsSettled waits (until ctx ends) until no room change waits or is being made, and Redis
// has confirmed the subscription of every room channel.
func (t *shardedTransport) roomsSettled(ctx context.Context) error {
	for {
		t.roomMu.Lock()
		idle := t.idle
		t.roomMu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
		t.roomMu.Lock()
		still := idle == t.idle
		t.roomMu.Unlock()
		if still {
			break
		}
	}
	t.sub.opMu.Lock()
	waits := make([]<-chan struct{}, 0, len(t.rooms))
	for _, w := range t.rooms {
		waits = append(waits, w)
	}
	t.sub.opMu.Unlock()
	for _, w := range waits {
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// syncRoom makes the subscription of a room's channel match the room as it is now, whatever
// the order in which concurrent appear/empty notifications arrive: subscribed while the room
// has local sockets and the mode gives it a channel.
func (t *shardedTransport) syncRoom(ctx context.Context, room string) error {
	if t.mode == wire.SubscriptionStatic {
		return nil
	}
	t.sub.opMu.Lock()
	defer t.sub.opMu.Unlock()
	want := !t.isClosed() && t.local.RoomSize(room) > 0 && t.hasChannel(room)
	if _, have := t.rooms[room]; want == have {
		return nil
	}
	ch := t.ch.Room(room)
	if !want {
		delete(t.rooms, room)
		return t.sub.unsubscribeLocked(ctx, t, ch)
	}
	w, _, err := t.sub.subscribeLocked(ctx, ch, t, cluster.Topic{Kind: cluster.TopicRoom, Room: room}, true)
	if err != nil {
		return err
	}
	t.rooms[room] = w
	return nil
}

// hasChannel reports whether a local room gets a channel. Node's dynamic mode leaves out the
// rooms that are ids of local sockets; this node leaves out only those that senders route to
// the namespace channel anyway (socket ids of 20 characters, as Node and this server make
// them), so that a broadcast to a socket with an id of another length still arrives.
func (t *shardedTransport) hasChannel(room string) bool {
	if t.mode == wire.SubscriptionDynamicPrivate {
		return true
	}
	return t.mode.RoomChannel(room) || !t.local.HasSocket(room)
}

// Close implements cluster.Transport: deliveries stop (Close waits for one in progress) and
// the namespace's channels are unsubscribed; connections left without channels are closed.
// The last namespace of the Factory drains the outbox.
func (t *shardedTransport) Close(ctx context.Context) error {
	return t.closeOnce(ctx, func() error {
		close(t.roomStop)
		<-t.roomDone // a room operation in progress is bounded by RequestsTimeout
		err := t.sub.remove(ctx, t)
		t.sub.opMu.Lock()
		clear(t.rooms)
		t.sub.opMu.Unlock()
		return err
	})
}
