package redisadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/redispub"
	"github.com/gosockio/gosockio/internal/wire"
)

// StreamsOptions configure the adapters a streams Factory (NewStreams) builds. The zero
// value is Node's defaults (@socket.io/redis-streams-adapter 0.3.1 createAdapter with no
// options), with an outage queue bounded where node-redis' offline queue is not. Every node of
// a cluster, Go or Node, must use the same StreamName, StreamCount, ChannelPrefix,
// UseShardedPubSub and SessionKeyPrefix.
type StreamsOptions struct {
	// StreamName is the Redis stream (Node's streamName); with StreamCount > 1, the streams
	// <StreamName>-<i>. Empty means "socket.io".
	StreamName string
	// StreamCount spreads the namespaces over that many streams, each namespace on the one
	// its name hashes to (Node's hash, so Go and Node agree), each read by its own blocking
	// XREAD. Zero means 1.
	StreamCount int
	// ChannelPrefix is the prefix of the pub/sub channels of the messages that are not kept
	// in the stream (acknowledged broadcasts, fetchSockets, serverSideEmit, answers):
	// <ChannelPrefix>#<nsp># and <ChannelPrefix>#<nsp>#<uid>#. Empty means "socket.io". Do not
	// share it with a classic adapter, whose pattern <prefix>#<nsp>#* matches these channels.
	ChannelPrefix string
	// UseShardedPubSub sends those messages with SPUBLISH / SSUBSCRIBE (Redis 7).
	UseShardedPubSub bool
	// MaxLen trims the stream, approximately (XADD MAXLEN ~). A client can be recovered only
	// while the entries since its offset are kept. Zero means 10,000.
	MaxLen int64
	// ReadCount is how many entries one XREAD returns at most (COUNT). Zero means 100.
	ReadCount int64
	// BlockTime is how long one XREAD waits for entries (BLOCK). Zero means 5s.
	BlockTime time.Duration
	// SessionKeyPrefix prefixes the keys of the sessions kept for connection-state recovery
	// (<SessionKeyPrefix><private id>). Empty means "sio:session:".
	SessionKeyPrefix string
	// OnlyPlaintext writes every entry's data as JSON, even when it holds binary (Node's
	// onlyPlaintext; binary then becomes JSON objects, as in JSON.stringify).
	OnlyPlaintext bool
	// RequestsTimeout bounds ServerSideEmitWithAck and FetchSockets without a Timeout, and
	// every Redis command whose context has no deadline. Zero means 5s.
	RequestsTimeout time.Duration
	// MaxQueued bounds the outage queue of the Factory (see "Faults" in the package doc): the
	// entries and messages kept while Redis is unreachable, appended in order once it is back.
	// Zero means 10,000; negative means no queue.
	MaxQueued int
	// MaxQueuedBytes bounds the bytes the outage queue keeps. Zero means 16 MiB; negative
	// means no byte bound.
	MaxQueuedBytes int
	// MaxQueueAge is how long a message may wait in the outage queue. Zero means 1 minute
	// (longer than the other modes' 10 s: in streams mode this node's own sockets get its
	// broadcasts from the stream, so they wait for Redis too); negative means no age bound.
	MaxQueueAge time.Duration
	// Stats, when not nil, receives the counters of the outage queue.
	Stats *Stats
	// Logger receives the adapter's logs. Nil means slog.Default().
	Logger *slog.Logger
}

func (o StreamsOptions) withDefaults() StreamsOptions {
	if o.StreamName == "" {
		o.StreamName = "socket.io"
	}
	if o.StreamCount <= 0 {
		o.StreamCount = 1
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	if o.MaxLen <= 0 {
		o.MaxLen = 10_000
	}
	if o.ReadCount <= 0 {
		o.ReadCount = 100
	}
	if o.BlockTime <= 0 {
		o.BlockTime = 5 * time.Second
	}
	if o.SessionKeyPrefix == "" {
		o.SessionKeyPrefix = "sio:session:"
	}
	if o.MaxQueueAge == 0 {
		o.MaxQueueAge = time.Minute
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func (o StreamsOptions) queue() queueOptions {
	return queueOptions{o.MaxQueued, o.MaxQueuedBytes, o.MaxQueueAge, o.Stats, o.RequestsTimeout, o.Logger}
}

// StreamName returns the stream that carries namespace nsp's entries: StreamName, or with
// StreamCount > 1 StreamName-<i>, i being Node's 32-bit string hash of nsp (over UTF-16 code
// units) modulo StreamCount, negative when the hash is, as in JavaScript.
func (o StreamsOptions) streamOf(nsp string) string {
	o = o.withDefaults()
	return wire.StreamOf(o.StreamName, o.StreamCount, nsp)
}

// NewStreams returns the Factory of the Redis Streams adapter over rdb, wire-compatible with
// Node's @socket.io/redis-streams-adapter 0.3.1: give it to one socketio.Server, and a Factory
// of its own to each other server of the same process. rdb may be a *redis.Client
// (standalone, or Sentinel) or a *redis.ClusterClient; it stays the caller's.
//
// Broadcasts, joins, leaves and disconnections are entries of a Redis stream (XADD … MAXLEN ~),
// which every node reads with a blocking XREAD from where it left off, through Redis
// restarts: nothing sent while a node's connection was lost is missed, as long as Redis
// keeps it. A node delivers its own broadcasts when it reads them back, so every node
// delivers a namespace's broadcasts in one order; while Redis is away they wait in the
// Factory's outage queue (MaxQueueAge, 1 minute by default), for this node's sockets too, and
// go out in order when it is back. The other messages go over pub/sub, as in Node.
//
// The adapter implements adapter.SessionStore: with socketio.Options.ConnectionStateRecovery,
// broadcast events carry their entry id as offset, the sessions of disconnected sockets are
// kept in Redis (<SessionKeyPrefix><private id>, expiring after MaxDisconnectionDuration), and
// a client may come back on any node, Go or Node, and get its id, rooms, data and the events
// it missed. The family has no allRooms request: AllRooms returns this node's rooms with an
// error wrapping cluster.ErrUnsupported.
func NewStreams(rdb redis.UniversalClient, opts StreamsOptions) adapter.Factory {
	opts = opts.withDefaults()
	if err := clientError(rdb); err != nil {
		return failing(err)
	}
	f := &streamsFactory{
		rdb:     rdb,
		opts:    opts,
		sub:     newShardSubscriber(rdb, opts.Logger, !opts.UseShardedPubSub),
		out:     newOutbox(opts.queue()),
		readers: make(map[string]*streamReader),
		nsps:    make(map[string]*streamsTransport),
	}
	return f.build
}

// streamsFactory is what the namespaces of one Factory share: the pub/sub subscriber, the
// outbox, and one reader per stream in use.
type streamsFactory struct {
	rdb  redis.UniversalClient
	opts StreamsOptions
	sub  *shardSubscriber
	out  *outbox

	mu      sync.Mutex
	readers map[string]*streamReader
	nsps    map[string]*streamsTransport
}

func (f *streamsFactory) build(l *adapter.Local) (adapter.Adapter, error) {
	nsp := l.Namespace().Name()
	uid := wire.NewClusterID()
	recovery := func() bool {
		r, ok := l.Namespace().(adapter.RecoveryAware)
		return ok && r.RecoveryEnabled()
	}
	t := &streamsTransport{
		base:   newBase(nsp, f.opts.RequestsTimeout, f.out),
		f:      f,
		uid:    uid,
		stream: f.opts.streamOf(nsp),
		public: f.opts.ChannelPrefix + "#" + nsp + "#",
		pipe:   streamsPipe{c: f.rdb, sharded: f.opts.UseShardedPubSub, maxLen: f.opts.MaxLen},
		codec:  cluster.NewStreamsCodec(f.opts.OnlyPlaintext, recovery),
	}
	a := &streamsAdapter{
		Adapter: cluster.New(l, uid, t, t.codec, cluster.Options{
			RequestTimeout:        f.opts.RequestsTimeout,
			FetchTimeoutFromFlags: true,
			NoAllRooms:            true,
			LoopbackBroadcasts:    true,
			Logger:                f.opts.Logger.With("node", uid),
		}),
		t: t,
	}
	t.recv = a.Receive
	return started(a, f.opts.RequestsTimeout, t.start)
}

// streamsTransport is the cluster.Transport of one namespace in the streams family. Unlike
// the other transports it hands inbound messages to the adapter from two goroutines: the
// stream's reader (entries) and the subscriber (pub/sub), as Node's adapter does.
type streamsTransport struct {
	base
	f      *streamsFactory
	uid    string
	stream string
	public string
	pipe   streamsPipe
	codec  cluster.Codec
	reader *streamReader // set by start

	confirms []<-chan struct{}
	conn     *shardConn
}

var _ cluster.Transport = (*streamsTransport)(nil)

func (t *streamsTransport) private(uid string) string { return t.public + uid + "#" }

// start registers the namespace with its stream's reader and subscribes its two channels.
func (t *streamsTransport) start(ctx context.Context) error {
	f := t.f
	f.mu.Lock()
	if _, dup := f.nsps[t.nsp]; dup {
		f.mu.Unlock()
		return fmt.Errorf("redisadapter: namespace %s already has an adapter from this Factory (use one Factory per server)", t.nsp)
	}
	f.nsps[t.nsp] = t
	r := f.readers[t.stream]
	if r == nil {
		r = newStreamReader(f, t.stream)
		f.readers[t.stream] = r
	}
	r.users++
	t.reader = r
	f.mu.Unlock()

	// A key of another type would never work: say so now. A Redis that does not answer is
	// only logged (the adapter connects when it does) and not waited for.
	answers := true
	if typ, err := f.rdb.Type(ctx, t.stream).Result(); err != nil {
		answers = false
		f.opts.Logger.Warn("redisadapter: Redis does not answer yet; the streams adapter will connect when it does",
			"nsp", t.nsp, "stream", t.stream, "err", err)
	} else if typ != "none" && typ != "stream" {
		return fmt.Errorf("redisadapter: key %q holds a %s, not a stream: choose another StreamName (gosockio serve --redis-key)", t.stream, typ)
	}
	f.sub.opMu.Lock()
	pubWait, conn, err := f.sub.subscribeLocked(ctx, t.public, t, cluster.Topic{Kind: cluster.TopicRequest}, true)
	if err == nil {
		var respWait <-chan struct{}
		respWait, _, err = f.sub.subscribeLocked(ctx, t.private(t.uid), t, cluster.Topic{Kind: cluster.TopicResponse, Node: t.uid}, true)
		t.mu.Lock()
		t.conn, t.confirms = conn, []<-chan struct{}{pubWait, respWait}
		t.mu.Unlock()
	}
	f.sub.opMu.Unlock()
	if err != nil {
		return err
	}
	if !answers {
		return nil
	}
	if err := t.Ready(ctx); err != nil {
		t.f.opts.Logger.Warn("redisadapter: streams adapter not connected yet; it will be when Redis answers",
			"nsp", t.nsp, "err", err)
	}
	return nil
}

// down reports whether the subscription connection or the stream reader is cut off, or the
// reader does not know yet where it reads from: what is published meanwhile waits in the
// outbox, so that this node's reader sees its own entries.
func (t *streamsTransport) down() bool {
	t.mu.Lock()
	c := t.conn
	t.mu.Unlock()
	if c != nil && c.down.Load() || t.reader.down.Load() {
		return true
	}
	select {
	case <-t.reader.started:
		return false
	default:
		return true
	}
}

// Ready waits until Redis has confirmed the subscriptions and the stream reader knows where
// it reads from, then reports whether messages from the other nodes arrive.
func (t *streamsTransport) Ready(ctx context.Context) error {
	t.mu.Lock()
	waits := append([]<-chan struct{}{t.reader.started}, t.confirms...)
	t.mu.Unlock()
	return t.ready(ctx, waits, nil, t.down)
}

// Publish implements cluster.Transport: a stream frame is appended to the stream (XADD), a
// message to the namespace's channel or to the requester's, through the outbox. Broadcasts
// and answers do not wait for Redis.
func (t *streamsTransport) Publish(ctx context.Context, topic cluster.Topic, b []byte) error {
	if _, ok, _ := cluster.ParseStreamFrame(b); ok {
		return t.publish(ctx, t, "xadd", t.stream, b, t.public, false, topic.Kind == cluster.TopicBroadcast, t.down())
	}
	cmd := "publish"
	if t.f.opts.UseShardedPubSub {
		cmd = "spublish"
	}
	ch := t.public
	if topic.Kind == cluster.TopicResponse {
		ch = t.private(topic.Node)
	}
	return t.publish(ctx, t, cmd, ch, b, t.public, ch == t.public, posted(topic), t.down())
}

// Pipe implements redispub.Dest.
func (t *streamsTransport) Pipe(context.Context) redispub.Pipe { return t.pipe }

// Subscribers implements redispub.Dest: the nodes of the namespace, as ServerCount.
func (t *streamsTransport) Subscribers(ctx context.Context) (int64, error) {
	n, err := t.ServerCount(ctx)
	return int64(n), err
}

// ServerCount implements cluster.Transport: the subscribers of the namespace's channel
// (PUBSUB NUMSUB, or SHARDNUMSUB), as Node's adapter counts them.
func (t *streamsTransport) ServerCount(ctx context.Context) (int, error) {
	return t.serverCount(ctx, t.down(), func(ctx context.Context) (int, error) {
		return redispub.CountSubscribers(ctx, t.f.rdb, t.public, t.f.opts.UseShardedPubSub)
	})
}

// Close implements cluster.Transport: the namespace leaves its reader (the last one stops
// it) and its channels are unsubscribed.
func (t *streamsTransport) Close(ctx context.Context) error {
	return t.closeOnce(ctx, func() error {
		f := t.f
		f.mu.Lock()
		if f.nsps[t.nsp] == t {
			delete(f.nsps, t.nsp)
		}
		r := t.reader
		r.users--
		last := r.users == 0
		if last {
			delete(f.readers, t.stream)
		}
		f.mu.Unlock()
		err := f.sub.remove(ctx, t)
		if last {
			err = errors.Join(err, r.close(ctx))
		}
		return err
	})
}

// streamsPipe publishes through the client: XADD for stream frames, PUBLISH or SPUBLISH for
// the rest, several in one pipeline.
type streamsPipe struct {
	c       redis.UniversalClient
	sharded bool
	maxLen  int64
}

func (p streamsPipe) Publish(ctx context.Context, msgs []*redispub.Message, res []redispub.Reply) {
	redispub.Each(ctx, p.c, msgs, res, p.cmd)
}

func (p streamsPipe) cmd(ctx context.Context, c redis.Cmdable, m *redispub.Message) redis.Cmder {
	if e, ok, err := cluster.ParseStreamFrame(m.Payload); ok {
		if err != nil {
			cmd := redis.NewStringCmd(ctx)
			cmd.SetErr(err)
			return cmd
		}
		values := []string{"uid", e.UID, "nsp", e.Nsp, "type", e.Type}
		if e.HasData {
			values = append(values, "data", e.Data)
		}
		return c.XAdd(ctx, &redis.XAddArgs{Stream: m.Channel, MaxLen: p.maxLen, Approx: true, ID: "*", Values: values})
	}
	if p.sharded {
		return c.SPublish(ctx, m.Channel, m.Payload)
	}
	return c.Publish(ctx, m.Channel, m.Payload)
}

// streamReader reads one stream with a blocking XREAD loop on a connection of its own, and
// hands each entry to the transport of its namespace. It resumes after the last entry it
// delivered when Redis comes back.
type streamReader struct {
	f      *streamsFactory
	name   string
	client redis.UniversalClient // a client of its own, closed to interrupt a blocking XREAD
	users  int                   // namespaces reading it; guarded by f.mu

	// mu is held while a batch of entries is delivered, and by RestoreSession while a
	// recovered socket joins its rooms: last is then the id of the last entry delivered.
	mu   sync.Mutex
	last string

	started   chan struct{} // closed once last is known
	down      atomic.Bool
	wrongType bool // the last failure was WRONGTYPE (only the reader's goroutine uses it)
	stop      chan struct{}
	done      chan struct{}
}

func newStreamReader(f *streamsFactory, name string) *streamReader {
	r := &streamReader{f: f, name: name, client: ownClient(f.rdb), started: make(chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

// ownClient returns a client of rdb's options with a pool of its own.
func ownClient(rdb redis.UniversalClient) redis.UniversalClient {
	switch c := rdb.(type) {
	case *redis.Client:
		o := *c.Options()
		o.PoolSize, o.MinIdleConns, o.MaxIdleConns = 2, 0, 1
		// The caller's client owns the maintenance notifications (RESP3 push handlers are
		// per process); this one needs none.
		o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
		return redis.NewClient(&o)
	case *redis.ClusterClient:
		o := *c.Options()
		return redis.NewClusterClient(&o)
	}
	return nil
}

func (r *streamReader) close(ctx context.Context) error {
	close(r.stop)
	if r.client != nil {
		_ = r.client.Close() // interrupts a blocking XREAD
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redisadapter: stream reader of %s: %w", r.name, ctx.Err())
	}
}

func (r *streamReader) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

func (r *streamReader) run() {
	defer close(r.done)
	log := r.f.opts.Logger
	if r.client == nil {
		log.Error("redisadapter: the streams adapter needs a *redis.Client or a *redis.ClusterClient", "stream", r.name)
		r.down.Store(true)
		return
	}
	ctx := context.Background()
	backoff := time.Duration(0)
	failed := func(err error) bool {
		if r.stopped() {
			return false
		}
		if wrongType(err) {
			// Not an outage: someone wrote another type under the stream's key.
			if !r.down.Swap(true) || !r.wrongType {
				log.Error("redisadapter: the stream's key holds another type; nothing is read until it is a stream again",
					"stream", r.name, "err", err)
			}
			r.wrongType = true
		} else if !r.down.Swap(true) || r.wrongType {
			log.Warn("redisadapter: stream reader lost Redis; retrying", "stream", r.name, "err", err)
			r.wrongType = false
		}
		backoff = min(max(2*backoff, 50*time.Millisecond), time.Second)
		t := time.NewTimer(backoff)
		defer t.Stop()
		select {
		case <-r.stop:
			return false
		case <-t.C:
			return true
		}
	}
	// The position to read from: the stream's last entry now (Node reads from "$").
	for r.last == "" {
		msgs, err := r.client.XRevRangeN(ctx, r.name, "+", "-", 1).Result()
		if err != nil {
			if !failed(err) {
				return
			}
			continue
		}
		r.mu.Lock()
		r.last = "0-0"
		if len(msgs) > 0 {
			r.last = msgs[0].ID
		}
		r.mu.Unlock()
	}
	close(r.started)
	for !r.stopped() {
		if r.down.Load() {
			// Back up before the blocking XREAD: the outbox waits for this reader to be up
			// before it appends what it kept during the outage.
			if err := r.client.XLen(ctx, r.name).Err(); err != nil {
				if !failed(err) {
					return
				}
				continue
			}
			r.up()
		}
		res, err := r.client.XRead(ctx, &redis.XReadArgs{
			Streams: []string{r.name, r.last},
			Count:   r.f.opts.ReadCount,
			Block:   r.f.opts.BlockTime,
		}).Result()
		if errors.Is(err, redis.Nil) {
			err = nil
		}
		if err != nil {
			if !failed(err) {
				return
			}
			continue
		}
		backoff = 0
		r.up()
		for _, s := range res {
			r.deliver(s.Messages)
		}
	}
}

func wrongType(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE")
}

// up marks the reader connected again.
func (r *streamReader) up() {
	r.wrongType = false
	if r.down.Swap(false) {
		r.mu.Lock()
		last := r.last
		r.mu.Unlock()
		r.f.opts.Logger.Info("redisadapter: stream reader reconnected", "stream", r.name, "from", last)
	}
}

// deliver hands entries to their namespaces' transports, in order, under mu.
func (r *streamReader) deliver(msgs []redis.XMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		r.last = m.ID
		e, ok := entryOf(m)
		if !ok {
			if e.Nsp != "" {
				r.f.opts.Logger.Warn("redisadapter: skipped malformed stream entry", "stream", r.name, "id", m.ID)
			}
			continue
		}
		r.f.mu.Lock()
		t := r.f.nsps[e.Nsp]
		r.f.mu.Unlock()
		if t != nil {
			t.deliver(cluster.Topic{Kind: cluster.TopicBroadcast}, cluster.AppendStreamFrame(nil, e))
		}
	}
}

// entryOf reads the fields of a stream entry; ok is false when a field is missing or not a
// string (Node skips entries without nsp).
func entryOf(m redis.XMessage) (e wire.StreamEntry, ok bool) {
	e.ID = m.ID
	str := func(k string) (string, bool) {
		v, ok := m.Values[k].(string)
		return v, ok
	}
	var okNsp, okUID, okType bool
	e.Nsp, okNsp = str("nsp")
	e.UID, okUID = str("uid")
	e.Type, okType = str("type")
	if v, present := m.Values["data"]; present {
		s, isStr := v.(string)
		if !isStr {
			return e, false
		}
		e.Data, e.HasData = s, true
	}
	return e, okNsp && e.Nsp != "" && okUID && okType
}

// streamsAdapter is the adapter of one namespace: the cluster core plus the sessions.
type streamsAdapter struct {
	*cluster.Adapter
	t *streamsTransport
}

var (
	_ adapter.SessionStore = (*streamsAdapter)(nil)
	_ adapter.Readier      = (*streamsAdapter)(nil)
)

// PersistSession implements adapter.SessionStore: SET <SessionKeyPrefix><pid> to the base64
// MessagePack of {sid, pid, rooms, data}, expiring at s.Expires (PX), as Node's adapter.
func (a *streamsAdapter) PersistSession(ctx context.Context, s adapter.Session) error {
	ttl := time.Until(s.Expires)
	if ttl <= 0 {
		return nil
	}
	v, err := wire.MarshalStreamSession(&wire.StreamSession{SID: s.SID, PID: s.PID, Rooms: s.Rooms, Data: s.Data})
	if err != nil {
		return fmt.Errorf("redisadapter: persist session of %s: %w", s.SID, err)
	}
	ctx, cancel := a.t.bound(ctx)
	defer cancel()
	key := a.t.f.opts.SessionKeyPrefix + s.PID
	if err := a.t.f.rdb.Do(ctx, "set", key, v, "px", max(ttl.Milliseconds(), 1)).Err(); err != nil {
		return fmt.Errorf("redisadapter: persist session of %s: %w", s.SID, err)
	}
	return nil
}

// offsetRe is the form of a stream entry id, the only offsets this adapter gives.
var offsetRe = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

// restorePage is how many entries one XRANGE of a restore reads; restorePages bounds the
// pages (as Node bounds its XRANGE calls): a session further behind is not restored.
const (
	restorePage  = 1000
	restorePages = 100
)

// RestoreSession implements adapter.SessionStore: the session is taken (GET and DEL in one
// transaction), the offset must still be in the stream, and the entries after it are read
// (XRANGE); those that are broadcasts of the namespace to the session's rooms are its missed
// packets. The socket then joins its rooms while the stream's reader is held, at the entry the
// reader delivered last: what the reader delivered up to it is in Missed (read again if the
// reader went further than the XRANGE), what comes after reaches the socket live.
func (a *streamsAdapter) RestoreSession(ctx context.Context, pid, offset string, attach func(*adapter.Session)) (bool, error) {
	if !offsetRe.MatchString(offset) || pid == "" {
		return false, nil
	}
	t := a.t
	ctx, cancel := t.bound(ctx)
	defer cancel()
	rdb := t.f.rdb
	key := t.f.opts.SessionKeyPrefix + pid
	var get *redis.StringCmd
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		p.Del(ctx, key)
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("redisadapter: restore session: %w", err)
	}
	raw, err := get.Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("redisadapter: restore session: %w", err)
	}
	at, err := rdb.XRangeN(ctx, t.stream, offset, offset, 1).Result()
	if err != nil {
		return false, fmt.Errorf("redisadapter: restore session: %w", err)
	}
	if len(at) == 0 {
		return false, nil // the offset was trimmed, or never was
	}
	ws, err := wire.UnmarshalStreamSession(raw)
	if err != nil {
		t.f.opts.Logger.Warn("redisadapter: skipped malformed session", "nsp", t.nsp, "err", err)
		return false, nil
	}
	sess := &adapter.Session{SID: ws.SID, PID: pid, Rooms: ws.Rooms, Data: ws.Data}
	var ids []string
	last := offset
	collect := func(until string) (bool, error) {
		for range restorePages {
			msgs, err := rdb.XRangeN(ctx, t.stream, nextID(last), until, restorePage).Result()
			if err != nil {
				return false, fmt.Errorf("redisadapter: restore session: %w", err)
			}
			for _, m := range msgs {
				last = m.ID
				e, ok := entryOf(m)
				if !ok {
					continue
				}
				p, target, ok, err := cluster.StreamBroadcast(e, t.nsp)
				if err != nil {
					t.f.opts.Logger.Warn("redisadapter: skipped malformed stream entry", "stream", t.stream, "id", m.ID, "err", err)
					continue
				}
				if ok && target.Reaches(sess.Rooms) {
					sess.Missed = append(sess.Missed, p)
					ids = append(ids, m.ID)
				}
			}
			if len(msgs) < restorePage {
				return true, nil
			}
		}
		return false, nil
	}
	if done, err := collect("+"); err != nil || !done {
		return false, err
	}
	r := t.reader
	// The client has every entry up to its offset: attach only once this node's reader has
	// delivered those too (a reader catching up after an outage may be behind), or it would
	// hand them to the socket again.
	for {
		select {
		case <-r.started:
		case <-ctx.Done():
			return false, fmt.Errorf("redisadapter: restore session: stream reader not started: %w", ctx.Err())
		}
		r.mu.Lock()
		if compareIDs(r.last, offset) >= 0 {
			break
		}
		r.mu.Unlock()
		select {
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
			return false, fmt.Errorf("redisadapter: restore session: the stream reader is still behind the client's offset: %w", ctx.Err())
		}
	}
	defer r.mu.Unlock()
	switch c := compareIDs(r.last, last); {
	case c > 0: // the reader delivered entries the XRANGE did not see
		if done, err := collect(r.last); err != nil || !done {
			return false, err
		}
	case c < 0: // the reader will deliver these after attach: not missed
		n := len(ids)
		for n > 0 && compareIDs(ids[n-1], r.last) > 0 {
			n--
		}
		sess.Missed, ids = sess.Missed[:n], ids[:n]
	}
	attach(sess)
	return true, nil
}

// nextID is the smallest id after id (exclusive ranges need Redis 6.2; Node does the same).
func nextID(id string) string {
	ms, seq, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseUint(seq, 10, 64)
	return ms + "-" + strconv.FormatUint(n+1, 10)
}

// compareIDs orders two stream ids.
func compareIDs(a, b string) int {
	am, as := splitID(a)
	bm, bs := splitID(b)
	if am != bm {
		if am < bm {
			return -1
		}
		return 1
	}
	switch {
	case as < bs:
		return -1
	case as > bs:
		return 1
	}
	return 0
}

func splitID(id string) (ms, seq uint64) {
	a, b, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(a, 10, 64)
	seq, _ = strconv.ParseUint(b, 10, 64)
	return ms, seq
}
