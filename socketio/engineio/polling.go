package engineio

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// upgradeCheck is how long a polling GET arriving during an upgrade is held before it is answered
// with a noop (Node's upgrade check interval).
const upgradeCheck = 100 * time.Millisecond

// pollWait is a polling GET waiting for packets. It lives only as long as its request.
type pollWait struct {
	wake    chan struct{} // 1-slot
	release PacketType    // set by closeWith: the packet answering the GET
}

func (p *pollWait) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// servePollGet answers a polling GET with the queued packets, waiting for some if there are none.
// It is the only place where a polling session's queue is drained.
func (s *Server) servePollGet(c *Conn, w http.ResponseWriter, r *http.Request, handshake bool) {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		s.fail(w, r, CodeUnknownSID, map[string]any{"sid": c.id})
		return
	}
	if c.isWS {
		c.mu.Unlock()
		s.fail(w, r, CodeBadRequest, map[string]any{"name": "TRANSPORT_MISMATCH", "transport": TransportPolling, "previousTransport": TransportWebSocket})
		return
	}
	if c.poll != nil {
		// As Node does: refuse the second GET and close the session (the first gets "1").
		c.mu.Unlock()
		writeJSONError(w, http.StatusBadRequest, CodeBadRequest, CodeMessage(CodeBadRequest))
		c.closeWith(ReasonTransportError, errors.New("engineio: overlapping polling GET requests"), PacketClose)
		return
	}
	pw := &pollWait{wake: make(chan struct{}, 1)}
	c.poll = pw
	// A GET arriving once a probe WebSocket is open is held (from the probe ping on, up to
	// upgradeCheck, as Node's check interval does) rather than answered at once; if the upgrade
	// completes meanwhile it is answered as a request arriving after the upgrade would be. (In
	// Node the probe's frames, already received, would have been handled first.)
	arrivedUpgrading := c.state == stateUpgrading || c.probe != nil
	a, ok := s.awaitPoll(c, pw, r, arrivedUpgrading) // releases c.mu
	if !ok {
		return
	}
	if a.upgradedWhileHeld {
		s.fail(w, r, CodeBadRequest, map[string]any{"name": "TRANSPORT_MISMATCH", "transport": TransportPolling, "previousTransport": TransportWebSocket})
		return
	}
	s.writePayload(c, w, r, a.batch, a.tail, handshake)

	n := len(a.batch)
	if n > 0 {
		clear(a.batch)
		c.mu.Lock()
		if c.spare == nil && cap(a.batch) <= maxRetainedQueue && c.state != stateClosed {
			c.spare = a.batch[:0]
		}
		c.mu.Unlock()
	}
	if a.finish {
		c.closeWith(a.reason, nil, PacketClose)
	}
	if n > 0 {
		c.wrote(n)
		c.emitDrain()
	}
}

// pollAnswer is what a polling GET answers with.
type pollAnswer struct {
	batch             []*Message
	tail              byte   // 0, or the digit of a last control packet
	finish            bool   // the session closes once the answer is written (reason)
	reason            string //
	upgradedWhileHeld bool   // refused: the session upgraded while the GET was held
}

// awaitPoll waits (c.mu held; it returns with c.mu released) until GET pw has something to
// answer: queued packets, the close of the session, an upgrade, or a noop once a probe is on. It
// returns false when the request went away first (the session is then closed).
func (s *Server) awaitPoll(c *Conn, pw *pollWait, r *http.Request, arrivedUpgrading bool) (pollAnswer, bool) {
	var a pollAnswer
	var hold <-chan time.Time
	holdExpired := false
	for {
		if c.state == stateClosed {
			a.tail = releaseDigit(pw.release)
			break
		}
		if c.isWS { // upgraded while waiting
			if arrivedUpgrading {
				a.upgradedWhileHeld = true
			} else {
				a.tail = '6'
			}
			break
		}
		if len(c.queue) > 0 {
			a.batch, c.queue, c.spare = c.queue, c.spare, nil
			c.queueBytes, c.backlog, c.backlogBytes = 0, 0, 0
		}
		if c.state == stateClosing {
			// The last packets go in a response of their own and the close packet in the
			// next one, as Node does: socket.io-client handles decoded packets a tick later,
			// so a close in the same payload would overtake, e.g., a DISCONNECT.
			if len(a.batch) == 0 {
				a.tail, a.finish = '1', true
			}
			break
		}
		if len(a.batch) > 0 {
			break
		}
		if c.state == stateUpgrading {
			if !arrivedUpgrading || holdExpired {
				a.tail = '6'
				break
			}
			if hold == nil {
				timer := time.NewTimer(s.upgradeCheck)
				defer timer.Stop()
				hold = timer.C
			}
		}
		c.mu.Unlock()
		select {
		case <-pw.wake:
		case <-hold:
			holdExpired = true
		case <-r.Context().Done():
			c.mu.Lock()
			if c.poll == pw {
				c.poll = nil
			}
			c.mu.Unlock()
			c.closeWith(ReasonTransportError, errors.New("engineio: poll connection closed prematurely"), PacketClose)
			return a, false
		}
		c.mu.Lock()
	}
	if c.poll == pw {
		c.poll = nil
	}
	a.reason = c.closeReason
	c.mu.Unlock()
	return a, true
}

// serveOwedNoop answers with "6" a GET that raced the client's own close packet (see
// Conn.owesNoop).
func (s *Server) serveOwedNoop(c *Conn, w http.ResponseWriter, r *http.Request) {
	s.writePayload(c, w, r, nil, '6', false)
}

func releaseDigit(t PacketType) byte {
	if t == PacketNoop {
		return '6'
	}
	return '1'
}

// writePayload writes a polling response holding batch and, if tail is not 0, a last control
// packet.
func (s *Server) writePayload(c *Conn, w http.ResponseWriter, r *http.Request, batch []*Message, tail byte, handshake bool) {
	var body []byte
	compressible := false
	if len(batch) == 1 && tail == 0 {
		body = batch[0].pollingBytes() // shared, never modified
		compressible = !batch[0].NoCompress
	} else {
		n := 2
		for _, m := range batch {
			n += len(m.pollingBytes()) + 1
		}
		body = make([]byte, 0, n)
		for i, m := range batch {
			if i > 0 {
				body = append(body, recordSeparator)
			}
			body = append(body, m.pollingBytes()...)
			compressible = compressible || !m.NoCompress
		}
		if tail != 0 {
			if len(body) > 0 {
				body = append(body, recordSeparator)
			}
			body = append(body, tail)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	s.sessionHeaders(h, r, c.id, handshake, true)
	if hc := s.opts.HTTPCompression; !hc.Disable && compressible && len(body) >= hc.Threshold {
		if enc := negotiateEncoding(r.Header.Get("Accept-Encoding")); enc != "" {
			if z, err := compressBody(enc, hc.Level, body); err == nil {
				body = z
				h.Set("Content-Encoding", enc)
			} else {
				s.log.LogAttrs(bg, levelError, "engineio: compress polling response", errAttr(err))
			}
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // a failed write means the client is gone; the next request will tell
}

// servePollPost reads the packets of a polling POST and answers "ok".
func (s *Server) servePollPost(c *Conn, w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/octet-stream" {
		// Binary bodies do not exist in protocol v4 (Node: "invalid content").
		writeJSONError(w, http.StatusBadRequest, CodeBadRequest, CodeMessage(CodeBadRequest))
		c.closeWith(ReasonTransportError, errors.New("engineio: binary content in a polling POST"), PacketClose)
		return
	}
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		s.fail(w, r, CodeUnknownSID, map[string]any{"sid": c.id})
		return
	}
	if c.postActive {
		c.mu.Unlock()
		writeJSONError(w, http.StatusBadRequest, CodeBadRequest, CodeMessage(CodeBadRequest))
		c.closeWith(ReasonTransportError, errors.New("engineio: overlapping polling POST requests"), PacketClose)
		return
	}
	c.postActive = true
	c.mu.Unlock()

	body, err := readBody(w, r, s.opts.MaxHTTPBufferSize)
	if err == nil && c.isClosed() {
		// Closed while the body was read (Node destroys such a request): nothing was delivered.
		c.mu.Lock()
		c.postActive = false
		c.mu.Unlock()
		writeJSONError(w, http.StatusBadRequest, CodeUnknownSID, CodeMessage(CodeUnknownSID))
		return
	}
	if err == nil {
		packets, derr := DecodePayload(body)
		for _, p := range packets {
			if !c.onPacket(p) {
				break
			}
		}
		err = derr
	}
	c.mu.Lock()
	c.postActive = false
	c.mu.Unlock()

	switch {
	case errors.Is(err, ErrPayloadTooLarge):
		// As in Node, the POST is refused and the session goes on: the client sees the 413 as a
		// transport error and closes it (or its ping timeout does). Nothing of it was delivered.
		s.log.LogAttrs(bg, levelDebug, "engineio: polling POST refused", sidAttr(c.id), errAttr(err))
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	case errors.Is(err, ErrInvalidPacket):
		writeJSONError(w, http.StatusBadRequest, CodeBadRequest, CodeMessage(CodeBadRequest))
		c.closeWith(ReasonParseError, err, PacketClose)
	case err != nil: // the client went away mid-body
		c.closeWith(ReasonTransportError, err, PacketClose)
	default:
		h := w.Header()
		// text/html as in Node (avoids a download dialog on some user agents).
		h.Set("Content-Type", "text/html")
		h.Set("Content-Length", "2")
		h.Set("Cache-Control", "no-store")
		s.sessionHeaders(h, r, c.id, false, true)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "ok")
	}
}

// readBody reads a request body of at most limit bytes; a larger one gives an error wrapping
// ErrPayloadTooLarge.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	tooLarge := func(n int64) error {
		return fmt.Errorf("engineio: polling POST of %d bytes or more (limit %d): %w", n, limit, ErrPayloadTooLarge)
	}
	if r.ContentLength > limit {
		return nil, tooLarge(r.ContentLength)
	}
	if r.ContentLength >= 0 {
		b := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, fmt.Errorf("engineio: read polling POST: %w", err)
		}
		return b, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(limit + 1)
		}
		return nil, fmt.Errorf("engineio: read polling POST: %w", err)
	}
	return b, nil
}
