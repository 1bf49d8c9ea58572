package cluster

import (
	"bytes"
	"fmt"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/wire"
)

// NewShardedCodec returns the Codec of Node's sharded Redis adapter (@socket.io/redis-adapter
// createShardedAdapter, docs/redis-wire.md §8): every message is the ClusterAdapter envelope
// {type, data, uid, nsp}, in JSON unless its data holds binary ([]byte), which makes the whole
// message MessagePack. The decoder accepts either encoding on every topic.
//
// Message types map one to one to Node's (Broadcast is 3, FetchSocketsResponse 8, …), since
// Type uses Node's ClusterAdapter numbers. The family has no allRooms and no legacy
// requests: encoding AllRooms, Sockets or their answers fails with an error wrapping
// ErrUnsupported, and so does decoding the heartbeat messages (types 1, 2, 13) that only
// ClusterAdapterWithHeartbeat sends.
func NewShardedCodec() Codec { return shardedCodec{} }

type shardedCodec struct{}

var _ uidPeeker = shardedCodec{}

func (shardedCodec) NewID() string { return wire.NewClusterID() }

// Encode implements Codec.
func (shardedCodec) Encode(m *Message) ([]byte, error) {
	cm, err := toClusterMessage(m)
	if err != nil {
		return nil, err
	}
	return marshalClusterMessage(cm, wire.Auto)
}

// toClusterMessage maps m to the ClusterAdapter envelope (the sharded and streams families).
func toClusterMessage(m *Message) (*wire.ClusterMessage, error) {
	cm := &wire.ClusterMessage{UID: m.UID, Nsp: m.Nsp, RequestID: m.RequestID}
	switch m.Type {
	case Broadcast:
		vals, err := packetValues(m.Packet)
		if err != nil {
			return nil, err
		}
		if vals == nil {
			vals = []any{}
		}
		cm.Type = wire.ClusterBroadcast
		cm.Packet = wire.Packet{Type: wire.PacketEvent, Data: vals} // no nsp: the envelope has it
		cm.Opts = classicOpts(m.Target, true)
	case SocketsJoin, SocketsLeave:
		cm.Type = wire.ClusterSocketsJoin
		if m.Type == SocketsLeave {
			cm.Type = wire.ClusterSocketsLeave
		}
		cm.Opts = classicOpts(m.Target, true)
		cm.Rooms = wire.Rooms(m.Rooms...)
	case DisconnectSockets:
		cm.Type = wire.ClusterDisconnectSockets
		cm.Opts = classicOpts(m.Target, true)
		cm.Close = m.Close
	case FetchSockets:
		cm.Type = wire.ClusterFetchSockets
		cm.Opts = classicOpts(m.Target, true)
	case FetchSocketsResponse:
		cm.Type = wire.ClusterFetchSocketsResponse
		cm.Sockets = make([]wire.SocketInfo, len(m.Sockets))
		for i := range m.Sockets {
			cm.Sockets[i] = toWireSocket(&m.Sockets[i])
		}
	case ServerSideEmit:
		cm.Type = wire.ClusterServerSideEmit
		cm.Args = m.Args
	case ServerSideEmitResponse:
		cm.Type = wire.ClusterServerSideEmitResponse
		cm.Reply, cm.HasReply = m.Value, m.Value != nil
	case BroadcastClientCount:
		cm.Type = wire.ClusterBroadcastClientCount
		cm.ClientCount = int64(m.ClientCount)
	case BroadcastAck:
		cm.Type = wire.ClusterBroadcastAck
		cm.Reply, cm.HasReply = m.Value, m.Value != nil
	default:
		return nil, fmt.Errorf("cluster: ClusterAdapter codec: message type %d: %w", m.Type, ErrUnsupported)
	}
	return cm, nil
}

// marshalClusterMessage encodes cm. When one socket's data of a fetch answer cannot be
// encoded, the others' are sent as they are.
func marshalClusterMessage(cm *wire.ClusterMessage, enc wire.Encoding) ([]byte, error) {
	b, err := wire.MarshalClusterMessage(cm, enc)
	if err != nil && cm.Type == wire.ClusterFetchSocketsResponse {
		for i := range cm.Sockets {
			if _, derr := wire.MarshalValue(cm.Sockets[i].Data, wire.MsgPack); derr != nil {
				cm.Sockets[i].Data = nil
			}
		}
		if b, err2 := wire.MarshalClusterMessage(cm, enc); err2 == nil {
			return b, nil
		}
	}
	return b, err
}

// Decode implements Codec. The topic does not matter: the envelope says what the message is.
func (shardedCodec) Decode(_ Topic, b []byte) (*Message, error) {
	var cm wire.ClusterMessage
	if err := wire.UnmarshalClusterMessage(b, &cm); err != nil {
		return nil, err
	}
	return fromClusterMessage(&cm)
}

// fromClusterMessage maps a ClusterAdapter envelope to a Message.
func fromClusterMessage(cm *wire.ClusterMessage) (*Message, error) {
	m := &Message{UID: cm.UID, Nsp: cm.Nsp, RequestID: cm.RequestID}
	switch cm.Type {
	case wire.ClusterBroadcast:
		p, err := eventFromWire(&cm.Packet)
		if err != nil {
			return nil, err
		}
		p.Nsp = cm.Nsp
		m.Type, m.Packet, m.Target = Broadcast, p, fromWireOpts(&cm.Opts)
	case wire.ClusterSocketsJoin, wire.ClusterSocketsLeave:
		m.Type = SocketsJoin
		if cm.Type == wire.ClusterSocketsLeave {
			m.Type = SocketsLeave
		}
		m.Target, m.Rooms = fromWireOpts(&cm.Opts), wire.RoomNames(cm.Rooms)
		m.RequestID = "" // a requestId would mark the classic legacy form, which needs an answer
	case wire.ClusterDisconnectSockets:
		m.Type, m.Target, m.Close = DisconnectSockets, fromWireOpts(&cm.Opts), cm.Close
		m.RequestID = ""
	case wire.ClusterFetchSockets:
		m.Type, m.Target = FetchSockets, fromWireOpts(&cm.Opts)
	case wire.ClusterFetchSocketsResponse:
		m.Type = FetchSocketsResponse
		m.Sockets = make([]adapter.SocketInfo, len(cm.Sockets))
		for i := range cm.Sockets {
			m.Sockets[i] = fromWireSocket(&cm.Sockets[i])
		}
	case wire.ClusterServerSideEmit:
		m.Type, m.Args = ServerSideEmit, cm.Args
	case wire.ClusterServerSideEmitResponse:
		m.Type, m.Value = ServerSideEmitResponse, cm.Reply
	case wire.ClusterBroadcastClientCount:
		m.Type, m.ClientCount = BroadcastClientCount, int(cm.ClientCount)
	case wire.ClusterBroadcastAck:
		m.Type, m.Value = BroadcastAck, cm.Reply
	default:
		return nil, fmt.Errorf("cluster: sharded message %v: %w", cm.Type, ErrUnsupported)
	}
	return m, nil
}

var (
	uidKey = []byte(`,"uid":"`)
	nspKey = []byte(`,"nsp":"`)
)

// peekUID reads the sender's uid of a JSON envelope written in Node's key order (type, data,
// uid, nsp) from its end, so that a node drops its own messages without decoding them. The
// match is accepted only when the envelope ends exactly with ,"uid":"…","nsp":"…"} (a "uid"
// key of a nested object would leave another closing brace) and the uid is printable ASCII
// without escapes; anything else is decoded.
func (shardedCodec) peekUID(_ Topic, b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return "", false
	}
	i := bytes.LastIndex(b, uidKey)
	if i < 0 {
		return "", false
	}
	rest := b[i+len(uidKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "", false
	}
	uid, tail := rest[:j], rest[j+1:]
	for _, c := range uid {
		if c < 0x20 || c > 0x7e || c == '\\' { // escapes and non-ASCII are left to the decoder
			return "", false
		}
	}
	if !bytes.HasPrefix(tail, nspKey) || !bytes.HasSuffix(tail, []byte(`"}`)) || len(tail) < len(nspKey)+2 {
		return "", false
	}
	if nsp := tail[len(nspKey) : len(tail)-2]; bytes.ContainsAny(nsp, "\"\\") {
		return "", false
	}
	return string(uid), true
}
