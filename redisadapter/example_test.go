package redisadapter_test

import (
	"context"
	"fmt"
	"log"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

// Two servers (in one process here; usually one per machine) share a Redis and behave as one:
// each counts both, and a server-side event sent by one reaches the other's listeners.
func ExampleNew() {
	mr, err := miniredis.Run() // any Redis: redis.NewClient, NewFailoverClient or NewClusterClient
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()

	newServer := func() *socketio.Server {
		// One Factory per server; the client is shared and stays ours to close.
		srv, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.New(rdb, redisadapter.Options{})})
		if err != nil {
			log.Fatal(err)
		}
		return srv
	}
	a, b := newServer(), newServer()
	defer a.Close(context.Background())
	defer b.Close(context.Background())

	b.On("hello", func(ev *socketio.Event) error {
		var who string
		if err := ev.Bind(&who); err != nil {
			return err
		}
		return ev.Ack("hello " + who + ", from b")
	})

	ctx := context.Background()
	n, err := a.Namespace().Adapter().ServerCount(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("servers:", n)
	answers, err := a.ServerSideEmitWithAck(ctx, "hello", "a")
	if err != nil {
		log.Fatal(err)
	}
	for _, ans := range answers {
		var s string
		if err := ans.Bind(&s); err != nil {
			log.Fatal(err)
		}
		fmt.Println(s)
	}
	// Output:
	// servers: 2
	// hello a, from b
}

// A server on a Redis Cluster (Redis 7 or later) with the sharded adapter: messages of a
// namespace go to the shard that owns its channel, and broadcasts to one room only to the
// nodes that have the room. Node.js servers using createShardedAdapter with the same
// channelPrefix and subscriptionMode join the same cluster.
func ExampleNewSharded() {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"}})
	defer rdb.Close()
	srv, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.NewSharded(rdb, redisadapter.ShardedOptions{
		ChannelPrefix:    "socket.io",                      // Node's channelPrefix (the default)
		SubscriptionMode: redisadapter.SubscriptionDynamic, // Node's subscriptionMode (the default)
	})})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close(context.Background())
	srv.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby") // this node now subscribes to socket.io#/#lobby#
	})
	_ = srv.To("lobby").Emit("news", "published on socket.io#/#lobby#")
}
