package emitter_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/emitter"
)

// roundTrips counts the round trips that publish, and makes each take delay.
type roundTrips struct {
	delay       time.Duration
	cmds, pipes atomic.Int64
}

func (*roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "publish" {
			h.cmds.Add(1)
			time.Sleep(h.delay)
		}
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && cmds[0].Name() == "publish" {
			h.pipes.Add(1)
			time.Sleep(h.delay)
		}
		return next(ctx, cmds)
	}
}

// TestPipelined: the operations of many goroutines that wait behind a PUBLISH in flight go
// out together, in far fewer round trips than operations; each gets its own receiver count,
// and each goroutine's messages are published in its order.
func TestPipelined(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	hook := &roundTrips{delay: 2 * time.Millisecond}
	rdb.AddHook(hook)
	e := emitter.New(rdb, emitter.Options{Key: key})
	const workers, each = 16, 20
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				res, err := e.EmitResult(ctx, "ev", w, i)
				if err != nil || res.Receivers != 1 || res.Queued {
					t.Errorf("%d/%d: %+v, %v; want 1 receiver (the recorder)", w, i, res, err)
				}
			}
		})
	}
	wg.Wait()
	next := make([]int64, workers)
	for range workers * each {
		b := broadcast(t, rec.nextIs(key+"#/#"))
		w, i := b.Packet.Data[1].(int64), b.Packet.Data[2].(int64)
		if i != next[w] {
			t.Fatalf("worker %d: message %d published after %d", w, i, next[w]-1)
		}
		next[w]++
	}
	trips := hook.cmds.Load() + hook.pipes.Load()
	t.Logf("%d operations in %d round trips", workers*each, trips)
	if trips > workers*each/3 {
		t.Errorf("%d round trips for %d operations: not pipelined", trips, workers*each)
	}
	if err := e.Close(ctx); err != nil {
		t.Error(err)
	}
}

// TestLoneEmit: an operation while nothing is in flight is published at once, alone.
func TestLoneEmit(t *testing.T) {
	rdb, key := newRedis(t)
	hook := &roundTrips{}
	rdb.AddHook(hook)
	e := emitter.New(rdb, emitter.Options{Key: key})
	for range 3 {
		if err := e.Emit(ctx, "ev"); err != nil {
			t.Fatal(err)
		}
	}
	if hook.cmds.Load() != 3 || hook.pipes.Load() != 0 {
		t.Errorf("%d commands, %d pipelines; want 3 commands", hook.cmds.Load(), hook.pipes.Load())
	}
}
