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
