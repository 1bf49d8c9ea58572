package wire_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/internal/wire"
)

// codec is one decoder with its encoder, for the fuzz round trip.
type codec struct {
	name string
	// in is the encoding a payload is read as: Auto means sniffed.
	in     wire.Encoding
	decode func([]byte, wire.Encoding) (any, error)
	encode func(any, wire.Encoding) ([]byte, error)
}

var codecs = []codec{
	{"value/json", wire.JSON, wire.UnmarshalValue, wire.MarshalValue},
	{"value/msgpack", wire.MsgPack, wire.UnmarshalValue, wire.MarshalValue},
	{"classic broadcast", wire.MsgPack, func(b []byte, _ wire.Encoding) (any, error) {
		var m wire.ClassicBroadcast
		err := wire.UnmarshalClassicBroadcast(b, &m)
		return &m, err
	}, func(v any, _ wire.Encoding) ([]byte, error) {
		return wire.MarshalClassicBroadcast(v.(*wire.ClassicBroadcast))
	}},
	{"classic request", wire.Auto, func(b []byte, _ wire.Encoding) (any, error) {
		var m wire.ClassicRequest
		err := wire.UnmarshalClassicRequest(b, &m)
		return &m, err
	}, func(v any, e wire.Encoding) ([]byte, error) {
		return wire.MarshalClassicRequest(v.(*wire.ClassicRequest), e)
	}},
	{"classic response", wire.Auto, func(b []byte, _ wire.Encoding) (any, error) {
		var m wire.ClassicResponse
		err := wire.UnmarshalClassicResponse(b, &m)
		return &m, err
	}, func(v any, e wire.Encoding) ([]byte, error) {
		return wire.MarshalClassicResponse(v.(*wire.ClassicResponse), e)
	}},
	{"cluster message", wire.Auto, func(b []byte, _ wire.Encoding) (any, error) {
		var m wire.ClusterMessage
		err := wire.UnmarshalClusterMessage(b, &m)
		return &m, err
	}, func(v any, e wire.Encoding) ([]byte, error) {
		return wire.MarshalClusterMessage(v.(*wire.ClusterMessage), e)
	}},
}

// FuzzDecode runs every decoder on arbitrary bytes. A decoder returns a value or a "wire: "
// error, never panics. A decoded value re-encodes in the input's encoding, and encoding is
// then a fixed point (decode the output, encode again: same bytes). It also encodes in the
// other encoding (for all but the MessagePack-only classic broadcast), whose output decodes
// and re-encodes to itself.
func FuzzDecode(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.payload(f))
	}
	for _, s := range []string{
		`{}`, `[]`, `{"a":"\ud83d\ude00","b":[1.5e300,-0,1e-7,"\u0000"]}`, "\xd6\xff\x65\x93\x7d\x25",
		"\xc7\x0c\xff\x00\x00\x00\x00\xff\xff\xff\xf1\x88\x6e\x09\x00", "\x82\x01\xc0\xc3\xa0", "\xd4\x00\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range codecs {
			enc := c.in
			if enc == wire.Auto {
				enc = wire.Sniff(data)
			}
			v, err := c.decode(data, enc)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "wire: ") {
					t.Fatalf("%s: error without the wire: prefix: %v", c.name, err)
				}
				continue
			}
			b := fixedPoint(t, c, v, enc)
			if c.name == "classic broadcast" {
				continue
			}
			other := wire.JSON
			if enc == wire.JSON {
				other = wire.MsgPack
			}
			v2, err := c.decode(b, enc)
			if err != nil {
				t.Fatal(err)
			}
			ob, err := c.encode(v2, other)
			if err != nil {
				t.Fatalf("%s: encoding as %v: %v\n%#v", c.name, other, err, v2)
			}
			v3, err := c.decode(ob, other)
			if err != nil {
				t.Fatalf("%s: decoding the %v encoding: %v\n%q", c.name, other, err, ob)
			}
			if ob2, err := c.encode(v3, other); err != nil || !bytes.Equal(ob, ob2) {
				t.Fatalf("%s: %v encoding is not a fixed point (%v)\n%q\n%q", c.name, other, err, ob, ob2)
			}
		}
	})
}

// fixedPoint encodes v, decodes and re-encodes the result, and checks both encodings agree.
func fixedPoint(t *testing.T, c codec, v any, enc wire.Encoding) []byte {
	t.Helper()
	b1, err := c.encode(v, enc)
	if err != nil {
		t.Fatalf("%s: re-encoding a decoded value: %v\n%#v", c.name, err, v)
	}
	v2, err := c.decode(b1, enc)
	if err != nil {
		t.Fatalf("%s: decoding the re-encoded bytes: %v\n%q", c.name, err, b1)
	}
	b2, err := c.encode(v2, enc)
	if err != nil {
		t.Fatalf("%s: second re-encode: %v", c.name, err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("%s: encoding is not a fixed point\nb1 %q\nb2 %q", c.name, b1, b2)
	}
	return b1
}

// FuzzStreamEntry decodes arbitrary stream entries (UnmarshalStreamEntry), seeded with the
// entries of Node's Redis Streams adapter: never a panic, errors are "wire: " errors, and a
// decoded entry re-encodes (MarshalStreamEntry, with and without plaintext) to an entry that
// decodes to the same message and re-encodes to itself.
func FuzzStreamEntry(f *testing.F) {
	for _, v := range loadVectors(f) {
		if v.Command == "XADD" {
			e := streamEntry(f, &v)
			f.Add(e.UID, e.Nsp, e.Type, e.Data, e.HasData)
		}
	}
	f.Add("u", "/", "3", "kA==", true)
	f.Add("u", "/", "8", `{"requestId":"r","sockets":[]}`, true)
	f.Add("u", "/", "1", "", false)
	f.Fuzz(func(t *testing.T, uid, nsp, typ, data string, hasData bool) {
		e := wire.StreamEntry{UID: uid, Nsp: nsp, Type: typ, Data: data, HasData: hasData}
		var m wire.ClusterMessage
		if err := wire.UnmarshalStreamEntry(e, &m); err != nil {
			if !strings.HasPrefix(err.Error(), "wire: ") {
				t.Fatalf("error without the wire: prefix: %v", err)
			}
			return
		}
		for _, plaintext := range []bool{false, true} {
			e1, err := wire.MarshalStreamEntry(&m, plaintext)
			if err != nil {
				t.Fatalf("re-encoding a decoded entry (plaintext %v): %v\n%#v", plaintext, err, m)
			}
			var m2 wire.ClusterMessage
			if err := wire.UnmarshalStreamEntry(e1, &m2); err != nil {
				t.Fatalf("decoding the re-encoded entry (plaintext %v): %v\n%+v", plaintext, err, e1)
			}
			e2, err := wire.MarshalStreamEntry(&m2, plaintext)
			if err != nil || e2 != e1 {
				t.Fatalf("entry encoding is not a fixed point (plaintext %v, %v)\n%+v\n%+v", plaintext, err, e1, e2)
			}
		}
	})
}

// FuzzStreamSession decodes arbitrary stored sessions (UnmarshalStreamSession), seeded with
// the session Node's Redis Streams adapter kept: never a panic, errors are "wire: " errors, and
// a decoded session re-encodes to a value that decodes to the same session and re-encodes to
// itself.
func FuzzStreamSession(f *testing.F) {
	for _, v := range loadVectors(f) {
		if v.Command == "SET" {
			f.Add(v.Value)
		}
	}
	f.Add("hKNzaWSgo3BpZKClcm9vbXOQpGRhdGHA")
	f.Add("g6NzaWShc6Nyb29tc5Gjcm9vbXOBA6RkYXRhgA==")
	f.Fuzz(func(t *testing.T, stored string) {
		s, err := wire.UnmarshalStreamSession(stored)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "wire: ") {
				t.Fatalf("error without the wire: prefix: %v", err)
			}
			return
		}
		b1, err := wire.MarshalStreamSession(s)
		if err != nil {
			t.Fatalf("re-encoding a decoded session: %v\n%#v", err, s)
		}
		s2, err := wire.UnmarshalStreamSession(b1)
		if err != nil {
			t.Fatalf("decoding the re-encoded session: %v\n%s", err, b1)
		}
		if b2, err := wire.MarshalStreamSession(s2); err != nil || b2 != b1 {
			t.Fatalf("session encoding is not a fixed point (%v)\n%s\n%s", err, b1, b2)
		}
	})
}
