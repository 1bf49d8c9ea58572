package test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

// The cluster tests run js/cluster-clients.js: real socket.io-client instances spread over
// several servers sharing one Redis, which ask their servers (through the "do" event of the
// control protocol below) to run every cluster operation and check its effect on every client.
// The Go servers here and js/node-server.js implement the same protocol, so the same script
// checks a Go-only cluster and a mixed Go + Node one.

// clusterOp is one request of the control protocol.
type clusterOp struct {
	Op       string   `json:"op"`
	To       []string `json:"to"`
	Except   []string `json:"except"`
	Event    string   `json:"event"`
	Args     []any    `json:"args"`
	Volatile bool     `json:"volatile"`
	Compress *bool    `json:"compress"`
	Local    bool     `json:"local"`
	Timeout  int      `json:"timeout"` // milliseconds
	ID       string   `json:"id"`
	Action   string   `json:"action"`
	Rooms    []string `json:"rooms"`
	Close    bool     `json:"close"`
	Data     any      `json:"data"`
}

// clusterReply answers a clusterOp.
type clusterReply struct {
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
	Result any    `json:"result,omitempty"`
}

// fetched is how a server describes a fetched socket to the script.
type fetched struct {
	ID    string         `json:"id"`
	Rooms []string       `json:"rooms"`
	Data  any            `json:"data"`
	Name  string         `json:"name"`
	Auth  map[string]any `json:"auth"`
	Host  string         `json:"host"` // handshake.headers.host
	Time  string         `json:"time"` // handshake.time
}

// newClusterServerWith builds a Go server named name with adapter factory f and the handlers of
// the control protocol.
func newClusterServerWith(t testing.TB, name string, f adapter.Factory) *socketio.Server {
	t.Helper()
	srv, err := socketio.NewServer(socketio.Options{Adapter: f})
	if err != nil {
		t.Fatal(err)
	}
	values := func(ev *socketio.Event) []any {
		v, err := ev.Values()
		if err != nil {
			return []any{err.Error()}
		}
		return v
	}
	srv.On("srv-ping", func(ev *socketio.Event) error {
		return srv.Local().Emit("sse-got", map[string]any{"server": name, "event": ev.Name, "args": values(ev)})
	})
	srv.On("srv-ask", func(ev *socketio.Event) error {
		return ev.Ack(map[string]any{"server": name, "args": values(ev)})
	})
	srv.On("srv-ask-nobody", func(*socketio.Event) error { return nil })

	srv.Of("/other").OnConnection(func(s *socketio.Socket) {
		s.On("ping", func(ev *socketio.Event) error { return ev.Ack("pong") })
	})
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("do", func(ev *socketio.Event) error {
			var op clusterOp
			if err := ev.Bind(&op); err != nil {
				return ev.Ack(clusterReply{Error: err.Error()})
			}
			res, err := runOp(srv, name, s, &op)
			r := clusterReply{OK: err == nil, Result: res}
			if err != nil {
				r.Error = err.Error()
			}
			return ev.Ack(r)
		})
	})
	return srv
}

func runOp(srv *socketio.Server, name string, s *socketio.Socket, op *clusterOp) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sel := srv.To(op.To...).Except(op.Except...)
	switch op.Op {
	case "emit":
		if op.Volatile {
			sel = sel.Volatile()
		}
		if op.Compress != nil {
			sel = sel.Compress(*op.Compress)
		}
		if op.Local {
			sel = sel.Local()
		}
		return nil, sel.Emit(op.Event, op.Args...)
	case "emitWithAck":
		acks, err := sel.Timeout(time.Duration(op.Timeout)*time.Millisecond).EmitWithAck(ctx, op.Event, op.Args...)
		vals := make([]any, 0, len(acks))
		for _, a := range acks {
			v, verr := a.Values()
			if verr != nil || len(v) == 0 {
				vals = append(vals, nil)
				continue
			}
			vals = append(vals, v[0])
		}
		return map[string]any{"acks": vals}, err
	case "fetch":
		socks, err := sel.FetchSockets(ctx)
		out := make([]fetched, 0, len(socks))
		for _, r := range socks {
			rooms := slices.Clone(r.Rooms())
			slices.Sort(rooms)
			out = append(out, fetched{ID: r.ID(), Rooms: rooms, Data: r.Data(), Name: r.Handshake().Query.Get("name"), Auth: r.Handshake().Auth,
				Host: r.Handshake().Headers.Get("Host"), Time: r.Handshake().Time})
		}
		slices.SortFunc(out, func(a, b fetched) int { return strings.Compare(a.ID, b.ID) })
		return out, err
	case "remote":
		socks, err := srv.In(op.ID).FetchSockets(ctx)
		if err != nil {
			return nil, err
		}
		if len(socks) != 1 {
			n, err := srv.Namespace().Adapter().ServerCount(ctx)
			return nil, fmt.Errorf("fetched %d sockets with id %s (server count %d, %v)", len(socks), op.ID, n, err)
		}
		r := socks[0]
		switch op.Action {
		case "emit":
			return nil, r.Emit(op.Event, op.Args...)
		case "join":
			return nil, r.Join(ctx, op.Rooms...)
		case "leave":
			return nil, r.Leave(ctx, op.Rooms...)
		case "disconnect":
			return nil, r.Disconnect(ctx, op.Close)
		}
		return nil, fmt.Errorf("unknown remote action %q", op.Action)
	case "socketsJoin":
		return nil, sel.SocketsJoin(ctx, op.Rooms...)
	case "socketsLeave":
		return nil, sel.SocketsLeave(ctx, op.Rooms...)
	case "disconnectSockets":
		return nil, sel.DisconnectSockets(ctx, op.Close)
	case "sse":
		return nil, srv.ServerSideEmit(ctx, op.Event, op.Args...)
	case "sseAck":
		if op.Timeout > 0 {
			var cancel2 context.CancelFunc
			ctx, cancel2 = context.WithTimeout(ctx, time.Duration(op.Timeout)*time.Millisecond)
			defer cancel2()
		}
		acks, err := srv.ServerSideEmitWithAck(ctx, op.Event, op.Args...)
		vals := make([]any, 0, len(acks))
		for _, a := range acks {
			v, verr := a.Values()
			if verr != nil || len(v) == 0 {
				vals = append(vals, nil)
				continue
			}
			vals = append(vals, v[0])
		}
		return map[string]any{"answers": vals}, err
	case "serverCount":
		return srv.Namespace().Adapter().ServerCount(ctx)
	case "allRooms":
		rooms, err := srv.Namespace().Adapter().AllRooms(ctx)
		slices.Sort(rooms)
		return rooms, err
	case "selfJoin":
		s.Join(op.Rooms...)
		return nil, nil
	case "setData":
		s.SetData(op.Data)
		return nil, nil
	case "myRooms":
		rooms := s.Rooms()
		slices.Sort(rooms)
		return rooms, nil
	case "serverName":
		return name, nil
	case "ready":
		// Sharded dynamic modes subscribe room channels in the background: wait for them.
		return nil, srv.Ready(ctx)
	}
	return nil, fmt.Errorf("unknown op %q", op.Op)
}

// startClusterServer runs a Go cluster server on loopback and returns its URL; it is closed
// when the test ends.
func startClusterServer(t testing.TB, name string, rdb redis.UniversalClient, key string) string {
	t.Helper()
	return startClusterServerWith(t, name, redisadapter.New(rdb, redisadapter.Options{Key: key, RequestsTimeout: 2 * time.Second}))
}

// startClusterServerWith runs a Go cluster server with adapter factory f on loopback and
// returns its URL; it is closed when the test ends.
func startClusterServerWith(t testing.TB, name string, f adapter.Factory) string {
	t.Helper()
	return serveServer(t, name, newClusterServerWith(t, name, f), nil)
}

// serveServer serves h (nil: srv) on loopback and returns its URL; srv is closed when the
// test ends.
func serveServer(t testing.TB, name string, srv *socketio.Server, h http.Handler) string {
	t.Helper()
	if h == nil {
		h = srv
	}
	u, stopHTTP := serve(t, "127.0.0.1:0", h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close %s: %v", name, err)
		}
		stopHTTP()
	})
	return u
}

// TestClusterJSClients: three Go servers in this process share one Redis (REDIS_URL, or
// miniredis); real JS clients spread over them check every cluster operation issued from
// each server.
func TestClusterJSClients(t *testing.T) {
	requireNode(t)
	r := redistest.New(t)
	rdb := r.Client(t)
	key := redistest.Key(t)
	var urls []string
	for i := range 3 {
		urls = append(urls, startClusterServer(t, fmt.Sprintf("go%d", i), rdb, key))
	}
	runNode(t, 120*time.Second, "cluster-clients.js", urls...)
}

// TestMixedCluster: two Go servers and a Node.js server (socket.io 4.8.4 with
// @socket.io/redis-adapter 8.3.0 on node-redis 4.7.1, js/node-server.js) share one Redis;
// the same script checks that every operation issued from a Go server reaches the clients of
// the Node server and the other way round, including fetchSockets with data and
// serverSideEmit with acknowledgements. It uses REDIS_URL, or miniredis when it is not set
// (node-redis 4.7.1 works with miniredis for the commands the adapter uses: PUBLISH,
// (P)SUBSCRIBE, PUBSUB NUMSUB).
func TestMixedCluster(t *testing.T) {
	requireNode(t)
	r := redistest.New(t)
	rdb := r.Client(t)
	key := redistest.Key(t)
	nodeURL := startNodeServer(t, r.URL, key, "node0")
	urls := []string{
		startClusterServer(t, "go0", rdb, key),
		nodeURL,
		startClusterServer(t, "go1", rdb, key),
	}
	runNode(t, 120*time.Second, "cluster-clients.js", urls...)
}

// startNodeServer runs js/node-server.js (a Node.js Socket.IO server with the Redis adapter
// and the control protocol) and returns its URL. extra is passed on (e.g. "sharded:dynamic").
func startNodeServer(t testing.TB, redisURL, key, name string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p := startNode(t, ctx, "node-server.js", append([]string{redisURL, key, name, "2000"}, extra...)...)
	deadline := time.After(20 * time.Second)
	for {
		select {
		case line := <-p.lines:
			if port, ok := strings.CutPrefix(line, "listening "); ok {
				u := url.URL{Scheme: "http", Host: "127.0.0.1:" + strings.TrimSpace(port)}
				return u.String()
			}
		case err := <-p.done:
			p.done <- err
			t.Fatalf("node-server.js ended before listening: %v", err)
		case <-deadline:
			t.Fatal("node-server.js did not start listening")
		}
	}
}
