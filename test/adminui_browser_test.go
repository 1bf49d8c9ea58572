package test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adminui"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
)

// TestAdminUIBrowser: the real Admin UI (@socket.io/admin-ui 0.5.1's ui/dist, served by the
// first Go node) in headless Chromium, watching a cluster on one Redis (REDIS_URL, or
// miniredis): two Go nodes instrumented by package adminui and one Node node instrumented by
// @socket.io/admin-ui, each with two clients (js/admin-ui-browser.js). A wrong password is
// refused; the Servers page lists the three servers and the Sockets page their six sockets;
// disconnecting from the UI a socket of go-2 and one of the Node node disconnects their
// clients. The UI's login session is kept in Redis with the keys of Node's RedisStore.
// Screenshots go to test/js/screenshots/ (admin-ui-servers.png is the README's,
// docs/admin-ui.png).
func TestAdminUIBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster and a browser")
	}
	jsDir := requireNode(t)
	uiDir := filepath.Join(jsDir, "node_modules", "@socket.io", "admin-ui", "ui", "dist")
	for _, need := range []string{filepath.Join(jsDir, "node_modules", "playwright-core"), filepath.Join(uiDir, "index.html"), chromiumPath} {
		if _, err := os.Stat(need); err != nil {
			redistest.Skip(t, need+" is missing (run `npm ci` in test/js; apt-get install chromium)")
		}
	}
	r := redistest.New(t)
	rdb := r.Client(t)
	key := redistest.Key(t)
	storePrefix := key + "-admin"
	goNode := func(id, ui string) string {
		f := redisadapter.New(rdb, redisadapter.Options{Key: key, RequestsTimeout: 2 * time.Second})
		return startAdminGoServer(t, f, adminui.Options{
			Mode:     adminui.Development,
			ServerID: id,
			Store:    adminui.NewRedisStore(rdb, adminui.RedisStoreOptions{Prefix: storePrefix}),
		}, ui)
	}
	go1 := goNode("go-1", uiDir)
	go2 := goNode("go-2", "")
	node1 := startAdminNodeServer(t, "development", "node-1", "admin", adminHash, r.URL, key, storePrefix)

	shots := filepath.Join(jsDir, "screenshots")
	runNode(t, 2*time.Minute, "admin-ui-browser.js", go1+"/admin/", shots, adminPassword,
		"go-1="+go1, "go-2="+go2, "node-1="+node1)
	for _, name := range []string{"admin-ui-invalid-credentials.png", "admin-ui-servers.png", "admin-ui-sockets.png", "admin-ui-dashboard.png"} {
		if st, err := os.Stat(filepath.Join(shots, name)); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}

	// The UI's session, saved by go-1 as Node's RedisStore saves them.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys, err := rdb.Keys(ctx, storePrefix+"#*").Result()
	if err != nil || len(keys) != 1 || len(strings.TrimPrefix(keys[0], storePrefix+"#")) != 16 {
		t.Fatalf("session keys %v, %v", keys, err)
	}
	v, _ := rdb.Get(ctx, keys[0]).Result()
	ttl, _ := rdb.TTL(ctx, keys[0]).Result()
	if v != "true" || ttl <= 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("session %s = %q, TTL %v; want \"true\" for 24h", keys[0], v, ttl)
	}
	t.Cleanup(func() { rdb.Del(context.Background(), keys...) })
}
