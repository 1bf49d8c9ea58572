package redisadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter/cluster"
)

// shardSubscriber holds the sharded subscriptions (SSUBSCRIBE) of a sharded Factory, shared by
// all the namespaces of its server. A sharded channel must be subscribed on the Redis node
// that owns its hash slot: with a *redis.ClusterClient there is one connection per master
// that owns a subscribed channel, opened with its first channel and closed with its last;
// with any other client there is one connection. Each connection has a reader goroutine; one
// dispatch goroutine hands every message to its namespace's transport, in arrival order, so
// that a namespace's messages are handled one at a time whichever connection they came on.
type shardSubscriber struct {
	rdb redis.UniversalClient
	cc  *redis.ClusterClient // rdb, when it is one and subscriptions are sharded
	log *slog.Logger
	// plain makes it use SUBSCRIBE instead of SSUBSCRIBE, on one connection (the streams
	// adapter's default).
	plain bool

	// opMu orders subscriptions and unsubscriptions: a room's decision (subscribe or not)
	// and the command that carries it out happen under it, so that the last decision is the
	// one Redis ends up with. It is held while a command is written (and, for a new
	// connection, dialed), never while waiting for Redis' confirmation.
	opMu sync.Mutex

	mu      sync.Mutex
	routes  map[string]shardRoute      // channel -> where its messages go
	conns   map[string]*shardConn      // shard master address ("" without a ClusterClient) -> connection
	waiting map[string][]chan struct{} // "ssubscribe <channel>" -> closed when Redis confirms
	in      chan shardDelivery         // readers -> dispatch goroutine; nil while no channel is routed
	stop    chan struct{}
	done    chan struct{}
}

// subSink is a namespace's transport that a shardSubscriber delivers to.
type subSink interface {
	deliver(topic cluster.Topic, payload []byte)
	namespace() string
}

// shardRoute is where the messages of one channel go.
type shardRoute struct {
	tr    subSink
	topic cluster.Topic
	conn  *shardConn
}

// shardConn is one subscription connection and its reader.
type shardConn struct {
	addr string
	ps   *redis.PubSub
	n    int // channels routed through it; guarded by shardSubscriber.mu
	// down is set while the connection is lost.
	down atomic.Bool
	stop chan struct{}
	done chan struct{}
}

type shardDelivery struct {
	channel string
	payload string
}

func newShardSubscriber(rdb redis.UniversalClient, log *slog.Logger, plain bool) *shardSubscriber {
	s := &shardSubscriber{
		rdb:     rdb,
		log:     log,
		plain:   plain,
		routes:  make(map[string]shardRoute),
		conns:   make(map[string]*shardConn),
		waiting: make(map[string][]chan struct{}),
	}
	if !plain {
		s.cc, _ = rdb.(*redis.ClusterClient)
	}
	return s
}

var errChannelTaken = errors.New("redisadapter: channel already subscribed by this Factory")

// subscribeLocked routes ch to tr on topic and subscribes it on the connection of its shard;
// the caller holds opMu. With confirm, the returned channel is closed when Redis confirms
// (or the subscriber ends); without, it is nil. An error means
// nothing was registered: ch is taken, or the shard of ch cannot be found. A failure to write
// the command is only logged: go-redis makes the subscription when the connection comes back.
func (s *shardSubscriber) subscribeLocked(ctx context.Context, ch string, tr subSink, topic cluster.Topic, confirm bool) (<-chan struct{}, *shardConn, error) {
	addr := ""
	if s.cc != nil {
		master, err := s.cc.MasterForKey(ctx, ch)
		if err != nil {
			return nil, nil, fmt.Errorf("redisadapter: shard of channel %s: %w", ch, err)
		}
		addr = master.Options().Addr
	}
	s.mu.Lock()
	if _, taken := s.routes[ch]; taken {
		s.mu.Unlock()
		return nil, nil, fmt.Errorf("%w: %s", errChannelTaken, ch)
	}
	if s.in == nil {
		s.in, s.stop, s.done = make(chan shardDelivery, 256), make(chan struct{}), make(chan struct{})
		go s.dispatch(s.in, s.stop, s.done)
	}
	c := s.conns[addr]
	fresh := c == nil
	if fresh {
		ps := s.rdb.SSubscribe
		if s.plain {
			ps = s.rdb.Subscribe
		}
		c = &shardConn{addr: addr, ps: ps(context.Background()), stop: make(chan struct{}), done: make(chan struct{})}
		s.conns[addr] = c
	}
	c.n++
	s.routes[ch] = shardRoute{tr: tr, topic: topic, conn: c}
	var w chan struct{}
	if confirm {
		w = make(chan struct{})
		key := s.kind("subscribe") + " " + ch
		s.waiting[key] = append(s.waiting[key], w)
	}
	in := s.in
	s.mu.Unlock()

	// The first subscription of a connection dials it, on the master of ch's slot.
	if err := s.subscribe(ctx, c, ch); err != nil {
		s.log.Warn("redisadapter: subscription not made yet; it will be made when Redis answers",
			"nsp", tr.namespace(), "channel", ch, "err", err)
	}
	if fresh {
		go s.read(c, in)
	}
	return w, c, nil
}

// unsubscribeLocked undoes subscribeLocked for a channel of tr; the caller holds opMu. The
// last channel of a connection closes it.
func (s *shardSubscriber) unsubscribeLocked(ctx context.Context, tr subSink, ch string) error {
	s.mu.Lock()
	r, ok := s.routes[ch]
	if !ok || r.tr != tr {
		s.mu.Unlock()
		return nil
	}
	delete(s.routes, ch)
	c := r.conn
	c.n--
	last := c.n == 0
	if last {
		delete(s.conns, c.addr)
	}
	s.mu.Unlock()
	if last {
		return s.closeConn(ctx, c)
	}
	if err := s.unsubscribe(ctx, c, ch); err != nil {
		// The subscription ends with the connection anyway, and go-redis will not renew it.
		s.log.Warn("redisadapter: unsubscribe failed", "nsp", tr.namespace(), "channel", ch, "err", err)
	}
	return nil
}

// remove unsubscribes every channel of tr: connections left without channels are closed
// (which ends their subscriptions) and the others get one SUNSUBSCRIBE per channel (several
// channels of one command would have to share a hash slot). When no channel is left, the
// dispatch goroutine ends too. remove waits for the goroutines it stops, until ctx ends.
func (s *shardSubscriber) remove(ctx context.Context, tr subSink) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	mine := make(map[*shardConn][]string)
	for ch, r := range s.routes {
		if r.tr == tr {
			delete(s.routes, ch)
			r.conn.n--
			mine[r.conn] = append(mine[r.conn], ch)
		}
	}
	var closing []*shardConn
	unsub := make(map[*shardConn][]string)
	for c, chs := range mine {
		if c.n == 0 {
			delete(s.conns, c.addr)
			closing = append(closing, c)
		} else {
			unsub[c] = chs
		}
	}
	var stop, done chan struct{}
	if len(s.routes) == 0 && s.in != nil {
		stop, done = s.stop, s.done
		s.in, s.stop, s.done = nil, nil, nil
		for k, ws := range s.waiting {
			for _, w := range ws {
				close(w)
			}
			delete(s.waiting, k)
		}
	}
	s.mu.Unlock()

	for c, chs := range unsub {
		for _, ch := range chs {
			if err := s.unsubscribe(ctx, c, ch); err != nil {
				s.log.Warn("redisadapter: unsubscribe failed", "nsp", tr.namespace(), "channel", ch, "err", err)
			}
		}
	}
	var err error
	for _, c := range closing {
		err = errors.Join(err, s.closeConn(ctx, c))
	}
	if stop != nil {
		close(stop)
		select {
		case <-done:
		case <-ctx.Done():
			err = errors.Join(err, fmt.Errorf("redisadapter: close sharded subscriber: %w", ctx.Err()))
		}
	}
	return err
}

// closeConn closes a connection and waits for its reader (until ctx ends).
func (s *shardSubscriber) closeConn(ctx context.Context, c *shardConn) error {
	close(c.stop)
	_ = c.ps.Close() // ends the reader's Receive
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redisadapter: close sharded subscription to %s: %w", c.addr, ctx.Err())
	}
}

// read receives on one connection until its stop is closed.
func (s *shardSubscriber) read(c *shardConn, in chan<- shardDelivery) {
	defer close(c.done)
	ctx := context.Background()
	lost := false
	backoff := time.Duration(0)
	for {
		msg, err := c.ps.ReceiveTimeout(ctx, healthCheck)
		select {
		case <-c.stop:
			return
		default:
		}
		if err != nil {
			if idle(err) {
				_ = c.ps.Ping(ctx) // a write error makes go-redis reconnect
				continue
			}
			if !lost {
				lost = true
				c.down.Store(true)
				s.log.Warn("redisadapter: subscriber connection lost; reconnecting", "shard", c.addr, "err", err)
			}
			backoff = min(max(2*backoff, 50*time.Millisecond), time.Second)
			t := time.NewTimer(backoff)
			select {
			case <-c.stop:
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		backoff = 0
		if lost {
			lost = false
			c.down.Store(false)
			s.log.Info("redisadapter: subscriber reconnected and resubscribed", "shard", c.addr)
		}
		switch m := msg.(type) {
		case *redis.Message:
			select {
			case in <- shardDelivery{channel: m.Channel, payload: m.Payload}:
			case <-c.stop:
				return
			}
		case *redis.Subscription:
			s.confirmed(m.Kind + " " + m.Channel)
		}
	}
}

func (s *shardSubscriber) confirmed(key string) {
	s.mu.Lock()
	ws := s.waiting[key]
	delete(s.waiting, key)
	s.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
}

// dispatch hands messages to their transports until stop is closed.
func (s *shardSubscriber) dispatch(in <-chan shardDelivery, stop, done chan struct{}) {
	defer close(done)
	for {
		select {
		case d := <-in:
			s.mu.Lock()
			r, ok := s.routes[d.channel]
			s.mu.Unlock()
			if ok { // else unsubscribed meanwhile
				r.tr.deliver(r.topic, []byte(d.payload))
			}
		case <-stop:
			return
		}
	}
}

// kind returns the name of a subscription command in this subscriber's family: "subscribe"
// gives "ssubscribe" when sharded.
func (s *shardSubscriber) kind(cmd string) string {
	if s.plain {
		return cmd
	}
	return "s" + cmd
}

func (s *shardSubscriber) subscribe(ctx context.Context, c *shardConn, ch string) error {
	if s.plain {
		return c.ps.Subscribe(ctx, ch)
	}
	return c.ps.SSubscribe(ctx, ch)
}

func (s *shardSubscriber) unsubscribe(ctx context.Context, c *shardConn, ch string) error {
	if s.plain {
		return c.ps.Unsubscribe(ctx, ch)
	}
	return c.ps.SUnsubscribe(ctx, ch)
}
