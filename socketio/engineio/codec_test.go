package engineio_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/gosockio/gosockio/socketio/engineio"
)

func TestEncodePacket(t *testing.T) {
	for _, tc := range []struct {
		p    engineio.Packet
		want string
	}{
		{engineio.Packet{Type: engineio.PacketMessage, Data: []byte("hello")}, "4hello"},
		{engineio.Packet{Type: engineio.PacketMessage, Data: []byte("€")}, "4€"},
		{engineio.Packet{Type: engineio.PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}, "bAQIDBA=="},
		{engineio.Packet{Type: engineio.PacketMessage, Binary: true}, "b"},
		{engineio.Packet{Type: engineio.PacketPing}, "2"},
		{engineio.Packet{Type: engineio.PacketPing, Data: []byte("probe")}, "2probe"},
		{engineio.Packet{Type: engineio.PacketPong, Data: []byte("probe")}, "3probe"},
		{engineio.Packet{Type: engineio.PacketOpen, Data: []byte(`{"sid":"x"}`)}, `0{"sid":"x"}`},
		{engineio.Packet{Type: engineio.PacketClose}, "1"},
		{engineio.Packet{Type: engineio.PacketUpgrade}, "5"},
		{engineio.Packet{Type: engineio.PacketNoop}, "6"},
	} {
		if got := string(engineio.EncodePacket(tc.p)); got != tc.want {
			t.Errorf("EncodePacket(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestDecodePacket(t *testing.T) {
	for _, tc := range []struct {
		in     string
		binary bool
		want   engineio.Packet
	}{
		{"4hello", false, engineio.Packet{Type: engineio.PacketMessage, Data: []byte("hello")}},
		{"4", false, engineio.Packet{Type: engineio.PacketMessage}},
		{"bAQIDBA==", false, engineio.Packet{Type: engineio.PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}},
		{"bAQIDBA", false, engineio.Packet{Type: engineio.PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}},
		{"b", false, engineio.Packet{Type: engineio.PacketMessage, Data: []byte{}, Binary: true}},
		{"\x01\x02", true, engineio.Packet{Type: engineio.PacketMessage, Data: []byte{1, 2}, Binary: true}},
		{"4abc", true, engineio.Packet{Type: engineio.PacketMessage, Data: []byte("4abc"), Binary: true}},
		{"2probe", false, engineio.Packet{Type: engineio.PacketPing, Data: []byte("probe")}},
		{"3", false, engineio.Packet{Type: engineio.PacketPong}},
		{"1", false, engineio.Packet{Type: engineio.PacketClose}},
		{"5", false, engineio.Packet{Type: engineio.PacketUpgrade}},
		{"6", false, engineio.Packet{Type: engineio.PacketNoop}},
		{"0{}", false, engineio.Packet{Type: engineio.PacketOpen, Data: []byte("{}")}},
	} {
		got, err := engineio.DecodePacket([]byte(tc.in), tc.binary)
		if err != nil {
			t.Errorf("DecodePacket(%q, %v): %v", tc.in, tc.binary, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodePacket(%q, %v) = %+v, want %+v", tc.in, tc.binary, got, tc.want)
		}
	}
}

func TestDecodePacketErrors(t *testing.T) {
	for _, in := range []string{"", "abc", "7", "9x", "x", "b!!!!", "b=", "bA"} {
		if _, err := engineio.DecodePacket([]byte(in), false); !errors.Is(err, engineio.ErrInvalidPacket) {
			t.Errorf("DecodePacket(%q) error = %v, want ErrInvalidPacket", in, err)
		}
	}
}

func TestDecodePacketDataIsCapped(t *testing.T) {
	buf := []byte("4ab\x1e4cd")
	ps, err := engineio.DecodePayload(buf)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(ps[0].Data, 'X', 'X', 'X') // must not overwrite the second packet
	if string(ps[1].Data) != "cd" {
		t.Fatalf("appending to one packet's Data changed the next: %q", ps[1].Data)
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	packets := []engineio.Packet{
		{Type: engineio.PacketMessage, Data: []byte("hello")},
		{Type: engineio.PacketPing},
		{Type: engineio.PacketMessage, Data: []byte{0, 1, 0x1e, 255}, Binary: true},
		{Type: engineio.PacketMessage, Data: []byte("€ ok")},
		{Type: engineio.PacketNoop},
	}
	enc := engineio.EncodePayload(packets)
	if want := "4hello\x1e2\x1ebAAEe/w==\x1e4€ ok\x1e6"; string(enc) != want {
		t.Fatalf("EncodePayload = %q, want %q", enc, want)
	}
	got, err := engineio.DecodePayload(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, packets) {
		t.Fatalf("DecodePayload = %+v, want %+v", got, packets)
	}
}

func TestDecodePayloadErrors(t *testing.T) {
	for _, tc := range []struct {
		in      string
		decoded int // packets returned with the error
	}{
		{"", 0},
		{"abc", 0},
		{"4hello\x1eabc", 1},
		{"4a\x1e4b\x1e", 2},
		{"\x1e4a", 0},
		{"4a\x1e\x1e4b", 1},
		{"4a\x1eb%%%", 1},
	} {
		got, err := engineio.DecodePayload([]byte(tc.in))
		if !errors.Is(err, engineio.ErrInvalidPacket) {
			t.Errorf("DecodePayload(%q) error = %v, want ErrInvalidPacket", tc.in, err)
		}
		if len(got) != tc.decoded {
			t.Errorf("DecodePayload(%q) returned %d packets with the error, want %d", tc.in, len(got), tc.decoded)
		}
	}
}

func TestPacketTypeString(t *testing.T) {
	if s := engineio.PacketUpgrade.String(); s != "upgrade" {
		t.Errorf("PacketUpgrade.String() = %q", s)
	}
	if s := engineio.PacketType(9).String(); s != "unknown" {
		t.Errorf("PacketType(9).String() = %q", s)
	}
}

func TestEncodePayloadSinglePacketMatchesEncodePacket(t *testing.T) {
	p := engineio.Packet{Type: engineio.PacketMessage, Data: []byte{9, 8, 7}, Binary: true}
	if a, b := engineio.EncodePayload([]engineio.Packet{p}), engineio.EncodePacket(p); !bytes.Equal(a, b) {
		t.Fatalf("EncodePayload of one packet %q != EncodePacket %q", a, b)
	}
}
