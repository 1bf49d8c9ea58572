package cluster_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/testlog"
)

// listenerNode is a namespace of one bus node that has no sockets and records the server-side
// events it receives (an int argument each); the first one blocks until release is closed.
type listenerNode struct {
	adapter.Namespace // nil: only Name and OnServerSideEmit are called
	release           chan struct{}

	active     atomic.Int32
	concurrent atomic.Bool
	mu         sync.Mutex
	got        []int
}

func (n *listenerNode) Name() string { return "/" }

func (n *listenerNode) OnServerSideEmit(args []any, _ func(any)) {
	if n.active.Add(1) > 1 {
		n.concurrent.Store(true)
	}
	defer n.active.Add(-1)
	i := args[1].(int)
	n.mu.Lock()
	n.got = append(n.got, i)
	n.mu.Unlock()
	if i == 0 {
		<-n.release
	}
}

func (n *listenerNode) received() []int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.got)
}

// listenerCluster returns a sender node and a receiving node whose listener blocks on event 0,
// and the receiving node's log.
func listenerCluster(t *testing.T) (from adapter.Adapter, to adapter.Adapter, n *listenerNode, log *testlog.Buffer) {
	t.Helper()
	bus := cluster.NewBus()
	log = &testlog.Buffer{}
	n = &listenerNode{release: make(chan struct{})}
	from, err := bus.Factory(cluster.Options{})(adapter.NewLocal(&listenerNode{}))
	if err != nil {
		t.Fatal(err)
	}
	to, err = bus.Factory(cluster.Options{Logger: slog.New(slog.NewTextHandler(log, nil))})(adapter.NewLocal(n))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = to.Close(ctx)
		_ = from.Close(ctx)
	})
	return from, to, n, log
}

// emitEvents sends server-side events 0…count-1 from one node, then waits until the other
// node has received them all (its answer to a FetchSockets comes after them).
func emitEvents(t *testing.T, from adapter.Adapter, count int) {
	t.Helper()
	emitRange(t, from, 0, count)
}

// emitRange sends server-side events start…end-1 and waits until the other node has them.
func emitRange(t *testing.T, from adapter.Adapter, start, end int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := start; i < end; i++ {
		if _, err := from.ServerSideEmit(ctx, []any{"ev", i}, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := from.FetchSockets(ctx, adapter.Target{}); err != nil {
		t.Fatal(err)
	}
}

// TestServerSideListenersInOrder: the listeners of server-side events run one at a time, in
// arrival order, even when more events arrive than the queue holds (those are dropped and
// logged); no goroutine is started for them.
func TestServerSideListenersInOrder(t *testing.T) {
	const queue = 1024 // Options.ListenerQueue's default
	from, to, n, log := listenerCluster(t)
	emitEvents(t, from, 1)
	// event 0 must be running (out of the queue) before the queue fills
	for deadline := time.Now().Add(5 * time.Second); n.active.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first server-side listener never ran")
		}
	}
	emitRange(t, from, 1, queue+101) // queue waiting, 100 more
	close(n.release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := to.Close(ctx); err != nil { // runs what is queued
		t.Fatal(err)
	}
	if n.concurrent.Load() {
		t.Fatal("two server-side listeners ran at the same time")
	}
	got := n.received()
	for i, v := range got {
		if v != i {
			t.Fatalf("event %d ran in position %d (order %v…)", v, i, got[:min(len(got), i+5)])
		}
	}
	if len(got) != queue+1 {
		t.Fatalf("%d events ran, want %d (one running and a full queue)", len(got), queue+1)
	}
	log.Wait(t, 1, "server-side event dropped", "dropped_total=1")
}

// TestCloseRunsQueuedListeners: Close waits for the server-side events already queued.
func TestCloseRunsQueuedListeners(t *testing.T) {
	from, to, n, _ := listenerCluster(t)
	emitEvents(t, from, 10)
	go func() {
		time.Sleep(50 * time.Millisecond)
		close(n.release)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := to.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := n.received(); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("Close returned after running %v, want every queued event", got)
	}
}

// TestCloseSaysWhatItDrops: when Close's ctx ends while a listener is blocked, Close returns
// its error, and the events queued behind it are dropped with a log line saying how many.
func TestCloseSaysWhatItDrops(t *testing.T) {
	from, to, n, log := listenerCluster(t)
	emitEvents(t, from, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := to.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with a listener blocked: %v, want a deadline error", err)
	}
	close(n.release)
	log.Wait(t, 1, "closed before running queued server-side events", "dropped=4")
	if got := n.received(); !slices.Equal(got, []int{0}) {
		t.Fatalf("ran %v after Close gave up, want only the blocked one", got)
	}
}
