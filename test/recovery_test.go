package test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
)

// newRecoveryServer is the server js/recovery.js expects: connection-state recovery with a
// maxDisconnectionDuration of 2.5 s, pings every 200 ms (a silent client is found gone in about
// 400 ms), and the handlers the script's header describes.
func newRecoveryServer(t testing.TB, ad adapter.Factory) *socketio.Server {
	t.Helper()
	srv, err := socketio.NewServer(socketio.Options{
		Engine:                  engineio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond},
		ConnectionStateRecovery: &socketio.ConnectionStateRecovery{MaxDisconnectionDuration: 2500 * time.Millisecond},
		Adapter:                 ad,
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	missedSent := map[string]bool{}
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("setup", func(ev *socketio.Event) error {
			s.Join("room")
			s.SetData(map[string]any{"name": "alice"})
			_ = srv.Emit("e", 1)
			_ = srv.To("room").Emit("e", 2)
			_ = s.Emit("e", 3)
			return ev.Ack()
		})
		s.On("cut", func(*socketio.Event) error {
			s.Conn().Close()
			return nil
		})
		s.On("check", func(ev *socketio.Event) error {
			err := ev.Ack(map[string]any{"recovered": s.Recovered(), "id": s.ID(), "rooms": s.Rooms(), "data": s.Data()})
			_ = s.Emit("e", 8)
			return err
		})
		s.OnDisconnect(func(reason string) {
			t.Logf("server: %s disconnected: %s", s.ID(), reason)
			mu.Lock()
			first := !missedSent[s.ID()] && s.Data() != nil
			missedSent[s.ID()] = true
			mu.Unlock()
			if !first {
				return
			}
			_ = srv.Emit("e", 4)
			_ = srv.To("room").Emit("e", 5)
			_ = srv.To(s.ID()).Emit("e", 6)
			_ = srv.To("other").Emit("bad")
			_ = srv.Except("room").Emit("bad")
			_ = srv.Volatile().Emit("v")
		})
	})
	return srv
}

// TestJSRecovery: socket.io-client 4.8 loses its connection (the server closes its WebSocket;
// a polling client goes silent and is found gone by ping timeout), reconnects recovered with
// its id, rooms and data and every event broadcast meanwhile once, in order; and after
// maxDisconnectionDuration gets a new session (js/recovery.js). The same script runs against
// Node's socket.io 4.8.4 (js/recovery-server.js), so that its expectations are Node's.
func TestJSRecovery(t *testing.T) {
	requireNode(t)
	targets := map[string]func(t *testing.T) string{
		"go": func(t *testing.T) string {
			return startRecoveryServer(t, nil)
		},
		"node": func(t *testing.T) string { return startNodeScript(t, "recovery-server.js") },
	}
	for _, target := range []string{"go", "node"} {
		for _, mode := range []string{"websocket", "polling"} {
			t.Run(target+"/"+mode, func(t *testing.T) {
				runNode(t, 30*time.Second, "recovery.js", mode, targets[target](t))
			})
		}
	}
}

// startRecoveryServer serves newRecoveryServer on loopback until the test ends.
func startRecoveryServer(t *testing.T, ad adapter.Factory) string {
	return serveServer(t, "recovery server", newRecoveryServer(t, ad), nil)
}

// TestJSRecoveryCluster: the same client script across two nodes on the Redis Streams adapter,
// the client reconnecting to the other node after each cut: two Go nodes, a Node node
// (socket.io 4.8.4 + @socket.io/redis-streams-adapter 0.3.1) then a Go node (a session Node
// persisted, restored by Go), a Go node then a Node node (the reverse), and two Node nodes (the
// reference).
func TestJSRecoveryCluster(t *testing.T) {
	requireNode(t)
	r := redistest.Real(t)
	for _, pair := range []string{"go-go", "node-go", "go-node", "node-node"} {
		for _, mode := range []string{"websocket", "polling"} {
			t.Run(pair+"/"+mode, func(t *testing.T) {
				key := redistest.Key(t)
				rdb := r.Client(t)
				t.Cleanup(func() { _ = rdb.Del(context.Background(), key).Err() })
				start := func(kind string) string {
					if kind == "node" {
						return startNodeScript(t, "recovery-server.js", r.URL, key)
					}
					return startRecoveryServer(t, redisadapter.NewStreams(rdb, redisadapter.StreamsOptions{
						StreamName: key, ChannelPrefix: key, SessionKeyPrefix: key + ":session:"}))
				}
				a, b := start(pair[:strings.IndexByte(pair, '-')]), start(pair[strings.IndexByte(pair, '-')+1:])
				runNode(t, 30*time.Second, "recovery.js", mode, a, b)
			})
		}
	}
}
