package redisadapter

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/wire"
)

// New returns the Factory of the Redis adapter over rdb: give it to one socketio.Server
// (socketio.Options{Adapter: redisadapter.New(rdb, opts)}), and a Factory of its own to each
// other server of the same process. rdb may be a *redis.Client (standalone, or Sentinel
// through redis.NewFailoverClient), a *redis.ClusterClient or any UniversalClient of those;
// it stays the caller's: the adapters never close it.
//
// The Factory opens one subscription connection, shared by all the namespaces of the server
// and closed when the last of their adapters is closed (Server.Close closes them all), and
// keeps one outage queue for them (see "Faults" in the package doc).
func New(rdb redis.UniversalClient, opts Options) adapter.Factory {
	opts = opts.withDefaults()
	if err := clientError(rdb); err != nil {
		return failing(err)
	}
	sub := newSubscriber(rdb, opts.Logger)
	out := newOutbox(opts.queue())
	return func(l *adapter.Local) (adapter.Adapter, error) {
		nsp := l.Namespace().Name()
		uid := wire.NewClassicID()
		tr := newTransport(sub, out, rdb, nsp, uid, opts)
		a := cluster.New(l, uid, tr, cluster.NewClassicCodec(), cluster.Options{
			RequestTimeout: opts.RequestsTimeout,
			RoomTopic:      func(string) bool { return true }, // classic: a single room has its own channel
			Logger:         opts.Logger.With("node", uid),
		})
		tr.recv = a.Receive
		return started(a, opts.RequestsTimeout, func(ctx context.Context) error {
			return sub.add(ctx, tr, tr.routes(), tr.ch.Pattern())
		})
	}
}

// ErrUnavailable is wrapped by the errors of operations that cannot be done while Redis is
// unreachable: a publish that the outage queue cannot take (full, or MaxQueued is negative),
// and the operations that wait for other nodes' answers (FetchSockets, ServerSideEmit with
// acknowledgements, AllRooms, ServerCount) while the subscription connection is lost. They
// fail at once rather than wait for Redis.
var ErrUnavailable = errors.New("redisadapter: Redis unavailable")

func failing(err error) adapter.Factory {
	return func(*adapter.Local) (adapter.Adapter, error) { return nil, err }
}

// clientError says what is wrong with a client given to a Factory constructor, or nil.
func clientError(rdb redis.UniversalClient) error {
	if rdb == nil {
		return errors.New("redisadapter: nil Redis client")
	}
	if _, ok := rdb.(*redis.Ring); ok {
		return errors.New("redisadapter: redis.Ring is not supported: its shards do not share pub/sub or streams")
	}
	return nil
}

// started runs start (a transport's subscriptions) with timeout and returns a; when start
// fails, a is closed and the error returned.
func started(a adapter.Adapter, timeout time.Duration, start func(context.Context) error) (adapter.Adapter, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := start(ctx); err != nil {
		cctx, ccancel := context.WithTimeout(context.Background(), timeout)
		defer ccancel()
		_ = a.Close(cctx)
		return nil, err
	}
	return a, nil
}
