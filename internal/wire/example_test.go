package wire_test

import (
	"fmt"

	"github.com/gosockio/gosockio/internal/wire"
)

// The emitter's emitter.of("admin").to("room1").emit("hello", "world", 1).
func ExampleMarshalClassicBroadcast() {
	ch := wire.NewClassicChannels("", wire.NormalizeNamespace("admin"))
	msg := wire.ClassicBroadcast{
		UID:    wire.EmitterUID,
		Packet: wire.Packet{Type: wire.PacketEvent, Data: []any{"hello", "world", 1}, Nsp: "/admin"},
		Opts:   wire.BroadcastOptions{Rooms: wire.Rooms("room1"), EmitterOrder: true},
	}
	b, err := wire.MarshalClassicBroadcast(&msg)
	if err != nil {
		panic(err)
	}
	fmt.Println("PUBLISH", ch.BroadcastTo(msg.Opts.Rooms))
	fmt.Printf("%x\n", b)
	// Output:
	// PUBLISH socket.io#/admin#room1#
	// 93a7656d697474657283a47479706502a46461746193a568656c6c6fa5776f726c6401a36e7370a62f61646d696e83a5726f6f6d7391a5726f6f6d31a5666c61677380a665786365707490
}

// A sharded node answering a fetchSockets request.
func ExampleMarshalClusterMessage() {
	ch := wire.NewShardedChannels("", "/")
	answer := wire.ClusterMessage{
		Type: wire.ClusterFetchSocketsResponse, UID: "5899d2628ad5d191", Nsp: "/", RequestID: "11b10ed0b46659a8",
		Sockets: []wire.SocketInfo{{
			ID:    "eHFQ5kCHWIQoslduAAAC",
			Rooms: wire.Rooms("eHFQ5kCHWIQoslduAAAC", "room1"),
			Data:  map[string]any{"user": "c3"},
		}},
	}
	b, err := wire.MarshalClusterMessage(&answer, wire.Auto)
	if err != nil {
		panic(err)
	}
	fmt.Println("SPUBLISH", ch.Response("ec55b6bb15710f52"))
	fmt.Println(string(b))
	// Output:
	// SPUBLISH socket.io#/#ec55b6bb15710f52#
	// {"type":8,"data":{"requestId":"11b10ed0b46659a8","sockets":[{"id":"eHFQ5kCHWIQoslduAAAC","handshake":{"headers":{},"time":"","address":"","xdomain":false,"secure":false,"issued":0,"url":"","query":{},"auth":{}},"rooms":["eHFQ5kCHWIQoslduAAAC","room1"],"data":{"user":"c3"}}]},"uid":"5899d2628ad5d191","nsp":"/"}
}

// A receiver: decode whatever arrives on the namespace channel and dispatch on the type.
func ExampleUnmarshalClusterMessage() {
	payload := []byte(`{"type":9,"data":{"requestId":"7f5a40428eb2233a","packet":["srv-ev","q"]},"uid":"ec55b6bb15710f52","nsp":"/"}`)
	var m wire.ClusterMessage
	if err := wire.UnmarshalClusterMessage(payload, &m); err != nil {
		panic(err)
	}
	switch m.Type {
	case wire.ClusterServerSideEmit:
		fmt.Println(m.Type, "from", m.UID, "args", m.Args, "answer to", m.RequestID)
	}
	// Output:
	// SERVER_SIDE_EMIT from ec55b6bb15710f52 args [srv-ev q] answer to 7f5a40428eb2233a
}
