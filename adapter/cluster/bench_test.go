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
	benchBroadcastCodec(b, cluster.NewClassicCodec(), "abcdef", true)
}

// BenchmarkShardedBroadcast is the same trip through the sharded codec, for a broadcast with
// binary (a MessagePack envelope) and one without (JSON).
func BenchmarkShardedBroadcast(b *testing.B) {
	b.Run("binary", func(b *testing.B) { benchBroadcastCodec(b, cluster.NewShardedCodec(), "0123456789abcdef", true) })
	b.Run("text", func(b *testing.B) { benchBroadcastCodec(b, cluster.NewShardedCodec(), "0123456789abcdef", false) })
}

func benchBroadcastCodec(b *testing.B, codec cluster.Codec, uid string, binary bool) {
	args := []any{map[string]any{"user": "ann", "text": "hello there", "n": 42}, []any{1, 2.5, "x"}}
	if binary {
		args = append(args, []byte{1, 2, 3, 4})
	}
	data, atts, err := parser.MarshalEvent("chat message", args...)
	if err != nil {
		b.Fatal(err)
	}
	p := &parser.Packet{Type: parser.Event, Nsp: "/", Data: data, Attachments: atts}
	m := &cluster.Message{Type: cluster.Broadcast, UID: uid, Nsp: "/", Packet: p, Target: adapter.Target{Rooms: []string{"room1"}}}
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
