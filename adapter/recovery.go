package adapter

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosockio/gosockio/socketio/parser"
)

// RecoveryOptions configure MemoryWithRecovery. Zero fields mean the defaults given.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long sessions and packets are kept. Zero means 2 minutes
	// (Node's maxDisconnectionDuration).
	MaxDisconnectionDuration time.Duration
	// MaxPackets bounds the packets kept for recovery, per namespace. Zero means 10,000.
	MaxPackets int
	// MaxBytes bounds their encoded size (data and attachments), per namespace. Zero means
	// 32 MiB.
	MaxBytes int
	// MaxSessions bounds the sessions kept, per namespace. Zero means 100,000.
	MaxSessions int
}

func (o RecoveryOptions) withDefaults() RecoveryOptions {
	if o.MaxDisconnectionDuration <= 0 {
		o.MaxDisconnectionDuration = 2 * time.Minute
	}
	if o.MaxPackets <= 0 {
		o.MaxPackets = 10_000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 32 << 20
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 100_000
	}
	return o
}

// MemoryWithRecovery is the Factory of the in-memory adapter with connection-state recovery
// (Node's SessionAwareAdapter): Memory plus a SessionStore. socketio.NewServer uses it when
// recovery is enabled and no adapter is configured.
//
// Each namespace keeps the packets broadcast with an offset and the sessions of disconnected
// sockets for MaxDisconnectionDuration. Memory is bounded by MaxPackets and MaxBytes (when
// either is exceeded the oldest packets are dropped, and a session whose offset is older than a
// dropped packet is then refused recovery) and by MaxSessions (the oldest sessions are dropped).
// What has expired is dropped on every operation and by a timer while anything is kept.
func MemoryWithRecovery(o RecoveryOptions) Factory {
	o = o.withDefaults()
	return func(l *Local) (Adapter, error) {
		var b [6]byte
		_, _ = rand.Read(b[:])
		return &sessionMemory{
			memory:   &memory{l: l},
			o:        o,
			prefix:   base64.RawURLEncoding.EncodeToString(b[:]) + "-",
			sessions: make(map[string]*Session),
		}, nil
	}
}

type sessionMemory struct {
	*memory
	o      RecoveryOptions
	prefix string // of this adapter's offsets: prefix + seq in base 36

	mu       sync.Mutex
	seq      uint64       // of the last packet kept
	packets  []keptPacket // in seq order, without gaps
	bytes    int          // their size
	sessions map[string]*Session
	order    []keptSession // sessions in persist order (entries of taken sessions stay until popped)
	timer    *time.Timer
	closed   bool
}

type keptPacket struct {
	seq  uint64
	p    *parser.Packet
	t    Target
	at   time.Time
	size int
}

type keptSession struct {
	pid string
	s   *Session
	at  time.Time
}

var _ SessionStore = (*sessionMemory)(nil)

// storable tells whether Node's SessionAwareAdapter keeps p and gives it an offset.
func storable(p *parser.Packet, t Target) bool {
	return (p.Type == parser.Event || p.Type == parser.BinaryEvent) && !p.HasID && !t.Flags.Volatile
}

func (m *sessionMemory) Broadcast(ctx context.Context, p *parser.Packet, t Target) error {
	if !storable(p, t) {
		return m.memory.Broadcast(ctx, p, t)
	}
	if err := m.check(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	m.seq++
	q := *p
	q.Data = AppendOffset(p.Data, m.prefix+strconv.FormatUint(m.seq, 36))
	size := len(q.Data) + 64
	for _, a := range q.Attachments {
		size += len(a)
	}
	t.Rooms, t.Except = slices.Clone(t.Rooms), slices.Clone(t.Except)
	m.packets = append(m.packets, keptPacket{seq: m.seq, p: &q, t: t, at: now, size: size})
	m.bytes += size
	m.trimLocked(now)
	m.armLocked()
	m.l.Broadcast(&q, t) // under mu: RestoreSession's attach sees every packet or none
	return nil
}

func (m *sessionMemory) PersistSession(_ context.Context, s Session) error {
	if err := m.check(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	s.Rooms = slices.Clone(s.Rooms)
	s.Missed = nil
	ps := &s
	m.sessions[s.PID] = ps
	m.order = append(m.order, keptSession{pid: s.PID, s: ps, at: now})
	m.trimLocked(now)
	m.armLocked()
	return nil
}

func (m *sessionMemory) RestoreSession(_ context.Context, pid, offset string, attach func(*Session)) (bool, error) {
	if err := m.check(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	m.trimLocked(now)
	s, ok := m.sessions[pid]
	if !ok {
		return false, nil
	}
	delete(m.sessions, pid) // taken: a pid restores once
	if !now.Before(s.Expires) {
		return false, nil
	}
	seq, ok := m.parseOffset(offset)
	if !ok {
		return false, nil
	}
	first := m.seq + 1 // of the oldest packet kept
	if len(m.packets) > 0 {
		first = m.packets[0].seq
	}
	if seq+1 < first { // a packet after the offset was dropped
		return false, nil
	}
	out := *s
	out.Missed = nil
	for _, k := range m.packets[seq+1-first:] {
		if k.t.Reaches(out.Rooms) {
			out.Missed = append(out.Missed, k.p)
		}
	}
	if attach != nil {
		attach(&out)
	}
	return true, nil
}

// parseOffset returns the sequence number of one of this adapter's offsets.
func (m *sessionMemory) parseOffset(offset string) (uint64, bool) {
	rest, ok := strings.CutPrefix(offset, m.prefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(rest, 36, 64)
	if err != nil || seq == 0 || seq > m.seq {
		return 0, false
	}
	return seq, true
}

// Reaches tells whether a socket in rooms is among the recipients of t: t has no rooms or one
// of them, and none of its except rooms (Node's shouldIncludePacket, for recovery).
func (t Target) Reaches(rooms []string) bool {
	in := len(t.Rooms) == 0
	for _, r := range rooms {
		if slices.Contains(t.Except, r) {
			return false
		}
		if !in && slices.Contains(t.Rooms, r) {
			in = true
		}
	}
	return in
}

// trimLocked drops what has expired or exceeds the bounds, oldest first.
func (m *sessionMemory) trimLocked(now time.Time) {
	horizon := now.Add(-m.o.MaxDisconnectionDuration)
	n := 0
	for n < len(m.packets) && (len(m.packets)-n > m.o.MaxPackets || m.bytes > m.o.MaxBytes || m.packets[n].at.Before(horizon)) {
		m.bytes -= m.packets[n].size
		n++
	}
	m.packets = dropFront(m.packets, n)
	n = 0
	for n < len(m.order) && (len(m.order)-n > m.o.MaxSessions || !now.Before(m.order[n].s.Expires) || m.order[n].at.Before(horizon)) {
		if k := m.order[n]; m.sessions[k.pid] == k.s {
			delete(m.sessions, k.pid)
		}
		n++
	}
	m.order = dropFront(m.order, n)
}

// dropFront removes the first n elements of q, clearing them so that the backing array holds on
// to nothing they point to.
func dropFront[T any](q []T, n int) []T {
	if n == 0 {
		return q
	}
	clear(q[:n])
	if n == len(q) {
		return nil
	}
	return q[n:]
}

// armLocked makes sure a timer drops what expires while nothing else happens.
func (m *sessionMemory) armLocked() {
	if m.timer != nil || m.closed || (len(m.packets) == 0 && len(m.order) == 0) {
		return
	}
	d := min(max(m.o.MaxDisconnectionDuration/2, time.Second), time.Minute)
	m.timer = time.AfterFunc(d, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.timer = nil
		m.trimLocked(time.Now())
		m.armLocked()
	})
}

func (m *sessionMemory) Close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
	m.packets, m.bytes, m.sessions, m.order = nil, 0, map[string]*Session{}, nil
	m.mu.Unlock()
	return m.memory.Close(ctx)
}
