package adminui_test

import (
	"context"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adminui"
	"github.com/gosockio/gosockio/internal/redistest"
)

// TestRedisStore: sessions are the keys of Node's RedisStore, "<prefix>#<id>" = "true",
// expiring after the session duration; a session saved by one store is known to another on
// the same Redis and prefix.
func TestRedisStore(t *testing.T) {
	r := redistest.New(t)
	rdb := r.Client(t)
	prefix := redistest.Key(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a := adminui.NewRedisStore(rdb, adminui.RedisStoreOptions{Prefix: prefix, SessionDuration: time.Hour})
	b := adminui.NewRedisStore(rdb, adminui.RedisStoreOptions{Prefix: prefix})
	t.Cleanup(func() { rdb.Del(context.Background(), prefix+"#0123456789abcdef") })
	if ok, err := b.SessionExists(ctx, "0123456789abcdef"); ok || err != nil {
		t.Fatalf("unknown session: %v %v", ok, err)
	}
	if err := a.SaveSession(ctx, "0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.SessionExists(ctx, "0123456789abcdef"); !ok || err != nil {
		t.Fatalf("saved session: %v %v", ok, err)
	}
	v, err := rdb.Get(ctx, prefix+"#0123456789abcdef").Result()
	ttl := rdb.TTL(ctx, prefix+"#0123456789abcdef").Val()
	if v != "true" || err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("key = %q (%v), TTL %v", v, err, ttl)
	}
	if adminui.NewRedisStore(rdb, adminui.RedisStoreOptions{}) == nil {
		t.Fatal("no store with the defaults")
	}
	m := adminui.NewInMemoryStore()
	if ok, _ := m.SessionExists(ctx, "x"); ok {
		t.Error("in-memory store: unknown session exists")
	}
	_ = m.SaveSession(ctx, "x")
	if ok, _ := m.SessionExists(ctx, "x"); !ok {
		t.Error("in-memory store: saved session missing")
	}
}
