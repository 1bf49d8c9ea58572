package test

import (
	"context"
	"testing"
	"time"

	"github.com/gosockio/gosockio/emitter"
)

type emitterPoint struct {
	X    int    `json:"x"`
	Tag  string `json:"tag,omitempty"`
	Data []byte `json:"data"`
}

// Go emitter → Node cluster: a Node Socket.IO server on @socket.io/redis-adapter, with real
// socket.io-client clients in rooms, receives every emitter operation.
func TestEmitterToNodeCluster(t *testing.T) {
	requireNode(t)
	rdb, url, key := emitterRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := startNode(t, ctx, "emitter-node-server.js", url, key)

	e := emitter.New(rdb, emitter.Options{Key: key})
	admin := e.Of("admin")
	o := &observer{t: t, p: p, barrier: func(n int) error {
		if err := e.Emit(ctx, "barrier", n); err != nil {
			return err
		}
		return admin.Emit(ctx, "barrier", n)
	}}
	ids := o.waitReady()
	// Clients: a (/, r1), b (/, r1 r2), c (/, r3), d (/, no room), e (/admin, ops); b2 and d2
	// are /admin (no room) on the connections of b and d.

	o.step("emit to all", func() error { return e.Emit(ctx, "all", "x", 1, nil, map[string]any{"k": []any{true, 2.5}}) },
		`a all ["x",1,null,{"k":[true,2.5]}]`, `b all ["x",1,null,{"k":[true,2.5]}]`,
		`c all ["x",1,null,{"k":[true,2.5]}]`, `d all ["x",1,null,{"k":[true,2.5]}]`)
	o.step("emit to a room", func() error { return e.To("r1").Emit(ctx, "room", "r1") },
		`a room ["r1"]`, `b room ["r1"]`)
	o.step("emit to rooms except", func() error { return e.To("r1", "r3").Except("r2").Emit(ctx, "rooms-except") },
		`a rooms-except []`, `c rooms-except []`)
	o.step("emit except only", func() error { return e.Except("r1").Emit(ctx, "except-only", 7) },
		`c except-only [7]`, `d except-only [7]`)
	o.step("emit to a socket id", func() error { return e.To(ids["c"]).Emit(ctx, "private", "to c") },
		`c private ["to c"]`)
	o.step("binary", func() error {
		return e.To("r2").Emit(ctx, "bin", []byte{0xde, 0xad}, map[string]any{"nested": []byte{1, 2, 3}}, "txt")
	}, `b bin [{"$bin":"dead"},{"nested":{"$bin":"010203"}},"txt"]`)
	o.step("struct with json tags", func() error {
		return e.To("r3").Emit(ctx, "struct", emitterPoint{X: 3, Data: []byte{0xff}}, &emitterPoint{X: 4, Tag: "t"})
	}, `c struct [{"x":3,"data":{"$bin":"ff"}},{"x":4,"tag":"t","data":null}]`)
	o.step("volatile", func() error { return e.To("r1").Volatile().Emit(ctx, "vol", 1) },
		`adapter / vol {"volatile":true}`, `a vol [1]`, `b vol [1]`)
	o.step("compress", func() error { return e.To("r3").Compress(false).Emit(ctx, "nocomp") },
		`adapter / nocomp {"compress":false}`, `c nocomp []`)
	o.step("namespace", func() error { return admin.To("ops").Emit(ctx, "admin-ev", "hi") },
		`e admin-ev ["hi"]`)
	o.step("sockets join", func() error {
		if err := e.In("r3").SocketsJoin(ctx, "r4", "r5"); err != nil {
			return err
		}
		if err := e.To("r4").Emit(ctx, "after-join", 4); err != nil {
			return err
		}
		return e.To("r5").Emit(ctx, "after-join", 5)
	}, `c after-join [4]`, `c after-join [5]`)
	o.step("sockets leave", func() error {
		if err := e.In("r1").Except("r2").SocketsLeave(ctx, "r1"); err != nil {
			return err
		}
		return e.To("r1").Emit(ctx, "after-leave")
	}, `b after-leave []`)
	o.step("server-side emit", func() error {
		if err := e.ServerSideEmit(ctx, "srv-ev", "from-go", map[string]any{"n": 1}); err != nil {
			return err
		}
		if err := e.ServerSideEmit(ctx, "srv-bin", []byte{5, 6}); err != nil {
			return err
		}
		return admin.ServerSideEmit(ctx, "srv-ev", "to-admin")
	},
		`server / srv-ev ["from-go",{"n":1}]`,
		`server / srv-bin [{"type":"Buffer","data":[5,6]}]`, // JSON request: a Buffer object, as from Node's emitter
		`server /admin srv-ev ["to-admin"]`)
	o.step("disconnect sockets", func() error {
		if err := e.In("r2").DisconnectSockets(ctx, false); err != nil {
			return err
		}
		return e.Emit(ctx, "after-disconnect")
	}, `b disconnect io server disconnect`, `a after-disconnect []`, `c after-disconnect []`, `d after-disconnect []`)
	// b2 still got the barrier: without close, b's connection stays open.
	// With close, Node's server closes the whole connection: d2 (/admin, not targeted) goes too.
	o.step("disconnect sockets and close", func() error {
		if err := e.In(ids["d"]).DisconnectSockets(ctx, true); err != nil {
			return err
		}
		return e.Emit(ctx, "after-close")
	}, `d disconnect io server disconnect`, `d2 disconnect io server disconnect`, `a after-close []`, `c after-close []`)

	if err := e.ServerSideEmit(ctx, "quit"); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 15*time.Second)
}
