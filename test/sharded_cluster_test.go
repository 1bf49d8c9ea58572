package test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
)

// shardedModes are the subscription modes of Node's createShardedAdapter.
var shardedModes = []redisadapter.SubscriptionMode{redisadapter.SubscriptionStatic, redisadapter.SubscriptionDynamic,
	redisadapter.SubscriptionDynamicPrivate}

// TestClusterJSClientsSharded: three Go servers with the sharded adapter share one Redis 7
// (REDIS_URL, else a redis-server of the test: miniredis has no sharded pub/sub); real JS
// clients spread over them check every cluster operation issued from each server, in each
// subscription mode.
func TestClusterJSClientsSharded(t *testing.T) {
	requireNode(t)
	for _, mode := range shardedModes {
		t.Run(string(mode), func(t *testing.T) {
			rdb := redistest.Sharded(t).Client(t)
			opts := redisadapter.ShardedOptions{ChannelPrefix: redistest.Key(t), SubscriptionMode: mode, RequestsTimeout: 2 * time.Second}
			args := []string{"--sharded"}
			for i := range 3 {
				args = append(args, startClusterServerWith(t, fmt.Sprintf("go%d", i), redisadapter.NewSharded(rdb, opts)))
			}
			runNode(t, 180*time.Second, "cluster-clients.js", args...)
		})
	}
}

// TestMixedClusterSharded: two Go servers with redisadapter.NewSharded and a Node.js server
// with createShardedAdapter (socket.io 4.8.4, @socket.io/redis-adapter 8.3.0 on node-redis
// 4.7.1, js/node-server.js) share one Redis 7, in each subscription mode; the same script as
// TestMixedCluster checks that every operation issued from a Go server reaches the clients
// of the Node server and the other way round (broadcasts to rooms, socket ids and with
// acknowledgements, fetchSockets with data, RemoteSocket operations, socketsJoin/Leave,
// disconnectSockets, serverSideEmit with acknowledgements, server counts), and that allRooms
// fails on both, as the sharded adapter has none.
func TestMixedClusterSharded(t *testing.T) {
	requireNode(t)
	for _, mode := range shardedModes {
		t.Run(string(mode), func(t *testing.T) {
			r := redistest.Sharded(t)
			rdb := r.Client(t)
			prefix := redistest.Key(t)
			opts := redisadapter.ShardedOptions{ChannelPrefix: prefix, SubscriptionMode: mode, RequestsTimeout: 2 * time.Second}
			nodeURL := startNodeServer(t, r.URL, prefix, "node0", "sharded:"+string(mode))
			runMixedCluster(t, nodeURL, redisadapter.NewSharded(rdb, opts), redisadapter.NewSharded(rdb, opts))
		})
	}
}

// TestMixedClusterShardedRedisCluster: the mixed cluster of TestMixedClusterSharded (dynamic
// mode) over a Redis Cluster of three masters started by the test: the Go servers use a
// redis.ClusterClient (each channel subscribed on its slot's master), the Node server a
// node-redis cluster client.
func TestMixedClusterShardedRedisCluster(t *testing.T) {
	requireNode(t)
	addrs := redistest.StartCluster(t, 3)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := redistest.Key(t)
	opts := redisadapter.ShardedOptions{ChannelPrefix: prefix, RequestsTimeout: 2 * time.Second}
	nodeURL := startNodeServer(t, "cluster:"+strings.Join(addrs, ","), prefix, "node0", "sharded:dynamic")
	runMixedCluster(t, nodeURL, redisadapter.NewSharded(rdb, opts), redisadapter.NewSharded(rdb, opts))
}

// runMixedCluster runs js/cluster-clients.js over two Go servers (on go0 and go1) with the
// Node server at nodeURL between them, for the adapters without allRooms (sharded, streams).
func runMixedCluster(t *testing.T, nodeURL string, go0, go1 adapter.Factory) {
	t.Helper()
	urls := []string{"--sharded", startClusterServerWith(t, "go0", go0), nodeURL, startClusterServerWith(t, "go1", go1)}
	runNode(t, 180*time.Second, "cluster-clients.js", urls...)
}
