package socketio

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gosockio/gosockio/socketio/engineio"
)

// Instrumentation lets a monitoring tool, such as package adminui, observe a server where it
// has no public event: new Engine.IO connections, sockets before their connection handlers,
// room changes, data changes, and the traffic. Every field is optional. The functions run on
// the server's goroutines (a connection's reader, a socket's dispatcher, a broadcaster): they
// must be quick and must not block. Install it with Server.SetInstrumentation.
type Instrumentation struct {
	// OnConn is called for every new Engine.IO connection, before any of its packets is
	// handled (Node's engine "connection" event).
	OnConn func(c *engineio.Conn)
	// OnConnClose is called when an Engine.IO connection has closed, with the reason (Node's
	// engine socket "close" event). Unlike listeners registered on each connection, it costs
	// the connections nothing.
	OnConnClose func(c *engineio.Conn, reason string)
	// OnSocket is called when a socket has joined its namespace, before the namespace's
	// connection handlers (as a "connection" listener that Node's prependListener put first).
	OnSocket func(s *Socket)
	// OnRoom is called when socket id has joined (joined true) or left a room of nsp on this
	// node, after the change: Socket.Join and Leave, the operators' SocketsJoin and
	// SocketsLeave (from any node), a socket's own room when it connects, and every room when
	// it disconnects (Node's adapter "join-room" and "leave-room" events).
	OnRoom func(nsp *Namespace, room, id string, joined bool)
	// OnData is called after Socket.SetData.
	OnData func(s *Socket)
	// OnPacketsIn is told of Engine.IO messages received from clients (Socket.IO packets and
	// their binary attachments), and their size in bytes.
	OnPacketsIn func(packets, bytes int)
	// OnPacketsOut is told of Engine.IO messages queued for clients (Socket.IO packets and
	// their binary attachments: a broadcast counts once per recipient), and their size in
	// bytes. It is called once per broadcast and per node, not once per recipient.
	OnPacketsOut func(packets, bytes int)
	// SocketData, if set, gives the data value that FetchSockets reports for a socket of this
	// node, on this node and to the others, instead of its Data (Node's admin instrumentation
	// adds its "_admin" field to socket.data).
	SocketData func(s *Socket, data any) any
	// OnClose is called at the start of Server.Close.
	OnClose func()
}

// SetInstrumentation installs in, replacing the previous one; nil removes it. It may be called
// at any time: sockets and namespaces that exist already are covered from then on.
func (s *Server) SetInstrumentation(in *Instrumentation) {
	s.instr.Store(in)
	for _, n := range s.namespaces() {
		n.watchRooms()
	}
}

// Instrumentation returns the installed Instrumentation, nil when none.
func (s *Server) Instrumentation() *Instrumentation { return s.instr.Load() }

// Namespaces returns the namespaces of this node, sorted by name (Node's io._nsps).
func (s *Server) Namespaces() []*Namespace {
	out := s.namespaces()
	slices.SortFunc(out, func(a, b *Namespace) int { return strings.Compare(a.name, b.name) })
	return out
}

// watchRooms makes n's room index report joins and leaves while an instrumentation wants them:
// without one, the index does not even collect them.
func (n *Namespace) watchRooms() {
	if in := n.srv.instr.Load(); in != nil && in.OnRoom != nil {
		n.local.OnMembership(func(id, room string, joined bool) {
			if in := n.srv.instr.Load(); in != nil && in.OnRoom != nil {
				in.OnRoom(n, room, id, joined)
			}
		})
		return
	}
	n.local.OnMembership(nil)
}

func (s *Server) instrumentConn(c *engineio.Conn) {
	if in := s.instr.Load(); in != nil && in.OnConn != nil {
		in.OnConn(c)
	}
}

func (s *Server) instrumentConnClose(c *engineio.Conn, reason string) {
	if in := s.instr.Load(); in != nil && in.OnConnClose != nil {
		in.OnConnClose(c, reason)
	}
}

func (s *Server) instrumentSocket(sock *Socket) {
	if in := s.instr.Load(); in != nil && in.OnSocket != nil {
		in.OnSocket(sock)
	}
}

func (s *Server) instrumentData(sock *Socket) {
	if in := s.instr.Load(); in != nil && in.OnData != nil {
		in.OnData(sock)
	}
}

func (s *Server) instrumentClose() {
	if in := s.instr.Load(); in != nil && in.OnClose != nil {
		in.OnClose()
	}
}

// socketData is the data value FetchSockets reports for sock.
func (s *Server) socketData(sock *Socket) any {
	d := sock.Data()
	if in := s.instr.Load(); in != nil && in.SocketData != nil {
		return in.SocketData(sock, d)
	}
	return d
}

// countIn counts one message received.
func (s *Server) countIn(data []byte) {
	if in := s.instr.Load(); in != nil && in.OnPacketsIn != nil {
		in.OnPacketsIn(1, len(data))
	}
}

// countOut counts msgs queued for each of n recipients.
func (s *Server) countOut(msgs []*engineio.Message, n int) {
	if n <= 0 {
		return
	}
	if in := s.instr.Load(); in != nil && in.OnPacketsOut != nil {
		size := 0
		for _, m := range msgs {
			size += len(m.Data)
		}
		in.OnPacketsOut(n*len(msgs), n*size)
	}
}

// instrumentSlot holds the server's Instrumentation.
type instrumentSlot struct {
	atomic.Pointer[Instrumentation]
}
