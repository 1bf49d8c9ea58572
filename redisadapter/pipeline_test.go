package redisadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

// tripHook counts the round trips that publish (PUBLISH, SPUBLISH) of a go-redis client: one
// per command sent alone, one per pipeline. Each round trip takes delay more, like a distant
// Redis, and refused names a channel whose lone publishes Redis refuses.
type tripHook struct {
	delay     time.Duration
	cmds      atomic.Int64 // publishes sent alone
	pipes     atomic.Int64 // pipelines of publishes
	piped     atomic.Int64 // publishes sent in pipelines
	refused   atomic.Pointer[string]
	published atomic.Int64
}

func isPublish(c redis.Cmder) bool { return c.Name() == "publish" || c.Name() == "spublish" }

func (*tripHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *tripHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !isPublish(cmd) {
			return next(ctx, cmd)
		}
		h.cmds.Add(1)
		if ch := h.refused.Load(); ch != nil && fmt.Sprint(cmd.Args()[1]) == *ch {
			err := redis.Error(refusedErr{})
			cmd.SetErr(err)
			return err
		}
		time.Sleep(h.delay)
		h.published.Add(1)
		return next(ctx, cmd)
	}
}

func (h *tripHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) == 0 || !isPublish(cmds[0]) {
			return next(ctx, cmds)
		}
		h.pipes.Add(1)
		h.piped.Add(int64(len(cmds)))
		h.published.Add(int64(len(cmds)))
		time.Sleep(h.delay)
		return next(ctx, cmds)
	}
}

func (h *tripHook) trips() int64 { return h.cmds.Load() + h.pipes.Load() }

type refusedErr struct{}

func (refusedErr) Error() string { return "NOPERM test: refused" }
func (refusedErr) RedisError()   {}

// pipelineCase is a cluster of two nodes for the pipelining tests: A publishes through a
// client with a tripHook, B through its own.
type pipelineCase struct {
	name  string
	start func(t *testing.T, hook *tripHook) (a, b *node)
}

func pipelineCases() []pipelineCase {
	return []pipelineCase{
		{"classic", func(t *testing.T, hook *tripHook) (*node, *node) {
			r := redistest.Real(t)
			rdbA, rdbB := r.Client(t), r.Client(t)
			rdbA.AddHook(hook)
			opts := redisadapter.Options{Key: redistest.Key(t)}
			return startNode(t, rdbA, opts), startNode(t, rdbB, opts)
		}},
		{"sharded", func(t *testing.T, hook *tripHook) (*node, *node) {
			r := redistest.Sharded(t)
			rdbA, rdbB := r.Client(t), r.Client(t)
			rdbA.AddHook(hook)
			opts := redisadapter.ShardedOptions{ChannelPrefix: redistest.Key(t)}
			return startShardedNode(t, rdbA, opts), startShardedNode(t, rdbB, opts)
		}},
	}
}

// clusterPipelineCases are the same over a Redis Cluster of three masters.
func clusterPipelineCases(addrs []string) []pipelineCase {
	client := func(t *testing.T, hook *tripHook) *redis.ClusterClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		t.Cleanup(func() { _ = c.Close() })
		if hook != nil {
			// On the nodes' clients: a round trip is one node's share of a pipeline.
			c.OnNewNode(func(rdb *redis.Client) { rdb.AddHook(hook) })
		}
		return c
	}
	return []pipelineCase{
		{"classic-cluster", func(t *testing.T, hook *tripHook) (*node, *node) {
			opts := redisadapter.Options{Key: redistest.Key(t)}
			return startNode(t, client(t, hook), opts), startNode(t, client(t, nil), opts)
		}},
		{"sharded-cluster", func(t *testing.T, hook *tripHook) (*node, *node) {
			opts := redisadapter.ShardedOptions{ChannelPrefix: redistest.Key(t)}
			return startShardedNode(t, client(t, hook), opts), startShardedNode(t, client(t, nil), opts)
		}},
	}
}

// TestPipelinedBroadcasts: many goroutines of node A broadcast while each round trip to Redis
// takes a few milliseconds: the broadcasts that wait behind one in flight go out together, in
// far fewer round trips than broadcasts, and node B's client gets every one, each goroutine's
// in its order.
func TestPipelinedBroadcasts(t *testing.T) {
	for _, c := range pipelineCases() {
		t.Run(c.name, func(t *testing.T) { testPipelinedBroadcasts(t, c) })
	}
}

// TestPipelinedRedisCluster: the same, and the requests, over a Redis Cluster (classic: every
// channel of the namespace through the master of its request channel; sharded: each channel
// through the master of its slot).
func TestPipelinedRedisCluster(t *testing.T) {
	addrs := redistest.StartCluster(t, 3)
	for _, c := range clusterPipelineCases(addrs) {
		t.Run(c.name, func(t *testing.T) {
			testPipelinedBroadcasts(t, c)
			testPipelinedRequests(t, c)
		})
	}
}

func testPipelinedBroadcasts(t *testing.T, c pipelineCase) {
	hook := &tripHook{delay: 2 * time.Millisecond}
	a, b := c.start(t, hook)
	waitCount(t, 2, a, b)
	cb := connect(t, b)
	const senders, each = 16, 40
	before := hook.trips()
	fanOut(t, senders, each, func(id string) error { return a.srv.Emit("m", id) })
	got := make([]string, 0, senders*each)
	for range senders * each {
		_, data := cb.next(t)
		var args []string
		if err := json.Unmarshal([]byte(data), &args); err != nil || len(args) != 2 || args[0] != "m" {
			t.Fatalf("event %s", data)
		}
		got = append(got, args[1])
	}
	checkOrder(t, got, senders, each)
	trips := hook.trips() - before
	t.Logf("%d broadcasts in %d round trips (%d alone, %d pipelines)", senders*each, trips, hook.cmds.Load(), hook.pipes.Load())
	if trips > senders*each/8 {
		t.Errorf("%d round trips for %d broadcasts: not pipelined", trips, senders*each)
	}
}

// TestPipelinedRequests: requests (which wait for their PUBLISH) of many goroutines go out
// together too, each goroutine's in its order.
func TestPipelinedRequests(t *testing.T) {
	for _, c := range pipelineCases() {
		t.Run(c.name, func(t *testing.T) { testPipelinedRequests(t, c) })
	}
}

func testPipelinedRequests(t *testing.T, c pipelineCase) {
	hook := &tripHook{delay: 2 * time.Millisecond}
	a, b := c.start(t, hook)
	waitCount(t, 2, a, b)
	const senders, each = 16, 10
	got := make(chan string, senders*each)
	b.srv.On("req", func(ev *socketio.Event) error {
		vals, _ := ev.Values()
		if len(vals) == 1 {
			s, _ := vals[0].(string)
			got <- s
		}
		return nil
	})
	before := hook.trips()
	fanOut(t, senders, each, func(id string) error { return a.srv.ServerSideEmit(context.Background(), "req", id) })
	var all []string
	for range senders * each {
		select {
		case s := <-got:
			all = append(all, s)
		case <-time.After(5 * time.Second):
			t.Fatalf("B got %d of %d requests", len(all), senders*each)
		}
	}
	checkOrder(t, all, senders, each)
	trips := hook.trips() - before
	t.Logf("%d requests in %d round trips", senders*each, trips)
	if trips > senders*each/3 {
		t.Errorf("%d round trips for %d requests that waited behind each other: not pipelined", trips, senders*each)
	}
}

// fanOut runs publish from senders goroutines at once, each times in a row, with the ids
// "g-i" (sender g, its i-th message), and waits for them.
func fanOut(t *testing.T, senders, each int, publish func(id string) error) {
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("%d-%d", g, i)
				if err := publish(id); err != nil {
					t.Errorf("%s: %v", id, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// checkOrder checks that got holds every "g-i" of senders×each, each sender's in order.
func checkOrder(t *testing.T, got []string, senders, each int) {
	t.Helper()
	next := make([]int, senders)
	for _, s := range got {
		var g, i int
		if _, err := fmt.Sscanf(s, "%d-%d", &g, &i); err != nil || g >= senders {
			t.Fatalf("got %q", s)
		}
		if i != next[g] {
			t.Fatalf("sender %d: got message %d, want %d (out of order or lost)", g, i, next[g])
		}
		next[g]++
	}
	for g, n := range next {
		if n != each {
			t.Errorf("sender %d: %d messages arrived, want %d", g, n, each)
		}
	}
}

// TestLonePublish: a broadcast or a request while nothing is in flight goes out at once, as a
// command of its own (no pipeline, no delay); the next one too.
func TestLonePublish(t *testing.T) {
	for _, c := range pipelineCases() {
		t.Run(c.name, func(t *testing.T) {
			hook := &tripHook{}
			a, b := c.start(t, hook)
			waitCount(t, 2, a, b)
			cb := connect(t, b)
			reached := make(chan struct{}, 1)
			b.srv.On("req", func(*socketio.Event) error { reached <- struct{}{}; return nil })
			for i := range 3 {
				cmds, pipes := hook.cmds.Load(), hook.pipes.Load()
				start := time.Now()
				if err := a.srv.Emit("lone", i); err != nil {
					t.Fatal(err)
				}
				cb.expectEvent(t, "lone")
				if err := a.srv.ServerSideEmit(context.Background(), "req"); err != nil {
					t.Fatal(err)
				}
				<-reached
				if el := time.Since(start); el > time.Second {
					t.Errorf("lone broadcast and request took %v", el)
				}
				if hook.cmds.Load()-cmds != 2 || hook.pipes.Load() != pipes {
					t.Errorf("%d commands, %d pipelines; want 2 commands alone", hook.cmds.Load()-cmds, hook.pipes.Load()-pipes)
				}
			}
		})
	}
}

// TestPublishErrors: what Redis refuses reaches the caller that waits for its PUBLISH (a
// request), and is counted for a broadcast, which does not wait.
func TestPublishErrors(t *testing.T) {
	r := redistest.Real(t)
	rdb := r.Client(t)
	hook := &tripHook{}
	rdb.AddHook(hook)
	key := redistest.Key(t)
	stats := new(redisadapter.Stats)
	logs := newLogSink()
	a := startNode(t, rdb, redisadapter.Options{Key: key, Stats: stats, Logger: logs.logger()})
	b := startNode(t, r.Client(t), redisadapter.Options{Key: key})
	waitCount(t, 2, a, b)
	reqCh := key + "-request#/#"
	hook.refused.Store(&reqCh)
	err := a.srv.ServerSideEmit(context.Background(), "req")
	var rerr refusedErr
	if !errors.As(err, &rerr) {
		t.Errorf("refused request: %v, want Redis' error", err)
	}
	bcCh := key + "#/#"
	hook.refused.Store(&bcCh)
	if err := a.srv.Emit("x"); err != nil {
		t.Errorf("broadcast: %v, want nil (it does not wait for Redis)", err)
	}
	logs.waitFor(t, "refused by Redis")
	if stats.Dropped() != 1 {
		t.Errorf("dropped %d, want the refused broadcast", stats.Dropped())
	}
}
