package engineio

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// Flushing: a WebSocket on a plain socket with something to write is put on the server's flush
// list, and a few flusher goroutines (at most GOMAXPROCS, and none while the list is empty) take
// the connections in turn. A flusher takes everything queued on a connection at that moment,
// builds the frames in one buffer and writes it with one non-blocking system call: it never
// waits for a client. What a client's socket cannot take at once is left to a writer goroutine of
// that connection, which waits for it (with the write deadline) and goes on from there. So while
// a burst is being queued (a loop of broadcasts to thousands of clients), connections wait their
// turn on the list and gather frames meanwhile: a burst costs about one write per connection,
// and a lone frame still goes out at once.

// flushChunk is how many connections a flusher takes from the list at a time.
const flushChunk = 64

// scheduleFlush puts t on the flush list (c.mu held, t.writing set, t.wg counted), starting a
// flusher if fewer than GOMAXPROCS run. The caller's session holds s.wg (t is not final), so
// the count cannot be zero here.
func (s *Server) scheduleFlush(t *wsTransport) {
	s.flushMu.Lock()
	s.flushList = append(s.flushList, t)
	start := s.flushers < runtime.GOMAXPROCS(0)
	if start {
		s.flushers++
		s.wg.Add(1)
	}
	s.flushMu.Unlock()
	if start {
		s.pool.Go(s.flusher)
	}
}

// flusher flushes the connections of the list until it is empty.
func (s *Server) flusher() {
	defer s.wg.Done()
	var chunk []*wsTransport
	for {
		s.flushMu.Lock()
		n := min(len(s.flushList), flushChunk)
		if n == 0 {
			s.flushers--
			s.flushList = nil
			s.flushMu.Unlock()
			return
		}
		chunk = append(chunk[:0], s.flushList[:n]...)
		clear(s.flushList[:n])
		s.flushList = s.flushList[n:]
		s.flushMu.Unlock()
		for i, t := range chunk {
			t.flushOnce()
			chunk[i] = nil
		}
	}
}

// flushOnce writes what is queued on t without blocking. Anything but plain frames of an open
// session (a probe, a pong to a WebSocket ping, a close, compression) is left to a writer
// goroutine, as is the rest of a write the client's socket could not take at once.
func (t *wsTransport) flushOnce() {
	c := t.c
	s := c.srv
	c.mu.Lock()
	if t.dead || c.ws != t || !c.state.writes() || t.pongOwed || s.opts.PerMessageDeflate != nil {
		c.mu.Unlock()
		s.pool.Go(t.writeLoop)
		return
	}
	if len(c.queue) == 0 {
		t.writing = false
		c.mu.Unlock()
		t.wg.Done()
		return
	}
	batch := c.queue
	c.queue, c.queueBytes, c.backlog, c.backlogBytes = nil, 0, 0, 0
	c.mu.Unlock()

	bp := writeBufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, m := range batch {
		buf = append(appendFrameHeader(buf, m), m.Data...)
	}
	n := len(batch)
	clear(batch)
	written, err := t.writeNow(buf)
	if err == nil && written < len(buf) {
		t.pending = append([]byte(nil), buf[written:]...)
		t.pendingN = n
	}
	if cap(buf) <= maxWriteChunk*2 {
		*bp = buf[:0]
		writeBufPool.Put(bp)
	}
	switch {
	case err != nil:
		c.wsWriteFailed(t, fmt.Errorf("engineio: websocket write: %w", err))
		s.pool.Go(t.writeLoop) // says goodbye and ends
	case t.pending != nil:
		s.pool.Go(t.writeLoop)
	default:
		t.afterWrite(n)
		c.mu.Lock()
		more := len(c.queue) > 0 || t.dead || t.pongOwed || !c.state.writes()
		if !more {
			t.writing = false
		}
		c.mu.Unlock()
		if more {
			s.scheduleFlush(t) // to the back of the list: the others get their turn first
		} else {
			t.wg.Done()
		}
	}
}

// writeNow writes as much of b as the socket takes at once, without waiting.
func (t *wsTransport) writeNow(b []byte) (int, error) {
	written := 0
	var werr error
	err := t.rc.Write(func(fd uintptr) bool {
		for written < len(b) {
			n, err := syscall.Write(int(fd), b[written:])
			if n > 0 {
				written += n
			}
			switch {
			case err == nil && n > 0:
				continue
			case errors.Is(err, syscall.EINTR):
				continue
			case errors.Is(err, syscall.EAGAIN):
			default:
				werr = err
			}
			break
		}
		return true // never wait: what is left goes to a writer goroutine
	})
	if err != nil {
		return written, err
	}
	return written, werr
}

// afterWrite records that the n packets of a batch have been written (drain, OnFlushed).
func (t *wsTransport) afterWrite(n int) {
	c := t.c
	c.mu.Lock()
	active := c.ws == t
	c.mu.Unlock()
	if n > 0 && active {
		c.wrote(n)
		c.emitDrain()
	}
}
