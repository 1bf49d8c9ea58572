// Package gopool runs short tasks on goroutines that are kept for the next task, instead of
// starting a goroutine per task.
//
// A goroutine started for each task begins with a small stack and grows it (a copy each time the
// size doubles) as the task calls deeper: for tasks like "read one message and run its handler"
// that growth can cost more than the task itself. A Pool keeps a bounded number of idle
// goroutines, whose stacks have already grown, and hands them the next tasks. When none is idle a
// new goroutine is started, so a task never waits for another, and a task may block.
package gopool

import "sync"

// DefaultIdle is the number of idle goroutines a Pool keeps when New is given zero.
const DefaultIdle = 64

// Pool runs tasks on reused goroutines. Its zero value is not usable; create it with New.
type Pool struct {
	maxIdle int
	wg      sync.WaitGroup // every goroutine of the pool

	mu     sync.Mutex
	idle   []chan func() // idle goroutines, the most recently used last
	closed bool
}

// New returns a Pool that keeps at most maxIdle idle goroutines (zero: DefaultIdle).
func New(maxIdle int) *Pool {
	if maxIdle <= 0 {
		maxIdle = DefaultIdle
	}
	return &Pool{maxIdle: maxIdle}
}

// Go runs f on an idle goroutine of the pool, or on a new one. After Close it starts a new
// goroutine that is not kept.
func (p *Pool) Go(f func()) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		ch := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		ch <- f
		return
	}
	closed := p.closed
	if !closed {
		p.wg.Add(1)
	}
	p.mu.Unlock()
	if closed {
		go f()
		return
	}
	go p.work(f)
}

func (p *Pool) work(f func()) {
	defer p.wg.Done()
	var ch chan func()
	for {
		f()
		p.mu.Lock()
		if p.closed || len(p.idle) >= p.maxIdle {
			p.mu.Unlock()
			return
		}
		if ch == nil {
			ch = make(chan func(), 1)
		}
		p.idle = append(p.idle, ch)
		p.mu.Unlock()
		f = <-ch
		if f == nil {
			return
		}
	}
}

// Close ends the idle goroutines and waits for every goroutine of the pool to finish its task.
// Tasks given to Go after Close run on goroutines of their own.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, ch := range idle {
		ch <- nil
	}
	p.wg.Wait()
}
