package redisadapter_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

func ctx5(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestChannels: each operation is published where Node's adapter publishes it
// (docs/redis-wire.md §2.1), and answers go to the shared response channel, or to the
// requester's own with PublishOnSpecificResponseChannel.
func TestChannels(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, specific := range []bool{false, true} {
				r := b.get(t)
				rdb := r.Client(t)
				key := redistest.Key(t)
				a := startNode(t, rdb, redisadapter.Options{Key: key})
				bn := startNode(t, rdb, redisadapter.Options{Key: key, PublishOnSpecificResponseChannel: specific})
				waitCount(t, 2, a, bn)
				connect(t, bn)
				cp := startCapture(t, rdb, key)
				is := func(ch string) func(string) bool { return func(c string) bool { return c == ch } }

				if err := a.srv.To("room1").Emit("ev"); err != nil {
					t.Fatal(err)
				}
				if m := cp.next(is(key + "#/#room1#")); !strings.HasPrefix(m.Payload, "\x93") {
					t.Errorf("single-room broadcast payload %x, want a 3-item MessagePack array", m.Payload)
				}
				if err := a.srv.To("room1").Except("room2").Emit("ev"); err != nil {
					t.Fatal(err)
				}
				cp.next(is(key + "#/#room1#"))
				if err := a.srv.To("room1", "room2").Emit("ev"); err != nil {
					t.Fatal(err)
				}
				cp.next(is(key + "#/#"))
				if err := a.srv.Except("room2").Emit("ev"); err != nil {
					t.Fatal(err)
				}
				cp.next(is(key + "#/#"))
				if err := a.srv.Local().Emit("local-only"); err != nil {
					t.Fatal(err)
				}
				if err := a.srv.SocketsJoin(ctx5(t), "r"); err != nil {
					t.Fatal(err)
				}
				// The local emit published nothing: the next message is the join request.
				m := cp.next(func(string) bool { return true })
				if m.Channel != key+"-request#/#" || !strings.HasPrefix(m.Payload, `{"uid":"`+a.uid()+`","type":2,`) {
					t.Errorf("join published %q on %s", m.Payload, m.Channel)
				}
				if _, err := a.srv.FetchSockets(ctx5(t)); err != nil {
					t.Fatal(err)
				}
				want := key + "-response#/#"
				if specific {
					want += a.uid() + "#"
				}
				m = cp.next(func(c string) bool { return strings.HasPrefix(c, key+"-response#") })
				if m.Channel != want {
					t.Errorf("fetchSockets answered on %s, want %s", m.Channel, want)
				}
			}
		})
	}
}

// TestNodeMessages: the bytes Node's adapter and emitter publish (captured vectors of
// docs/redis-wire.md) act on a Go node.
func TestNodeMessages(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			r := b.get(t)
			rdb := r.Client(t)
			key := redistest.Key(t)
			n := startNode(t, rdb, redisadapter.Options{Key: key})
			c := connect(t, n)
			n.srv.Sockets()[0].Join("room1")
			pub := func(channel, hexPayload string) {
				t.Helper()
				p, err := hex.DecodeString(hexPayload)
				if err != nil {
					t.Fatal(err)
				}
				if err := rdb.Publish(ctx5(t), key+strings.TrimPrefix(channel, "socket.io"), p).Err(); err != nil {
					t.Fatal(err)
				}
			}
			// V1 classic-broadcast-all from node "XyBlKY".
			pub("socket.io#/#", "93a65879426c4b5983a47479706502a46461746197a568656c6c6fa5776f726c6401cb4004000000000000fd82a161c3a162c09201a374776fa36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380")
			if got := c.expectEvent(t, "hello"); got != `["hello","world",1,2.5,-3,{"a":true,"b":null},[1,"two"]]` {
				t.Errorf("broadcast data %s", got)
			}
			// V25 emitter-emit-room, on the room channel.
			pub("socket.io#/#room1#", "93a7656d697474657283a47479706502a46461746192a7656d2d726f6f6d01a36e7370a12f83a5726f6f6d7391a5726f6f6d31a5666c61677380a665786365707490")
			c.expectEvent(t, "em-room")
			// V27 emitter-emit-binary: binary reaches the client as an attachment.
			pub("socket.io#/#", "93a7656d697474657283a47479706502a46461746192a6656d2d62696ec402deada36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490")
			if got := c.expectEvent(t, "em-bin"); got != `["em-bin",{"_placeholder":true,"num":0}]` {
				t.Errorf("binary broadcast data %s", got)
			}
			// V28 emitter-sockets-join: {"type":2,"opts":{"rooms":["room2"],...},"rooms":["room5"]}, then
			// V15 with the room the socket is in: {"uid":"XyBlKY","type":2,"opts":{"rooms":["room1"],...},"rooms":["room3","room4"]}.
			pub("socket.io-request#/#", "7b22756964223a225879426c4b59222c2274797065223a322c226f707473223a7b22726f6f6d73223a5b22726f6f6d31225d2c22657863657074223a5b5d7d2c22726f6f6d73223a5b22726f6f6d33222c22726f6f6d34225d7d")
			// V20 classic-req-server-side-emit: a listener gets it.
			got := make(chan string, 1)
			n.srv.On("srv-ev", func(ev *socketio.Event) error {
				vals, _ := ev.Values()
				if len(vals) > 0 {
					got <- vals[0].(string)
				}
				return nil
			})
			pub("socket.io-request#/#", "7b22756964223a225879426c4b59222c2274797065223a362c2264617461223a5b227372762d6576222c226869222c315d7d")
			select {
			case s := <-got:
				if s != "hi" {
					t.Errorf("server-side event argument %q", s)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("server-side event not received")
			}
			rooms := n.srv.Sockets()[0].Rooms()
			if !contains(rooms, "room3") || !contains(rooms, "room4") {
				t.Errorf("rooms after Node's join request: %v", rooms)
			}
		})
	}
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// TestMalformedMessages: garbage and foreign messages on every channel are logged and
// dropped; the node goes on.
func TestMalformedMessages(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			r := b.get(t)
			rdb := r.Client(t)
			key := redistest.Key(t)
			logs := newLogSink()
			n := startNode(t, rdb, redisadapter.Options{Key: key, Logger: logs.logger()})
			c := connect(t, n)
			n.srv.Sockets()[0].Join("room1")
			for _, m := range []struct{ channel, payload string }{
				{key + "#/#", "not msgpack"},
				{key + "#/#", "\x93\xa1u"},
				{key + "#/#room1#", "\xc1"},
				{key + "#/#", `{"uid":"x","type":7}`},
				{key + "-request#/#", "{"},
				{key + "-request#/#", `{"uid":"x","type":99}`},
				{key + "-request#/#", `{"uid":"x","type":5}`},
				{key + "-response#/#", `[1,2]`},
				{key + "-response#/#", "\xde\xad"},
				{key + "-response#/#" + n.uid() + "#", `{"requestId":5}`},
				// A broadcast of another namespace that reached this channel.
				{key + "#/#", "\x93\xa1x\x83\xa4type\x02\xa4data\x91\xa1e\xa3nsp\xa6/other\x83\xa5rooms\x90\xa6except\x90\xa5flags\x80"},
			} {
				if err := rdb.Publish(ctx5(t), m.channel, m.payload).Err(); err != nil {
					t.Fatal(err)
				}
			}
			if err := rdb.Publish(ctx5(t), key+"#/#", "\x93\xa1x\x83\xa4type\x02\xa4data\x91\xa2ok\xa3nsp\xa1/\x83\xa5rooms\x90\xa6except\x90\xa5flags\x80").Err(); err != nil {
				t.Fatal(err)
			}
			c.expectEvent(t, "ok") // nothing before it, and the node still works
			logs.waitFor(t, "dropped malformed message")
			logs.waitFor(t, "dropped message of another namespace")
			if n := strings.Count(logs.String(), "dropped malformed message"); n < 10 {
				t.Errorf("%d malformed messages logged, want 10:\n%s", n, logs.String())
			}
		})
	}
}

// TestSubscriptions: one subscription per namespace request channel (the server count), one
// connection for all namespaces, and nothing left subscribed after Close.
func TestSubscriptions(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			r := b.get(t)
			rdb := r.Client(t)
			key := redistest.Key(t)
			numsub := func(ch string) int64 {
				t.Helper()
				m, err := rdb.PubSubNumSub(ctx5(t), ch).Result()
				if err != nil {
					t.Fatal(err)
				}
				return m[ch]
			}
			srv, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.New(rdb, redisadapter.Options{Key: key})})
			if err != nil {
				t.Fatal(err)
			}
			admin := srv.Of("/admin")
			for _, ch := range []string{"-request#/#", "-request#/admin#", "-response#/#", "-response#/admin#"} {
				if got := numsub(key + ch); got != 1 {
					t.Errorf("NUMSUB %s = %d, want 1", ch, got)
				}
			}
			if n, err := admin.Adapter().ServerCount(ctx5(t)); n != 1 || err != nil {
				t.Errorf("server count %d, %v; want 1", n, err)
			}
			// Another server of the same process needs a Factory of its own.
			other, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.New(rdb, redisadapter.Options{Key: key})})
			if err != nil {
				t.Fatal(err)
			}
			if got := numsub(key + "-request#/#"); got != 2 {
				t.Errorf("NUMSUB with two servers = %d, want 2", got)
			}
			if err := other.Close(ctx5(t)); err != nil {
				t.Fatal(err)
			}
			if err := srv.Close(ctx5(t)); err != nil {
				t.Fatal(err)
			}
			// Redis drops the subscriptions of a closed connection as it notices the close.
			deadline := time.Now().Add(5 * time.Second)
			for _, ch := range []string{"-request#/#", "-request#/admin#", "-response#/#"} {
				for numsub(key+ch) != 0 {
					if time.Now().After(deadline) {
						t.Fatalf("NUMSUB %s after Close = %d, want 0", ch, numsub(key+ch))
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
}

// TestFactoryMisuse: one Factory given to two servers, a nil client and a Ring are refused
// with an error, not a panic.
func TestFactoryMisuse(t *testing.T) {
	r := redistest.Mini(t)
	rdb := r.Client(t)
	f := redisadapter.New(rdb, redisadapter.Options{Key: redistest.Key(t)})
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
	// The first server still counts once.
	if n, err := srv.Namespace().Adapter().ServerCount(ctx5(t)); n != 1 || err != nil {
		t.Errorf("server count %d, %v", n, err)
	}
	if _, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.New(nil, redisadapter.Options{})}); err == nil {
		t.Error("nil client accepted")
	}
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": r.Addr}})
	defer ring.Close()
	if _, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.New(ring, redisadapter.Options{})}); err == nil {
		t.Error("Ring accepted")
	}
}

// TestRedisDown: with Redis gone, publishing goes to the outage queue at once, local delivery
// goes on, requests fail (those waiting with a timeout), nothing wedges; when Redis is back
// the subscriber reconnects by itself, the queued broadcast reaches the other node before the
// next one, and the cluster works again.
func TestRedisDown(t *testing.T) {
	r := redistest.Mini(t)
	rdb := r.Client(t)
	key := redistest.Key(t)
	logs := newLogSink()
	stats := new(redisadapter.Stats)
	opts := redisadapter.Options{Key: key, RequestsTimeout: time.Second, Logger: logs.logger(), Stats: stats}
	a := startNode(t, rdb, opts)
	b := startNode(t, rdb, opts)
	waitCount(t, 2, a, b)
	ca, cb := connect(t, a), connect(t, b)

	// A request in flight: b's listener never answers.
	reached := make(chan struct{}, 1)
	b.srv.On("silent", func(*socketio.Event) error { reached <- struct{}{}; return nil })
	inflight := make(chan error, 1)
	go func() {
		_, err := a.srv.ServerSideEmitWithAck(context.Background(), "silent")
		inflight <- err
	}()
	select {
	case <-reached:
	case <-time.After(5 * time.Second):
		t.Fatal("the server-side event did not reach the other node")
	}

	r.Mini.Close()
	logs.waitForN(t, "subscriber connection lost", 2) // both nodes' subscribers noticed

	start := time.Now()
	if err := a.srv.Emit("during"); err != nil {
		t.Errorf("Emit with Redis down: %v, want it queued", err)
	}
	if el := time.Since(start); el > 100*time.Millisecond {
		t.Errorf("Emit with Redis down took %v", el)
	}
	if n := stats.Queued(); n != 1 {
		t.Errorf("%d messages queued, want 1", n)
	}
	ca.expectEvent(t, "during") // local delivery goes on
	if _, err := a.srv.FetchSockets(ctx5(t)); !errors.Is(err, redisadapter.ErrUnavailable) {
		t.Errorf("FetchSockets with Redis down: %v, want redisadapter.ErrUnavailable", err)
	}
	select {
	case err := <-inflight:
		if !errors.Is(err, adapter.ErrTimeout) {
			t.Errorf("request in flight ended with %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("request in flight never ended")
	}

	if err := r.Mini.Restart(); err != nil {
		t.Fatal(err)
	}
	logs.waitFor(t, "subscriber reconnected")
	waitCount(t, 2, a, b)
	// b's subscription is back too: a's broadcasts reach b's client, the queued one first.
	if err := a.srv.Emit("after"); err != nil {
		t.Fatal(err)
	}
	ca.expectEvent(t, "after")
	cb.expectEvent(t, "during")
	cb.expectEvent(t, "after")
	if q, d := stats.Queued(), stats.Dropped(); q != 0 || d != 0 {
		t.Errorf("after recovery: %d queued, %d dropped; want none", q, d)
	}
	socks, err := b.srv.FetchSockets(ctx5(t))
	if err != nil || len(socks) != 2 {
		t.Errorf("FetchSockets after recovery: %d sockets, %v", len(socks), err)
	}
}

// TestLegacyRequests: the per-socket requests of older Node adapters are applied and answered
// by the node that has the socket, as Node's adapter still does (vectors
// classic-legacy-req-*); the legacy allSockets request gets the ids.
func TestLegacyRequests(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			r := b.get(t)
			rdb := r.Client(t)
			key := redistest.Key(t)
			n := startNode(t, rdb, redisadapter.Options{Key: key})
			other := startNode(t, rdb, redisadapter.Options{Key: key}) // has no such socket: must not answer
			waitCount(t, 2, n, other)
			c := connect(t, n)
			n.srv.Sockets()[0].Join("room1")
			cp := startCapture(t, rdb, key+"-response#")
			req := key + "-request#/#"

			join := `{"uid":"legacy","requestId":"LEG001","type":2,"sid":"` + c.id + `","room":"legacy-room"}`
			if err := rdb.Publish(ctx5(t), req, join).Err(); err != nil {
				t.Fatal(err)
			}
			m := cp.next(func(string) bool { return true })
			if m.Channel != key+"-response#/#" || m.Payload != `{"requestId":"LEG001"}` {
				t.Errorf("legacy join answered %q on %s", m.Payload, m.Channel)
			}
			if rooms := n.srv.Sockets()[0].Rooms(); !contains(rooms, "legacy-room") {
				t.Errorf("rooms after a legacy join: %v", rooms)
			}

			sockets := `{"uid":"legacy","requestId":"LEG002","type":0,"rooms":["room1"]}`
			if err := rdb.Publish(ctx5(t), req, sockets).Err(); err != nil {
				t.Fatal(err)
			}
			var answers []string
			for range 2 { // both nodes answer, the one without sockets with an empty list
				answers = append(answers, cp.next(func(string) bool { return true }).Payload)
			}
			want := `{"requestId":"LEG002","sockets":["` + c.id + `"]}`
			if !contains(answers, want) || !contains(answers, `{"requestId":"LEG002","sockets":[]}`) {
				t.Errorf("legacy allSockets answers %q, want %q and an empty one", answers, want)
			}

			leave := `{"uid":"legacy","requestId":"LEG003","type":3,"sid":"` + c.id + `","room":"legacy-room"}`
			if err := rdb.Publish(ctx5(t), req, leave).Err(); err != nil {
				t.Fatal(err)
			}
			if m := cp.next(func(string) bool { return true }); m.Payload != `{"requestId":"LEG003"}` {
				t.Errorf("legacy leave answered %q", m.Payload)
			}
			if rooms := n.srv.Sockets()[0].Rooms(); contains(rooms, "legacy-room") {
				t.Errorf("rooms after a legacy leave: %v", rooms)
			}
		})
	}
}

// TestSocketDataValues: socket data of Go types, read on another node, is what the package
// documentation says a Node node sees (classic answers are JSON).
func TestSocketDataValues(t *testing.T) {
	r := redistest.Mini(t)
	rdb := r.Client(t)
	key := redistest.Key(t)
	a := startNode(t, rdb, redisadapter.Options{Key: key})
	b := startNode(t, rdb, redisadapter.Options{Key: key})
	waitCount(t, 2, a, b)
	connect(t, a)
	type profile struct {
		Name   string         `json:"name"`
		Age    int            `json:"age"`
		Hidden string         `json:"-"`
		Avatar []byte         `json:"avatar"`
		Seen   time.Time      `json:"seen"`
		Score  float64        `json:"score"`
		Tags   []string       `json:"tags"`
		Extra  map[string]any `json:"extra"`
	}
	a.srv.Sockets()[0].SetData(profile{Name: "ann", Age: 7, Hidden: "x", Avatar: []byte{1, 2},
		Seen: time.Date(2026, 11, 22, 16, 8, 31, 5e6, time.UTC), Score: 2.5, Tags: []string{"a"},
		Extra: map[string]any{"big": int64(1) << 60, "nil": nil}})
	socks, err := b.srv.FetchSockets(ctx5(t))
	if err != nil || len(socks) != 1 {
		t.Fatalf("fetch: %d sockets, %v", len(socks), err)
	}
	got, ok := socks[0].Data().(map[string]any)
	if !ok {
		t.Fatalf("data %T, want map[string]any", socks[0].Data())
	}
	want := map[string]any{
		"name": "ann", "age": int64(7),
		"avatar": map[string]any{"type": "Buffer", "data": []any{int64(1), int64(2)}},
		"seen":   "2026-11-22T16:08:31.005Z", "score": 2.5, "tags": []any{"a"},
		"extra": map[string]any{"big": int64(1) << 60, "nil": nil},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("data\n got %v\nwant %v", got, want)
	}
	// DecodeData gets the JSON-able fields back; a []byte field does not survive (it is a
	// Buffer object now, as the package documentation says).
	var back struct {
		Name  string    `json:"name"`
		Age   int       `json:"age"`
		Seen  time.Time `json:"seen"`
		Score float64   `json:"score"`
	}
	if err := socks[0].DecodeData(&back); err != nil || back.Name != "ann" || back.Age != 7 || back.Score != 2.5 ||
		!back.Seen.Equal(time.Date(2026, 11, 22, 16, 8, 31, 5e6, time.UTC)) {
		t.Errorf("DecodeData: %+v, %v", back, err)
	}
	if socks[0].Local() {
		t.Error("a socket of another node reports Local")
	}
}
