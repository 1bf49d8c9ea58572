package test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
)

// TestMixedClusterStreams: two Go servers on the Redis Streams adapter and a Node.js one
// (socket.io 4.8.4, @socket.io/redis-streams-adapter 0.3.1, js/node-server.js) share one Redis;
// the script of TestMixedCluster checks every cluster operation both ways (broadcasts to rooms,
// ids and with acknowledgements, fetchSockets, RemoteSocket operations, socketsJoin/Leave,
// disconnectSockets, serverSideEmit with acknowledgements, server counts) and that allRooms
// fails, as the family has none.
func TestMixedClusterStreams(t *testing.T) {
	requireNode(t)
	r := redistest.Real(t)
	rdb := r.Client(t)
	key := redistest.Key(t)
	t.Cleanup(func() { _ = rdb.Del(context.Background(), key).Err() })
	opts := redisadapter.StreamsOptions{StreamName: key, ChannelPrefix: key, SessionKeyPrefix: key + ":session:",
		RequestsTimeout: 2 * time.Second}
	nodeURL := startNodeServer(t, r.URL, key, "node0", "streams")
	runMixedCluster(t, nodeURL, redisadapter.NewStreams(rdb, opts), redisadapter.NewStreams(rdb, opts))
}

// TestMixedClusterStreamsRedisCluster: the same over a Redis Cluster of three masters with
// streamCount 3 (namespaces spread over three streams, on the masters of their slots): the Go
// servers use a redis.ClusterClient, the Node server a node-redis cluster client.
func TestMixedClusterStreamsRedisCluster(t *testing.T) {
	requireNode(t)
	addrs := redistest.StartCluster(t, 3)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = rdb.Close() })
	key := redistest.Key(t)
	opts := redisadapter.StreamsOptions{StreamName: key, StreamCount: 3, ChannelPrefix: key,
		SessionKeyPrefix: key + ":session:", RequestsTimeout: 2 * time.Second}
	nodeURL := startNodeServer(t, "cluster:"+strings.Join(addrs, ","), key, "node0", "streams:3")
	runMixedCluster(t, nodeURL, redisadapter.NewStreams(rdb, opts), redisadapter.NewStreams(rdb, opts))
}
