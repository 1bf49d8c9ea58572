package cluster_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/internal/wiretest"
	"github.com/gosockio/gosockio/socketio/parser"
)

// topicOf reads a classic channel of key "socket.io" the way the Redis transport routes it.
func topicOf(t *testing.T, channel string) cluster.Topic {
	t.Helper()
	for prefix, kind := range map[string]cluster.TopicKind{"socket.io-request#": cluster.TopicRequest, "socket.io-response#": cluster.TopicResponse} {
		if strings.HasPrefix(channel, prefix) {
			rest := strings.TrimPrefix(channel, prefix)
			_, node, _ := strings.Cut(strings.TrimSuffix(rest, "#"), "#")
			return cluster.Topic{Kind: kind, Node: node}
		}
	}
	rest, ok := strings.CutPrefix(channel, "socket.io#")
	if !ok {
		t.Fatalf("channel %q is not classic", channel)
	}
	_, room, _ := strings.Cut(strings.TrimSuffix(rest, "#"), "#")
	if room == "" {
		return cluster.Topic{Kind: cluster.TopicBroadcast}
	}
	return cluster.Topic{Kind: cluster.TopicRoom, Room: room}
}

func eventArgs(t *testing.T, p *parser.Packet) string {
	t.Helper()
	if p == nil {
		t.Fatal("no packet")
	}
	name, args, err := parser.EventArgs(p)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := args.Values()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(append([]any{name}, vals...))
}

// TestClassicCodecNodeVectors decodes what Node's classic adapter and emitter publish into the
// messages the core acts on, and re-encodes those the Go node would send itself byte for byte.
func TestClassicCodecNodeVectors(t *testing.T) {
	codec := cluster.NewClassicCodec()
	uidA := wiretest.String(t, "classic-broadcast-all", 0)                    // node A on "/"
	c3 := wiretest.String(t, "classic-resp-remote-fetch", "sockets", 0, "id") // a socket of node B
	reqID := func(name string) string { return wiretest.String(t, name, "requestId") }
	checks := map[string]func(t *testing.T, m *cluster.Message){
		"classic-broadcast-all": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.Broadcast && m.UID == uidA && m.Nsp == "/" && m.RequestID == "", m)
			if got := string(m.Packet.Data); got != `["hello","world",1,2.5,-3,{"a":true,"b":null},[1,"two"]]` {
				t.Errorf("packet data %s", got)
			}
		},
		"classic-broadcast-room-except": func(t *testing.T, m *cluster.Message) {
			want(t, slices.Equal(m.Target.Rooms, []string{"room1"}) && slices.Equal(m.Target.Except, []string{"room2"}), m)
		},
		"classic-broadcast-volatile": func(t *testing.T, m *cluster.Message) {
			want(t, m.Target.Flags.Volatile && !m.Target.Flags.NoCompress, m)
		},
		"classic-broadcast-compress-false": func(t *testing.T, m *cluster.Message) {
			want(t, m.Target.Flags.NoCompress && !m.Target.Flags.Volatile, m)
		},
		"classic-broadcast-binary": func(t *testing.T, m *cluster.Message) {
			if got := string(m.Packet.Data); got != `["bin",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}},"txt"]` {
				t.Errorf("packet data %s", got)
			}
			want(t, len(m.Packet.Attachments) == 2 && bytes.Equal(m.Packet.Attachments[0], []byte{1, 2, 3}) &&
				bytes.Equal(m.Packet.Attachments[1], []byte{0xff, 0}), m)
		},
		"classic-broadcast-admin-namespace": func(t *testing.T, m *cluster.Message) {
			want(t, m.Nsp == "/admin" && m.Packet.Nsp == "/admin", m)
		},
		"classic-broadcast-numeric-room": func(t *testing.T, m *cluster.Message) {
			want(t, slices.Equal(m.Target.Rooms, []string{"123"}), m)
		},
		"classic-broadcast-number-encodings": func(t *testing.T, m *cluster.Message) {
			if got := string(m.Packet.Data); got != `["misc","héllo ✓",300,70000,5000000000,-200,0,true,false]` {
				t.Errorf("packet data %s", got)
			}
		},
		"classic-req-broadcast-with-ack": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.Broadcast && m.RequestID == reqID("classic-req-broadcast-with-ack") && m.Target.Flags.Timeout == 1500*time.Millisecond, m)
			if got := eventArgs(t, m.Packet); got != "[ack-ev please]" {
				t.Errorf("packet %s", got)
			}
		},
		"classic-resp-broadcast-client-count": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastClientCount && m.RequestID == reqID("classic-req-broadcast-with-ack") && m.ClientCount == 2, m)
		},
		"classic-resp-broadcast-client-count-zero": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastClientCount && m.ClientCount == 0, m)
		},
		"classic-resp-broadcast-ack": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastAck && fmt.Sprint(cluster.PlainValue(m.Value)) == "map[ackFrom:c3]", m)
		},
		"classic-resp-broadcast-ack-binary": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastAck && reflect.DeepEqual(m.Value, []byte{7, 8}), m)
		},
		"classic-req-remote-fetch-room": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.FetchSockets && m.RequestID == reqID("classic-req-remote-fetch-room") && slices.Equal(m.Target.Rooms, []string{"room1"}), m)
		},
		"classic-resp-remote-fetch": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.FetchSocketsResponse && m.RequestID == reqID("classic-req-remote-fetch") && len(m.Sockets) > 0, m)
			s := m.Sockets[0]
			want(t, s.ID == c3 && s.Rooms[0] == s.ID && s.Handshake.Headers.Get("Sec-Websocket-Version") == "13" &&
				s.Handshake.Issued > 0 && s.Handshake.Address != "" && s.Handshake.Query.Get("EIO") == "4", m)
		},
		"classic-resp-remote-fetch-binary-data": func(t *testing.T, m *cluster.Message) {
			// Binary socket.data went through JSON: it is a Buffer object now, as in Node.
			b, _ := json.Marshal(m.Sockets[0].Data)
			want(t, strings.Contains(string(b), `"type":"Buffer"`), m)
		},
		"classic-req-remote-join": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsJoin && m.RequestID == "" && slices.Equal(m.Target.Rooms, []string{"room1"}) &&
				slices.Equal(m.Rooms, []string{"room3", "room4"}), m)
		},
		"classic-req-remote-leave": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsLeave && slices.Equal(m.Rooms, []string{"room3"}), m)
		},
		"classic-req-remote-disconnect": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.DisconnectSockets && m.Close && slices.Equal(m.Target.Except, []string{"room4"}), m)
		},
		"classic-req-all-rooms": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.AllRooms && m.RequestID == reqID("classic-resp-all-rooms"), m)
		},
		"classic-resp-all-rooms": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.AllRoomsResponse && len(m.Rooms) == 4, m)
		},
		"classic-req-server-side-emit": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmit && m.RequestID == "" && fmt.Sprint(m.Args) == "[srv-ev hi 1]", m)
		},
		"classic-req-server-side-emit-ack": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmit && m.RequestID == reqID("classic-resp-server-side-emit"), m)
		},
		"classic-resp-server-side-emit": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmitResponse && fmt.Sprint(cluster.PlainValue(m.Value)) == "map[from:B]", m)
		},
		"classic-legacy-req-sockets": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.Sockets && m.RequestID == "LEG002" && slices.Equal(m.Target.Rooms, []string{"room1"}), m)
		},
		"classic-legacy-resp-sockets": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsResponse && slices.Equal(m.SocketIDs, []string{c3}), m)
		},
		"classic-legacy-req-remote-join-sid": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsJoin && m.RequestID == "LEG001" && slices.Equal(m.Target.Rooms, []string{c3}) &&
				slices.Equal(m.Rooms, []string{"legacy-room"}), m)
		},
		"classic-legacy-resp-remote-join-sid": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketOpResponse && m.RequestID == "LEG001", m)
		},
		"emitter-emit-all": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.Broadcast && m.UID == "emitter", m)
		},
		"emitter-emit-volatile-compress": func(t *testing.T, m *cluster.Message) {
			want(t, m.Target.Flags.Volatile && m.Target.Flags.NoCompress, m)
		},
		"emitter-sockets-join": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsJoin && m.UID == "" && slices.Equal(m.Rooms, []string{"room5"}), m)
		},
		"emitter-disconnect-sockets": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.DisconnectSockets && !m.Close && slices.Equal(m.Target.Rooms, []string{"room2"}), m)
		},
		"emitter-server-side-emit": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmit && m.UID == "emitter", m)
		},
	}
	// What a Go node sends for the same operation is byte-identical to Node's message.
	identical := []string{"classic-broadcast-all", "classic-broadcast-room", "classic-broadcast-two-rooms",
		"classic-broadcast-except", "classic-broadcast-room-except", "classic-broadcast-volatile",
		"classic-broadcast-compress-false", "classic-broadcast-binary", "classic-socket-broadcast",
		"classic-broadcast-to-socket-id", "classic-broadcast-admin-namespace", "classic-req-broadcast-with-ack",
		"classic-resp-broadcast-client-count", "classic-resp-broadcast-ack", "classic-resp-broadcast-ack-binary",
		"classic-resp-broadcast-client-count-zero", "classic-req-remote-fetch", "classic-req-remote-fetch-room",
		"classic-req-remote-join", "classic-req-remote-leave", "classic-req-remote-socket-join", "classic-req-remote-disconnect",
		"classic-req-remote-socket-disconnect", "classic-req-all-rooms", "classic-resp-all-rooms", "classic-req-server-side-emit",
		"classic-req-server-side-emit-ack", "classic-resp-server-side-emit", "classic-req-server-side-emit-binary",
		"classic-legacy-req-sockets", "classic-legacy-resp-sockets", "classic-legacy-resp-remote-join-sid",
		"classic-specific-resp-client-count", "classic-specific-resp-server-side-emit"}
	seen := 0
	for _, v := range wiretest.Load(t) {
		if !strings.HasPrefix(v.Name, "classic-") && !strings.HasPrefix(v.Name, "emitter-") {
			continue
		}
		seen++
		t.Run(v.Name, func(t *testing.T) {
			b, err := hex.DecodeString(v.Hex)
			if err != nil {
				t.Fatal(err)
			}
			m, err := codec.Decode(topicOf(t, v.Channel), b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if check, ok := checks[v.Name]; ok {
				check(t, m)
			}
			if slices.Contains(identical, v.Name) {
				out, err := codec.Encode(m)
				if err != nil {
					t.Fatalf("encode: %v", err)
				}
				if !bytes.Equal(out, b) {
					t.Errorf("re-encoded\n got %x\nwant %s", out, v.Hex)
				}
			}
		})
	}
	if seen < 50 {
		t.Errorf("only %d classic and emitter vectors found", seen)
	}
}

func want(t *testing.T, ok bool, m *cluster.Message) {
	t.Helper()
	if !ok {
		t.Errorf("unexpected message %+v", *m)
	}
}

// TestClassicCodecRoundTrip encodes every message a Go node sends and decodes it as a peer
// would, on the topic it travels on.
func TestClassicCodecRoundTrip(t *testing.T) {
	codec := cluster.NewClassicCodec()
	ev, err := cluster.EventPacket("/chat", []any{"ev", "x", int64(1), []byte{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	info := adapter.SocketInfo{
		ID: "s1",
		Handshake: adapter.Handshake{
			Headers: http.Header{"User-Agent": {"go"}, "Accept": {"a", "b"}, "Set-Cookie": {"x=1", "y=2"}},
			Query:   url.Values{"name": {"n1"}, "multi": {"1", "2"}},
			Auth:    map[string]any{"token": "abc"},
			Time:    "Sun Nov 22 2026 16:08:31 GMT+0000 (UTC)", Issued: 1795363711473, URL: "/socket.io/?name=n1",
			Address: "10.0.0.1", XDomain: true, Secure: true,
		},
		Rooms: []string{"a", "s1", "b"},
		Data: struct {
			Name string `json:"name"`
			Age  int    `json:"age"`
		}{"ann", 7},
	}
	tests := []struct {
		topic cluster.Topic
		m     cluster.Message
		check func(t *testing.T, got *cluster.Message)
	}{
		{cluster.Topic{Kind: cluster.TopicBroadcast}, cluster.Message{Type: cluster.Broadcast, UID: "u1", Nsp: "/chat", Packet: ev,
			Target: adapter.Target{Rooms: []string{"a", "b"}, Except: []string{"c"}, Flags: adapter.Flags{Volatile: true, NoCompress: true}}},
			func(t *testing.T, got *cluster.Message) {
				want(t, got.UID == "u1" && got.Nsp == "/chat" && got.Target.Flags.Volatile && got.Target.Flags.NoCompress &&
					slices.Equal(got.Target.Rooms, []string{"a", "b"}) && slices.Equal(got.Target.Except, []string{"c"}) &&
					eventArgs(t, got.Packet) == "[ev x 1 [1 2]]", got)
			}},
		{cluster.Topic{Kind: cluster.TopicRequest}, cluster.Message{Type: cluster.Broadcast, UID: "u1", Nsp: "/", RequestID: "r1", Packet: ev,
			Target: adapter.Target{Flags: adapter.Flags{Timeout: 2 * time.Second}}},
			func(t *testing.T, got *cluster.Message) {
				want(t, got.RequestID == "r1" && got.Target.Flags.Timeout == 2*time.Second, got)
			}},
		{cluster.Topic{Kind: cluster.TopicRequest}, cluster.Message{Type: cluster.SocketsLeave, UID: "u1", Rooms: []string{"x"},
			Target: adapter.Target{Rooms: []string{"s1"}}},
			func(t *testing.T, got *cluster.Message) {
				want(t, got.Type == cluster.SocketsLeave && slices.Equal(got.Rooms, []string{"x"}) && slices.Equal(got.Target.Rooms, []string{"s1"}), got)
			}},
		{cluster.Topic{Kind: cluster.TopicRequest}, cluster.Message{Type: cluster.DisconnectSockets, UID: "u1", Close: true},
			func(t *testing.T, got *cluster.Message) {
				want(t, got.Type == cluster.DisconnectSockets && got.Close, got)
			}},
		{cluster.Topic{Kind: cluster.TopicRequest}, cluster.Message{Type: cluster.ServerSideEmit, UID: "u1", RequestID: "r2",
			Args: []any{"srv", map[string]any{"k": 1}}},
			func(t *testing.T, got *cluster.Message) {
				want(t, got.RequestID == "r2" && fmt.Sprint(cluster.PlainValue(got.Args)) == "[srv map[k:1]]", got)
			}},
		{cluster.Topic{Kind: cluster.TopicResponse}, cluster.Message{Type: cluster.FetchSocketsResponse, RequestID: "r3",
			Sockets: []adapter.SocketInfo{info}},
			func(t *testing.T, got *cluster.Message) {
				want(t, len(got.Sockets) == 1, got)
				s := got.Sockets[0]
				h := s.Handshake
				want(t, s.ID == "s1" && slices.Equal(s.Rooms, []string{"s1", "a", "b"}) &&
					fmt.Sprint(s.Data) == "map[age:7 name:ann]" &&
					h.Headers.Get("User-Agent") == "go" && h.Headers.Get("Accept") == "a, b" &&
					slices.Equal(h.Headers["Set-Cookie"], []string{"x=1", "y=2"}) &&
					h.Query.Get("name") == "n1" && slices.Equal(h.Query["multi"], []string{"1", "2"}) &&
					h.Auth["token"] == "abc" && h.Issued == 1795363711473 && h.XDomain && h.Secure &&
					h.Address == "10.0.0.1" && h.URL == "/socket.io/?name=n1" && h.Time == info.Handshake.Time, got)
			}},
		{cluster.Topic{Kind: cluster.TopicResponse}, cluster.Message{Type: cluster.ServerSideEmitResponse, RequestID: "r4"},
			func(t *testing.T, got *cluster.Message) {
				want(t, got.Type == cluster.ServerSideEmitResponse && got.Value == nil, got)
			}},
		{cluster.Topic{Kind: cluster.TopicResponse}, cluster.Message{Type: cluster.SocketsResponse, RequestID: "r5", SocketIDs: []string{"s1"}},
			func(t *testing.T, got *cluster.Message) {
				want(t, got.Type == cluster.SocketsResponse && slices.Equal(got.SocketIDs, []string{"s1"}), got)
			}},
	}
	for _, tc := range tests {
		b, err := codec.Encode(&tc.m)
		if err != nil {
			t.Fatalf("encode %d: %v", tc.m.Type, err)
		}
		got, err := codec.Decode(tc.topic, b)
		if err != nil {
			t.Fatalf("decode %d: %v (%q)", tc.m.Type, err, b)
		}
		if got.Type != tc.m.Type {
			t.Errorf("type %d decoded as %d", tc.m.Type, got.Type)
		}
		tc.check(t, got)
	}
}

// TestClassicCodecUnencodableData: a socket whose data cannot be encoded is sent with null
// data, and the other sockets of the answer are unaffected.
func TestClassicCodecUnencodableData(t *testing.T) {
	codec := cluster.NewClassicCodec()
	m := &cluster.Message{Type: cluster.FetchSocketsResponse, RequestID: "r", Sockets: []adapter.SocketInfo{
		{ID: "bad", Data: func() {}}, {ID: "good", Data: map[string]any{"ok": true}}}}
	b, err := codec.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := codec.Decode(cluster.Topic{Kind: cluster.TopicResponse}, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Sockets) != 2 || got.Sockets[0].Data != nil || fmt.Sprint(got.Sockets[1].Data) != "map[ok:true]" {
		t.Errorf("decoded %+v", got.Sockets)
	}
}

// TestClassicCodecRejects: foreign and malformed payloads are errors, never panics.
func TestClassicCodecRejects(t *testing.T) {
	codec := cluster.NewClassicCodec()
	bc := cluster.Topic{Kind: cluster.TopicBroadcast}
	req := cluster.Topic{Kind: cluster.TopicRequest}
	resp := cluster.Topic{Kind: cluster.TopicResponse}
	cases := []struct {
		name  string
		topic cluster.Topic
		hex   string
		text  string
	}{
		{"empty broadcast", bc, "", ""},
		{"JSON on a broadcast channel", bc, "", `["u",{"type":2,"data":["x"]},{}]`},
		{"truncated broadcast", bc, "93a65879426c4b5983a474797065", ""},
		{"broadcast of a CONNECT packet", bc, "", ""},
		{"broadcast without event name", bc, "", ""},
		{"two-item broadcast", bc, "92a1758183a47479706502", ""},
		{"request not an object", req, "", `["x"]`},
		{"request of unknown type", req, "", `{"uid":"u","type":42}`},
		{"response type sent as request", req, "", `{"uid":"u","type":8,"requestId":"r","clientCount":1}`},
		{"fetch without requestId", req, "", `{"uid":"u","type":5,"opts":{"rooms":[],"except":[]}}`},
		{"response without requestId", resp, "", `{"rooms":["a"]}`},
		{"garbage", resp, "c1c1c1", ""},
		{"JSON with trailing bytes", req, "", `{"uid":"u","type":1,"requestId":"r"}x`},
	}
	for _, c := range cases {
		b := []byte(c.text)
		if c.hex != "" {
			var err error
			if b, err = hex.DecodeString(c.hex); err != nil {
				t.Fatal(err)
			}
		}
		switch c.name {
		case "broadcast of a CONNECT packet": // ["u", {type: 0, data: ["x"], nsp: "/"}, {rooms: [], except: [], flags: {}}]
			b, _ = hex.DecodeString("93a17583a47479706500a46461746191a178a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380")
		case "broadcast without event name": // ["u", {type: 2, data: [1], nsp: "/"}, {...}]
			b, _ = hex.DecodeString("93a17583a47479706502a46461746191" + "01" + "a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380")
		}
		if _, err := codec.Decode(c.topic, b); err == nil {
			t.Errorf("%s: decoded without error", c.name)
		}
	}
	// A well-formed message on a topic the codec does not know is an error too.
	if _, err := codec.Decode(cluster.Topic{Kind: 99}, []byte("{}")); err == nil {
		t.Error("unknown topic: no error")
	}
	if _, err := codec.Encode(&cluster.Message{Type: 99}); !errors.Is(err, cluster.ErrUnsupported) {
		t.Errorf("unknown type: %v, want ErrUnsupported", err)
	}
}

// TestValuesRoundTrip: packets survive the trip through generic values with key order,
// binary and numbers intact.
func TestValuesRoundTrip(t *testing.T) {
	data, atts, err := parser.MarshalEvent("ev", map[string]any{"z": 1, "a": []byte{1}}, "é\u2028\x01\"", 1.5, int64(1)<<60,
		[]any{nil, true, []byte{2, 3}}, json.RawMessage(`{"b":2,"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	p := &parser.Packet{Type: parser.Event, Nsp: "/", Data: data, Attachments: atts}
	vals, err := cluster.PacketValues(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := cluster.EventPacket("/", vals)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Data) != string(p.Data) {
		t.Errorf("data\n got %s\nwant %s", back.Data, p.Data)
	}
	if len(back.Attachments) != len(atts) || !bytes.Equal(back.Attachments[1], []byte{2, 3}) {
		t.Errorf("attachments %v, want %v", back.Attachments, atts)
	}
	// Placeholders without attachments are plain objects (as in socket.io-parser), and a
	// placeholder pointing past the attachments is an error.
	plain := &parser.Packet{Type: parser.Event, Data: []byte(`["e",{"_placeholder":true,"num":0}]`)}
	if _, err := cluster.PacketValues(plain); err != nil {
		t.Errorf("placeholder without attachments: %v", err)
	}
	bad := &parser.Packet{Type: parser.Event, Data: []byte(`["e",{"_placeholder":true,"num":3}]`), Attachments: [][]byte{{1}}}
	if _, err := cluster.PacketValues(bad); err == nil {
		t.Error("placeholder past the attachments: no error")
	}
	// Go values of other types and dates.
	when := time.Date(2026, 11, 22, 16, 8, 31, 5e6, time.UTC)
	q, err := cluster.EventPacket("/", []any{"ev", when, struct {
		B []byte `json:"b"`
	}{[]byte{9}}, float64(1e21), uint64(7), (*int)(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `["ev","2026-11-22T16:08:31.005Z",{"b":{"_placeholder":true,"num":0}},1e+21,7,null]`; string(q.Data) != want {
		t.Errorf("data %s, want %s", q.Data, want)
	}
	// Numbers and dates as JSON.stringify writes them (the values a Node peer reads).
	q, err = cluster.EventPacket("/", []any{"ev", 1e-7, math.Copysign(0, -1), 5e-324, float64(1 << 60),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC),
		wire.Object{{Key: "b", Value: "<&\u2028>"}, {Key: "a", Value: math.NaN()}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "[\"ev\",1e-7,0,5e-324,1152921504606847000,\"+010000-01-01T00:00:00.000Z\",\"-000001-12-31T00:00:00.000Z\"," +
		"{\"b\":\"<&\u2028>\",\"a\":null}]"; string(q.Data) != want {
		t.Errorf("data %s, want %s", q.Data, want)
	}
	// Invalid UTF-8 from a MessagePack string becomes U+FFFD.
	r, err := cluster.EventPacket("/", []any{"ev", "a\xffb"})
	if err != nil {
		t.Fatal(err)
	}
	var decoded []string
	if err := json.Unmarshal(r.Data, &decoded); err != nil || len(decoded) != 2 || decoded[1] != "a\ufffdb" {
		t.Errorf("data %q decodes to %q (%v), want [ev a\ufffdb]", r.Data, decoded, err)
	}
}

// TestHandshakeAsNodeWritesIt checks the handshake a Go node gives Node peers in a fetchSockets
// answer: headers as Node's IncomingMessage.headers (host first, cookie joined with "; ", the
// fields Node keeps once kept once) and the query in the order of the request URI.
func TestHandshakeAsNodeWritesIt(t *testing.T) {
	info := adapter.SocketInfo{
		ID: "s1",
		Handshake: adapter.Handshake{
			Headers: http.Header{
				"Accept": {"a", "b"}, "Cookie": {"x=1", "y=2"}, "Host": {"127.0.0.1:3000"},
				"User-Agent": {"ua1", "ua2"}, "Set-Cookie": {"p=1", "q=2"},
			},
			Query: url.Values{"EIO": {"4"}, "transport": {"polling"}, "t": {"x"}, "name": {"n"}, "a": {"1", "2"}},
			URL:   "/socket.io/?name=n&EIO=4&a=1&transport=polling&a=2&t=x",
		},
	}
	for _, codec := range []cluster.Codec{cluster.NewClassicCodec(), cluster.NewShardedCodec()} {
		b, err := codec.Encode(&cluster.Message{Type: cluster.FetchSocketsResponse, RequestID: "r", Sockets: []adapter.SocketInfo{info}})
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if !bytes.HasPrefix(b, []byte("{")) { // MessagePack: the keys and strings still appear in order
			text = strings.Map(func(r rune) rune {
				if r < ' ' || r > '~' {
					return ' '
				}
				return r
			}, text)
		}
		order := []string{"host", "127.0.0.1:3000", "accept", "a, b", "cookie", "x=1; y=2", "set-cookie", "p=1", "q=2",
			"user-agent", "ua1", "name", "EIO", "a", "transport", "t"}
		at := 0
		for _, w := range order {
			i := strings.Index(text[at:], w)
			if i < 0 {
				t.Fatalf("%T: %q missing or out of order after offset %d in %q", codec, w, at, text)
			}
			at += i + len(w)
		}
		if strings.Contains(text, "ua2") {
			t.Errorf("%T: a second user-agent was kept: %q", codec, text)
		}
	}
}
