package cluster_test

import (
	"encoding/hex"
	"testing"

	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/internal/wiretest"
)

// FuzzClassicDecode feeds arbitrary bytes to the classic codec on every topic: decoding never
// panics, and what decodes re-encodes without panicking (the core forwards decoded values).
func FuzzClassicDecode(f *testing.F) {
	for _, h := range []string{
		// classic-broadcast-all, classic-broadcast-binary, classic-req-broadcast-with-ack,
		// classic-resp-broadcast-ack-binary (docs/redis-wire.md §12).
		"93a65879426c4b5983a47479706502a46461746197a568656c6c6fa5776f726c6401cb4004000000000000fd82a161c3a162c09201a374776fa36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380",
		"93a65879426c4b5983a47479706502a46461746194a362696ec40301020381a66e6573746564c402ff00a3747874a36e7370a12f83a5726f6f6d7390a665786365707490a5666c61677380",
		"85a3756964a65879426c4b59a9726571756573744964a66a7978736e70a47479706507a67061636b657483a47479706502a46461746192a661636b2d6576a6706c65617365a36e7370a12fa46f70747383a5726f6f6d7390a665786365707490a5666c61677381a774696d656f7574cd05dc",
		"83a47479706509a9726571756573744964a66f454d6e674aa67061636b6574c4020708",
	} {
		b, _ := hex.DecodeString(h)
		for k := range 4 {
			f.Add(byte(k), b)
		}
	}
	for _, s := range []string{
		`{"uid":"XyBlKY","requestId":"Uv-8Oz","type":5,"opts":{"rooms":[],"except":[]}}`,
		`{"uid":"XyBlKY","type":2,"opts":{"rooms":["room1"],"except":[]},"rooms":["room3","room4"]}`,
		`{"uid":"XyBlKY","requestId":"UkfJtR","type":6,"data":["srv-ev","q"]}`,
		`{"requestId":"pl9vCv","rooms":["a","b"]}`,
		`{"type":6,"requestId":"UkfJtR","data":{"from":"B"}}`,
		`{"uid":"legacy","requestId":"LEG001","type":2,"sid":"zhDAfkx0F_aL328GAAAB","room":"legacy-room"}`,
	} {
		f.Add(byte(2), []byte(s))
		f.Add(byte(3), []byte(s))
	}
	codec := cluster.NewClassicCodec()
	f.Fuzz(func(t *testing.T, kind byte, b []byte) {
		topic := cluster.Topic{Kind: cluster.TopicKind(kind % 4), Room: "r", Node: "n"}
		m, err := codec.Decode(topic, b)
		if err != nil {
			return
		}
		_, _ = codec.Encode(m)
	})
}

// FuzzShardedDecode feeds arbitrary bytes to the sharded codec: decoding never panics, what
// decodes re-encodes, and when the uid can be read from the end of a message it is the uid
// the message decodes with (a node must never drop another node's message as its own).
func FuzzShardedDecode(f *testing.F) {
	for _, h := range []string{
		// sharded-broadcast-binary, sharded-resp-broadcast-ack-binary, sharded-server-side-emit-binary
		// (docs/redis-wire.md §12).
		"84a47479706503a46461746182a67061636b657482a47479706502a46461746194a362696ec40301020381a66e6573746564c402ff00a3747874a46f70747383a5726f6f6d7390a665786365707490a5666c61677380a3756964b065633535623662623135373130663532a36e7370a12f",
		"84a4747970650ca46461746182a9726571756573744964b034343934646337333962643432623266a67061636b6574c4020708a3756964b035383939643236323861643564313931a36e7370a12f",
		"84a47479706509a46461746182a9726571756573744964b063353532333163316534393335333136a67061636b657492a67372762d6576c4020506a3756964b062326534356233626137613161636336a36e7370a12f",
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	for _, s := range []string{
		`{"type":3,"data":{"packet":{"type":2,"data":["to-room","r1"]},"opts":{"rooms":["room1"],"except":[],"flags":{}}},"uid":"ec55b6bb15710f52","nsp":"/"}`,
		`{"type":3,"data":{"packet":{"type":2,"data":["ack-ev","please"]},"requestId":"4fe3e38705ea4023","opts":{"rooms":[],"except":[],"flags":{"timeout":1500}}},"uid":"ec55b6bb15710f52","nsp":"/"}`,
		`{"type":11,"data":{"requestId":"4fe3e38705ea4023","clientCount":2},"uid":"5899d2628ad5d191","nsp":"/"}`,
		`{"type":7,"data":{"opts":{"rooms":[],"except":[],"flags":{}},"requestId":"11b10ed0b46659a8"},"uid":"ec55b6bb15710f52","nsp":"/"}`,
		`{"type":4,"data":{"opts":{"rooms":["room1"],"except":[],"flags":{}},"rooms":["room3","room4"]},"uid":"ec55b6bb15710f52","nsp":"/"}`,
		`{"type":6,"data":{"opts":{"rooms":["room1"],"except":["room4"],"flags":{}},"close":true},"uid":"ec55b6bb15710f52","nsp":"/"}`,
		`{"type":9,"data":{"requestId":"7f5a40428eb2233a","packet":["srv-ev","q"]},"uid":"ec55b6bb15710f52","nsp":"/"}`,
		`{"type":10,"data":{"requestId":"7f5a40428eb2233a","packet":{"from":"B"}},"uid":"5899d2628ad5d191","nsp":"/"}`,
		`{"type":9,"data":{"packet":["x",{"uid":"me","nsp":"/"}]},"uid":"a","nsp":"/"}`,
	} {
		f.Add([]byte(s))
	}
	codec := cluster.NewShardedCodec()
	f.Fuzz(func(t *testing.T, b []byte) {
		peeked, ok := cluster.PeekUID(codec, cluster.Topic{}, b)
		m, err := codec.Decode(cluster.Topic{}, b)
		if err != nil {
			return
		}
		if ok && peeked != m.UID {
			t.Fatalf("peeked uid %q, message decodes with %q", peeked, m.UID)
		}
		_, _ = codec.Encode(m)
	})
}

// FuzzStreamsDecode feeds arbitrary bytes to the streams codec, as a stream frame or a pub/sub
// payload, seeded with what Node's Redis Streams adapter writes (docs/redis-wire.md §10):
// ParseStreamFrame and Decode never panic, a frame that parses is written back by
// AppendStreamFrame as the same entry, and what decodes re-encodes (with and without
// recovery's offsets).
func FuzzStreamsDecode(f *testing.F) {
	for _, v := range wiretest.Load(f) {
		if v.Mode == "streams" && v.Command != "SET" {
			f.Add(streamsPayload(f, &v))
		}
	}
	f.Add(cluster.AppendStreamFrame(nil, wire.StreamEntry{ID: "1-1", UID: "u", Nsp: "/", Type: "2"}))
	f.Add([]byte("s\x00\x00\x00\x013\x00\x00"))
	var recovery bool
	codec := cluster.NewStreamsCodec(false, func() bool { return recovery })
	f.Fuzz(func(t *testing.T, b []byte) {
		e, ok, err := cluster.ParseStreamFrame(b)
		if ok && err == nil {
			// Written back, it parses to the same entry (lengths may have been written in
			// longer varints than AppendStreamFrame's).
			out := cluster.AppendStreamFrame(nil, e)
			if e2, ok, err := cluster.ParseStreamFrame(out); !ok || err != nil || e2 != e {
				t.Fatalf("frame %x parses to %+v, written back as %x: %+v %v %v", b, e, out, e2, ok, err)
			}
			if len(out) > len(b) {
				t.Fatalf("frame %x written back longer: %x", b, out)
			}
		}
		for _, recovery = range []bool{false, true} {
			m, err := codec.Decode(cluster.Topic{}, b)
			if err != nil {
				continue
			}
			_, _ = codec.Encode(m)
		}
	})
}
