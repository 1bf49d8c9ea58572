package adminui

import (
	"time"

	"github.com/gosockio/gosockio/socketio"
)

// The development mode's reports (Node's registerVerboseListeners), each sent to every admin
// client of the cluster with the time it happened.

// onSocket reports a socket that joined a namespace, and registers what reports its upgrade,
// its events (except the admin namespace's) and its disconnection.
func (a *Admin) onSocket(s *socketio.Socket) {
	nsp := s.Namespace().Name()
	a.emit("socket_connected", serializeLocal(s), time.Now())
	s.Conn().OnUpgrade(func(transport string) {
		a.emit("socket_updated", struct {
			ID        string `json:"id"`
			Nsp       string `json:"nsp"`
			Transport string `json:"transport"`
		}{s.ID(), nsp, transport})
	})
	if s.Namespace() != a.nsp {
		s.OnAny(func(ev *socketio.Event) error {
			a.emit("event_received", nsp, s.ID(), eventArgs(ev), time.Now())
			return nil
		})
		s.OnAnyOutgoing(func(ev *socketio.Event) {
			a.emit("event_sent", nsp, s.ID(), eventArgs(ev), time.Now())
		})
	}
	s.OnDisconnect(func(reason string) {
		a.emit("socket_disconnected", nsp, s.ID(), reason, time.Now())
	})
}

// eventArgs is an event as Node's onAny listeners see it: its name, then its arguments.
func eventArgs(ev *socketio.Event) []any {
	vals, err := ev.Values()
	if err != nil {
		vals = nil
	}
	return append([]any{ev.Name}, vals...)
}

// onRoom reports a socket of this node joining or leaving a room.
func (a *Admin) onRoom(n *socketio.Namespace, room, id string, joined bool) {
	event := "room_left"
	if joined {
		event = "room_joined"
	}
	a.emit(event, n.Name(), room, id, time.Now())
}

// onData reports a socket's new data (Node reports each change of a property of socket.data).
func (a *Admin) onData(s *socketio.Socket) {
	data, _ := splitData(s.Data())
	a.emit("socket_updated", struct {
		ID   string `json:"id"`
		Nsp  string `json:"nsp"`
		Data any    `json:"data"`
	}{s.ID(), s.Namespace().Name(), data})
}
