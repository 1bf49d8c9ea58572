package wire_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/internal/jsjson"
	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/internal/wiretest"
)

// streamEntry is the wire.StreamEntry of an XADD vector, from its fields (which must be uid,
// nsp, type and data, in that order, as Node's adapter writes them).
func streamEntry(tb testing.TB, v *vector) wire.StreamEntry {
	tb.Helper()
	e, names := wiretest.Get(tb, v.Name).StreamEntry(tb)
	if want := []string{"uid", "nsp", "type", "data"}; !slices.Equal(names, want) {
		tb.Fatalf("%s: fields %q, want %q", v.Name, names, want)
	}
	return e
}

// member is the value of key in a generic object.
func member(tb testing.TB, o any, key string) any {
	tb.Helper()
	obj, ok := o.(wire.Object)
	if !ok {
		tb.Fatalf("%T is not an object", o)
	}
	for _, m := range obj {
		if m.Key == key {
			return m.Value
		}
	}
	tb.Fatalf("no %q in %v", key, o)
	return nil
}

// streamVectors returns the streams family's vectors of one command.
func streamVectors(tb testing.TB, command string) []vector {
	tb.Helper()
	var out []vector
	for _, v := range loadVectors(tb) {
		if v.Mode == "streams" && v.Command == command {
			out = append(out, v)
		}
	}
	return out
}

// TestStreamEntryVectors: every stream entry Node's Redis Streams adapter appended decodes
// (UnmarshalStreamEntry) to the message Node decodes it to, and encodes back
// (MarshalStreamEntry) to the very same fields.
func TestStreamEntryVectors(t *testing.T) {
	vs := streamVectors(t, "XADD")
	if len(vs) != 11 {
		t.Errorf("%d stream entry vectors, want 11", len(vs))
	}
	for i := range vs {
		v := &vs[i]
		t.Run(v.Name, func(t *testing.T) {
			e := streamEntry(t, v)
			view := viewValue(t, v.Decoded)

			// The data field: JSON text, or base64 of MessagePack, whose bytes are the hex.
			payload := v.payload(t)
			wantData := string(payload)
			if v.Encoding == "msgpack" {
				wantData = base64.StdEncoding.EncodeToString(payload)
			} else if e.Data[0] != '{' {
				t.Errorf("JSON data %q does not start with {", e.Data)
			}
			if e.Data != wantData {
				t.Errorf("data field %q, hex gives %q", e.Data, wantData)
			}
			data, err := wire.UnmarshalValue(payload, v.encoding())
			if err != nil {
				t.Fatalf("UnmarshalValue: %v", err)
			}
			if want := member(t, view, "data"); !reflect.DeepEqual(data, want) {
				t.Errorf("data decodes to\n %#v\nwant %#v", data, want)
			}

			var m wire.ClusterMessage
			if err := wire.UnmarshalStreamEntry(e, &m); err != nil {
				t.Fatalf("UnmarshalStreamEntry: %v", err)
			}
			if m.UID != member(t, view, "uid") || m.Nsp != member(t, view, "nsp") || int64(m.Type) != member(t, view, "type") {
				t.Errorf("decoded uid %q nsp %q type %d, view %v", m.UID, m.Nsp, m.Type, view)
			}
			// The typed message holds all of data: as an envelope, its data is the view's.
			env, err := wire.MarshalClusterMessage(&m, wire.MsgPack)
			if err != nil {
				t.Fatalf("MarshalClusterMessage: %v", err)
			}
			g, err := wire.UnmarshalValue(env, wire.MsgPack)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := member(t, g, "data"), member(t, view, "data"); !reflect.DeepEqual(got, want) {
				t.Errorf("typed message's data\n %#v\nwant %#v", got, want)
			}

			out, err := wire.MarshalStreamEntry(&m, false)
			if err != nil {
				t.Fatalf("MarshalStreamEntry: %v", err)
			}
			out.ID = e.ID
			if out != e {
				t.Errorf("re-encoded entry\n got %+v\nwant %+v", out, e)
			}
			if !v.ReencodesIdentically {
				t.Errorf("Node does not re-encode it identically")
			}

			// onlyPlaintext: always JSON; what had binary becomes Buffer objects, as in Node.
			pt, err := wire.MarshalStreamEntry(&m, true)
			if err != nil {
				t.Fatalf("MarshalStreamEntry plaintext: %v", err)
			}
			pt.ID = e.ID
			if v.Encoding == "json" && pt != out {
				t.Errorf("plaintext entry differs\n got %+v\nwant %+v", pt, out)
			}
			if pt.Data[0] != '{' {
				t.Errorf("plaintext data %q", pt.Data)
			}
			var m2 wire.ClusterMessage
			if err := wire.UnmarshalStreamEntry(pt, &m2); err != nil {
				t.Fatalf("decoding the plaintext entry: %v", err)
			}
		})
	}
}

// TestStreamSessionVector: the session Node's adapter kept decodes (UnmarshalStreamSession)
// to its decoded view, a session of the same values encodes (MarshalStreamSession) to the same
// base64, and what the decoder returns encodes back to it when its data keeps the order of
// Node's keys (wire.Object), else to a session of the same values.
func TestStreamSessionVector(t *testing.T) {
	vs := streamVectors(t, "SET")
	if len(vs) != 1 {
		t.Fatalf("%d session vectors, want 1", len(vs))
	}
	v := &vs[0]
	if got := base64.StdEncoding.EncodeToString(v.payload(t)); got != v.Value {
		t.Fatalf("hex is not the stored value's MessagePack")
	}
	view := viewValue(t, v.Decoded)
	s, err := wire.UnmarshalStreamSession(v.Value)
	if err != nil {
		t.Fatalf("UnmarshalStreamSession: %v", err)
	}
	var rooms []string
	for _, r := range member(t, view, "rooms").([]any) {
		rooms = append(rooms, r.(string))
	}
	viewData := member(t, view, "data")
	if s.SID != member(t, view, "sid") || s.PID != member(t, view, "pid") || !slices.Equal(s.Rooms, rooms) ||
		!reflect.DeepEqual(jsjson.Plain(s.Data), jsjson.Plain(viewData)) {
		t.Errorf("decoded %#v\nview %#v", s, view)
	}
	if v.Channel != "sio:session:"+s.PID || v.ExpiryMs <= 0 {
		t.Errorf("key %q (PX %d) for pid %q", v.Channel, v.ExpiryMs, s.PID)
	}
	if d, _ := jsjson.Plain(s.Data).(map[string]any); !bytes.Equal(asBytes(d["bin"]), []byte{1, 2}) {
		t.Errorf("binary data %#v", s.Data)
	}
	if !v.ReencodesIdentically {
		t.Errorf("Node does not re-encode it identically")
	}

	// Node's values, keys in Node's order: Node's bytes.
	built := &wire.StreamSession{SID: s.SID, PID: s.PID, Rooms: rooms, Data: viewData}
	if out, err := wire.MarshalStreamSession(built); err != nil || out != v.Value {
		t.Errorf("built session encodes to (%v)\n %s\nwant %s", err, out, v.Value)
	}

	out, err := wire.MarshalStreamSession(s)
	if err != nil {
		t.Fatalf("MarshalStreamSession: %v", err)
	}
	if _, ordered := s.Data.(wire.Object); ordered && out != v.Value {
		t.Errorf("re-encoded\n got %s\nwant %s", out, v.Value)
	}
	again, err := wire.UnmarshalStreamSession(out)
	if err != nil || !reflect.DeepEqual(again, s) {
		t.Errorf("re-encoded session decodes to (%v)\n%#v\nwant %#v", err, again, s)
	}
	if out != v.Value {
		t.Logf("the decoded data (%T) does not keep the order of Node's keys: re-encoded with other bytes", s.Data)
	}
}

func asBytes(v any) []byte {
	b, _ := v.([]byte)
	return b
}

// TestStreamEntryRejects: malformed entries are "wire: " errors.
func TestStreamEntryRejects(t *testing.T) {
	data := `{"packet":{"type":2,"data":["x"]},"opts":{"rooms":[],"except":[],"flags":{}}}`
	for _, e := range []wire.StreamEntry{
		{UID: "u", Nsp: "/", Type: "", Data: data, HasData: true},
		{UID: "u", Nsp: "/", Type: "x", Data: data, HasData: true},
		{UID: "u", Nsp: "/", Type: "42", Data: data, HasData: true},
		{UID: "u", Nsp: "/", Type: "3"},
		{UID: "u", Nsp: "/", Type: "3", HasData: true},
		{UID: "u", Nsp: "/", Type: "3", Data: "{", HasData: true},
		{UID: "u", Nsp: "/", Type: "3", Data: "!!", HasData: true},
		{UID: "u", Nsp: "/", Type: "3", Data: "kA==", HasData: true}, // MessagePack [] : not an object
		{UID: "u", Nsp: "/", Type: "3", Data: `{"opts":{}}`, HasData: true},
	} {
		var m wire.ClusterMessage
		err := wire.UnmarshalStreamEntry(e, &m)
		if err == nil {
			t.Errorf("%+v decoded as %+v", e, m)
		} else if !strings.HasPrefix(err.Error(), "wire: ") {
			t.Errorf("%+v: error without the wire: prefix: %v", e, err)
		}
	}
	for _, s := range []string{"", "!!", "kA==", "gaNzaWTA", "gaNzaWSgoA=="} {
		if got, err := wire.UnmarshalStreamSession(s); err == nil {
			t.Errorf("session %q decoded as %+v", s, got)
		}
	}
	if _, err := wire.MarshalStreamEntry(&wire.ClusterMessage{Type: 99}, false); !errors.Is(err, wire.ErrUnknownType) {
		t.Errorf("type 99: %v", err)
	}
}
