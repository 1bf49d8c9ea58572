package engineio_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gosockio/gosockio/socketio/engineio"
)

var packetSeeds = []string{
	"4hello", "4", "4€", "bAQIDBA==", "bAQIDBA", "b", "0{\"sid\":\"x\",\"upgrades\":[]}", "1", "2", "2probe",
	"3", "3probe", "5", "6", "", "abc", "7", "b!!", "4\x1e",
}

var payloadSeeds = []string{
	"4hello\x1e4world", "4hello\x1ebAQIDBA==", "2\x1e3\x1e6", "1", "4a\x1e1\x1e4b", "abc", "4a\x1e", "\x1e",
	"4test1\x1e4test2\x1e4test3", "bAA==\x1eb", "",
}

func samePacket(a, b engineio.Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

func FuzzDecodePacket(f *testing.F) {
	for _, s := range packetSeeds {
		f.Add([]byte(s), false)
	}
	f.Add([]byte{0, 1, 2, 0x1e}, true)
	f.Fuzz(func(t *testing.T, b []byte, binaryFrame bool) {
		orig := bytes.Clone(b)
		p, err := engineio.DecodePacket(b, binaryFrame)
		if !bytes.Equal(b, orig) {
			t.Fatal("DecodePacket modified its input")
		}
		if err != nil {
			if !errors.Is(err, engineio.ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		if p.Type > engineio.PacketNoop || (p.Binary && p.Type != engineio.PacketMessage) {
			t.Fatalf("impossible packet %+v", p)
		}
		if !p.Binary && cap(p.Data) != len(p.Data) {
			t.Fatalf("Data capacity %d beyond its length %d", cap(p.Data), len(p.Data))
		}
		// The text form decodes back to the same packet.
		p2, err := engineio.DecodePacket(engineio.EncodePacket(p), false)
		if err != nil || !samePacket(p, p2) {
			t.Fatalf("round trip of %+v: %+v, %v", p, p2, err)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range payloadSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		packets, err := engineio.DecodePayload(b)
		if err != nil {
			if !errors.Is(err, engineio.ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			if len(packets) > bytes.Count(b, []byte{0x1e})+1 {
				t.Fatalf("%d packets from %d separators", len(packets), bytes.Count(b, []byte{0x1e}))
			}
			return
		}
		if len(packets) != bytes.Count(b, []byte{0x1e})+1 {
			t.Fatalf("%d packets from %d separators", len(packets), bytes.Count(b, []byte{0x1e}))
		}
		for _, p := range packets {
			if !p.Binary && bytes.IndexByte(p.Data, 0x1e) >= 0 {
				t.Fatalf("a text packet holds the separator: %q", p.Data)
			}
			if cap(p.Data) != len(p.Data) && !p.Binary {
				t.Fatalf("text Data capacity %d beyond its length %d", cap(p.Data), len(p.Data))
			}
		}
		again, err := engineio.DecodePayload(engineio.EncodePayload(packets))
		if err != nil || len(again) != len(packets) {
			t.Fatalf("round trip: %d packets, %v", len(again), err)
		}
		for i := range packets {
			if !samePacket(packets[i], again[i]) {
				t.Fatalf("round trip of packet %d: %+v != %+v", i, again[i], packets[i])
			}
		}
	})
}
