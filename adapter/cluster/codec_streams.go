package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/socketio/parser"
)

// NewStreamsCodec returns the Codec of Node's Redis Streams adapter
// (@socket.io/redis-streams-adapter 0.3.1, docs/redis-wire.md §10). Its messages are the
// ClusterAdapter ones (as NewShardedCodec's), carried two ways:
//
//   - broadcasts without acknowledgement, joins, leaves and disconnections are stream
//     entries: Encode returns a stream frame (see StreamFrame), which the transport appends
//     to the namespace's stream, and Decode takes the frame of an entry read back, with its id;
//   - every other message (acknowledged broadcasts, fetches, server-side emits, answers) is
//     the envelope in MessagePack, always (Node's adapter decodes nothing else on pub/sub).
//
// plaintext is Node's onlyPlaintext option (stream data always JSON). offsets, when it
// reports true, makes Decode append an entry's id, as its offset, to the data of every
// broadcast event read from the stream that has no acknowledgement and is not volatile:
// what Node's ClusterAdapter does when the server has connection-state recovery.
func NewStreamsCodec(plaintext bool, offsets func() bool) Codec {
	return streamsCodec{plaintext: plaintext, offsets: offsets}
}

type streamsCodec struct {
	plaintext bool
	offsets   func() bool
}

func (streamsCodec) NewID() string { return wire.NewClusterID() }

// InStream reports whether the streams family appends m to the stream (else pub/sub).
func InStream(m *Message) bool {
	switch m.Type {
	case Broadcast:
		return m.RequestID == ""
	case SocketsJoin, SocketsLeave, DisconnectSockets:
		return true
	}
	return false
}

// Encode implements Codec.
func (c streamsCodec) Encode(m *Message) ([]byte, error) {
	cm, err := toClusterMessage(m)
	if err != nil {
		return nil, err
	}
	if !InStream(m) {
		return marshalClusterMessage(cm, wire.MsgPack)
	}
	e, err := wire.MarshalStreamEntry(cm, c.plaintext)
	if err != nil {
		return nil, err
	}
	return AppendStreamFrame(nil, e), nil
}

// Decode implements Codec: a stream frame, or a pub/sub envelope (MessagePack, or JSON).
func (c streamsCodec) Decode(_ Topic, b []byte) (*Message, error) {
	e, ok, err := ParseStreamFrame(b)
	if err != nil {
		return nil, err
	}
	if !ok {
		var cm wire.ClusterMessage
		if err := wire.UnmarshalClusterMessage(b, &cm); err != nil {
			return nil, err
		}
		return fromClusterMessage(&cm)
	}
	var cm wire.ClusterMessage
	if err := wire.UnmarshalStreamEntry(e, &cm); err != nil {
		return nil, err
	}
	m, err := fromClusterMessage(&cm)
	if err != nil {
		return nil, err
	}
	if m.Type == Broadcast && m.RequestID == "" && !m.Target.Flags.Volatile && e.ID != "" &&
		c.offsets != nil && c.offsets() {
		m.Packet.Data = adapter.AppendOffset(m.Packet.Data, e.ID)
	}
	return m, nil
}

// streamFrameTag begins a stream frame; no MessagePack map nor JSON object begins with it.
const streamFrameTag = 's'

// AppendStreamFrame appends the frame of e to b: the tag byte 's', then id, uid, nsp, type
// and data, each as a uvarint length and its bytes, then 1 when data is present, else 0. The
// frame is internal to this module: it carries an entry between the streams codec and the
// Redis transport, never over the network.
func AppendStreamFrame(b []byte, e wire.StreamEntry) []byte {
	b = append(b, streamFrameTag)
	for _, f := range [...]string{e.ID, e.UID, e.Nsp, e.Type, e.Data} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	if e.HasData {
		return append(b, 1)
	}
	return append(b, 0)
}

var errBadFrame = errors.New("cluster: malformed stream frame")

// ParseStreamFrame reads a frame written by AppendStreamFrame. ok is false (and err nil) when b
// is not a stream frame at all.
func ParseStreamFrame(b []byte) (e wire.StreamEntry, ok bool, err error) {
	if len(b) == 0 || b[0] != streamFrameTag {
		return e, false, nil
	}
	b = b[1:]
	var fields [5]string
	for i := range fields {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return e, true, errBadFrame
		}
		fields[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 1 || b[0] > 1 {
		return e, true, errBadFrame
	}
	return wire.StreamEntry{ID: fields[0], UID: fields[1], Nsp: fields[2], Type: fields[3], Data: fields[4], HasData: b[0] == 1}, true, nil
}

// StreamBroadcast decodes a stream entry that is a broadcast without acknowledgement of
// namespace nsp, for a recovery (Node's restoreSession): the packet, with the entry's id
// appended as its offset, and its target. Volatile broadcasts are included, as Node's adapter
// includes them. ok is false for any other entry; err is set for a
// malformed one.
func StreamBroadcast(e wire.StreamEntry, nsp string) (p *parser.Packet, t adapter.Target, ok bool, err error) {
	if e.Nsp != nsp || e.Type != "3" {
		return nil, t, false, nil
	}
	var cm wire.ClusterMessage
	if err := wire.UnmarshalStreamEntry(e, &cm); err != nil {
		return nil, t, false, err
	}
	m, err := fromClusterMessage(&cm)
	if err != nil {
		return nil, t, false, fmt.Errorf("cluster: stream entry %s: %w", e.ID, err)
	}
	if m.RequestID != "" || m.Packet == nil {
		return nil, t, false, nil
	}
	m.Packet.Data = adapter.AppendOffset(m.Packet.Data, e.ID)
	return m.Packet, m.Target, true, nil
}
