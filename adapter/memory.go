package adapter

import (
	"context"
	"sync/atomic"

	"github.com/gosockio/gosockio/socketio/parser"
)

// Memory is the Factory of the in-memory adapter: every operation stays on this node. It is the
// default when no adapter is configured.
func Memory(l *Local) (Adapter, error) {
	return &memory{l: l}, nil
}

type memory struct {
	l      *Local
	closed atomic.Bool
}

var _ Adapter = (*memory)(nil)

func (m *memory) check() error {
	if m.closed.Load() {
		return ErrClosed
	}
	return nil
}

func (m *memory) Broadcast(_ context.Context, p *parser.Packet, t Target) error {
	if err := m.check(); err != nil {
		return err
	}
	m.l.Broadcast(p, t)
	return nil
}

func (m *memory) BroadcastWithAck(_ context.Context, p *parser.Packet, t Target, onCount func(int), onAck func(*parser.Packet)) error {
	if err := m.check(); err != nil {
		return err
	}
	onCount(m.l.BroadcastWithAck(p, t, onAck))
	return nil
}

func (m *memory) FetchSockets(_ context.Context, t Target) ([]SocketInfo, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	return m.l.FetchSockets(t), nil
}

func (m *memory) AddSockets(_ context.Context, t Target, rooms []string) error {
	if err := m.check(); err != nil {
		return err
	}
	m.l.AddSockets(t, rooms)
	return nil
}

func (m *memory) DelSockets(_ context.Context, t Target, rooms []string) error {
	if err := m.check(); err != nil {
		return err
	}
	m.l.DelSockets(t, rooms)
	return nil
}

func (m *memory) DisconnectSockets(_ context.Context, t Target, close bool) error {
	if err := m.check(); err != nil {
		return err
	}
	m.l.DisconnectSockets(t, close)
	return nil
}

// ServerSideEmit has no other node to reach: it succeeds with no answers.
func (m *memory) ServerSideEmit(_ context.Context, _ []any, _ bool) ([]any, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	return nil, nil
}

func (m *memory) ServerCount(context.Context) (int, error) { return 1, m.check() }

func (m *memory) AllRooms(context.Context) ([]string, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	return m.l.Rooms(), nil
}

func (m *memory) Close(context.Context) error {
	m.closed.Store(true)
	return nil
}
