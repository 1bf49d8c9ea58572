package redisadapter_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/adaptertest"
	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// backends are the Redis servers every test runs against: miniredis always, and a real Redis
// (redistest.Real: REDIS_URL, else the one at 127.0.0.1:6379; skipped without, failed in CI).
var backends = []struct {
	name string
	get  func(testing.TB) *redistest.Redis
}{
	{"miniredis", redistest.Mini},
	{"redis", redistest.Real},
}

// TestSuite runs the adapter behaviour suite on three nodes sharing one Redis.
func TestSuite(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
				r := b.get(t)
				rdb := r.Client(t)
				opts := redisadapter.Options{Key: redistest.Key(t)}
				return []adapter.Factory{redisadapter.New(rdb, opts), redisadapter.New(rdb, opts), redisadapter.New(rdb, opts)}
			})
		})
	}
}

// TestSuiteRedisCluster runs the behaviour suite over a Redis Cluster of three masters started
// by the test (classic pub/sub spans the cluster; the server count is summed over its nodes).
func TestSuiteRedisCluster(t *testing.T) {
	addrs := redistest.StartCluster(t, 3)
	adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
		rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		t.Cleanup(func() { _ = rdb.Close() })
		opts := redisadapter.Options{Key: redistest.Key(t)}
		return []adapter.Factory{redisadapter.New(rdb, opts), redisadapter.New(rdb, opts), redisadapter.New(rdb, opts)}
	})
}

// TestSuiteSentinel runs the behaviour suite through a Sentinel-managed client
// (redis.NewFailoverClient) against a master and a Sentinel started by the test.
func TestSuiteSentinel(t *testing.T) {
	master := redistest.StartServer(t)
	sentinel := redistest.StartSentinel(t, master.Addr)
	adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
		rdb := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "mymaster", SentinelAddrs: []string{sentinel}})
		t.Cleanup(func() { _ = rdb.Close() })
		opts := redisadapter.Options{Key: redistest.Key(t)}
		return []adapter.Factory{redisadapter.New(rdb, opts), redisadapter.New(rdb, opts), redisadapter.New(rdb, opts)}
	})
}
