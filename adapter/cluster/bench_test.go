package cluster_test

import (
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/socketio/parser"
)

// BenchmarkClassicBroadcast measures a broadcast's trip through the classic codec: the
// sender's encoding (packet → MessagePack) and a receiver's decoding (MessagePack → packet),
// once each per node, as the core does.
func BenchmarkClassicBroadcast(b *testing.B) {
	data, atts, err := parser.MarshalEvent("chat message", map[string]any{"user": "ann", "text": "hello there", "n": 42},
		[]any{1, 2.5, "x"}, []byte{1, 2, 3, 4})
	if err != nil {
		b.Fatal(err)
	}
	p := &adapter.Packet{Type: adapter.Event, Nsp: "/", Data: data, Attachments: atts}
	codec := cluster.NewClassicCodec()
	m := &cluster.Message{Type: cluster.Broadcast, UID: "abcdef", Nsp: "/", Packet: p, Target: adapter.Target{Rooms: []string{"room1"}}}
	topic := cluster.Topic{Kind: cluster.TopicRoom, Room: "room1"}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.Encode(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	enc, err := codec.Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.Decode(topic, enc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
