package wire_test

import (
	"testing"

	"github.com/gosockio/gosockio/internal/wire"
)

// The broadcast of vector V1: io.emit("hello","world",1,2.5,-3,{a:true,b:null},[1,"two"]).
func benchArgs() []any {
	return []any{"hello", "world", 1, 2.5, -3, wire.Object{{Key: "a", Value: true}, {Key: "b", Value: nil}}, []any{1, "two"}}
}

func BenchmarkClassicBroadcast(b *testing.B) {
	m := wire.ClassicBroadcast{
		UID:    "XyBlKY",
		Packet: wire.Packet{Type: wire.PacketEvent, Data: benchArgs(), Nsp: "/"},
		Opts:   wire.BroadcastOptions{Rooms: wire.Rooms("room1"), Except: wire.Rooms("92ItnCKCOtRO3OrbAAAA")},
	}
	data, err := wire.MarshalClassicBroadcast(&m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := wire.MarshalClassicBroadcast(&m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		var out wire.ClassicBroadcast
		for b.Loop() {
			if err := wire.UnmarshalClassicBroadcast(data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkClusterBroadcast(b *testing.B) {
	for _, tc := range []struct {
		name string
		args []any
	}{
		{"json", benchArgs()},
		{"msgpack", append(benchArgs(), []byte{1, 2, 3})}, // binary → MessagePack envelope
	} {
		m := wire.ClusterMessage{
			Type: wire.ClusterBroadcast, UID: "ec55b6bb15710f52", Nsp: "/",
			Packet: wire.Packet{Type: wire.PacketEvent, Data: tc.args},
			Opts:   wire.BroadcastOptions{Rooms: wire.Rooms("room1"), Flags: wire.Flags{Volatile: true}},
		}
		data, err := wire.MarshalClusterMessage(&m, wire.Auto)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := wire.MarshalClusterMessage(&m, wire.Auto); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			var out wire.ClusterMessage
			for b.Loop() {
				if err := wire.UnmarshalClusterMessage(data, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
