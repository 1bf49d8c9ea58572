package emitter_test

import (
	"context"
	"fmt"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gosockio/gosockio/emitter"
)

// A worker tells the clients in room "orders" of every server about a new order. The
// example runs an in-memory Redis (miniredis) and shows what a server subscribed to the
// namespace's channels receives; with a real deployment, point the client at the Redis of
// the cluster instead.
func ExampleEmitter_Emit() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	// What every server of the cluster does: listen on the namespace's broadcast channels.
	sub := rdb.PSubscribe(ctx, "socket.io#/#*")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		panic(err)
	}

	e := emitter.New(rdb, emitter.Options{}) // key prefix "socket.io", namespace "/"
	type order struct {
		ID    int    `json:"id"`
		Item  string `json:"item"`
		Image []byte `json:"image"` // reaches clients as binary
	}
	err = e.To("orders").Except("banned").Emit(ctx, "order:new", order{ID: 7, Item: "tea", Image: []byte{0x89, 0x50}})
	if err != nil {
		panic(err)
	}

	msg, err := sub.ReceiveMessage(ctx)
	if err != nil {
		panic(err)
	}
	var decoded []any // [uid, packet, opts], MessagePack as in Node's emitter
	if err := msgpack.Unmarshal([]byte(msg.Payload), &decoded); err != nil {
		panic(err)
	}
	fmt.Println("channel:", msg.Channel)
	fmt.Println("uid:    ", decoded[0])
	fmt.Println("packet: ", decoded[1])
	fmt.Println("opts:   ", decoded[2])
	// Output:
	// channel: socket.io#/#orders#
	// uid:     emitter
	// packet:  map[data:[order:new map[id:7 image:[137 80] item:tea]] nsp:/ type:2]
	// opts:    map[except:[banned] flags:map[] rooms:[orders]]
}

// A program checks that some server received its event: with a wrong key (or Redis), nobody
// is subscribed and Receivers is 0. Close publishes what Redis outages left queued before the
// program exits.
func ExampleBroadcastOperator_EmitResult() {
	mr, err := miniredis.Run()
	if err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	sub := rdb.PSubscribe(ctx, "socket.io#/#*") // a server of the cluster
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		panic(err)
	}

	for _, key := range []string{"socket.io", "sokcet.io"} {
		e := emitter.New(rdb, emitter.Options{Key: key})
		res, err := e.To("orders").EmitResult(ctx, "order:new", 7)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d receiver(s), queued %v\n", res.Channel, res.Receivers, res.Queued)
		if err := e.Close(ctx); err != nil {
			panic(err)
		}
	}
	// Output:
	// socket.io#/#orders#: 1 receiver(s), queued false
	// sokcet.io#/#orders#: 0 receiver(s), queued false
}
