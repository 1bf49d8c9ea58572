package redisadapter_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/adaptertest"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
)

// streamsOptions returns options whose stream, channels and session keys belong to the test;
// the stream keys are deleted when it ends.
func streamsOptions(t testing.TB, rdb redis.UniversalClient, count int) redisadapter.StreamsOptions {
	key := redistest.Key(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		keys := []string{key}
		for i := -count; i < count; i++ {
			keys = append(keys, key+"-"+itoa(i))
		}
		for _, k := range keys {
			_ = rdb.Del(ctx, k).Err()
		}
	})
	return redisadapter.StreamsOptions{StreamName: key, StreamCount: count, ChannelPrefix: key, SessionKeyPrefix: key + ":session:"}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func streamsFactories(rdb redis.UniversalClient, opts redisadapter.StreamsOptions) []adapter.Factory {
	return []adapter.Factory{redisadapter.NewStreams(rdb, opts), redisadapter.NewStreams(rdb, opts), redisadapter.NewStreams(rdb, opts)}
}

// TestStreamsSuite runs the adapter behaviour suite on the streams adapter: three nodes on one
// Redis (REDIS_URL, else miniredis), plain and sharded pub/sub.
func TestStreamsSuite(t *testing.T) {
	t.Run("pubsub", func(t *testing.T) {
		adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
			rdb := redistest.New(t).Client(t)
			return streamsFactories(rdb, streamsOptions(t, rdb, 1))
		})
	})
	t.Run("sharded-pubsub", func(t *testing.T) {
		adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
			rdb := redistest.Sharded(t).Client(t)
			o := streamsOptions(t, rdb, 1)
			o.UseShardedPubSub = true
			return streamsFactories(rdb, o)
		})
	})
}
