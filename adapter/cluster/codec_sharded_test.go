package cluster_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/wiretest"
)

// shardedTopic reads a sharded channel of prefix "socket.io" the way the sharded transport
// routes it: the namespace channel, a node's response channel, or a room channel.
func shardedTopic(t *testing.T, channel string) cluster.Topic {
	t.Helper()
	rest, ok := strings.CutPrefix(channel, "socket.io#")
	if !ok {
		t.Fatalf("channel %q is not sharded", channel)
	}
	_, suffix, _ := strings.Cut(strings.TrimSuffix(rest, "#"), "#")
	switch {
	case suffix == "":
		return cluster.Topic{Kind: cluster.TopicRequest}
	case len(suffix) == 16 && strings.Trim(suffix, "0123456789abcdef") == "":
		return cluster.Topic{Kind: cluster.TopicResponse, Node: suffix}
	}
	return cluster.Topic{Kind: cluster.TopicRoom, Room: suffix}
}

// TestShardedCodecNodeVectors decodes what Node's sharded adapter publishes into the messages
// the core acts on, and re-encodes those a Go node would send itself byte for byte.
func TestShardedCodecNodeVectors(t *testing.T) {
	codec := cluster.NewShardedCodec()
	a, b := wiretest.String(t, "sharded-broadcast-all", "uid"), wiretest.String(t, "sharded-resp-broadcast-client-count", "uid") // nodes A and B
	c3 := wiretest.String(t, "sharded-resp-fetch-sockets", "data", "sockets", 0, "id")                                           // a socket of B
	reqID := func(name string) string { return wiretest.String(t, name, "data", "requestId") }
	checks := map[string]func(t *testing.T, m *cluster.Message){
		"sharded-broadcast-all": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.Broadcast && m.UID == a && m.Nsp == "/" && m.RequestID == "" && m.Packet.Nsp == "/", m)
			if got := string(m.Packet.Data); got != `["hello","world",1,2.5,-3,{"a":true,"b":null},[1,"two"]]` {
				t.Errorf("packet data %s", got)
			}
		},
		"sharded-broadcast-room-dynamic": func(t *testing.T, m *cluster.Message) {
			want(t, slices.Equal(m.Target.Rooms, []string{"room1"}) && len(m.Target.Except) == 0, m)
		},
		"sharded-broadcast-except": func(t *testing.T, m *cluster.Message) {
			want(t, len(m.Target.Rooms) == 0 && slices.Equal(m.Target.Except, []string{"room1"}), m)
		},
		"sharded-broadcast-volatile": func(t *testing.T, m *cluster.Message) {
			want(t, m.Target.Flags.Volatile, m)
		},
		"sharded-broadcast-binary": func(t *testing.T, m *cluster.Message) {
			if got := string(m.Packet.Data); got != `["bin",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}},"txt"]` {
				t.Errorf("packet data %s", got)
			}
			want(t, len(m.Packet.Attachments) == 2 && bytes.Equal(m.Packet.Attachments[0], []byte{1, 2, 3}), m)
		},
		"sharded-broadcast-numeric-room": func(t *testing.T, m *cluster.Message) {
			want(t, slices.Equal(m.Target.Rooms, []string{"123"}), m)
		},
		"sharded-broadcast-with-ack": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.Broadcast && m.RequestID == reqID("sharded-resp-broadcast-client-count") && m.Target.Flags.Timeout == 1500*time.Millisecond, m)
			if got := eventArgs(t, m.Packet); got != "[ack-ev please]" {
				t.Errorf("packet %s", got)
			}
		},
		"sharded-resp-broadcast-client-count": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastClientCount && m.UID == b && m.RequestID == reqID("sharded-broadcast-with-ack") && m.ClientCount == 2, m)
		},
		"sharded-resp-broadcast-ack": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastAck && fmt.Sprint(cluster.PlainValue(m.Value)) == "map[ackFrom:c3]", m)
		},
		"sharded-resp-broadcast-ack-binary": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastAck && reflect.DeepEqual(m.Value, []byte{7, 8}), m)
		},
		"sharded-fetch-sockets": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.FetchSockets && m.RequestID == reqID("sharded-resp-fetch-sockets") && len(m.Target.Rooms) == 0, m)
		},
		"sharded-resp-fetch-sockets": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.FetchSocketsResponse && m.UID == b && len(m.Sockets) == 2, m)
			s := m.Sockets[0]
			want(t, s.ID == c3 && slices.Equal(s.Rooms, []string{s.ID, "room1"}) &&
				s.Handshake.Headers.Get("Sec-Websocket-Version") == "13" && s.Handshake.Query.Get("name") == "c3" &&
				s.Handshake.Issued == wiretest.Int(t, "sharded-resp-fetch-sockets", "data", "sockets", 0, "handshake", "issued") &&
				fmt.Sprint(s.Data) == "map[n:1 tags:[x] user:c3]", m)
		},
		"sharded-resp-fetch-sockets-binary-data": func(t *testing.T, m *cluster.Message) {
			// The answer was MessagePack: binary socket data stays binary, unlike classic JSON.
			d, _ := m.Sockets[0].Data.(map[string]any)
			want(t, reflect.DeepEqual(d["bin"], []byte{1, 2}) && slices.Equal(m.Sockets[0].Rooms, []string{c3, "room1", "123"}), m)
		},
		"sharded-sockets-join": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsJoin && m.RequestID == "" && slices.Equal(m.Target.Rooms, []string{"room1"}) &&
				slices.Equal(m.Rooms, []string{"room3", "room4"}), m)
		},
		"sharded-sockets-leave": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsLeave && slices.Equal(m.Rooms, []string{"room3"}), m)
		},
		"sharded-remote-socket-join": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsJoin && slices.Equal(m.Target.Rooms, []string{c3}) &&
				slices.Equal(m.Rooms, []string{"joined-remotely"}), m)
		},
		"sharded-disconnect-sockets": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.DisconnectSockets && m.Close && slices.Equal(m.Target.Except, []string{"room4"}), m)
		},
		"sharded-server-side-emit": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmit && m.RequestID == "" && fmt.Sprint(m.Args) == "[srv-ev hi 1]", m)
		},
		"sharded-server-side-emit-ack": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmit && m.RequestID == reqID("sharded-resp-server-side-emit"), m)
		},
		"sharded-resp-server-side-emit": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmitResponse && fmt.Sprint(cluster.PlainValue(m.Value)) == "map[from:B]", m)
		},
		"sharded-server-side-emit-binary": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmit && reflect.DeepEqual(m.Args[1], []byte{5, 6}), m)
		},
	}
	// What a Go node sends for the same operation is byte-identical to Node's message. Not
	// listed: numeric rooms (Go rooms are strings), the expectSingleResponse flag (Go does not
	// send it), and fetch answers (Go writes header and query names in sorted order).
	identical := []string{"sharded-broadcast-all", "sharded-broadcast-room-dynamic", "sharded-broadcast-room-static",
		"sharded-broadcast-except", "sharded-broadcast-volatile", "sharded-broadcast-binary",
		"sharded-broadcast-socket-id-dynamic", "sharded-broadcast-socket-id-dynamic-private", "sharded-broadcast-with-ack",
		"sharded-resp-broadcast-client-count", "sharded-resp-broadcast-ack", "sharded-resp-broadcast-ack-binary",
		"sharded-fetch-sockets", "sharded-sockets-join", "sharded-sockets-leave", "sharded-disconnect-sockets",
		"sharded-server-side-emit", "sharded-server-side-emit-ack", "sharded-resp-server-side-emit",
		"sharded-server-side-emit-binary", "sharded-resp-server-side-emit-binary"}
	seen := 0
	for _, v := range wiretest.Load(t) {
		if !strings.HasPrefix(v.Name, "sharded-") {
			continue
		}
		seen++
		t.Run(v.Name, func(t *testing.T) {
			b, err := hex.DecodeString(v.Hex)
			if err != nil {
				t.Fatal(err)
			}
			topic := shardedTopic(t, v.Channel)
			m, err := codec.Decode(topic, b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if check, ok := checks[v.Name]; ok {
				check(t, m)
			}
			// A receiver can tell its own messages from their last bytes; the uid it reads is
			// the decoded one (MessagePack envelopes are decoded instead).
			if uid, ok := cluster.PeekUID(codec, topic, b); ok != (b[0] == '{') || ok && uid != m.UID {
				t.Errorf("peeked uid %q (%v), decoded %q", uid, ok, m.UID)
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
	if seen != 25 {
		t.Errorf("%d sharded vectors found, want 25", seen)
	}
}

// TestShardedCodecRoundTrip encodes every message a Go node sends in sharded mode and decodes
// it as a peer would.
func TestShardedCodecRoundTrip(t *testing.T) {
	codec := cluster.NewShardedCodec()
	ev, err := cluster.EventPacket("/chat", []any{"ev", "x", int64(1), []byte{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	text, err := cluster.EventPacket("/chat", []any{"ev", "x"})
	if err != nil {
		t.Fatal(err)
	}
	info := adapter.SocketInfo{
		ID: "s1",
		Handshake: adapter.Handshake{
			Headers: http.Header{"User-Agent": {"go"}}, Query: url.Values{"name": {"n1"}}, Auth: map[string]any{"token": "abc"},
			Time: "Sun Nov 22 2026 16:08:31 GMT+0000 (UTC)", Issued: 1795363711473, URL: "/socket.io/?name=n1", Address: "10.0.0.1",
		},
		Rooms: []string{"a", "s1"},
		Data:  map[string]any{"bin": []byte{9}, "n": 1},
	}
	tests := []struct {
		m       cluster.Message
		msgpack bool // the message must travel as MessagePack (its data holds binary)
		check   func(t *testing.T, got *cluster.Message)
	}{
		{cluster.Message{Type: cluster.Broadcast, Packet: ev, Target: adapter.Target{Rooms: []string{"a", "b"}, Except: []string{"c"},
			Flags: adapter.Flags{Volatile: true, NoCompress: true}}}, true,
			func(t *testing.T, got *cluster.Message) {
				want(t, got.Target.Flags.Volatile && got.Target.Flags.NoCompress && slices.Equal(got.Target.Rooms, []string{"a", "b"}) &&
					slices.Equal(got.Target.Except, []string{"c"}) && eventArgs(t, got.Packet) == "[ev x 1 [1 2]]" &&
					got.Packet.Nsp == "/chat", got)
			}},
		{cluster.Message{Type: cluster.Broadcast, RequestID: "r1", Packet: text, Target: adapter.Target{Flags: adapter.Flags{Timeout: 2 * time.Second}}}, false,
			func(t *testing.T, got *cluster.Message) {
				want(t, got.RequestID == "r1" && got.Target.Flags.Timeout == 2*time.Second, got)
			}},
		{cluster.Message{Type: cluster.SocketsJoin, Rooms: []string{"x", "y"}, Target: adapter.Target{Rooms: []string{"s1"}}}, false,
			func(t *testing.T, got *cluster.Message) {
				want(t, slices.Equal(got.Rooms, []string{"x", "y"}) && slices.Equal(got.Target.Rooms, []string{"s1"}), got)
			}},
		{cluster.Message{Type: cluster.SocketsLeave, Rooms: []string{"x"}}, false,
			func(t *testing.T, got *cluster.Message) { want(t, slices.Equal(got.Rooms, []string{"x"}), got) }},
		{cluster.Message{Type: cluster.DisconnectSockets, Close: true, Target: adapter.Target{Except: []string{"e"}}}, false,
			func(t *testing.T, got *cluster.Message) {
				want(t, got.Close && slices.Equal(got.Target.Except, []string{"e"}), got)
			}},
		{cluster.Message{Type: cluster.FetchSockets, RequestID: "r2", Target: adapter.Target{Rooms: []string{"a"}}}, false,
			func(t *testing.T, got *cluster.Message) {
				want(t, got.RequestID == "r2" && slices.Equal(got.Target.Rooms, []string{"a"}), got)
			}},
		{cluster.Message{Type: cluster.FetchSocketsResponse, RequestID: "r3", Sockets: []adapter.SocketInfo{info}}, true,
			func(t *testing.T, got *cluster.Message) {
				want(t, len(got.Sockets) == 1, got)
				s := got.Sockets[0]
				d, _ := s.Data.(map[string]any)
				want(t, s.ID == "s1" && slices.Equal(s.Rooms, []string{"s1", "a"}) && reflect.DeepEqual(d["bin"], []byte{9}) &&
					s.Handshake.Headers.Get("User-Agent") == "go" && s.Handshake.Query.Get("name") == "n1" &&
					s.Handshake.Auth["token"] == "abc" && s.Handshake.Issued == 1795363711473, got)
			}},
		{cluster.Message{Type: cluster.ServerSideEmit, RequestID: "r4", Args: []any{"srv", map[string]any{"k": 1}}}, false,
			func(t *testing.T, got *cluster.Message) {
				want(t, got.RequestID == "r4" && fmt.Sprint(cluster.PlainValue(got.Args)) == "[srv map[k:1]]", got)
			}},
		{cluster.Message{Type: cluster.ServerSideEmit, Args: []any{"srv", []byte{5}}}, true,
			func(t *testing.T, got *cluster.Message) {
				want(t, got.RequestID == "" && reflect.DeepEqual(got.Args[1], []byte{5}), got)
			}},
		{cluster.Message{Type: cluster.ServerSideEmitResponse, RequestID: "r5", Value: map[string]any{"from": "go"}}, false,
			func(t *testing.T, got *cluster.Message) {
				want(t, fmt.Sprint(cluster.PlainValue(got.Value)) == "map[from:go]", got)
			}},
		{cluster.Message{Type: cluster.ServerSideEmitResponse, RequestID: "r6"}, false,
			func(t *testing.T, got *cluster.Message) { want(t, got.Value == nil, got) }},
		{cluster.Message{Type: cluster.BroadcastClientCount, RequestID: "r7"}, false,
			func(t *testing.T, got *cluster.Message) { want(t, got.ClientCount == 0 && got.RequestID == "r7", got) }},
		{cluster.Message{Type: cluster.BroadcastAck, RequestID: "r8", Value: []byte{7}}, true,
			func(t *testing.T, got *cluster.Message) { want(t, reflect.DeepEqual(got.Value, []byte{7}), got) }},
	}
	for _, tc := range tests {
		tc.m.UID, tc.m.Nsp = "0123456789abcdef", "/chat"
		b, err := codec.Encode(&tc.m)
		if err != nil {
			t.Fatalf("encode %d: %v", tc.m.Type, err)
		}
		if isJSON := b[0] == '{'; isJSON == tc.msgpack {
			t.Errorf("type %d: JSON %v, want MessagePack %v: %q", tc.m.Type, isJSON, tc.msgpack, b)
		}
		got, err := codec.Decode(cluster.Topic{Kind: cluster.TopicRequest}, b)
		if err != nil {
			t.Fatalf("decode %d: %v (%q)", tc.m.Type, err, b)
		}
		if got.Type != tc.m.Type || got.UID != tc.m.UID || got.Nsp != "/chat" {
			t.Errorf("type %d decoded as type %d from %q of %q", tc.m.Type, got.Type, got.UID, got.Nsp)
		}
		if uid, ok := cluster.PeekUID(codec, cluster.Topic{}, b); !tc.msgpack && (!ok || uid != tc.m.UID) {
			t.Errorf("type %d: peeked uid %q (%v)", tc.m.Type, uid, ok)
		}
		tc.check(t, got)
	}
}

// TestShardedCodecRejects: what the family cannot express is ErrUnsupported; foreign and
// malformed payloads are errors, never panics; a uid inside the data is never taken for the
// sender's.
func TestShardedCodecRejects(t *testing.T) {
	codec := cluster.NewShardedCodec()
	for _, typ := range []cluster.Type{cluster.AllRooms, cluster.AllRoomsResponse, cluster.Sockets, cluster.SocketOpResponse, 99} {
		if _, err := codec.Encode(&cluster.Message{Type: typ, RequestID: "r"}); !errors.Is(err, cluster.ErrUnsupported) ||
			!errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("encode type %d: %v, want ErrUnsupported", typ, err)
		}
	}
	topic := cluster.Topic{Kind: cluster.TopicRequest}
	for _, s := range []string{`{"type":1,"uid":"u","nsp":"/"}`, `{"type":13,"uid":"u","nsp":"/"}`} {
		if _, err := codec.Decode(topic, []byte(s)); !errors.Is(err, cluster.ErrUnsupported) {
			t.Errorf("heartbeat %s: %v, want ErrUnsupported", s, err)
		}
	}
	for _, s := range []string{
		``, `[]`, `{}`, `{"type":42,"uid":"u","nsp":"/"}`, `{"type":7,"data":{"opts":{"rooms":[]}},"uid":"u","nsp":"/"}`,
		`{"type":3,"data":{"packet":{"type":0,"data":["x"]},"opts":{}},"uid":"u","nsp":"/"}`,
		`{"type":3,"data":{"packet":{"type":2,"data":[1]},"opts":{}},"uid":"u","nsp":"/"}`,
		`{"type":11,"data":{"clientCount":1},"uid":"u","nsp":"/"}`, "\xc1\xc1",
	} {
		if m, err := codec.Decode(topic, []byte(s)); err == nil {
			t.Errorf("%q decoded as %+v", s, *m)
		}
	}
	for _, s := range []string{
		`{"type":9,"uid":"a","nsp":"/","data":{"packet":["x",{"uid":"me","nsp":"/"}]}}`,
		`{"type":9,"data":{"packet":["x",{"k":1,"uid":"me","nsp":"/"}]}}`,
		`{"type":9,"data":{"packet":["x"]},"uid":"me","nsp":"/\"}`,
		`{"type":9,"data":{"packet":["x"]},"uid":"m\"e","nsp":"/"}`,
		`{"type":9,"data":{"packet":["x"]},"uid":"m\\","nsp":"/"}`,
	} {
		if uid, ok := cluster.PeekUID(codec, topic, []byte(s)); ok {
			t.Errorf("peeked uid %q from %s", uid, s)
		}
	}
	var m json.RawMessage
	if err := json.Unmarshal([]byte(`{"type":9,"data":{"packet":["x"]},"uid":"me","nsp":"/a b"}`), &m); err != nil {
		t.Fatal(err)
	}
	if uid, ok := cluster.PeekUID(codec, topic, m); !ok || uid != "me" {
		t.Errorf("peeked %q (%v), want me", uid, ok)
	}
}
