package adminui

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store keeps the session ids given to admin clients that logged in with BasicAuth, so that
// they reconnect without sending their password again (Node's Store).
type Store interface {
	// SessionExists reports whether id is a saved session.
	SessionExists(ctx context.Context, id string) (bool, error)
	// SaveSession saves id.
	SaveSession(ctx context.Context, id string) error
}

// InMemoryStore keeps sessions in this process, for as long as it runs (Node's
// InMemoryStore). It is safe for concurrent use.
type InMemoryStore struct {
	mu       sync.Mutex
	sessions map[string]struct{}
}

// NewInMemoryStore returns an empty InMemoryStore.
func NewInMemoryStore() *InMemoryStore {
	return &InMemoryStore{sessions: make(map[string]struct{})}
}

// SessionExists implements Store.
func (m *InMemoryStore) SessionExists(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.sessions[id]
	return ok, nil
}

// SaveSession implements Store.
func (m *InMemoryStore) SaveSession(_ context.Context, id string) error {
	m.mu.Lock()
	m.sessions[id] = struct{}{}
	m.mu.Unlock()
	return nil
}

// RedisStoreOptions configure a RedisStore. The zero value is Node's defaults.
type RedisStoreOptions struct {
	// Prefix starts every key: a session is the key "<Prefix>#<id>". Empty means
	// "socket.io-admin".
	Prefix string
	// SessionDuration is how long a session lasts. Zero means 24 hours. Redis counts it in
	// whole seconds.
	SessionDuration time.Duration
}

// RedisStore keeps sessions in Redis, shared by every node of a cluster, with the keys and
// values of Node's RedisStore: "<prefix>#<id>" set to "true", expiring after the session
// duration. Go and Node nodes on the same Redis and prefix accept each other's sessions.
type RedisStore struct {
	rdb      redis.Cmdable
	prefix   string
	duration time.Duration
}

// NewRedisStore returns a RedisStore on rdb (a *redis.Client, *redis.ClusterClient or any
// redis.UniversalClient).
func NewRedisStore(rdb redis.Cmdable, o RedisStoreOptions) *RedisStore {
	if o.Prefix == "" {
		o.Prefix = "socket.io-admin"
	}
	if o.SessionDuration <= 0 {
		o.SessionDuration = 24 * time.Hour
	}
	return &RedisStore{rdb: rdb, prefix: o.Prefix, duration: o.SessionDuration}
}

func (r *RedisStore) key(id string) string { return r.prefix + "#" + id }

// SessionExists implements Store.
func (r *RedisStore) SessionExists(ctx context.Context, id string) (bool, error) {
	n, err := r.rdb.Exists(ctx, r.key(id)).Result()
	if err != nil {
		return false, fmt.Errorf("adminui: redis store: %w", err)
	}
	return n == 1, nil
}

// SaveSession implements Store: MULTI, SET key true, EXPIRE key seconds, EXEC, as Node does.
func (r *RedisStore) SaveSession(ctx context.Context, id string) error {
	k := r.key(id)
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, k, "true", 0)
		p.Expire(ctx, k, r.duration)
		return nil
	})
	if err != nil {
		return fmt.Errorf("adminui: redis store: %w", err)
	}
	return nil
}
