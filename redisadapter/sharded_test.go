package redisadapter_test

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/adaptertest"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

var modes = []redisadapter.SubscriptionMode{redisadapter.SubscriptionStatic, redisadapter.SubscriptionDynamic,
	redisadapter.SubscriptionDynamicPrivate}

func shardedFactories(rdb redis.UniversalClient, opts redisadapter.ShardedOptions) []adapter.Factory {
	return []adapter.Factory{redisadapter.NewSharded(rdb, opts), redisadapter.NewSharded(rdb, opts), redisadapter.NewSharded(rdb, opts)}
}

// TestShardedSuite runs the adapter behaviour suite in sharded mode, in each subscription mode,
// on three nodes sharing one Redis 7 (REDIS_URL, else a redis-server of the test; miniredis
// has no sharded pub/sub).
func TestShardedSuite(t *testing.T) {
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
				rdb := redistest.Sharded(t).Client(t)
				return shardedFactories(rdb, redisadapter.ShardedOptions{ChannelPrefix: redistest.Key(t), SubscriptionMode: mode})
			})
		})
	}
}

// TestShardedSuiteRedisCluster runs the behaviour suite in sharded mode over a Redis Cluster of
// three masters started by the test, through a redis.ClusterClient: each channel is
// subscribed on the master of its slot, and the server count is summed over the masters.
func TestShardedSuiteRedisCluster(t *testing.T) {
	addrs := redistest.StartCluster(t, 3)
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
				rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
				t.Cleanup(func() { _ = rdb.Close() })
				return shardedFactories(rdb, redisadapter.ShardedOptions{ChannelPrefix: redistest.Key(t), SubscriptionMode: mode})
			})
		})
	}
}

// TestShardedSuiteSentinel runs the behaviour suite in sharded mode through a Sentinel-managed
// client (redis.NewFailoverClient) against a master and a Sentinel started by the test.
func TestShardedSuiteSentinel(t *testing.T) {
	master := redistest.StartServer(t)
	sentinel := redistest.StartSentinel(t, master.Addr)
	adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
		rdb := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "mymaster", SentinelAddrs: []string{sentinel}})
		t.Cleanup(func() { _ = rdb.Close() })
		return shardedFactories(rdb, redisadapter.ShardedOptions{ChannelPrefix: redistest.Key(t)})
	})
}

// shardCapture records what is published on some sharded channels (a raw SSUBSCRIBE; on the
// namespace channel it counts as one more server, as any foreign subscriber would).
type shardCapture struct {
	t  testing.TB
	ps *redis.PubSub
}

func startShardCapture(t testing.TB, rdb *redis.Client, channels ...string) *shardCapture {
	t.Helper()
	ctx := ctx5(t)
	ps := rdb.SSubscribe(ctx, channels...)
	t.Cleanup(func() { _ = ps.Close() })
	for range channels {
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return &shardCapture{t: t, ps: ps}
}

func (c *shardCapture) next() *redis.Message {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := c.ps.ReceiveMessage(ctx)
	if err != nil {
		c.t.Fatalf("capture: %v", err)
	}
	return m
}

// shardNumSub is PUBSUB SHARDNUMSUB of one channel.
func shardNumSub(t testing.TB, rdb *redis.Client, ch string) int64 {
	t.Helper()
	m, err := rdb.PubSubShardNumSub(ctx5(t), ch).Result()
	if err != nil {
		t.Fatal(err)
	}
	return m[ch]
}

// waitShardNumSub waits until SHARDNUMSUB of ch is n.
func waitShardNumSub(t testing.TB, rdb *redis.Client, ch string, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := shardNumSub(t, rdb, ch)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("SHARDNUMSUB %s = %d, want %d", ch, got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestShardedChannels: in each subscription mode, every operation is published where Node's
// sharded adapter publishes it (docs/redis-wire.md §2.2, §8.4), in its envelope, and answers
// go to the requester's own channel. The capture subscribes the namespace channel, so it
// counts as a server that never answers: requests end with a timeout, with what they got.
func TestShardedChannels(t *testing.T) {
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			rdb := redistest.Sharded(t).Client(t)
			prefix := redistest.Key(t)
			opts := redisadapter.ShardedOptions{ChannelPrefix: prefix, SubscriptionMode: mode, RequestsTimeout: 300 * time.Millisecond}
			a := startShardedNode(t, rdb, opts)
			b := startShardedNode(t, rdb, opts)
			waitCount(t, 2, a, b)
			cb := connect(t, b)
			b.srv.Sockets()[0].Join("room1")
			ns := prefix + "#/#"
			room, sid, resp := ns+"room1#", ns+cb.id+"#", ns+a.uid()+"#"
			if mode != redisadapter.SubscriptionStatic {
				waitShardNumSub(t, rdb, room, 1)
			}
			cp := startShardCapture(t, rdb, ns, room, sid, resp)
			expect := func(what, channel, payload string) {
				t.Helper()
				m := cp.next()
				if m.Channel != channel {
					t.Errorf("%s published on %s, want %s", what, m.Channel, channel)
				}
				if !strings.HasPrefix(m.Payload, payload) {
					t.Errorf("%s published %s, want it to start with %s", what, m.Payload, payload)
				}
			}
			env := func(data string, uid string) string {
				return `{"type":` + data + `,"uid":"` + uid + `","nsp":"/"}`
			}

			if err := a.srv.To("room1").Emit("to-room", "r1"); err != nil {
				t.Fatal(err)
			}
			want := room
			if mode == redisadapter.SubscriptionStatic {
				want = ns
			}
			expect("a broadcast to one room", want,
				env(`3,"data":{"packet":{"type":2,"data":["to-room","r1"]},"opts":{"rooms":["room1"],"except":[],"flags":{}}}`, a.uid()))
			cb.expectEvent(t, "to-room")

			if err := a.srv.To(cb.id).Emit("direct"); err != nil {
				t.Fatal(err)
			}
			want = ns
			if mode == redisadapter.SubscriptionDynamicPrivate {
				want = sid
			}
			expect("a broadcast to a socket id", want, `{"type":3,`)
			cb.expectEvent(t, "direct")

			for _, op := range []socketio.BroadcastOperator{a.srv.To("room1", "room2"), a.srv.Except("room2"), a.srv.To("room1").Except("room2")} {
				if err := op.Emit("many"); err != nil {
					t.Fatal(err)
				}
				m := cp.next()
				if single := strings.Contains(m.Payload, `"rooms":["room1"],"except":["room2"]`); single && mode != redisadapter.SubscriptionStatic {
					if m.Channel != room {
						t.Errorf("one room except another published on %s", m.Channel)
					}
				} else if m.Channel != ns {
					t.Errorf("%s published on %s, want the namespace channel", m.Payload, m.Channel)
				}
				cb.expectEvent(t, "many")
			}

			if err := a.srv.Local().Emit("local-only"); err != nil {
				t.Fatal(err)
			}
			if err := a.srv.SocketsJoin(ctx5(t), "r"); err != nil {
				t.Fatal(err)
			}
			// The local emit published nothing: the next message is the join.
			expect("socketsJoin", ns, env(`4,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"rooms":["r"]}`, a.uid()))

			// A broadcast with acknowledgements to one room is a request on the namespace channel;
			// b answers with its client count on a's channel.
			_, err := a.srv.To("room1").Timeout(200*time.Millisecond).EmitWithAck(ctx5(t), "ask")
			if !errors.Is(err, socketio.ErrTimeout) {
				t.Errorf("EmitWithAck without answers: %v, want a timeout", err)
			}
			m := cp.next()
			if m.Channel != ns || !strings.Contains(m.Payload, `"requestId":"`) || !strings.Contains(m.Payload, `"flags":{"timeout":200}`) {
				t.Errorf("broadcast with ack published %s on %s", m.Payload, m.Channel)
			}
			expect("the client count", resp, `{"type":11,"data":{"requestId":"`)

			start := time.Now()
			socks, err := a.srv.FetchSockets(ctx5(t))
			if !errors.Is(err, adapter.ErrTimeout) || len(socks) != 1 || socks[0].ID() != cb.id {
				t.Errorf("FetchSockets with a silent subscriber: %d sockets, %v; want b's socket and a timeout", len(socks), err)
			}
			if el := time.Since(start); el < 250*time.Millisecond || el > 3*time.Second {
				t.Errorf("FetchSockets with a silent subscriber took %v, want RequestsTimeout (300ms)", el)
			}
			expect("fetchSockets", ns, `{"type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"requestId":"`)
			expect("the fetchSockets answer", resp, `{"type":8,"data":{"requestId":"`)
		})
	}
}

// TestShardedFetchTimeout: FetchSockets waits the operator's Timeout when one is set, even
// beyond RequestsTimeout (Node's sharded rule), and RequestsTimeout otherwise; a subscriber
// that never answers makes it wait that long, then it returns what it has.
func TestShardedFetchTimeout(t *testing.T) {
	rdb := redistest.Sharded(t).Client(t)
	prefix := redistest.Key(t)
	opts := redisadapter.ShardedOptions{ChannelPrefix: prefix, RequestsTimeout: 200 * time.Millisecond}
	a := startShardedNode(t, rdb, opts)
	b := startShardedNode(t, rdb, opts)
	waitCount(t, 2, a, b)
	connect(t, b)
	startShardCapture(t, rdb, prefix+"#/#")
	waitCount(t, 3, a)
	for _, tc := range []struct {
		timeout  time.Duration
		min, max time.Duration
	}{{0, 180 * time.Millisecond, 700 * time.Millisecond}, {time.Second, 950 * time.Millisecond, 3 * time.Second}} {
		start := time.Now()
		socks, err := a.srv.FetchSockets(ctx5(t))
		if tc.timeout > 0 {
			socks, err = a.srv.Timeout(tc.timeout).FetchSockets(ctx5(t))
		}
		el := time.Since(start)
		if !errors.Is(err, adapter.ErrTimeout) || len(socks) != 1 {
			t.Errorf("Timeout %v: %d sockets, %v; want b's socket and a timeout", tc.timeout, len(socks), err)
		}
		if el < tc.min || el > tc.max {
			t.Errorf("Timeout %v: returned after %v, want %v to %v", tc.timeout, el, tc.min, tc.max)
		}
	}
}

// TestShardedRoomSubscriptions: in dynamic modes a node subscribes to a room's channel while
// it has the room (dynamic-private: socket ids too; Ready waits for those subscriptions), and
// not at all in static mode; one subscription per namespace channel and server; nothing left
// subscribed after Close.
func TestShardedRoomSubscriptions(t *testing.T) {
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			rdb := redistest.Sharded(t).Client(t)
			prefix := redistest.Key(t)
			opts := redisadapter.ShardedOptions{ChannelPrefix: prefix, SubscriptionMode: mode}
			n := startShardedNode(t, rdb, opts)
			srv := n.srv
			admin := srv.Of("/admin")
			c := connect(t, n)
			s := srv.Sockets()[0]
			ns := prefix + "#/#"
			for _, ch := range []string{ns, prefix + "#/admin#", ns + n.uid() + "#"} {
				if got := shardNumSub(t, rdb, ch); got != 1 {
					t.Errorf("SHARDNUMSUB %s = %d, want 1", ch, got)
				}
			}
			if got, err := admin.Adapter().ServerCount(ctx5(t)); got != 1 || err != nil {
				t.Errorf("server count of /admin: %d, %v", got, err)
			}
			var roomSubs, sidSubs int64
			if mode != redisadapter.SubscriptionStatic {
				roomSubs = 1
			}
			if mode == redisadapter.SubscriptionDynamicPrivate {
				sidSubs = 1
			}
			s.Join("room1", "room2")
			// Ready waits for the room channels too: they are subscribed when it returns.
			if err := ready(t, srv, 5*time.Second); err != nil {
				t.Fatalf("Ready: %v", err)
			}
			for ch, want := range map[string]int64{ns + "room1#": roomSubs, ns + "room2#": roomSubs, ns + c.id + "#": sidSubs} {
				if got := shardNumSub(t, rdb, ch); got != want {
					t.Errorf("SHARDNUMSUB %s after Ready = %d, want %d", ch, got, want)
				}
			}
			s.Leave("room1")
			waitShardNumSub(t, rdb, ns+"room1#", 0)
			waitShardNumSub(t, rdb, ns+"room2#", roomSubs)
			// A remote leave empties the room too.
			other := startShardedNode(t, rdb, opts)
			waitCount(t, 2, n, other)
			if err := other.srv.SocketsLeave(ctx5(t), "room2"); err != nil {
				t.Fatal(err)
			}
			waitShardNumSub(t, rdb, ns+"room2#", 0)
			if err := other.srv.SocketsJoin(ctx5(t), "room3"); err != nil {
				t.Fatal(err)
			}
			waitShardNumSub(t, rdb, ns+"room3#", roomSubs)
			if err := srv.Close(ctx5(t)); err != nil {
				t.Fatal(err)
			}
			for _, ch := range []string{ns + "room3#", ns + c.id + "#", prefix + "#/admin#", ns + n.uid() + "#"} {
				waitShardNumSub(t, rdb, ch, 0)
			}
			waitShardNumSub(t, rdb, ns, 1) // the other server
		})
	}
}

// TestShardedNodeMessages: what Node's sharded adapter publishes (captured vectors of
// docs/redis-wire.md §12; node ec55b6bb15710f52 of an earlier capture) acts on a Go node, and the Go node answers
// on Node's response channel in Node's format.
func TestShardedNodeMessages(t *testing.T) {
	rdb := redistest.Sharded(t).Client(t)
	prefix := redistest.Key(t)
	n := startShardedNode(t, rdb, redisadapter.ShardedOptions{ChannelPrefix: prefix})
	c := connect(t, n)
	n.srv.Sockets()[0].Join("room1")
	ns := prefix + "#/#"
	waitShardNumSub(t, rdb, ns+"room1#", 1)
	nodeResp := ns + "ec55b6bb15710f52#"
	cp := startShardCapture(t, rdb, nodeResp)
	pub := func(channel, payload string) {
		t.Helper()
		if err := rdb.SPublish(ctx5(t), channel, payload).Err(); err != nil {
			t.Fatal(err)
		}
	}
	const uidA = `"uid":"ec55b6bb15710f52","nsp":"/"}`
	// V31 sharded-broadcast-all.
	pub(ns, `{"type":3,"data":{"packet":{"type":2,"data":["hello","world",1,2.5,-3,{"a":true,"b":null},[1,"two"]]},"opts":{"rooms":[],"except":[],"flags":{}}},`+uidA)
	if got := c.expectEvent(t, "hello"); got != `["hello","world",1,2.5,-3,{"a":true,"b":null},[1,"two"]]` {
		t.Errorf("broadcast data %s", got)
	}
	// V32 sharded-broadcast-room-dynamic, on the room channel.
	pub(ns+"room1#", `{"type":3,"data":{"packet":{"type":2,"data":["to-room","r1"]},"opts":{"rooms":["room1"],"except":[],"flags":{}}},`+uidA)
	c.expectEvent(t, "to-room")
	// V33 sharded-broadcast-binary (MessagePack): binary reaches the client as attachments.
	bin, _ := hex.DecodeString("84a47479706503a46461746182a67061636b657482a47479706502a46461746194a362696ec40301020381a66e6573746564c402ff00a3747874a46f70747383a5726f6f6d7390a665786365707490a5666c61677380a3756964b065633535623662623135373130663532a36e7370a12f")
	pub(ns, string(bin))
	if got := c.expectEvent(t, "bin"); got != `["bin",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}},"txt"]` {
		t.Errorf("binary broadcast data %s", got)
	}
	// V39 sharded-sockets-join.
	pub(ns, `{"type":4,"data":{"opts":{"rooms":["room1"],"except":[],"flags":{}},"rooms":["room3","room4"]},`+uidA)
	// V41 sharded-server-side-emit-ack: the listener's answer goes to Node's response channel.
	n.srv.On("srv-ev", func(ev *socketio.Event) error { return ev.Ack(map[string]any{"from": "go"}) })
	pub(ns, `{"type":9,"data":{"requestId":"7f5a40428eb2233a","packet":["srv-ev","q"]},`+uidA)
	if m := cp.next(); m.Payload != `{"type":10,"data":{"requestId":"7f5a40428eb2233a","packet":{"from":"go"}},"uid":"`+n.uid()+`","nsp":"/"}` {
		t.Errorf("server-side emit answered %s", m.Payload)
	}
	// The join came before: the answer to V38 sharded-fetch-sockets has the new rooms.
	pub(ns, `{"type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"requestId":"11b10ed0b46659a8"},`+uidA)
	m := cp.next()
	if !strings.HasPrefix(m.Payload, `{"type":8,"data":{"requestId":"11b10ed0b46659a8","sockets":[{"id":"`+c.id+`",`) ||
		!strings.Contains(m.Payload, `"rooms":["`+c.id+`","room1","room3","room4"]`) || !strings.HasSuffix(m.Payload, `"uid":"`+n.uid()+`","nsp":"/"}`) {
		t.Errorf("fetchSockets answered %s", m.Payload)
	}
	// V34 sharded-broadcast-with-ack: one client count (the client does not answer).
	pub(ns, `{"type":3,"data":{"packet":{"type":2,"data":["ack-ev","please"]},"requestId":"4fe3e38705ea4023","opts":{"rooms":[],"except":[],"flags":{"timeout":1500}}},`+uidA)
	if m := cp.next(); m.Payload != `{"type":11,"data":{"requestId":"4fe3e38705ea4023","clientCount":1},"uid":"`+n.uid()+`","nsp":"/"}` {
		t.Errorf("broadcast with ack answered %s", m.Payload)
	}
	c.expectEvent(t, "ack-ev")
}

// TestShardedMalformedMessages: garbage and foreign messages on every channel are logged and
// dropped; the node goes on.
func TestShardedMalformedMessages(t *testing.T) {
	rdb := redistest.Sharded(t).Client(t)
	prefix := redistest.Key(t)
	logs := newLogSink()
	n := startShardedNode(t, rdb, redisadapter.ShardedOptions{ChannelPrefix: prefix, Logger: logs.logger()})
	c := connect(t, n)
	n.srv.Sockets()[0].Join("room1")
	ns := prefix + "#/#"
	waitShardNumSub(t, rdb, ns+"room1#", 1)
	for _, m := range []struct{ channel, payload string }{
		{ns, "not json"},
		{ns, "\xc1"},
		{ns, `{"type":3,"data":{},"uid":"x","nsp":"/"}`},
		{ns, `{"type":1,"uid":"x","nsp":"/"}`},
		{ns, `{"type":99,"uid":"x","nsp":"/"}`},
		{ns + "room1#", `[1,2]`},
		{ns + n.uid() + "#", `{"type":8,"data":{"requestId":5},"uid":"x","nsp":"/"}`},
		{ns, `{"type":3,"data":{"packet":{"type":2,"data":["e"]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"x","nsp":"/other"}`},
	} {
		if err := rdb.SPublish(ctx5(t), m.channel, m.payload).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rdb.SPublish(ctx5(t), ns, `{"type":3,"data":{"packet":{"type":2,"data":["ok"]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"x","nsp":"/"}`).Err(); err != nil {
		t.Fatal(err)
	}
	c.expectEvent(t, "ok") // nothing before it, and the node still works
	logs.waitFor(t, "dropped message of another namespace")
	if got := strings.Count(logs.String(), "dropped malformed message"); got != 7 {
		t.Errorf("%d malformed messages logged, want 7:\n%s", got, logs.String())
	}
}

// TestShardedAllRooms: the sharded family has no allRooms request; AllRooms says so with
// this node's rooms.
func TestShardedAllRooms(t *testing.T) {
	rdb := redistest.Sharded(t).Client(t)
	prefix := redistest.Key(t)
	a := startShardedNode(t, rdb, redisadapter.ShardedOptions{ChannelPrefix: prefix})
	b := startShardedNode(t, rdb, redisadapter.ShardedOptions{ChannelPrefix: prefix})
	waitCount(t, 2, a, b)
	ca := connect(t, a)
	connect(t, b)
	a.srv.Sockets()[0].Join("mine")
	b.srv.Sockets()[0].Join("theirs")
	rooms, err := a.srv.Namespace().Adapter().AllRooms(ctx5(t))
	if !errors.Is(err, cluster.ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("AllRooms: %v, want an error wrapping cluster.ErrUnsupported", err)
	}
	slices.Sort(rooms)
	want := []string{ca.id, "mine"}
	slices.Sort(want)
	if !slices.Equal(rooms, want) {
		t.Errorf("AllRooms returned %v, want this node's rooms %v", rooms, want)
	}
}

// TestShardedFactoryErrors: a Redis without sharded pub/sub, an unknown mode, one Factory for
// two servers, a nil client and a Ring are refused with an error, not a panic.
func TestShardedFactoryErrors(t *testing.T) {
	mini := redistest.Mini(t).Client(t)
	_, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.NewSharded(mini, redisadapter.ShardedOptions{})})
	if err == nil || !strings.Contains(err.Error(), "Redis 7") {
		t.Errorf("sharded adapter over miniredis: %v, want an error naming Redis 7", err)
	}
	_, err = socketio.NewServer(socketio.Options{Adapter: redisadapter.NewSharded(mini, redisadapter.ShardedOptions{SubscriptionMode: "Dynamic"})})
	if err == nil || !strings.Contains(err.Error(), `"Dynamic"`) {
		t.Errorf("unknown mode: %v", err)
	}
	if _, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.NewSharded(nil, redisadapter.ShardedOptions{})}); err == nil {
		t.Error("nil client accepted")
	}
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	if _, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.NewSharded(ring, redisadapter.ShardedOptions{})}); err == nil {
		t.Error("Ring accepted")
	}

	rdb := redistest.Sharded(t).Client(t)
	prefix := redistest.Key(t)
	f := redisadapter.NewSharded(rdb, redisadapter.ShardedOptions{ChannelPrefix: prefix})
	srv, err := socketio.NewServer(socketio.Options{Adapter: f})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	if s2, err := socketio.NewServer(socketio.Options{Adapter: f}); err == nil || !strings.Contains(err.Error(), "one Factory per server") {
		t.Errorf("second server with the same Factory: %v", err)
		if s2 != nil {
			s2.Close(context.Background())
		}
	}
	if n, err := srv.Namespace().Adapter().ServerCount(ctx5(t)); n != 1 || err != nil {
		t.Errorf("server count %d, %v", n, err)
	}
}

// TestShardedRedisRestart: with Redis gone, publishing goes to the outage queue at once, local
// delivery goes on and Ready fails; when Redis is back the subscriptions (room channels
// included) come back by themselves, the queued broadcast arrives, and the cluster works
// again.
func TestShardedRedisRestart(t *testing.T) {
	rs := redistest.StartServer(t)
	rdb := rs.Client(t, &redis.Options{MaxRetries: 1})
	prefix := redistest.Key(t)
	logs := newLogSink() // a's
	opts := redisadapter.ShardedOptions{ChannelPrefix: prefix, RequestsTimeout: time.Second, Logger: logs.logger()}
	a := startShardedNode(t, rdb, opts)
	opts.Logger = newLogSink().logger()
	b := startShardedNode(t, rdb, opts)
	waitCount(t, 2, a, b)
	ca, cb := connect(t, a), connect(t, b)
	b.srv.Sockets()[0].Join("room1")
	waitShardNumSub(t, rdb, prefix+"#/#room1#", 1)

	rs.Stop(t)
	logs.waitFor(t, "subscriber connection lost")
	if err := ready(t, a.srv, time.Second); !errors.Is(err, redisadapter.ErrUnavailable) {
		t.Errorf("Ready with Redis down: %v, want ErrUnavailable", err)
	}
	start := time.Now()
	if err := a.srv.Emit("during"); err != nil {
		t.Errorf("Emit with Redis down: %v, want it queued", err)
	}
	if el := time.Since(start); el > 100*time.Millisecond {
		t.Errorf("Emit with Redis down took %v", el)
	}
	ca.expectEvent(t, "during")
	if _, err := a.srv.FetchSockets(ctx5(t)); !errors.Is(err, redisadapter.ErrUnavailable) {
		t.Errorf("FetchSockets with Redis down: %v, want ErrUnavailable", err)
	}

	rs.Start(t)
	logs.waitFor(t, "subscriber reconnected")
	waitCount(t, 2, a, b)
	waitShardNumSub(t, rdb, prefix+"#/#room1#", 1) // resubscribed by go-redis
	if err := ready(t, a.srv, 5*time.Second); err != nil {
		t.Errorf("Ready after Redis came back: %v", err)
	}
	if err := a.srv.To("room1").Emit("after"); err != nil {
		t.Fatal(err)
	}
	cb.expectEvent(t, "during")
	cb.expectEvent(t, "after")
	socks, err := a.srv.FetchSockets(ctx5(t))
	if err != nil || len(socks) != 2 {
		t.Errorf("FetchSockets after recovery: %d sockets, %v", len(socks), err)
	}
}

// TestShardedSocketDataValues: socket data of Go types, read on another node in sharded mode:
// binary anywhere makes the answer MessagePack, so []byte stays binary (a Buffer for Node),
// unlike classic mode's JSON.
func TestShardedSocketDataValues(t *testing.T) {
	rdb := redistest.Sharded(t).Client(t)
	prefix := redistest.Key(t)
	a := startShardedNode(t, rdb, redisadapter.ShardedOptions{ChannelPrefix: prefix})
	b := startShardedNode(t, rdb, redisadapter.ShardedOptions{ChannelPrefix: prefix})
	waitCount(t, 2, a, b)
	connect(t, a)
	type profile struct {
		Name   string    `json:"name"`
		Avatar []byte    `json:"avatar"`
		Seen   time.Time `json:"seen"`
		Tags   []string  `json:"tags"`
	}
	seen := time.Date(2026, 11, 22, 16, 8, 31, 5e6, time.UTC)
	a.srv.Sockets()[0].SetData(profile{Name: "ann", Avatar: []byte{1, 2}, Seen: seen, Tags: []string{"a"}})
	socks, err := b.srv.FetchSockets(ctx5(t))
	if err != nil || len(socks) != 1 {
		t.Fatalf("fetch: %d sockets, %v", len(socks), err)
	}
	got, ok := socks[0].Data().(map[string]any)
	if !ok {
		t.Fatalf("data %T, want map[string]any", socks[0].Data())
	}
	if av, _ := got["avatar"].([]byte); !slices.Equal(av, []byte{1, 2}) || got["name"] != "ann" {
		t.Errorf("data %v, want the avatar as bytes", got)
	}
	var back profile
	if err := socks[0].DecodeData(&back); err != nil || back.Name != "ann" || !back.Seen.Equal(seen) || !slices.Equal(back.Avatar, []byte{1, 2}) {
		t.Errorf("DecodeData: %+v, %v", back, err)
	}
}
