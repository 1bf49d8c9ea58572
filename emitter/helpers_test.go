package emitter_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// newRedis returns a client of the Redis at REDIS_URL, or of a fresh miniredis when it is not
// set, and a key prefix no other test uses.
func newRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	var opt *redis.Options
	if u := os.Getenv("REDIS_URL"); u != "" {
		var err error
		if opt, err = redis.ParseURL(u); err != nil {
			t.Fatalf("REDIS_URL: %v", err)
		}
	} else {
		opt = &redis.Options{Addr: miniredis.RunT(t).Addr()}
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb, uniqueKey(t)
}

// newMiniredis returns a client of a fresh miniredis, for the tests that publish under the
// default key (never on a shared Redis).
func newMiniredis(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// uniqueKey is a key prefix made of the test name and random bytes, without glob characters.
func uniqueKey(t testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "gosockio-test-" + unsafeKeyChars.ReplaceAllString(t.Name(), "_") + "-" + hex.EncodeToString(b[:])
}

// published is one captured PUBLISH.
type published struct {
	Channel string
	Payload []byte
}

// recorder captures everything published on channels starting with a prefix.
type recorder struct {
	t  testing.TB
	ps *redis.PubSub
}

// record subscribes to every channel starting with prefix (which must hold no glob
// characters) and returns once the subscription is active.
func record(t testing.TB, rdb *redis.Client, prefix string) *recorder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ps := rdb.PSubscribe(ctx, prefix+"*")
	t.Cleanup(func() { _ = ps.Close() })
	if _, err := ps.Receive(ctx); err != nil { // the subscription confirmation
		t.Fatalf("psubscribe %s*: %v", prefix, err)
	}
	return &recorder{t: t, ps: ps}
}

// next returns the next captured message, failing the test after 5 s.
func (r *recorder) next() published {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := r.ps.ReceiveMessage(ctx)
	if err != nil {
		r.t.Fatalf("no message published: %v", err)
	}
	return published{Channel: m.Channel, Payload: []byte(m.Payload)}
}

// nextIs returns the next message and fails unless it is on channel.
func (r *recorder) nextIs(channel string) published {
	r.t.Helper()
	m := r.next()
	if m.Channel != channel {
		r.t.Fatalf("published on %q, want %q (payload %x)", m.Channel, channel, m.Payload)
	}
	return m
}

// keyed replaces the default key at the start of a captured channel name by key.
func keyed(channel, key string) string {
	if rest, ok := strings.CutPrefix(channel, "socket.io-request#"); ok {
		return key + "-request#" + rest
	}
	return key + strings.TrimPrefix(channel, "socket.io")
}
