package redisadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter/cluster"
)

// healthCheck is how long the subscriber waits for a message before it pings Redis, so that a
// dead connection is noticed even when the cluster is quiet.
const healthCheck = 15 * time.Second

// subscriber is the one Redis subscription connection of a Factory. Every namespace adds its
// channels and patterns to it; one goroutine receives and hands each message to the
// namespace's transport, in arrival order. go-redis reconnects and resubscribes by itself;
// the subscriber backs off while Redis is away and logs the outage.
type subscriber struct {
	rdb redis.UniversalClient
	log *slog.Logger
	// down is set while the subscription connection is lost: publishing then fails at once
	// instead of waiting for go-redis to give up dialing.
	down atomic.Bool

	mu       sync.Mutex
	ps       *redis.PubSub
	stop     chan struct{} // closed to end the receive goroutine of ps
	done     chan struct{} // closed when that goroutine has ended
	channels map[string]route
	patterns map[string]*transport
	waiting  map[string][]chan struct{} // "subscribe <channel>" / "psubscribe <pattern>" -> waiters
}

// route is where messages of one channel go.
type route struct {
	tr   *transport
	kind cluster.TopicKind
	node string // TopicResponse: the uid of the node-specific response channel
}

func newSubscriber(rdb redis.UniversalClient, log *slog.Logger) *subscriber {
	return &subscriber{
		rdb:      rdb,
		log:      log,
		channels: make(map[string]route),
		patterns: make(map[string]*transport),
		waiting:  make(map[string][]chan struct{}),
	}
}

// add subscribes the channels and the pattern of tr and waits (until ctx ends) for Redis to
// confirm them. When Redis does not confirm in time the subscriptions stay registered: go-redis
// makes them when the connection comes back, and add only logs.
func (s *subscriber) add(ctx context.Context, tr *transport, channels map[string]route, pattern string) error {
	s.mu.Lock()
	for ch := range channels {
		if _, dup := s.channels[ch]; dup {
			s.mu.Unlock()
			return fmt.Errorf("redisadapter: namespace %s already has an adapter from this Factory (use one Factory per server)", tr.nsp)
		}
	}
	if s.ps == nil {
		s.down.Store(false)
		s.ps = s.rdb.Subscribe(context.Background()) // connects on first use
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.run(s.ps, s.stop, s.done)
	}
	ps := s.ps
	var waits []<-chan struct{}
	names := make([]string, 0, len(channels))
	for ch, r := range channels {
		s.channels[ch] = r
		names = append(names, ch)
		waits = append(waits, s.waitLocked("subscribe "+ch))
	}
	s.patterns[pattern] = tr
	waits = append(waits, s.waitLocked("psubscribe "+pattern))
	s.mu.Unlock()
	tr.setConfirmations(waits)

	err := errors.Join(ps.Subscribe(ctx, names...), ps.PSubscribe(ctx, pattern))
	for _, w := range waits {
		if err != nil {
			break
		}
		select {
		case <-w:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		s.log.Warn("redisadapter: subscription not confirmed yet; it will be made when Redis answers",
			"nsp", tr.nsp, "err", err)
	}
	return nil
}

func (s *subscriber) waitLocked(key string) chan struct{} {
	w := make(chan struct{})
	s.waiting[key] = append(s.waiting[key], w)
	return w
}

// remove unsubscribes tr; the last namespace to go closes the connection and waits for the
// receive goroutine to end.
func (s *subscriber) remove(ctx context.Context, tr *transport, channels []string, pattern string) error {
	s.mu.Lock()
	var mine []string // only what tr subscribed: another namespace may hold the same names
	for _, ch := range channels {
		if r, ok := s.channels[ch]; ok && r.tr == tr {
			delete(s.channels, ch)
			mine = append(mine, ch)
		}
	}
	myPattern := s.patterns[pattern] == tr
	if myPattern {
		delete(s.patterns, pattern)
	}
	if len(mine) == 0 && !myPattern {
		s.mu.Unlock()
		return nil
	}
	ps, stop, done := s.ps, s.stop, s.done
	last := len(s.channels) == 0 && len(s.patterns) == 0
	if last {
		s.ps = nil
		for k, ws := range s.waiting {
			for _, w := range ws {
				close(w)
			}
			delete(s.waiting, k)
		}
	}
	s.mu.Unlock()
	if ps == nil {
		return nil
	}
	if !last {
		var err error
		if len(mine) > 0 { // none would mean "all" to go-redis
			err = ps.Unsubscribe(ctx, mine...)
		}
		if myPattern {
			err = errors.Join(err, ps.PUnsubscribe(ctx, pattern))
		}
		if err != nil {
			// The subscription ends with the connection anyway, and go-redis will not renew it.
			s.log.Warn("redisadapter: unsubscribe failed", "nsp", tr.nsp, "err", err)
		}
		return nil
	}
	close(stop)
	_ = ps.Close() // ends the goroutine's Receive
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redisadapter: close subscriber: %w", ctx.Err())
	}
}

// run receives until stop is closed.
func (s *subscriber) run(ps *redis.PubSub, stop, done chan struct{}) {
	defer close(done)
	ctx := context.Background()
	lost := false
	backoff := time.Duration(0)
	for {
		msg, err := ps.ReceiveTimeout(ctx, healthCheck)
		select {
		case <-stop:
			return
		default:
		}
		if err != nil {
			if idle(err) {
				_ = ps.Ping(ctx) // a write error makes go-redis reconnect
				continue
			}
			if !lost {
				lost = true
				s.down.Store(true)
				s.log.Warn("redisadapter: subscriber connection lost; reconnecting", "err", err)
			}
			backoff = min(max(2*backoff, 50*time.Millisecond), time.Second)
			t := time.NewTimer(backoff)
			select {
			case <-stop:
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		backoff = 0
		if lost {
			lost = false
			s.down.Store(false)
			s.log.Info("redisadapter: subscriber reconnected and resubscribed")
		}
		switch m := msg.(type) {
		case *redis.Message:
			s.dispatch(m)
		case *redis.Subscription:
			s.confirmed(m.Kind + " " + m.Channel)
		}
	}
}

// idle reports whether err is the read timeout of a quiet connection (not a failure to dial,
// which may time out too).
func idle(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "read" && op.Timeout()
}

func (s *subscriber) confirmed(key string) {
	s.mu.Lock()
	ws := s.waiting[key]
	delete(s.waiting, key)
	s.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
}

func (s *subscriber) dispatch(m *redis.Message) {
	var (
		tr    *transport
		topic cluster.Topic
	)
	s.mu.Lock()
	if m.Pattern != "" {
		tr = s.patterns[m.Pattern]
	} else if r, ok := s.channels[m.Channel]; ok {
		tr, topic = r.tr, cluster.Topic{Kind: r.kind, Node: r.node}
	}
	s.mu.Unlock()
	if tr == nil {
		return // unsubscribed meanwhile
	}
	if m.Pattern != "" {
		room, ok := tr.ch.ParseRoom(m.Channel)
		if !ok {
			s.log.Warn("redisadapter: dropped message on a foreign channel", "nsp", tr.nsp, "channel", m.Channel)
			return
		}
		topic = cluster.Topic{Kind: cluster.TopicBroadcast}
		if room != "" {
			topic = cluster.Topic{Kind: cluster.TopicRoom, Room: room}
		}
	}
	tr.deliver(topic, []byte(m.Payload))
}
