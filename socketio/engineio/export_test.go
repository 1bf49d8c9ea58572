package engineio

import (
	"bytes"
	"compress/gzip"
	"time"
)

// Test-only access to internals.

// PostActive reports whether a polling POST of c is being read.
func PostActive(c *Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.postActive
}

// GetPending reports whether a polling GET of c is waiting.
func GetPending(c *Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.poll != nil
}

// Upgrading reports whether c is probing a WebSocket.
func Upgrading(c *Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.probe != nil
}

// Prepared reports whether m's PreparedMessage has been built, and returns it.
func Prepared(m *Message) (any, bool) {
	ok := false
	m.wsOnce.Do(func() {}) // no-op if built; marks done otherwise, so check the field
	if m.ws != nil {
		ok = true
	}
	return m.ws, ok
}

// NegotiateEncoding exposes negotiateEncoding.
var NegotiateEncoding = negotiateEncoding

// CompressBody exposes compressBody.
var CompressBody = compressBody

// CompressBodyUnpooled compresses like compressBody with a new writer each time (benchmark
// baseline).
func CompressBodyUnpooled(enc string, level int, body []byte) ([]byte, error) {
	var buf bytes.Buffer
	z, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		return nil, err
	}
	if _, err := z.Write(body); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SetUpgradeCheck changes how long s holds a GET arriving during an upgrade.
func SetUpgradeCheck(s *Server, d time.Duration) { s.upgradeCheck = d }

// SetNoPoll makes every WebSocket of s read by a goroutine of its own (no poller).
func SetNoPoll(s *Server) { s.noPoll = true }

// Polled reports whether the server's poller watches c's WebSocket.
func Polled(c *Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws != nil && c.ws.polled
}

// SetCloseTimeout changes how long a graceful close may wait for its flush.
func SetCloseTimeout(s *Server, d time.Duration) { s.closeTimeout = d }
