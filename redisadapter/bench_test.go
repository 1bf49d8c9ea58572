package redisadapter_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

// BenchmarkCrossNodeBroadcast measures broadcasts from node A to the WebSocket clients of
// node B through Redis, in classic mode (PUBLISH; REDIS_URL, else miniredis) and in sharded
// mode (SPUBLISH, dynamic subscriptions; REDIS_URL, else a redis-server of the benchmark):
// deliveries per second and the latency from Emit on A to the client's read of the frame
// (p50, p99). At most `window` broadcasts are in flight (window=1: the latency of one
// broadcast at a time). The clients run in the same process, so their decoding shares the
// CPU.
func BenchmarkCrossNodeBroadcast(b *testing.B) {
	for _, mode := range []string{"classic", "sharded"} {
		for _, c := range []struct{ clients, window int }{{10, 16}, {100, 16}, {100, 1}} {
			b.Run(fmt.Sprintf("mode=%s/clients=%d/window=%d", mode, c.clients, c.window), func(b *testing.B) {
				benchCrossNode(b, mode == "sharded", c.clients, c.window)
			})
		}
	}
}

func benchCrossNode(b *testing.B, sharded bool, nclients, window int) {
	var a, bn *node
	if sharded {
		rdb := redistest.Sharded(b).Client(b)
		opts := redisadapter.ShardedOptions{ChannelPrefix: redistest.Key(b)}
		a, bn = startShardedNode(b, rdb, opts), startShardedNode(b, rdb, opts)
	} else {
		r := redistest.New(b)
		if os.Getenv("REDIS_URL") == "" {
			b.Log("miniredis: set REDIS_URL for figures over a real Redis")
		}
		rdb := r.Client(b)
		key := redistest.Key(b)
		a, bn = startNode(b, rdb, redisadapter.Options{Key: key}), startNode(b, rdb, redisadapter.Options{Key: key})
	}
	waitCount(b, 2, a, bn)

	var (
		delivered atomic.Int64
		notify    = make(chan struct{}, 1)
		readers   sync.WaitGroup
		lats      = make([][]time.Duration, nclients)
	)
	prefix := []byte(`["m",`)
	for i := range nclients {
		c := connect(b, bn)
		lats[i] = make([]time.Duration, 0, b.N)
		readers.Add(1)
		go func(c *testclient.Client, out *[]time.Duration) {
			defer readers.Done()
			for p := range c.Packets {
				if p.Type != parser.Event || !bytes.HasPrefix(p.Data, prefix) {
					continue
				}
				ts, err := strconv.ParseInt(string(p.Data[len(prefix):len(p.Data)-1]), 10, 64)
				if err != nil {
					continue
				}
				*out = append(*out, time.Duration(time.Now().UnixNano()-ts))
				delivered.Add(1)
				select {
				case notify <- struct{}{}:
				default:
				}
			}
		}(c.Client, &lats[i])
	}

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	total := int64(b.N) * int64(nclients)
	for i := range b.N {
		for int64(i-window+1)*int64(nclients) > delivered.Load() {
			select {
			case <-notify:
			case <-time.After(10 * time.Second):
				b.Fatalf("stalled: %d of %d deliveries", delivered.Load(), int64(i)*int64(nclients))
			}
		}
		if err := a.srv.Emit("m", time.Now().UnixNano()); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.After(30 * time.Second)
	for delivered.Load() < total {
		select {
		case <-notify:
		case <-deadline:
			b.Fatalf("%d of %d deliveries", delivered.Load(), total)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = bn.srv.Close(ctx) // ends the clients' connections, so the readers stop
	readers.Wait()
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(float64(total)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
