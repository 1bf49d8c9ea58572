package wire_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/internal/wire"
)

func TestClassicChannels(t *testing.T) {
	c := wire.NewClassicChannels("", "/")
	for got, want := range map[string]string{
		c.Broadcast():          "socket.io#/#",
		c.Room("room1"):        "socket.io#/#room1#",
		c.Pattern():            "socket.io#/#*",
		c.Request():            "socket.io-request#/#",
		c.Response():           "socket.io-response#/#",
		c.ResponseTo("XyBlKY"): "socket.io-response#/#XyBlKY#",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	a := wire.NewClassicChannels("my*key", "/a?[b]\\")
	if got, want := a.Pattern(), `my\*key#/a\?\[b\]\\#*`; got != want {
		t.Errorf("escaped pattern %q, want %q", got, want)
	}
	if a.Broadcast() != "my*key#/a?[b]\\#" {
		t.Errorf("broadcast channel keeps raw names: %q", a.Broadcast())
	}

	for _, tt := range []struct {
		rooms []wire.Room
		want  string
	}{
		{nil, "socket.io#/#"},
		{wire.Rooms("room1"), "socket.io#/#room1#"},
		{wire.Rooms("room1", "room1"), "socket.io#/#room1#"},
		{wire.Rooms("room1", "room2"), "socket.io#/#"},
		{[]wire.Room{{Name: "123", Numeric: true}}, "socket.io#/#123#"},
		{[]wire.Room{{Name: "1", Numeric: true}, {Name: "1"}}, "socket.io#/#"},
	} {
		if got := c.BroadcastTo(tt.rooms); got != tt.want {
			t.Errorf("BroadcastTo(%v) = %q, want %q", tt.rooms, got, tt.want)
		}
	}

	for _, tt := range []struct {
		channel string
		room    string
		ok      bool
	}{
		{"socket.io#/#", "", true},
		{"socket.io#/#room1#", "room1", true},
		{"socket.io#/#a#b#", "a#b", true},
		{"socket.io#/#x", "", true}, // Node drops the last character, whatever it is
		{"socket.io#/admin#", "", false},
		{"socket.io#/", "", false},
		{"other#/#room1#", "", false},
	} {
		room, ok := c.ParseRoom(tt.channel)
		if room != tt.room || ok != tt.ok {
			t.Errorf("ParseRoom(%q) = %q, %v", tt.channel, room, ok)
		}
	}
	if uid, ok := c.ParseResponse("socket.io-response#/#XyBlKY#"); uid != "XyBlKY" || !ok {
		t.Errorf("ParseResponse specific: %q %v", uid, ok)
	}
	if uid, ok := c.ParseResponse("socket.io-response#/#"); uid != "" || !ok {
		t.Errorf("ParseResponse shared: %q %v", uid, ok)
	}
	if _, ok := c.ParseResponse("socket.io-request#/#"); ok {
		t.Error("ParseResponse accepted a request channel")
	}
}

func TestShardedChannels(t *testing.T) {
	s := wire.NewShardedChannels("", "/")
	if s.Namespace() != "socket.io#/#" || s.Response("ec55b6bb15710f52") != "socket.io#/#ec55b6bb15710f52#" || s.Room("r") != "socket.io#/#r#" {
		t.Fatal("names")
	}
	if got := wire.NewShardedChannels("p", "/admin").Namespace(); got != "p#/admin#" {
		t.Fatal(got)
	}
	sid := "BygfdxPqBHfPG03QAAAC"
	for _, tt := range []struct {
		mode      wire.SubscriptionMode
		rooms     []wire.Room
		requestID string
		want      string
	}{
		{wire.SubscriptionStatic, wire.Rooms("room1"), "", "socket.io#/#"},
		{wire.SubscriptionDynamic, wire.Rooms("room1"), "", "socket.io#/#room1#"},
		{"", wire.Rooms("room1"), "", "socket.io#/#room1#"},
		{wire.SubscriptionDynamic, wire.Rooms("room1"), "r", "socket.io#/#"},
		{wire.SubscriptionDynamic, wire.Rooms("room1", "room2"), "", "socket.io#/#"},
		{wire.SubscriptionDynamic, nil, "", "socket.io#/#"},
		{wire.SubscriptionDynamic, wire.Rooms(sid), "", "socket.io#/#"},
		{wire.SubscriptionDynamicPrivate, wire.Rooms(sid), "", "socket.io#/#" + sid + "#"},
		{wire.SubscriptionDynamicPrivate, wire.Rooms(sid), "r", "socket.io#/#"},
		{wire.SubscriptionDynamic, []wire.Room{{Name: "12345678901234567890", Numeric: true}}, "", "socket.io#/#12345678901234567890#"},
		// length is counted in UTF-16 units, as in JavaScript
		{wire.SubscriptionDynamic, wire.Rooms(strings.Repeat("a", 18) + "😀"), "", "socket.io#/#"},
		{wire.SubscriptionDynamic, wire.Rooms(strings.Repeat("a", 19) + "é"), "", "socket.io#/#"},
		{wire.SubscriptionDynamic, wire.Rooms(strings.Repeat("a", 19) + "😀"), "", "socket.io#/#" + strings.Repeat("a", 19) + "😀#"},
		{wire.SubscriptionDynamic, wire.Rooms(strings.Repeat("a", 21)), "", "socket.io#/#" + strings.Repeat("a", 21) + "#"},
	} {
		opts := wire.BroadcastOptions{Rooms: tt.rooms}
		if got := s.BroadcastTo(tt.mode, &opts, tt.requestID); got != tt.want {
			t.Errorf("%q %v %q: got %q, want %q", tt.mode, tt.rooms, tt.requestID, got, tt.want)
		}
	}
	for _, tt := range []struct {
		mode        wire.SubscriptionMode
		room, sidOK bool
	}{
		{wire.SubscriptionStatic, false, false},
		{wire.SubscriptionDynamic, true, false},
		{"", true, false},
		{wire.SubscriptionDynamicPrivate, true, true},
	} {
		if tt.mode.SubscribesRoom(false) != tt.room || tt.mode.SubscribesRoom(true) != tt.sidOK {
			t.Errorf("%q.SubscribesRoom", tt.mode)
		}
		if !tt.mode.Valid() {
			t.Errorf("%q not valid", tt.mode)
		}
	}
	for _, tt := range []struct {
		mode wire.SubscriptionMode
		room string
		want bool
	}{
		{wire.SubscriptionStatic, "room1", false},
		{wire.SubscriptionDynamic, "room1", true},
		{"", "room1", true},
		{wire.SubscriptionDynamic, "PXF9CFrPJ0J52e4kAAAC", false}, // a socket id: the namespace channel
		{wire.SubscriptionDynamic, "s1", true},                    // too short to look like one
		{wire.SubscriptionDynamicPrivate, "PXF9CFrPJ0J52e4kAAAC", true},
	} {
		if got := tt.mode.RoomChannel(tt.room); got != tt.want {
			t.Errorf("%q.RoomChannel(%q) = %v, want %v", tt.mode, tt.room, got, tt.want)
		}
	}
	if wire.SubscriptionMode("Dynamic").Valid() {
		t.Error("Dynamic valid")
	}
	if suffix, ok := s.Parse("socket.io#/#ec55b6bb15710f52#"); suffix != "ec55b6bb15710f52" || !ok {
		t.Errorf("Parse: %q %v", suffix, ok)
	}
	if suffix, ok := s.Parse("socket.io#/#"); suffix != "" || !ok {
		t.Errorf("Parse namespace: %q %v", suffix, ok)
	}
	if _, ok := s.Parse("socket.io#/admin#"); ok {
		t.Error("Parse accepted another namespace")
	}
}

func TestNormalizeNamespace(t *testing.T) {
	for in, want := range map[string]string{"": "/", "admin": "/admin", "/admin": "/admin", "/": "/"} {
		if got := wire.NormalizeNamespace(in); got != want {
			t.Errorf("NormalizeNamespace(%q) = %q", in, got)
		}
	}
}

// TestVectorChannels checks that the channel every captured message was published on is the
// one the channel helpers compute for it.
func TestVectorChannels(t *testing.T) {
	modeRe := regexp.MustCompile(`^sharded\((.*)\)$`)
	checked := 0
	for _, v := range loadVectors(t) {
		if strings.HasPrefix(v.Mode, "cluster") {
			continue // demo transport, made-up channel
		}
		if v.Mode == "streams" {
			streamsChannel(t, &v)
			checked++
			continue
		}
		m, err := decodeTyped(&v, v.payload(t))
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		var want string
		switch m := m.(type) {
		case *wire.ClassicBroadcast:
			want = wire.NewClassicChannels("", m.Packet.Nsp).BroadcastTo(m.Opts.Rooms)
		case *wire.ClassicRequest:
			want = wire.NewClassicChannels("", "/").Request()
		case *wire.ClassicResponse:
			c := wire.NewClassicChannels("", "/")
			want = c.Response()
			if uid, ok := c.ParseResponse(v.Channel); ok && uid != "" {
				want = c.ResponseTo(uid)
				if m.Type == wire.RequestServerSideEmit {
					t.Errorf("%s: server-side emit answer on a specific channel", v.Name)
				}
			}
		case *wire.ClusterMessage:
			s := wire.NewShardedChannels("", m.Nsp)
			mode := wire.SubscriptionMode(modeRe.FindStringSubmatch(v.Mode)[1])
			switch {
			case m.Type == wire.ClusterBroadcast:
				want = s.BroadcastTo(mode, &m.Opts, m.RequestID)
			case m.Type.IsResponse():
				uid, _ := s.Parse(v.Channel) // the requester's uid is not in the answer
				want = s.Response(uid)
			default:
				want = s.Namespace()
			}
		}
		if v.Channel != want {
			t.Errorf("%s: captured on %q, helpers say %q", v.Name, v.Channel, want)
		}
		checked++
	}
	if checked != 100 {
		t.Errorf("checked %d vectors, want 100", checked)
	}
}

// streamsChannel checks where the Redis Streams adapter put a vector (default options): the
// stream "socket.io" for an entry, the key sio:session:<pid> for a session, and for a pub/sub
// message the namespace's channel, or the requester's for an answer (the channels of the
// sharded adapter's static mode).
func streamsChannel(t *testing.T, v *vector) {
	t.Helper()
	switch v.Command {
	case "XADD":
		if v.Channel != "socket.io" {
			t.Errorf("%s: stream %q", v.Name, v.Channel)
		}
	case "SET":
		s, err := wire.UnmarshalStreamSession(v.Value)
		if err != nil || v.Channel != "sio:session:"+s.PID {
			t.Errorf("%s: key %q (%v)", v.Name, v.Channel, err)
		}
	case "PUBLISH":
		var m wire.ClusterMessage
		if err := wire.UnmarshalClusterMessage(v.payload(t), &m); err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		s := wire.NewShardedChannels("", m.Nsp)
		want := s.Namespace()
		if m.Type.IsResponse() {
			uid, _ := s.Parse(v.Channel)
			want = s.Response(uid)
		}
		if v.Channel != want {
			t.Errorf("%s: published on %q, want %q", v.Name, v.Channel, want)
		}
	default:
		t.Errorf("%s: command %q", v.Name, v.Command)
	}
}
