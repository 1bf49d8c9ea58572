//go:build linux

package engineio

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
)

// poller tells when idle connections become readable, so that an idle WebSocket needs no
// goroutine (and no goroutine stack) of its own: one goroutine per Server waits in epoll_wait
// for all of them. Each registration is one-shot: it fires once, then the connection's reader
// reads what came and arms it again (see wsTransport.readRun).
//
// Registrations are made through the connection's syscall.RawConn, which holds the file
// descriptor open meanwhile, so that a closing connection's descriptor number, reused by a new
// connection, is never touched. A descriptor leaves the epoll set by itself when it is closed.
// Events are matched to connections by a token, never by descriptor number.
type poller struct {
	epfd int
	wake int // eventfd: written to stop the loop

	mu    sync.Mutex
	next  uint64
	items map[uint64]func() // token -> what to run when readable

	done chan struct{} // closed when loop has returned
}

const pollWakeToken = 0

func newPoller() (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("engineio: epoll_create1: %w", err)
	}
	r1, _, errno := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if errno != 0 {
		syscall.Close(epfd)
		return nil, fmt.Errorf("engineio: eventfd2: %w", errno)
	}
	wake := int(r1)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	setToken(&ev, pollWakeToken)
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, wake, &ev); err != nil {
		syscall.Close(wake)
		syscall.Close(epfd)
		return nil, fmt.Errorf("engineio: epoll_ctl: %w", err)
	}
	p := &poller{epfd: epfd, wake: wake, next: 1, items: make(map[uint64]func()), done: make(chan struct{})}
	go p.loop()
	return p, nil
}

// setToken and token store a uint64 in the event's data (the Fd and Pad fields of Go's
// EpollEvent together are the kernel's 64-bit epoll_data).
func setToken(ev *syscall.EpollEvent, tok uint64) {
	ev.Fd = int32(uint32(tok))
	ev.Pad = int32(uint32(tok >> 32))
}

func token(ev *syscall.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

func (p *poller) loop() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return // the epoll descriptor is unusable: nothing can be waited for any more
		}
		for i := range n {
			tok := token(&events[i])
			if tok == pollWakeToken {
				return
			}
			p.mu.Lock()
			f := p.items[tok]
			p.mu.Unlock()
			if f != nil {
				f()
			}
		}
	}
}

// newToken returns a new registration token, to be passed to register.
func (p *poller) newToken() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	tok := p.next
	p.next++
	return tok
}

// register adds rc's descriptor, armed, under token tok: f runs (on the poller's goroutine: it
// must not block) once rc is readable or hung up.
func (p *poller) register(rc syscall.RawConn, tok uint64, f func()) error {
	p.mu.Lock()
	p.items[tok] = f
	p.mu.Unlock()
	if err := p.ctl(rc, syscall.EPOLL_CTL_ADD, tok); err != nil {
		p.forget(tok)
		return err
	}
	return nil
}

// arm makes a fired registration fire again once rc is readable (at once if it already is).
func (p *poller) arm(rc syscall.RawConn, tok uint64) error {
	return p.ctl(rc, syscall.EPOLL_CTL_MOD, tok)
}

func (p *poller) ctl(rc syscall.RawConn, op int, tok uint64) error {
	var err error
	cerr := rc.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT}
		setToken(&ev, tok)
		err = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
	})
	if cerr != nil {
		return fmt.Errorf("engineio: poll: %w", cerr)
	}
	if err != nil {
		return fmt.Errorf("engineio: epoll_ctl: %w", err)
	}
	return nil
}

// forget drops a registration's callback (its descriptor leaves the set when it is closed).
func (p *poller) forget(tok uint64) {
	p.mu.Lock()
	delete(p.items, tok)
	p.mu.Unlock()
}

// close stops the loop and releases the descriptors. No registration may be made after it.
func (p *poller) close() {
	var one = [8]byte{1}
	_, _ = syscall.Write(p.wake, one[:])
	<-p.done
	syscall.Close(p.wake)
	syscall.Close(p.epfd)
}
