package redisadapter_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/adaptertest"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
)

var modes = []redisadapter.SubscriptionMode{redisadapter.SubscriptionStatic, redisadapter.SubscriptionDynamic,
	redisadapter.SubscriptionDynamicPrivate}

func shardedFactories(rdb redis.UniversalClient, opts redisadapter.ShardedOptions) []adapter.Factory {
	return []adapter.Factory{redisadapter.NewSharded(rdb, opts), redisadapter.NewSharded(rdb, opts), redisadapter.NewSharded(rdb, opts)}
}

// TestShardedSuite runs the adapter behaviour suite in sharded mode, in each subscription mode,
// on three nodes sharing one Redis 7 (REDIS_URL, else a redis-server of the test; miniredis
// has no sharded pub/sub).
func TestShardedSuite(t *testing.T) {
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
				rdb := redistest.Sharded(t).Client(t)
				return shardedFactories(rdb, redisadapter.ShardedOptions{ChannelPrefix: redistest.Key(t), SubscriptionMode: mode})
			})
		})
	}
}

// TestShardedSuiteRedisCluster runs the behaviour suite in sharded mode over a Redis Cluster of
// three masters started by the test, through a redis.ClusterClient: each channel is
// subscribed on the master of its slot, and the server count is summed over the masters.
func TestShardedSuiteRedisCluster(t *testing.T) {
	addrs := redistest.StartCluster(t, 3)
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
				rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
				t.Cleanup(func() { _ = rdb.Close() })
				return shardedFactories(rdb, redisadapter.ShardedOptions{ChannelPrefix: redistest.Key(t), SubscriptionMode: mode})
			})
		})
	}
}
