package wire_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/internal/wiretest"
)

// vectorBytes returns the payload of the named vector.
func vectorBytes(tb testing.TB, name string) []byte {
	tb.Helper()
	for _, v := range loadVectors(tb) {
		if v.Name == name {
			return v.payload(tb)
		}
	}
	tb.Fatalf("no vector %q", name)
	return nil
}

func wantBytes(t *testing.T, got []byte, err error, vector string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if want := vectorBytes(t, vector); !bytes.Equal(got, want) {
		t.Fatalf("built message differs from %s\n got %s\nwant %s", vector, got, want)
	}
}

// TestBuildEmitterMessages builds every kind of emitter message from scratch (§9).
func TestBuildEmitterMessages(t *testing.T) {
	b, err := wire.MarshalClassicBroadcast(&wire.ClassicBroadcast{
		UID:    wire.EmitterUID,
		Packet: wire.Packet{Type: wire.PacketEvent, Data: []any{"em-flags", 1}, Nsp: "/"},
		Opts:   wire.BroadcastOptions{Flags: wire.Flags{Volatile: true, HasCompress: true}, EmitterOrder: true},
	})
	wantBytes(t, b, err, "emitter-emit-volatile-compress")

	b, err = wire.MarshalClassicBroadcast(&wire.ClassicBroadcast{
		UID:    wire.EmitterUID,
		Packet: wire.Packet{Type: wire.PacketEvent, Data: []any{"em-bin", []byte{0xde, 0xad}}, Nsp: "/"},
		Opts:   wire.BroadcastOptions{EmitterOrder: true},
	})
	wantBytes(t, b, err, "emitter-emit-binary")

	b, err = wire.MarshalClassicRequest(&wire.ClassicRequest{
		Type:  wire.RequestRemoteJoin,
		Opts:  wire.BroadcastOptions{Rooms: wire.Rooms("room2")},
		Rooms: wire.Rooms("room5"),
	}, wire.Auto)
	wantBytes(t, b, err, "emitter-sockets-join")

	b, err = wire.MarshalClassicRequest(&wire.ClassicRequest{
		Type: wire.RequestRemoteDisconnect,
		Opts: wire.BroadcastOptions{Rooms: wire.Rooms("room2")},
	}, wire.Auto)
	wantBytes(t, b, err, "emitter-disconnect-sockets")

	b, err = wire.MarshalClassicRequest(&wire.ClassicRequest{
		Type: wire.RequestServerSideEmit,
		UID:  wire.EmitterUID,
		Args: []any{"srv-ev", "from-emitter"},
	}, wire.Auto)
	wantBytes(t, b, err, "emitter-server-side-emit")
}

// TestBuildAdapterMessages builds classic and sharded messages a Go node sends.
func TestBuildAdapterMessages(t *testing.T) {
	b, err := wire.MarshalClassicRequest(&wire.ClassicRequest{
		Type:      wire.RequestBroadcast,
		UID:       wiretest.String(t, "classic-req-broadcast-with-ack", "uid"),
		RequestID: wiretest.String(t, "classic-req-broadcast-with-ack", "requestId"),
		Packet:    wire.Packet{Type: wire.PacketEvent, Data: []any{"ack-ev", "please"}, Nsp: "/"},
		Opts:      wire.BroadcastOptions{Flags: wire.Flags{Timeout: 1500 * time.Millisecond, HasTimeout: true}},
	}, wire.Auto)
	wantBytes(t, b, err, "classic-req-broadcast-with-ack")

	b, err = wire.MarshalClassicResponse(&wire.ClassicResponse{
		Type: wire.RequestBroadcastClientCount, RequestID: wiretest.String(t, "classic-req-broadcast-with-ack", "requestId"), ClientCount: 2,
	}, wire.Auto)
	wantBytes(t, b, err, "classic-resp-broadcast-client-count")

	b, err = wire.MarshalClassicResponse(&wire.ClassicResponse{
		Type: wire.RequestBroadcastAck, RequestID: wiretest.String(t, "classic-req-broadcast-with-ack-to-sid", "requestId"), Reply: []byte{7, 8}, HasReply: true,
	}, wire.Auto)
	wantBytes(t, b, err, "classic-resp-broadcast-ack-binary")

	b, err = wire.MarshalClassicResponse(&wire.ClassicResponse{
		Type: wire.RequestAllRooms, RequestID: wiretest.String(t, "classic-req-all-rooms", "requestId"),
		Rooms: wire.Rooms(wiretest.String(t, "classic-resp-all-rooms", "rooms", 0), "room1", wiretest.String(t, "classic-resp-all-rooms", "rooms", 2), "room4"),
	}, wire.Auto)
	wantBytes(t, b, err, "classic-resp-all-rooms")

	b, err = wire.MarshalClusterMessage(&wire.ClusterMessage{
		Type: wire.ClusterBroadcast, UID: wiretest.String(t, "sharded-broadcast-binary", "uid"), Nsp: "/",
		Packet: wire.Packet{Type: wire.PacketEvent, Data: []any{"bin", []byte{1, 2, 3}, wire.Object{{Key: "nested", Value: []byte{0xff, 0}}}, "txt"}},
	}, wire.Auto)
	wantBytes(t, b, err, "sharded-broadcast-binary")

	b, err = wire.MarshalClusterMessage(&wire.ClusterMessage{
		Type: wire.ClusterBroadcast, UID: wiretest.String(t, "sharded-broadcast-with-ack", "uid"), Nsp: "/",
		RequestID: wiretest.String(t, "sharded-broadcast-with-ack", "data", "requestId"),
		Packet:    wire.Packet{Type: wire.PacketEvent, Data: []any{"ack-ev", "please"}},
		Opts:      wire.BroadcastOptions{Flags: wire.Flags{Timeout: 1500 * time.Millisecond, HasTimeout: true}},
	}, wire.Auto)
	wantBytes(t, b, err, "sharded-broadcast-with-ack")

	b, err = wire.MarshalClusterMessage(&wire.ClusterMessage{
		Type: wire.ClusterBroadcastClientCount, UID: wiretest.String(t, "sharded-resp-broadcast-client-count", "uid"), Nsp: "/",
		RequestID: wiretest.String(t, "sharded-broadcast-with-ack", "data", "requestId"), ClientCount: 2,
	}, wire.Auto)
	wantBytes(t, b, err, "sharded-resp-broadcast-client-count")

	b, err = wire.MarshalClusterMessage(&wire.ClusterMessage{
		Type: wire.ClusterServerSideEmit, UID: wiretest.String(t, "sharded-server-side-emit-binary", "uid"), Nsp: "/",
		RequestID: wiretest.String(t, "sharded-server-side-emit-binary", "data", "requestId"),
		Args:      []any{"srv-ev", []byte{5, 6}},
	}, wire.Auto)
	wantBytes(t, b, err, "sharded-server-side-emit-binary")

	b, err = wire.MarshalClusterMessage(&wire.ClusterMessage{Type: wire.ClusterInitialHeartbeat, UID: wiretest.String(t, "cluster-heartbeat-initial", "uid"), Nsp: "/"}, wire.Auto)
	wantBytes(t, b, err, "cluster-heartbeat-initial")
}

func TestDecodedFields(t *testing.T) {
	var cb wire.ClassicBroadcast
	if err := wire.UnmarshalClassicBroadcast(vectorBytes(t, "classic-broadcast-numeric-room"), &cb); err != nil {
		t.Fatal(err)
	}
	if cb.UID != wiretest.String(t, "classic-broadcast-numeric-room", 0) || cb.Packet.Nsp != "/" || cb.Packet.Type != wire.PacketEvent ||
		!reflect.DeepEqual(cb.Opts.Rooms, []wire.Room{{Name: "123", Numeric: true}}) || cb.Opts.Except != nil {
		t.Errorf("numeric room: %+v", cb)
	}

	if err := wire.UnmarshalClassicBroadcast(vectorBytes(t, "emitter-emit-volatile-compress"), &cb); err != nil {
		t.Fatal(err)
	}
	if f := cb.Opts.Flags; !f.Volatile || !f.HasCompress || f.Compress || f.HasTimeout || !cb.Opts.EmitterOrder {
		t.Errorf("emitter flags: %+v", cb.Opts)
	}

	var req wire.ClassicRequest
	if err := wire.UnmarshalClassicRequest(vectorBytes(t, "classic-req-broadcast-with-ack-to-sid"), &req); err != nil {
		t.Fatal(err)
	}
	c3 := wiretest.String(t, "classic-resp-remote-fetch", "sockets", 0, "id") // a socket of node B
	if req.Type != wire.RequestBroadcast || req.RequestID != wiretest.String(t, "classic-req-broadcast-with-ack-to-sid", "requestId") ||
		req.Opts.Flags.Timeout != 1500*time.Millisecond ||
		!reflect.DeepEqual(req.Packet.Data, []any{"ack-ev2", int64(1)}) || req.Opts.Rooms[0].Name != c3 {
		t.Errorf("type 7: %+v", req)
	}

	if err := wire.UnmarshalClassicRequest(vectorBytes(t, "classic-legacy-req-remote-join-sid"), &req); err != nil {
		t.Fatal(err)
	}
	if req.Type != wire.RequestRemoteJoin || req.SID != c3 || req.Room.Name != "legacy-room" || req.RequestID != "LEG001" {
		t.Errorf("legacy join: %+v", req)
	}

	if err := wire.UnmarshalClassicRequest(vectorBytes(t, "classic-req-server-side-emit-binary"), &req); err != nil {
		t.Fatal(err)
	}
	buf := wire.Object{{Key: "type", Value: "Buffer"}, {Key: "data", Value: []any{int64(5), int64(6)}}}
	if !reflect.DeepEqual(req.Args, []any{"srv-ev", buf}) {
		t.Errorf("binary through JSON: %#v", req.Args)
	}

	var resp wire.ClassicResponse
	if err := wire.UnmarshalClassicResponse(vectorBytes(t, "classic-resp-remote-fetch"), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Type != wire.RequestRemoteFetch || len(resp.Sockets) != 2 {
		t.Fatalf("fetch: %+v", resp)
	}
	s := resp.Sockets[0]
	h := s.Handshake
	if s.ID != c3 || h.Issued != wiretest.Int(t, "classic-resp-remote-fetch", "sockets", 0, "handshake", "issued") || h.XDomain || h.Secure ||
		h.Address != "127.0.0.1" || !strings.HasPrefix(h.URL, "/socket.io/?name=c3") ||
		!strings.HasSuffix(h.Time, " GMT+0000 (Coordinated Universal Time)") || !reflect.DeepEqual(s.Rooms, wire.Rooms(c3, "room1")) {
		t.Errorf("socket: %+v", s)
	}
	if v, _ := h.Query.Get("name"); v != "c3" {
		t.Errorf("query name = %v", v)
	}
	if v, _ := h.Headers.Get("host"); v != wiretest.String(t, "classic-resp-remote-fetch", "sockets", 0, "handshake", "headers", "host") || v == "" {
		t.Errorf("host header = %v", v)
	}
	if !reflect.DeepEqual(s.Data, wire.Object{{Key: "user", Value: "c3"}, {Key: "n", Value: int64(1)}, {Key: "tags", Value: []any{"x"}}}) {
		t.Errorf("data = %#v", s.Data)
	}

	if err := wire.UnmarshalClassicResponse(vectorBytes(t, "classic-legacy-resp-sockets"), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Type != wire.RequestSockets || !reflect.DeepEqual(resp.SocketIDs, []string{c3}) {
		t.Errorf("legacy sockets: %+v", resp)
	}
	if err := wire.UnmarshalClassicResponse(vectorBytes(t, "classic-legacy-resp-remote-join-sid"), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Type != wire.RequestRemoteJoin || resp.RequestID != "LEG001" {
		t.Errorf("legacy ack: %+v", resp)
	}
	if err := wire.UnmarshalClassicResponse(vectorBytes(t, "classic-resp-server-side-emit"), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Type != wire.RequestServerSideEmit || !resp.HasReply || !reflect.DeepEqual(resp.Reply, wire.Object{{Key: "from", Value: "B"}}) {
		t.Errorf("sse answer: %+v", resp)
	}

	var m wire.ClusterMessage
	if err := wire.UnmarshalClusterMessage(vectorBytes(t, "sharded-resp-fetch-sockets-binary-data"), &m); err != nil {
		t.Fatal(err)
	}
	want := wire.Object{{Key: "bin", Value: []byte{1, 2}}, {Key: "when", Value: ts}, {Key: "big", Value: int64(1) << 40}, {Key: "f", Value: 0.5}, {Key: "neg", Value: int64(-1)}, {Key: "nil", Value: nil}}
	if m.Type != wire.ClusterFetchSocketsResponse || !m.Type.IsResponse() || len(m.Sockets) != 1 ||
		!reflect.DeepEqual(m.Sockets[0].Data, want) ||
		m.Sockets[0].Handshake.Issued != wiretest.Int(t, "sharded-resp-fetch-sockets-binary-data", "data", "sockets", 0, "handshake", "issued") ||
		!reflect.DeepEqual(m.Sockets[0].Rooms[2], wire.Room{Name: "123", Numeric: true}) {
		t.Errorf("sharded fetch answer: %+v", m)
	}

	if err := wire.UnmarshalClusterMessage(vectorBytes(t, "sharded-remote-socket-join"), &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != wire.ClusterSocketsJoin || !m.Opts.Flags.ExpectSingleResponse || m.UID != wiretest.String(t, "sharded-broadcast-all", "uid") || m.Nsp != "/" ||
		!reflect.DeepEqual(m.Rooms, wire.Rooms("joined-remotely")) {
		t.Errorf("sharded join: %+v", m)
	}

	if err := wire.UnmarshalClusterMessage(vectorBytes(t, "sharded-broadcast-all"), &m); err != nil {
		t.Fatal(err)
	}
	if m.Packet.Nsp != "" || m.RequestID != "" || len(m.Packet.Data) != 7 || m.Packet.Data[3] != 2.5 {
		t.Errorf("sharded broadcast: %+v", m)
	}
	if err := wire.UnmarshalClusterMessage(vectorBytes(t, "sharded-resp-broadcast-ack-binary"), &m); err != nil {
		t.Fatal(err)
	}
	if !m.HasReply || !bytes.Equal(m.Reply.([]byte), []byte{7, 8}) {
		t.Errorf("ack reply: %+v", m)
	}
}

func TestFlags(t *testing.T) {
	f := wire.Flags{
		Volatile: true, HasCompress: true, Compress: true, Local: true, Broadcast: true,
		ExpectSingleResponse: true, HasTimeout: true, Timeout: 1500 * time.Microsecond,
		Extra: wire.Object{{Key: "binary", Value: false}},
	}
	b, err := wire.MarshalClusterMessage(&wire.ClusterMessage{Type: wire.ClusterSocketsLeave, Opts: wire.BroadcastOptions{Flags: f}}, wire.Auto)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"type":5,"data":{"opts":{"rooms":[],"except":[],"flags":{"volatile":true,"compress":true,"local":true,` +
		`"broadcast":true,"expectSingleResponse":true,"timeout":1.5,"binary":false}},"rooms":[]},"uid":"","nsp":""}`
	if string(b) != wantJSON {
		t.Fatalf("got  %s\nwant %s", b, wantJSON)
	}
	var m wire.ClusterMessage
	for _, enc := range []wire.Encoding{wire.JSON, wire.MsgPack} {
		b, err := wire.MarshalClusterMessage(&wire.ClusterMessage{Type: wire.ClusterSocketsLeave, Opts: wire.BroadcastOptions{Flags: f}}, enc)
		if err != nil {
			t.Fatal(err)
		}
		if err := wire.UnmarshalClusterMessage(b, &m); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m.Opts.Flags, f) {
			t.Errorf("%v: flags %+v, want %+v", enc, m.Opts.Flags, f)
		}
	}
	if !(&wire.Flags{}).IsZero() || f.IsZero() {
		t.Error("IsZero")
	}

	// null known flags read as absent; a big fractional timeout is rounded to whole ms
	in := `{"type":7,"data":{"opts":{"flags":{"volatile":null,"timeout":1000000000000.4}},"requestId":"r"},"uid":"u","nsp":"/"}`
	if err := wire.UnmarshalClusterMessage([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if m.Opts.Flags.Volatile || !m.Opts.Flags.HasTimeout || m.Opts.Flags.Timeout != 1e12*time.Millisecond {
		t.Errorf("flags %+v", m.Opts.Flags)
	}
	for _, bad := range []string{`{"volatile":1}`, `{"timeout":"5"}`, `{"timeout":1e300}`, `{"compress":"no"}`, `[]`} {
		in := `{"type":7,"data":{"opts":{"flags":` + bad + `},"requestId":"r"},"uid":"u","nsp":"/"}`
		if err := wire.UnmarshalClusterMessage([]byte(in), &m); err == nil {
			t.Errorf("flags %s accepted", bad)
		}
	}
}

func TestPacketNamespace(t *testing.T) {
	var cb wire.ClassicBroadcast
	// ["u", {type: 2, data: ["e"]}, {rooms: [], except: [], flags: {}}]: nsp defaults to "/"
	if err := wire.UnmarshalClassicBroadcast(mustHex(t, "93a17582a47479706502a46461746191a16583a5726f6f6d7390a665786365707490a5666c61677380"), &cb); err != nil {
		t.Fatal(err)
	}
	if cb.Packet.Nsp != "/" {
		t.Errorf("classic nsp = %q", cb.Packet.Nsp)
	}
	m := wire.ClusterMessage{Type: wire.ClusterBroadcast, Packet: wire.Packet{Type: wire.PacketEvent, Data: []any{"e"}, Nsp: "/x", ID: 7, HasID: true}}
	b, err := wire.MarshalClusterMessage(&m, wire.Auto)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"packet":{"type":2,"data":["e"],"nsp":"/x","id":7}`)) {
		t.Errorf("packet: %s", b)
	}
	var back wire.ClusterMessage
	if err := wire.UnmarshalClusterMessage(b, &back); err != nil || !reflect.DeepEqual(back.Packet, m.Packet) {
		t.Errorf("packet back: %+v %v", back.Packet, err)
	}
}

func TestRoomsHelpers(t *testing.T) {
	rs := wire.Rooms("a", "b")
	if !reflect.DeepEqual(wire.RoomNames(rs), []string{"a", "b"}) || wire.Rooms() != nil || wire.RoomNames(nil) != nil || rs[0].String() != "a" {
		t.Fatal("Rooms/RoomNames")
	}
	for _, tt := range []struct {
		room wire.Room
		want string
	}{
		{wire.Room{Name: "123", Numeric: true}, "7b"},
		{wire.Room{Name: "-5", Numeric: true}, "fb"},
		{wire.Room{Name: "1.5", Numeric: true}, "cb3ff8000000000000"},
		{wire.Room{Name: "1e+21", Numeric: true}, "cb444b1ae4d6e2ef50"},
		{wire.Room{Name: "123"}, "a3313233"},
	} {
		b, err := wire.MarshalClassicRequest(&wire.ClassicRequest{Type: wire.RequestSockets, Rooms: []wire.Room{tt.room}}, wire.MsgPack)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(b); !strings.HasSuffix(got, "a5726f6f6d7391"+tt.want) {
			t.Errorf("%+v: %s", tt.room, got)
		}
		var r wire.ClassicRequest
		if err := wire.UnmarshalClassicRequest(b, &r); err != nil || r.Rooms[0] != tt.room {
			t.Errorf("%+v back: %+v %v", tt.room, r.Rooms, err)
		}
	}
	_, err := wire.MarshalClassicRequest(&wire.ClassicRequest{Type: wire.RequestSockets, Rooms: []wire.Room{{Name: "x", Numeric: true}}}, wire.JSON)
	if err == nil {
		t.Error("numeric room x accepted")
	}
}

// TestAutoEncoding checks Node's choice of encoding per message.
func TestAutoEncoding(t *testing.T) {
	first := func(b []byte, err error) byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b[0]
	}
	bin := []any{"e", []byte{1}}
	if c := first(wire.MarshalClusterMessage(&wire.ClusterMessage{Type: wire.ClusterServerSideEmit, Args: bin}, wire.Auto)); c != 0x84 {
		t.Errorf("type 9 with binary: %x", c)
	}
	if c := first(wire.MarshalClusterMessage(&wire.ClusterMessage{Type: wire.ClusterServerSideEmit, Args: []any{"e"}}, wire.Auto)); c != '{' {
		t.Errorf("type 9 without binary: %c", c)
	}
	if c := first(wire.MarshalClusterMessage(&wire.ClusterMessage{Type: wire.ClusterFetchSocketsResponse, RequestID: "r",
		Sockets: []wire.SocketInfo{{ID: "s", Handshake: wire.Handshake{Auth: wire.Object{{Key: "k", Value: []byte{1}}}}}}}, wire.Auto)); c != 0x84 {
		t.Errorf("type 8 with binary in the handshake: %x", c)
	}
	// types 4–7 and 11 stay JSON even with binary somewhere (Node does not look there)
	b, err := wire.MarshalClusterMessage(&wire.ClusterMessage{Type: wire.ClusterSocketsJoin,
		Opts: wire.BroadcastOptions{Flags: wire.Flags{Extra: wire.Object{{Key: "x", Value: []byte{1}}}}}}, wire.Auto)
	if err != nil || !bytes.Contains(b, []byte(`"x":{"type":"Buffer","data":[1]}`)) {
		t.Errorf("type 4: %s %v", b, err)
	}
	if c := first(wire.MarshalClassicRequest(&wire.ClassicRequest{Type: wire.RequestServerSideEmit, Args: bin}, wire.Auto)); c != '{' {
		t.Errorf("classic 6 with binary: %x", c)
	}
	if c := first(wire.MarshalClassicRequest(&wire.ClassicRequest{Type: wire.RequestBroadcast, UID: "u", RequestID: "r"}, wire.Auto)); c != 0x85 {
		t.Errorf("classic 7: %x", c)
	}
	if c := first(wire.MarshalClassicResponse(&wire.ClassicResponse{Type: wire.RequestBroadcastAck, RequestID: "r"}, wire.Auto)); c != 0x82 {
		t.Errorf("classic 9: %x", c)
	}
}

func TestClassicResponseShapes(t *testing.T) {
	for _, tt := range []struct {
		r    wire.ClassicResponse
		want string
	}{
		{wire.ClassicResponse{Type: wire.RequestServerSideEmit, RequestID: "r"}, `{"type":6,"requestId":"r"}`},
		{wire.ClassicResponse{Type: wire.RequestServerSideEmit, RequestID: "r", Reply: nil, HasReply: true}, `{"type":6,"requestId":"r","data":null}`},
		{wire.ClassicResponse{Type: wire.RequestBroadcastAck, RequestID: "r", Reply: 1, HasReply: true}, `{"type":9,"requestId":"r","packet":1}`},
		{wire.ClassicResponse{Type: wire.RequestSockets, RequestID: "r", SocketIDs: []string{"a"}}, `{"requestId":"r","sockets":["a"]}`},
		{wire.ClassicResponse{Type: wire.RequestRemoteFetch, RequestID: "r"}, `{"requestId":"r","sockets":[]}`},
		{wire.ClassicResponse{Type: wire.RequestRemoteDisconnect, RequestID: "r"}, `{"requestId":"r"}`},
		{wire.ClassicResponse{Type: wire.RequestRemoteFetch, RequestID: "r", Sockets: []wire.SocketInfo{{ID: "s"}}},
			`{"requestId":"r","sockets":[{"id":"s","handshake":{"headers":{},"time":"","address":"","xdomain":false,` +
				`"secure":false,"issued":0,"url":"","query":{},"auth":{}},"rooms":[],"data":null}]}`},
	} {
		b, err := wire.MarshalClassicResponse(&tt.r, wire.JSON)
		if err != nil || string(b) != tt.want {
			t.Errorf("%v: got %s (%v), want %s", tt.r.Type, b, err, tt.want)
			continue
		}
		var back wire.ClassicResponse
		if err := wire.UnmarshalClassicResponse(b, &back); err != nil || back.Type != tt.r.Type && tt.r.Type != wire.RequestRemoteDisconnect {
			t.Errorf("%v back: %+v %v", tt.r.Type, back, err)
		}
	}
}

// TestDecodeErrors feeds malformed messages: each must fail with a "wire: " error, never panic.
func TestDecodeErrors(t *testing.T) {
	broadcasts := []string{
		"92a17582a47479706502a46461746190",                                        // two items
		"93a17582a47479706502a46461746190c0",                                      // opts nil
		"93a17581a4747970650283a5726f6f6d7390a665786365707490a5666c61677380"[:60], // truncated
		"93a17581a46461746190" + "80",                                             // packet without type
		"93a17581a47479706507" + "80",                                             // packet type out of range
		"93c081a47479706502" + "80",                                               // uid not a string
		"93a17581a47479706502" + "81a5726f6f6d7391c3",                             // room true
		"7b7d", // JSON is not read on broadcast channels
	}
	for _, in := range broadcasts {
		var m wire.ClassicBroadcast
		if err := wire.UnmarshalClassicBroadcast(mustHex(t, in), &m); err == nil || !strings.HasPrefix(err.Error(), "wire: classic broadcast: ") {
			t.Errorf("broadcast %s: err = %v", in, err)
		}
	}
	requests := []string{
		`{}`, `{"type":"2"}`, `{"type":2}`, `{"type":2,"sid":""}`, `{"type":2,"sid":"s"}`, `{"type":4,"opts":[]}`,
		`{"type":5}`, `{"type":6}`, `{"type":6,"data":{}}`, `{"type":7,"opts":{}}`, `{"type":7,"packet":{"type":2}}`,
		`{"type":8,"requestId":"r","clientCount":1}`, `{"type":10}`, `{"type":-1}`, `{"type":1,"uid":5}`,
		`{"type":0,"rooms":[null]}`, `{"type":4,"opts":{},"close":"yes"}`, `[]`, `{"type":1`,
	}
	for _, in := range requests {
		var m wire.ClassicRequest
		if err := wire.UnmarshalClassicRequest([]byte(in), &m); err == nil || !strings.HasPrefix(err.Error(), "wire: classic request: ") {
			t.Errorf("request %s: err = %v", in, err)
		}
	}
	var r wire.ClassicRequest
	if err := wire.UnmarshalClassicRequest([]byte(`{"type":12}`), &r); !errors.Is(err, wire.ErrUnknownType) {
		t.Errorf("unknown request type: %v", err)
	}
	responses := []string{
		`{}`, `{"requestId":""}`, `{"requestId":"r","type":5,"sockets":[]}`, `{"requestId":"r","type":8}`,
		`{"requestId":"r","type":8,"clientCount":-1}`, `{"requestId":"r","sockets":["a",{}]}`,
		`{"requestId":"r","sockets":[{}]}`, `{"requestId":"r","sockets":[{"id":"s","handshake":{"issued":1.5}}]}`,
		`{"requestId":"r","sockets":[{"id":"s","handshake":{"headers":[]}}]}`, `{"requestId":"r","rooms":{}}`,
		`{"requestId":"r","sockets":5}`, `{"requestId":"r","type":99}`,
	}
	for _, in := range responses {
		var m wire.ClassicResponse
		if err := wire.UnmarshalClassicResponse([]byte(in), &m); err == nil || !strings.HasPrefix(err.Error(), "wire: classic response: ") {
			t.Errorf("response %s: err = %v", in, err)
		}
	}
	cluster := []string{
		`{}`, `{"type":0}`, `{"type":14,"uid":"u"}`, `{"type":3,"uid":"u","nsp":"/"}`, `{"type":3,"data":[]}`,
		`{"type":3,"data":{"opts":{}}}`, `{"type":3,"data":{"packet":{"type":2}}}`, `{"type":3,"data":{"packet":{"type":2},"opts":{},"requestId":""}}`,
		`{"type":4,"data":{"opts":null}}`, `{"type":6,"data":{"opts":{},"close":1}}`, `{"type":7,"data":{"opts":{}}}`,
		`{"type":8,"data":{}}`, `{"type":8,"data":{"requestId":"r","sockets":[1]}}`, `{"type":9,"data":{"packet":{}}}`,
		`{"type":11,"data":{"requestId":"r"}}`, `{"type":11,"data":{"requestId":"r","clientCount":0.5}}`, `{"type":1,"uid":[]}`,
		`{"type":1,"nsp":1}`, `{"type":"1"}`,
	}
	for _, in := range cluster {
		var m wire.ClusterMessage
		if err := wire.UnmarshalClusterMessage([]byte(in), &m); err == nil || !strings.HasPrefix(err.Error(), "wire: cluster message: ") {
			t.Errorf("cluster %s: err = %v", in, err)
		}
	}
	var m wire.ClusterMessage
	if err := wire.UnmarshalClusterMessage([]byte(`{"type":14,"uid":"u"}`), &m); !errors.Is(err, wire.ErrUnknownType) {
		t.Errorf("unknown cluster type: %v", err)
	}
}

func TestDecodeLenient(t *testing.T) {
	// Missing lists and close read as empty/false, like Node's Set(undefined) and !!undefined.
	var r wire.ClassicRequest
	if err := wire.UnmarshalClassicRequest([]byte(`{"type":4,"opts":{}}`), &r); err != nil || r.Close || r.Opts.Rooms != nil {
		t.Errorf("%+v %v", r, err)
	}
	var m wire.ClusterMessage
	if err := wire.UnmarshalClusterMessage([]byte(`{"type":12,"data":{"requestId":"r"}}`), &m); err != nil || m.HasReply || m.UID != "" {
		t.Errorf("%+v %v", m, err)
	}
	if err := wire.UnmarshalClusterMessage([]byte(`{"type":13,"uid":"u","nsp":"/","data":5}`), &m); err != nil || m.Type != wire.ClusterAdapterClose {
		t.Errorf("%+v %v", m, err)
	}
	// Unmarshal resets the target.
	m.RequestID = "stale"
	if err := wire.UnmarshalClusterMessage([]byte(`{"type":2,"uid":"u","nsp":"/"}`), &m); err != nil || m.RequestID != "" {
		t.Errorf("%+v %v", m, err)
	}
}

func TestMarshalErrors(t *testing.T) {
	for _, err := range []error{
		func() error {
			_, err := wire.MarshalClusterMessage(&wire.ClusterMessage{Type: 0}, wire.Auto)
			return err
		}(),
		func() error {
			_, err := wire.MarshalClusterMessage(&wire.ClusterMessage{Type: 14}, wire.JSON)
			return err
		}(),
		func() error {
			_, err := wire.MarshalClassicRequest(&wire.ClassicRequest{Type: 8}, wire.Auto)
			return err
		}(),
		func() error {
			_, err := wire.MarshalClassicResponse(&wire.ClassicResponse{Type: 7}, wire.Auto)
			return err
		}(),
	} {
		if !errors.Is(err, wire.ErrUnknownType) || !strings.HasPrefix(err.Error(), "wire: ") {
			t.Errorf("err = %v", err)
		}
	}
	_, err := wire.MarshalClassicBroadcast(&wire.ClassicBroadcast{Packet: wire.Packet{Data: []any{make(chan int)}}})
	if err == nil || !strings.HasPrefix(err.Error(), "wire: classic broadcast: ") {
		t.Errorf("err = %v", err)
	}
}

func TestTypeNames(t *testing.T) {
	if wire.RequestRemoteFetch.String() != "REMOTE_FETCH" || wire.RequestType(10).String() != "RequestType(10)" ||
		wire.ClusterFetchSocketsResponse.String() != "FETCH_SOCKETS_RESPONSE" || wire.ClusterType(0).String() != "ClusterType(0)" ||
		wire.ClusterAdapterClose.String() != "ADAPTER_CLOSE" {
		t.Error("names")
	}
	for c := wire.ClusterInitialHeartbeat; c <= wire.ClusterAdapterClose; c++ {
		want := c == 8 || c == 10 || c == 11 || c == 12
		if c.IsResponse() != want {
			t.Errorf("%v.IsResponse() = %v", c, !want)
		}
	}
}
