package test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/emitter"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// goCluster is two Go servers, A and B, on the classic Redis adapter under one key, with the
// scenario's clients (emitterClients) spread over them. It reports what clients and
// server-side listeners see as the lines of js/emitter-node-server.js.
type goCluster struct {
	lines   chan string
	ids     map[string]string
	servers []string
}

// startGoCluster starts the servers and connects the clients; everything is closed when the
// test ends.
func startGoCluster(t *testing.T, r *redistest.Redis, key string) *goCluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gc := &goCluster{lines: make(chan string, 1024), ids: map[string]string{}, servers: []string{"server:A", "server:B"}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	report := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Errorf("report: %v", err)
			return
		}
		select {
		case gc.lines <- string(b):
		case <-stop:
		}
	}

	urls := map[string]string{}
	for _, name := range []string{"A", "B"} {
		srv, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.New(r.Client(t), redisadapter.Options{Key: key})})
		if err != nil {
			t.Fatal(err)
		}
		// A connection handler may run after the client got its CONNECT answer: it tells the
		// client when the rooms are joined.
		join := func(s *socketio.Socket) {
			rooms, _ := s.Handshake().Auth["rooms"].([]any)
			for _, r := range rooms {
				if room, ok := r.(string); ok {
					s.Join(room)
				}
			}
			if err := s.Emit("joined"); err != nil {
				t.Errorf("joined: %v", err)
			}
		}
		srv.OnConnection(join)
		srv.Of("/admin").OnConnection(join)
		listen := func(nsp *socketio.Namespace, event string) {
			nsp.On(event, func(ev *socketio.Event) error {
				vals, err := ev.Values()
				if err != nil {
					return err
				}
				report(map[string]any{"who": "server:" + name, "nsp": nsp.Name(), "srv": event, "args": plainValue(vals)})
				return nil
			})
		}
		listen(srv.Namespace(), "srv-ev")
		listen(srv.Namespace(), "srv-bin")
		listen(srv.Namespace(), "barrier")
		listen(srv.Of("/admin"), "srv-ev")
		ts := httptest.NewServer(srv)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Close(ctx); err != nil {
				t.Errorf("close server %s: %v", name, err)
			}
			ts.Close()
		})
		urls[name] = ts.URL
	}

	// Clients: a, c on A; the others on B (b2 and d2 share the connections of b and d).
	conns := map[string]*testclient.Client{}
	names := map[*testclient.Client]map[string]string{} // connection -> namespace -> client name
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		close(stop)
		wg.Wait()
	})
	for _, cl := range emitterClients {
		c := conns[cl.share]
		if c == nil {
			server := "B"
			if cl.name == "a" || cl.name == "c" {
				server = "A"
			}
			var err error
			if c, err = testclient.Dial(ctx, urls[server], nil); err != nil {
				t.Fatal(err)
			}
			conns[cl.name] = c
			names[c] = map[string]string{}
		}
		names[c][cl.nsp] = cl.name
	}
	for c, byNsp := range names {
		wg.Add(1)
		go func() { // reports what one connection receives, by namespace
			defer wg.Done()
			gone := map[string]bool{}
			for p := range c.Packets {
				who := byNsp[p.Nsp]
				switch p.Type {
				case parser.Event, parser.BinaryEvent:
					name, args, err := parser.EventArgs(p)
					if err != nil {
						t.Errorf("%s: bad event: %v", who, err)
						continue
					}
					vals, err := args.Values()
					if err != nil {
						t.Errorf("%s: bad arguments: %v", who, err)
						continue
					}
					report(map[string]any{"who": who, "ev": name, "args": plainValue(vals)})
				case parser.Disconnect:
					gone[p.Nsp] = true
					report(map[string]any{"who": who, "disconnect": "io server disconnect"})
				}
			}
			for nsp, who := range byNsp {
				if !gone[nsp] {
					report(map[string]any{"who": who, "disconnect": "transport close"})
				}
			}
		}()
	}
	for _, cl := range emitterClients {
		c := conns[cl.name]
		if cl.share != "" {
			c = conns[cl.share]
		}
		rooms := cl.rooms
		if rooms == nil {
			rooms = []string{}
		}
		id, err := c.Connect(ctx, cl.nsp, map[string]any{"rooms": rooms})
		if err != nil {
			t.Fatalf("client %s: %v", cl.name, err)
		}
		gc.ids[cl.name] = id
	}
	joined := map[string]bool{}
	for len(joined) < len(emitterClients) {
		select {
		case raw := <-gc.lines:
			var l sawLine
			if err := json.Unmarshal([]byte(raw), &l); err != nil || l.Ev != "joined" {
				t.Fatalf("before the rooms were joined: %s", raw)
			}
			joined[l.Who] = true
		case <-ctx.Done():
			t.Fatalf("clients whose rooms are joined: %v of %d", joined, len(emitterClients))
		}
	}
	return gc
}

// plainValue is v with binary as {"$bin": hex}, as the JS scripts report it.
func plainValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return map[string]any{"$bin": hex.EncodeToString(x)}
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = plainValue(y)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, y := range x {
			out[k] = plainValue(y)
		}
		return out
	}
	return v
}

// Go emitter → Go cluster (miniredis, or the Redis at REDIS_URL).
func TestEmitterToGoCluster(t *testing.T) {
	r := redistest.New(t)
	key := redistest.Key(t)
	gc := startGoCluster(t, r, key)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := emitter.New(r.Client(t), emitter.Options{Key: key})
	o := &observer{t: t, lines: gc.lines, servers: gc.servers, barrier: goBarrier(ctx, e)}
	o.setClients(gc.ids)
	for _, s := range emitterSteps {
		s.check(o, func() error { return s.run(ctx, e, gc.ids) }, gc.servers, false)
	}
}

// Node's @socket.io/redis-emitter → Go cluster: js/emitter-node-emitter.js runs each step
// with the Node emitter when told to over Redis.
func TestNodeEmitterToGoCluster(t *testing.T) {
	requireNode(t)
	r := redistest.Real(t)
	key := redistest.Key(t)
	gc := startGoCluster(t, r, key)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := startNode(t, ctx, "emitter-node-emitter.js", r.URL, key)
	p.waitLine(t, "ready", 20*time.Second)

	rdb := r.Client(t)
	control := key + "-control"
	nodeStep := func(name string) func() error {
		return func() error {
			cmd, err := json.Marshal(map[string]any{"step": name, "ids": gc.ids})
			if err != nil {
				return err
			}
			if err := rdb.Publish(ctx, control, cmd).Err(); err != nil {
				return err
			}
			// The script prints this once Redis has answered every PUBLISH of the step, so
			// the barrier published next comes after them.
			p.waitLine(t, fmt.Sprintf("done %s", name), 10*time.Second)
			return nil
		}
	}
	e := emitter.New(rdb, emitter.Options{Key: key}) // only for the barriers
	o := &observer{t: t, lines: gc.lines, servers: gc.servers, barrier: goBarrier(ctx, e)}
	o.setClients(gc.ids)
	for _, s := range emitterSteps {
		s.check(o, nodeStep(s.name), gc.servers, false)
	}
	if err := rdb.Publish(ctx, control, `{"step":"quit"}`).Err(); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 10*time.Second)
}
