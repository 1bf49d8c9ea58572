package test

import (
	"context"
	"testing"
	"time"

	"github.com/gosockio/gosockio/emitter"
)

// Go emitter → Node cluster: a Node Socket.IO server on @socket.io/redis-adapter, with real
// socket.io-client clients in rooms (js/emitter-node-server.js), receives every emitter
// operation.
func TestEmitterToNodeCluster(t *testing.T) {
	requireNode(t)
	rdb, url, key := emitterRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := startNode(t, ctx, "emitter-node-server.js", url, key)

	e := emitter.New(rdb, emitter.Options{Key: key})
	o := &observer{t: t, lines: p.lines, proc: p, servers: []string{"server"}, barrier: goBarrier(ctx, e)}
	ids := o.waitReady()
	for _, s := range emitterSteps {
		s.check(o, func() error { return s.run(ctx, e, ids) }, []string{"server"}, true)
	}

	if err := e.ServerSideEmit(ctx, "quit"); err != nil {
		t.Fatal(err)
	}
	p.wait(t, 15*time.Second)
}

// goBarrier publishes the barrier n (see observer.barrier) with the Go emitter.
func goBarrier(ctx context.Context, e *emitter.Emitter) func(n int) error {
	return func(n int) error {
		if err := e.Emit(ctx, "barrier", n); err != nil {
			return err
		}
		if err := e.Of("/admin").Emit(ctx, "barrier", n); err != nil {
			return err
		}
		return e.ServerSideEmit(ctx, "barrier", n)
	}
}
