package cluster_test

import (
	"encoding/hex"
	"testing"

	"github.com/gosockio/gosockio/adapter/cluster"
)

// FuzzClassicDecode feeds arbitrary bytes to the classic codec on every topic: decoding never
// panics, and what decodes re-encodes without panicking (the core forwards decoded values).
func FuzzClassicDecode(f *testing.F) {
	for _, h := range []string{
		// classic-broadcast-all, classic-broadcast-binary, classic-req-broadcast-with-ack,
		// classic-resp-broadcast-ack-binary (spec/redis-wire.md §12).
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
