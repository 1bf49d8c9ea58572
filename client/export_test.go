package client

import (
	"time"

	"github.com/gosockio/gosockio/socketio/engineio"
)

// BackoffDelay is the delay before reconnection attempt attempt+1 with o's settings.
func BackoffDelay(o Options, attempt int) time.Duration {
	o = o.withDefaults()
	b := backoff{min: o.ReconnectionDelay, max: o.ReconnectionDelayMax, jitter: o.RandomizationFactor, attempts: attempt}
	return b.duration()
}

// FeedPayload hands a polling payload to m as its session's reader would, with the Socket of
// "/" connecting; it returns the error that would close the session ("parse error").
func FeedPayload(m *Manager, b []byte) error {
	pkts, err := engineio.DecodePayload(b)
	if err != nil {
		return err
	}
	for _, p := range pkts {
		if p.Type != engineio.PacketMessage {
			continue
		}
		if err := m.onMessage(p.Data, p.Binary); err != nil {
			return err
		}
	}
	return nil
}

// ReadHandshake parses an open packet's payload as the client does.
func ReadHandshake(b []byte) error {
	e := &engine{}
	return e.readHandshake(b)
}

// ResetForFuzz starts m's packet decoder afresh and marks its Sockets as connecting.
func ResetForFuzz(m *Manager) {
	m.mu.Lock()
	m.dec.Reset()
	ss := make([]*Socket, 0, len(m.nsps))
	for _, s := range m.nsps {
		ss = append(ss, s)
	}
	m.mu.Unlock()
	for _, s := range ss {
		s.active.Store(true)
		s.mu.Lock()
		s.connected, s.id = false, ""
		s.mu.Unlock()
	}
}
