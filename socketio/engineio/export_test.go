package engineio

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
