package socketio

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gosockio/gosockio/adapter"
)

// RemoteSocket is a socket returned by FetchSockets: a description of a socket that may live
// on another node, with methods that act on it wherever it is.
type RemoteSocket struct {
	info adapter.SocketInfo
	nsp  *Namespace
}

// ID is the socket's id.
func (r *RemoteSocket) ID() string { return r.info.ID }

// Handshake describes the socket's handshake.
func (r *RemoteSocket) Handshake() *Handshake { return &r.info.Handshake }

// Rooms lists the rooms the socket was in when it was fetched.
func (r *RemoteSocket) Rooms() []string { return r.info.Rooms }

// Data is the socket's data value: the Go value itself for a socket of this node; for a socket
// of another node, its generic decoded form (map[string]any, []any, string, numbers, bool, nil,
// []byte). DecodeData decodes it into a value of your type in both cases.
func (r *RemoteSocket) Data() any { return r.info.Data }

// Local reports whether the socket lives on this node.
func (r *RemoteSocket) Local() bool { return r.info.Node == "" }

// DecodeData decodes the socket's data value into v (a pointer), through JSON.
func (r *RemoteSocket) DecodeData(v any) error { return decodeData(r.info.Data, v) }

// decodeData decodes a data value into v through JSON.
func decodeData(data, v any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("socketio: socket data: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("socketio: socket data: %w", err)
	}
	return nil
}

func (r *RemoteSocket) op() BroadcastOperator {
	return BroadcastOperator{nsps: []*Namespace{r.nsp}, rooms: []string{r.info.ID}}
}

// Emit sends an event to the socket, through the adapter.
func (r *RemoteSocket) Emit(event string, args ...any) error { return r.op().Emit(event, args...) }

// Join makes the socket join rooms.
func (r *RemoteSocket) Join(ctx context.Context, rooms ...string) error {
	return r.op().SocketsJoin(ctx, rooms...)
}

// Leave makes the socket leave rooms.
func (r *RemoteSocket) Leave(ctx context.Context, rooms ...string) error {
	return r.op().SocketsLeave(ctx, rooms...)
}

// Disconnect disconnects the socket; close also closes its connection.
func (r *RemoteSocket) Disconnect(ctx context.Context, close bool) error {
	return r.op().DisconnectSockets(ctx, close)
}
