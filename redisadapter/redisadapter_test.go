package redisadapter_test

import (
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/adaptertest"
	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// backends are the Redis servers every test runs against: miniredis always, and the real
// Redis at REDIS_URL when it is set (skipped without it, failed in CI).
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
