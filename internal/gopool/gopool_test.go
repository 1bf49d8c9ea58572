package gopool

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolRunsEveryTaskAndReusesGoroutines(t *testing.T) {
	p := New(4)
	var ran atomic.Int64
	var wg sync.WaitGroup
	for range 1000 {
		wg.Add(1)
		p.Go(func() { ran.Add(1); wg.Done() })
		if ran.Load()%100 == 0 {
			runtime.Gosched()
		}
	}
	wg.Wait()
	if got := ran.Load(); got != 1000 {
		t.Fatalf("ran %d tasks, want 1000", got)
	}
	p.mu.Lock()
	idle := len(p.idle)
	p.mu.Unlock()
	if idle == 0 || idle > 4 {
		t.Fatalf("%d idle goroutines kept, want 1..4", idle)
	}
	before := runtime.NumGoroutine()
	p.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before-idle && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before-idle {
		t.Fatalf("%d goroutines after Close, want at most %d", n, before-idle)
	}
}

func TestPoolTaskMayBlock(t *testing.T) {
	p := New(1)
	defer p.Close()
	release := make(chan struct{})
	started := make(chan struct{})
	p.Go(func() { close(started); <-release })
	<-started
	done := make(chan struct{})
	p.Go(func() { close(done) }) // must not wait for the blocked task
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a task waited for a blocked one")
	}
	close(release)
}

func TestPoolAfterClose(t *testing.T) {
	p := New(2)
	p.Close()
	done := make(chan struct{})
	p.Go(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("task given after Close did not run")
	}
}

func BenchmarkGoroutinePerTask(b *testing.B) {
	var wg sync.WaitGroup
	for range b.N {
		wg.Add(1)
		go func() { deep(40); wg.Done() }()
		wg.Wait()
	}
}

func BenchmarkPool(b *testing.B) {
	p := New(0)
	defer p.Close()
	var wg sync.WaitGroup
	for range b.N {
		wg.Add(1)
		p.Go(func() { deep(40); wg.Done() })
		wg.Wait()
	}
}

// deep uses some stack, as a handler that decodes and answers a message does.
//
//go:noinline
func deep(n int) int {
	var buf [128]byte
	buf[n%128] = byte(n)
	if n == 0 {
		return int(buf[0])
	}
	return deep(n-1) + int(buf[n%128])
}
