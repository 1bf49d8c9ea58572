package cluster_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/internal/wiretest"
)

// streamEntryOf is the stream entry of an XADD vector of Node's Redis Streams adapter.
func streamEntryOf(t testing.TB, v *wiretest.Vector) wire.StreamEntry {
	t.Helper()
	e, _ := v.StreamEntry(t)
	return e
}

// streamsPayload is what the streams transport hands the codec for a vector: the frame of a
// stream entry, or the pub/sub payload.
func streamsPayload(t testing.TB, v *wiretest.Vector) []byte {
	t.Helper()
	if v.Command == "XADD" {
		return cluster.AppendStreamFrame(nil, streamEntryOf(t, v))
	}
	b, err := hex.DecodeString(v.Hex)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStreamsCodecNodeVectors decodes what Node's Redis Streams adapter writes (stream entries
// and pub/sub messages) into the messages the core acts on, with offsets when the server has
// connection-state recovery, and re-encodes those a Go node would send itself byte for byte
// (the same entry fields, the same MessagePack envelope).
func TestStreamsCodecNodeVectors(t *testing.T) {
	var recovery bool
	codec := cluster.NewStreamsCodec(false, func() bool { return recovery })
	a, b := wiretest.String(t, "streams-broadcast-all", "uid"), wiretest.String(t, "streams-resp-broadcast-client-count", "uid")
	c3 := wiretest.String(t, "streams-resp-fetch-sockets", "data", "sockets", 0, "id")
	reqID := func(name string) string { return wiretest.String(t, name, "data", "requestId") }
	data := func(m *cluster.Message) string { return string(m.Packet.Data) }
	checks := map[string]func(t *testing.T, m *cluster.Message){
		"streams-broadcast-all": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.Broadcast && m.UID == a && m.Nsp == "/" && m.RequestID == "" && m.Packet.Nsp == "/" &&
				data(m) == `["hello","world",1,2.5,-3,{"a":true,"b":null},[1,"two"]]`, m)
		},
		"streams-broadcast-room": func(t *testing.T, m *cluster.Message) {
			want(t, slices.Equal(m.Target.Rooms, []string{"room1"}) && len(m.Target.Except) == 0, m)
		},
		"streams-broadcast-except": func(t *testing.T, m *cluster.Message) {
			want(t, len(m.Target.Rooms) == 0 && slices.Equal(m.Target.Except, []string{"room1"}), m)
		},
		"streams-broadcast-volatile": func(t *testing.T, m *cluster.Message) {
			want(t, m.Target.Flags.Volatile && data(m) == `["vol",1]`, m)
		},
		"streams-broadcast-compress-false": func(t *testing.T, m *cluster.Message) {
			want(t, m.Target.Flags.NoCompress, m)
		},
		"streams-broadcast-binary": func(t *testing.T, m *cluster.Message) {
			want(t, data(m) == `["bin",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}},"txt"]` &&
				len(m.Packet.Attachments) == 2 && bytes.Equal(m.Packet.Attachments[0], []byte{1, 2, 3}), m)
		},
		"streams-broadcast-admin-namespace": func(t *testing.T, m *cluster.Message) {
			want(t, m.Nsp == "/admin" && m.Packet.Nsp == "/admin", m)
		},
		"streams-sockets-join": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsJoin && slices.Equal(m.Target.Rooms, []string{"room1"}) &&
				slices.Equal(m.Rooms, []string{"room3", "room4"}), m)
		},
		"streams-sockets-leave": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsLeave && slices.Equal(m.Rooms, []string{"room3"}), m)
		},
		"streams-remote-socket-join": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.SocketsJoin && slices.Equal(m.Target.Rooms, []string{c3}) &&
				slices.Equal(m.Rooms, []string{"joined-remotely"}), m)
		},
		"streams-disconnect-sockets": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.DisconnectSockets && m.Close && slices.Equal(m.Target.Except, []string{"room4"}), m)
		},
		"streams-broadcast-with-ack": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.Broadcast && m.RequestID == reqID("streams-resp-broadcast-client-count") &&
				m.Target.Flags.Timeout == 1500*time.Millisecond && data(m) == `["ack-ev","please"]`, m)
		},
		"streams-resp-broadcast-client-count": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastClientCount && m.UID == b && m.ClientCount == 2, m)
		},
		"streams-resp-broadcast-ack": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastAck && fmt.Sprint(cluster.PlainValue(m.Value)) == "map[ackFrom:c3]", m)
		},
		"streams-resp-broadcast-ack-binary": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.BroadcastAck && reflect.DeepEqual(m.Value, []byte{7, 8}), m)
		},
		"streams-fetch-sockets": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.FetchSockets && m.RequestID == reqID("streams-resp-fetch-sockets") && len(m.Target.Rooms) == 0, m)
		},
		"streams-resp-fetch-sockets": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.FetchSocketsResponse && m.UID == b && len(m.Sockets) == 2 && m.Sockets[0].ID == c3 &&
				m.Sockets[0].Handshake.Query.Get("name") == "c3" && fmt.Sprint(m.Sockets[0].Data) == "map[n:1 tags:[x] user:c3]", m)
		},
		"streams-server-side-emit": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmit && m.RequestID == "" && fmt.Sprint(m.Args) == "[srv-ev hi 1]", m)
		},
		"streams-server-side-emit-ack": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmit && m.RequestID == reqID("streams-resp-server-side-emit"), m)
		},
		"streams-resp-server-side-emit": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmitResponse && fmt.Sprint(cluster.PlainValue(m.Value)) == "map[from:B]", m)
		},
		"streams-server-side-emit-binary": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmit && reflect.DeepEqual(m.Args[1], []byte{5, 6}), m)
		},
		"streams-resp-server-side-emit-binary": func(t *testing.T, m *cluster.Message) {
			want(t, m.Type == cluster.ServerSideEmitResponse && reflect.DeepEqual(m.Value, []byte{9}), m)
		},
	}
	// What a Go node sends for the same operation is what Node wrote. Not listed: the
	// expectSingleResponse flag (Go does not send it) and fetch answers (Go writes header and
	// query names in sorted order).
	different := []string{"streams-remote-socket-join", "streams-resp-fetch-sockets"}
	seen := 0
	for _, v := range wiretest.Load(t) {
		if v.Mode != "streams" || v.Command == "SET" {
			continue
		}
		seen++
		t.Run(v.Name, func(t *testing.T) {
			in := streamsPayload(t, &v)
			if _, isFrame, _ := cluster.ParseStreamFrame(in); isFrame != (v.Command == "XADD") {
				t.Fatalf("stream frame %v for a %s", isFrame, v.Command)
			}
			recovery = false
			m, err := codec.Decode(cluster.Topic{Kind: cluster.TopicBroadcast}, in)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if check, ok := checks[v.Name]; ok {
				check(t, m)
			} else {
				t.Errorf("no check for %s", v.Name)
			}
			if cluster.InStream(m) != (v.Command == "XADD") {
				t.Errorf("InStream %v for a %s", cluster.InStream(m), v.Command)
			}

			// With recovery, a broadcast read from the stream carries its entry id as offset
			// (last argument) unless it is volatile; nothing else changes.
			recovery = true
			mo, err := codec.Decode(cluster.Topic{Kind: cluster.TopicBroadcast}, in)
			if err != nil {
				t.Fatalf("decode with recovery: %v", err)
			}
			if m.Type == cluster.Broadcast {
				wantData := string(m.Packet.Data)
				if v.Command == "XADD" && !m.Target.Flags.Volatile {
					wantData = string(adapter.AppendOffset(m.Packet.Data, v.EntryID))
					if !strings.HasSuffix(wantData, `,"`+v.EntryID+`"]`) {
						t.Errorf("offset not last: %s", wantData)
					}
				}
				if got := string(mo.Packet.Data); got != wantData {
					t.Errorf("with recovery, packet data %s, want %s", got, wantData)
				}
			}

			if slices.Contains(different, v.Name) {
				return
			}
			out, err := codec.Encode(m)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if v.Command == "XADD" {
				e, ok, err := cluster.ParseStreamFrame(out)
				if !ok || err != nil {
					t.Fatalf("encoded %x is not a stream frame (%v)", out, err)
				}
				if e.ID = v.EntryID; e != streamEntryOf(t, &v) {
					t.Errorf("re-encoded entry\n got %+v\nwant %+v", e, streamEntryOf(t, &v))
				}
				return
			}
			if !bytes.Equal(out, in) {
				t.Errorf("re-encoded\n got %x\nwant %s", out, v.Hex)
			}
		})
	}
	if seen != 22 {
		t.Errorf("%d streams vectors found, want 22", seen)
	}
}

// TestStreamBroadcastNodeVectors: what a recovery takes from Node's stream entries
// (StreamBroadcast): the broadcasts of the namespace, volatile ones included, with the entry
// id as offset; nothing else.
func TestStreamBroadcastNodeVectors(t *testing.T) {
	n := 0
	for _, v := range wiretest.Load(t) {
		if v.Command != "XADD" {
			continue
		}
		e := streamEntryOf(t, &v)
		p, target, ok, err := cluster.StreamBroadcast(e, "/")
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if wantOK := e.Type == "3" && e.Nsp == "/"; ok != wantOK {
			t.Errorf("%s: taken %v, want %v", v.Name, ok, wantOK)
			continue
		}
		if !ok {
			continue
		}
		n++
		if !strings.HasSuffix(string(p.Data), `"`+v.EntryID+`"]`) {
			t.Errorf("%s: no offset in %s", v.Name, p.Data)
		}
		if v.Name == "streams-broadcast-room" && (!target.Reaches([]string{"sid", "room1"}) || target.Reaches([]string{"sid"})) {
			t.Errorf("%s: target %+v", v.Name, target)
		}
		if v.Name == "streams-broadcast-except" && target.Reaches([]string{"sid", "room1"}) {
			t.Errorf("%s: reaches an excepted room", v.Name)
		}
		if _, _, ok, _ := cluster.StreamBroadcast(e, "/admin"); ok {
			t.Errorf("%s: taken for /admin", v.Name)
		}
	}
	if n != 6 { // all, room, except, volatile, compress false, binary
		t.Errorf("%d broadcasts of / taken, want 6", n)
	}
}

// TestStreamsCodecRoundTrip: a Go node's messages go to the stream or over pub/sub as Node's
// adapter sends them, and decode back; plaintext keeps binary stream data as JSON.
func TestStreamsCodecRoundTrip(t *testing.T) {
	ev, err := cluster.EventPacket("/chat", []any{"ev", "x", int64(1), []byte{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, plaintext := range []bool{false, true} {
		codec := cluster.NewStreamsCodec(plaintext, nil)
		for _, m := range []cluster.Message{
			{Type: cluster.Broadcast, Packet: ev, Target: adapter.Target{Rooms: []string{"a"}}},
			{Type: cluster.Broadcast, RequestID: "r1", Packet: ev},
			{Type: cluster.SocketsJoin, Rooms: []string{"x"}},
			{Type: cluster.SocketsLeave, Rooms: []string{"x"}},
			{Type: cluster.DisconnectSockets, Close: true},
			{Type: cluster.FetchSockets, RequestID: "r2"},
			{Type: cluster.ServerSideEmit, Args: []any{"srv", "a"}},
			{Type: cluster.ServerSideEmitResponse, RequestID: "r3", Value: "v"},
			{Type: cluster.BroadcastClientCount, RequestID: "r4", ClientCount: 3},
			{Type: cluster.BroadcastAck, RequestID: "r5", Value: []byte{7}},
		} {
			m.UID, m.Nsp = "0123456789abcdef", "/chat"
			b, err := codec.Encode(&m)
			if err != nil {
				t.Fatalf("encode %d: %v", m.Type, err)
			}
			e, isFrame, err := cluster.ParseStreamFrame(b)
			if err != nil || isFrame != cluster.InStream(&m) {
				t.Fatalf("type %d: frame %v (%v), InStream %v", m.Type, isFrame, err, cluster.InStream(&m))
			}
			if isFrame {
				binaryData := m.Type == cluster.Broadcast && !plaintext
				if (e.Data[0] != '{') != binaryData {
					t.Errorf("type %d (plaintext %v): data %q", m.Type, plaintext, e.Data)
				}
			} else if b[0] == '{' {
				t.Errorf("type %d: pub/sub message in JSON: %s", m.Type, b)
			}
			got, err := codec.Decode(cluster.Topic{}, b)
			if err != nil {
				t.Fatalf("decode %d: %v", m.Type, err)
			}
			if got.Type != m.Type || got.UID != m.UID || got.Nsp != m.Nsp || got.RequestID != m.RequestID {
				t.Errorf("type %d decoded as %+v", m.Type, got)
			}
			if m.Type == cluster.Broadcast && m.RequestID == "" {
				wantArgs := "[ev x 1 [1 2]]"
				if plaintext {
					wantArgs = "[ev x 1 map[data:[1 2] type:Buffer]]"
				}
				if args := eventArgs(t, got.Packet); args != wantArgs {
					t.Errorf("plaintext %v: args %s, want %s", plaintext, args, wantArgs)
				}
			}
		}
	}
}

// TestParseStreamFrame: frames round-trip; what is not one is told apart; truncated or
// padded frames are errors.
func TestParseStreamFrame(t *testing.T) {
	e := wire.StreamEntry{ID: "1-0", UID: "u", Nsp: "/", Type: "4", Data: `{"rooms":[]}`, HasData: true}
	b := cluster.AppendStreamFrame(nil, e)
	if got, ok, err := cluster.ParseStreamFrame(b); !ok || err != nil || got != e {
		t.Fatalf("round trip: %+v %v %v", got, ok, err)
	}
	for _, s := range []string{"", "{}", "\x84"} {
		if _, ok, err := cluster.ParseStreamFrame([]byte(s)); ok || err != nil {
			t.Errorf("%q taken for a frame (%v)", s, err)
		}
	}
	for i := 1; i < len(b); i++ {
		if _, ok, err := cluster.ParseStreamFrame(b[:i]); !ok || err == nil {
			t.Errorf("truncated at %d: ok %v err %v", i, ok, err)
		}
	}
	for _, tail := range []string{"\x00", "\x02"} {
		bad := append(append([]byte{}, b[:len(b)-1]...), tail...)
		if tail == "\x00" {
			bad = append(bad, 0)
		}
		if _, _, err := cluster.ParseStreamFrame(bad); err == nil {
			t.Errorf("tail %q accepted", bad[len(b)-1:])
		}
	}
}
