package test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/emitter"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

// streamsClient is a Go client of one node, whose events arrive on a channel as
// "<name> <args>", the offset (a last argument that is a stream entry id) cut off and kept.
type streamsClient struct {
	name   string
	s      *client.Socket
	events chan streamsEvent
	disc   chan string
}

type streamsEvent struct {
	text   string // name and arguments, e.g. "news [a 1]"
	offset string // the entry id the server appended, or ""
}

var entryID = regexp.MustCompile(`^[0-9]+-[0-9]+$`)

func connectStreamsClient(t *testing.T, ctx context.Context, name, url string) *streamsClient {
	t.Helper()
	c := &streamsClient{name: name, events: make(chan streamsEvent, 256), disc: make(chan string, 8)}
	s, err := client.Connect(ctx, url, client.Options{
		Transports: []string{"websocket"}, NoMultiplex: true,
		ReconnectionDelay: 300 * time.Millisecond, ReconnectionDelayMax: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("%s: connect: %v", name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	s.OnAny(func(ev *client.Event) error {
		vals, err := ev.Values()
		if err != nil {
			return err
		}
		var e streamsEvent
		if n := len(vals); n > 0 {
			if id, ok := vals[n-1].(string); ok && entryID.MatchString(id) {
				e.offset, vals = id, vals[:n-1]
			}
		}
		e.text = fmt.Sprint(ev.Name, " ", vals)
		c.events <- e
		return nil
	})
	s.OnDisconnect(func(reason string) { c.disc <- reason })
	c.s = s
	return c
}

// next returns the next event whose name is not in skip, failing after 5 s.
func (c *streamsClient) next(t *testing.T, skip ...string) streamsEvent {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-c.events:
			if name, _, _ := strings.Cut(e.text, " "); !slices.Contains(skip, name) {
				return e
			}
		case <-deadline:
			t.Fatalf("%s: no event", c.name)
		}
	}
}

// expect checks the next events (skipping barriers), in order.
func (c *streamsClient) expect(t *testing.T, withOffset bool, texts ...string) []string {
	t.Helper()
	var offsets []string
	for _, want := range texts {
		e := c.next(t, "barrier", "e")
		if e.text != want {
			t.Fatalf("%s: got %q, want %q", c.name, e.text, want)
		}
		if withOffset != (e.offset != "") {
			t.Fatalf("%s: %q with offset %q, want one: %v", c.name, e.text, e.offset, withOffset)
		}
		offsets = append(offsets, e.offset)
	}
	return offsets
}

// TestEmitterStreams: the Go emitter in streams mode reaches the clients of a Go node
// (redisadapter.NewStreams) and of a Node node (@socket.io/redis-streams-adapter 0.3.1), both
// with connection-state recovery: broadcasts to all, to rooms, with except, volatile; joins,
// leaves and disconnections of sockets; server-side events; every broadcast but the volatile
// one carries its stream entry id as offset on both nodes; and a client that was cut off while
// the emitter broadcast gets the broadcast when its session is recovered.
func TestEmitterStreams(t *testing.T) {
	requireNode(t)
	r := redistest.Real(t)
	key := redistest.Key(t)
	rdb := r.Client(t)
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, key+":session:*").Result()
		_ = rdb.Del(ctx, append(keys, key)...).Err()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	srv := newRecoveryServer(t, redisadapter.NewStreams(rdb, redisadapter.StreamsOptions{
		StreamName: key, ChannelPrefix: key, SessionKeyPrefix: key + ":session:"}))
	srv.Of("/").On("srv-ping", func(ev *socketio.Event) error {
		vals, err := ev.Values()
		if err != nil {
			return err
		}
		return srv.Local().Emit("sse-got", vals...)
	})
	goURL, stopHTTP := serve(t, "127.0.0.1:0", srv)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		_ = srv.Close(cctx)
		stopHTTP()
	})
	nodeURL := startNodeScript(t, "recovery-server.js", r.URL, key)

	cg := connectStreamsClient(t, ctx, "go", goURL)
	cn := connectStreamsClient(t, ctx, "node", nodeURL)
	clients := []*streamsClient{cg, cn}
	e := emitter.New(rdb, emitter.Options{Key: key, Streams: &emitter.StreamsOptions{StreamName: key}})
	defer func() { _ = e.Close(context.Background()) }()

	// Both nodes read the stream: a barrier broadcast reaches both clients.
	for _, c := range clients {
		for i := 0; ; i++ {
			if err := e.Emit(ctx, "barrier", i); err != nil {
				t.Fatal(err)
			}
			select {
			case ev := <-c.events:
				if strings.HasPrefix(ev.text, "barrier ") {
					goto ready
				}
			case <-time.After(200 * time.Millisecond):
			}
			if i == 100 {
				t.Fatalf("%s: the emitter's broadcasts never arrive", c.name)
			}
		}
	ready:
	}
	drain := func() {
		time.Sleep(300 * time.Millisecond)
		for _, c := range clients {
			for len(c.events) > 0 {
				<-c.events
			}
		}
	}
	drain()

	// A broadcast: the same entry id, as offset, on both nodes, the one in the stream.
	if err := e.Emit(ctx, "news", "a", 1, map[string]any{"k": []any{true, nil}}); err != nil {
		t.Fatal(err)
	}
	og := cg.expect(t, true, "news [a 1 map[k:[true <nil>]]]")
	on := cn.expect(t, true, "news [a 1 map[k:[true <nil>]]]")
	last, err := rdb.XRevRangeN(ctx, key, "+", "-", 1).Result()
	if err != nil || len(last) != 1 || og[0] != last[0].ID || on[0] != last[0].ID {
		t.Fatalf("offsets go %v node %v, last entry %v (%v)", og, on, last, err)
	}
	// Volatile: no offset.
	if err := e.Volatile().Compress(false).Emit(ctx, "vol", 2); err != nil {
		t.Fatal(err)
	}
	cg.expect(t, false, "vol [2]")
	cn.expect(t, false, "vol [2]")
	// Rooms: both sockets join, the Node one leaves again, then to the room and except it.
	if err := e.SocketsJoin(ctx, "joined"); err != nil {
		t.Fatal(err)
	}
	if err := e.To("joined").Emit(ctx, "in-room", 1); err != nil {
		t.Fatal(err)
	}
	cg.expect(t, true, "in-room [1]")
	cn.expect(t, true, "in-room [1]")
	if err := e.In(cn.s.ID()).SocketsLeave(ctx, "joined"); err != nil {
		t.Fatal(err)
	}
	if err := e.To("joined").Emit(ctx, "in-room", 2); err != nil {
		t.Fatal(err)
	}
	if err := e.Except("joined").Emit(ctx, "not-in-room", 3); err != nil {
		t.Fatal(err)
	}
	cg.expect(t, true, "in-room [2]")
	cn.expect(t, true, "not-in-room [3]")
	// Server-side events: each node's listener hands them to its own client.
	if err := e.ServerSideEmit(ctx, "srv-ping", "from-emitter", []byte{7}); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		if ev := c.next(t, "barrier", "e"); ev.text != "sse-got [from-emitter [7]]" {
			t.Fatalf("%s: %q", c.name, ev.text)
		}
	}

	// Recovery: both clients are cut off (the servers close their connections); the emitter
	// broadcasts while they are away; they reconnect, recovered, and get what they missed.
	for _, c := range clients {
		if err := c.s.Emit("cut"); err != nil {
			t.Fatal(err)
		}
		select {
		case reason := <-c.disc:
			t.Logf("%s: disconnected: %s", c.name, reason)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: not cut off", c.name)
		}
	}
	if err := e.Emit(ctx, "missed", 42); err != nil {
		t.Fatal(err)
	}
	if err := e.To("joined").Emit(ctx, "missed-room", 43); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		if c.s.Connected() {
			t.Fatalf("%s: reconnected before the emitter's broadcasts: they were not missed", c.name)
		}
	}
	cg.expect(t, true, "missed [42]", "missed-room [43]")
	cn.expect(t, true, "missed [42]")
	for _, c := range clients {
		ack, err := c.s.EmitWithAck(ctx, "check")
		if err != nil {
			t.Fatal(err)
		}
		var state struct {
			Recovered bool   `json:"recovered"`
			ID        string `json:"id"`
		}
		if err := ack.Bind(&state); err != nil || !state.Recovered || state.ID != c.s.ID() || !c.s.Recovered() {
			t.Errorf("%s: after the cut %+v (%v), client recovered %v", c.name, state, err, c.s.Recovered())
		}
	}

	// DisconnectSockets: the Node client is disconnected by its server, the Go one stays.
	if err := e.In(cn.s.ID()).DisconnectSockets(ctx, false); err != nil {
		t.Fatal(err)
	}
	select {
	case reason := <-cn.disc:
		if reason != "io server disconnect" {
			t.Errorf("node client: disconnected with %q", reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("node client: not disconnected")
	}
	if err := e.Emit(ctx, "after", 1); err != nil {
		t.Fatal(err)
	}
	cg.expect(t, true, "after [1]")
	if !cg.s.Connected() {
		t.Error("go client disconnected too")
	}
}
