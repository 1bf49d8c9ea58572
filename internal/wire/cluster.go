package wire

import "fmt"

// ClusterType is the type code of a ClusterAdapter message (the sharded adapter's format).
type ClusterType uint8

// The ClusterAdapter message types.
const (
	// ClusterInitialHeartbeat is published by ClusterAdapterWithHeartbeat on creation. No data.
	ClusterInitialHeartbeat ClusterType = 1
	// ClusterHeartbeat is published by ClusterAdapterWithHeartbeat. No data.
	ClusterHeartbeat ClusterType = 2
	// ClusterBroadcast: data {packet, opts}, or {packet, requestId, opts} with acknowledgements.
	ClusterBroadcast ClusterType = 3
	// ClusterSocketsJoin: data {opts, rooms}.
	ClusterSocketsJoin ClusterType = 4
	// ClusterSocketsLeave: data {opts, rooms}.
	ClusterSocketsLeave ClusterType = 5
	// ClusterDisconnectSockets: data {opts, close}.
	ClusterDisconnectSockets ClusterType = 6
	// ClusterFetchSockets: data {opts, requestId}.
	ClusterFetchSockets ClusterType = 7
	// ClusterFetchSocketsResponse: data {requestId, sockets}.
	ClusterFetchSocketsResponse ClusterType = 8
	// ClusterServerSideEmit: data {packet: [event, ...args]}, or {requestId, packet} with an
	// acknowledgement.
	ClusterServerSideEmit ClusterType = 9
	// ClusterServerSideEmitResponse: data {requestId, packet?}.
	ClusterServerSideEmitResponse ClusterType = 10
	// ClusterBroadcastClientCount: data {requestId, clientCount}.
	ClusterBroadcastClientCount ClusterType = 11
	// ClusterBroadcastAck: data {requestId, packet?}.
	ClusterBroadcastAck ClusterType = 12
	// ClusterAdapterClose is published by ClusterAdapterWithHeartbeat on close. No data.
	ClusterAdapterClose ClusterType = 13
)

var clusterTypeNames = [...]string{"", "INITIAL_HEARTBEAT", "HEARTBEAT", "BROADCAST",
	"SOCKETS_JOIN", "SOCKETS_LEAVE", "DISCONNECT_SOCKETS", "FETCH_SOCKETS",
	"FETCH_SOCKETS_RESPONSE", "SERVER_SIDE_EMIT", "SERVER_SIDE_EMIT_RESPONSE",
	"BROADCAST_CLIENT_COUNT", "BROADCAST_ACK", "ADAPTER_CLOSE"}

// String returns Node's name for the type, e.g. "FETCH_SOCKETS_RESPONSE".
func (t ClusterType) String() string {
	if t >= ClusterInitialHeartbeat && t <= ClusterAdapterClose {
		return clusterTypeNames[t]
	}
	return fmt.Sprintf("ClusterType(%d)", uint8(t))
}

// IsResponse reports whether t answers a request (types 8, 10, 11, 12). Node handles these as
// responses whichever channel they arrive on.
func (t ClusterType) IsResponse() bool {
	switch t {
	case ClusterFetchSocketsResponse, ClusterServerSideEmitResponse, ClusterBroadcastClientCount, ClusterBroadcastAck:
		return true
	}
	return false
}

func (t ClusterType) hasData() bool {
	return t >= ClusterBroadcast && t <= ClusterBroadcastAck
}

// mayCarryBinary reports whether Node switches the message to MessagePack when its data holds
// binary (types 3, 8, 9, 10, 12).
func (t ClusterType) mayCarryBinary() bool {
	switch t {
	case ClusterBroadcast, ClusterFetchSocketsResponse, ClusterServerSideEmit, ClusterServerSideEmitResponse, ClusterBroadcastAck:
		return true
	}
	return false
}

// ClusterMessage is one message of the ClusterAdapter format used by the sharded adapter:
// the envelope {type, data, uid, nsp} (data left out for types 1, 2 and 13). Which fields
// are used depends on Type (see the ClusterType constants); the encoder ignores the others
// and the decoder leaves them zero.
type ClusterMessage struct {
	// Type selects the message and its fields.
	Type ClusterType
	// UID is the sender's uid (16 hex characters from Node).
	UID string
	// Nsp is the namespace.
	Nsp string
	// RequestID: types 7, 8, 10, 11, 12, and 3 and 9 when an answer is wanted (empty leaves
	// it out there, meaning no acknowledgement).
	RequestID string
	// Packet is the broadcast packet (type 3); its Nsp is normally empty and then left out.
	Packet Packet
	// Opts selects the target sockets (types 3–7); flags are always written.
	Opts BroadcastOptions
	// Rooms to join or leave (types 4, 5).
	Rooms []Room
	// Close is the close argument of disconnectSockets (type 6).
	Close bool
	// Sockets answers a fetch (type 8).
	Sockets []SocketInfo
	// Args is [event, arg1, ...] of a server-side emit (type 9).
	Args []any
	// ClientCount is the number of local clients the answering node broadcast to (type 11).
	ClientCount int64
	// Reply is the first callback argument (type 10) or the first argument of one client's
	// acknowledgement (type 12); Node leaves "packet" out when it is undefined: HasReply is
	// false then.
	Reply any
	// HasReply tells whether "packet" is present in a type 10 or 12 message.
	HasReply bool
}

// MarshalClusterMessage encodes m. Auto does what Node does: JSON, except for types 3, 8, 9,
// 10 and 12 when their data holds binary ([]byte anywhere), which makes the whole message
// MessagePack. Receivers accept either encoding for any type.
func MarshalClusterMessage(m *ClusterMessage, enc Encoding) ([]byte, error) {
	if enc == Auto && !m.Type.mayCarryBinary() {
		enc = JSON
	}
	out, err := marshal(enc, func(e *encoder) error { return e.clusterMessage(m) })
	if err != nil {
		return nil, fmt.Errorf("wire: cluster message %v: %w", m.Type, err)
	}
	return out, nil
}

func (e *encoder) clusterMessage(m *ClusterMessage) error {
	if m.Type < ClusterInitialHeartbeat || m.Type > ClusterAdapterClose {
		return fmt.Errorf("%w %d", ErrUnknownType, m.Type)
	}
	withData := m.Type.hasData()
	if withData {
		e.beginMap(4)
	} else {
		e.beginMap(3)
	}
	e.key("type")
	e.int(int64(m.Type))
	if withData {
		e.key("data")
		if err := e.clusterData(m); err != nil {
			return err
		}
	}
	e.key("uid")
	e.string(m.UID)
	e.key("nsp")
	e.string(m.Nsp)
	e.endMap()
	return nil
}

func (e *encoder) clusterData(m *ClusterMessage) error {
	withID := m.RequestID != ""
	switch m.Type {
	case ClusterBroadcast:
		e.beginMap(2 + b2i(withID))
		e.key("packet")
		if err := e.packet(&m.Packet, false); err != nil {
			return err
		}
		if withID {
			e.key("requestId")
			e.string(m.RequestID)
		}
		e.key("opts")
		if err := e.opts(&m.Opts, true); err != nil {
			return err
		}
	case ClusterSocketsJoin, ClusterSocketsLeave:
		e.beginMap(2)
		e.key("opts")
		if err := e.opts(&m.Opts, true); err != nil {
			return err
		}
		e.key("rooms")
		if err := e.rooms(m.Rooms); err != nil {
			return err
		}
	case ClusterDisconnectSockets:
		e.beginMap(2)
		e.key("opts")
		if err := e.opts(&m.Opts, true); err != nil {
			return err
		}
		e.key("close")
		e.bool(m.Close)
	case ClusterFetchSockets:
		e.beginMap(2)
		e.key("opts")
		if err := e.opts(&m.Opts, true); err != nil {
			return err
		}
		e.key("requestId")
		e.string(m.RequestID)
	case ClusterFetchSocketsResponse:
		e.beginMap(2)
		e.key("requestId")
		e.string(m.RequestID)
		e.key("sockets")
		if err := e.sockets(m.Sockets); err != nil {
			return err
		}
	case ClusterServerSideEmit:
		e.beginMap(1 + b2i(withID))
		if withID {
			e.key("requestId")
			e.string(m.RequestID)
		}
		e.key("packet")
		if err := e.array(nonNilArgs(m.Args)); err != nil {
			return err
		}
	case ClusterServerSideEmitResponse, ClusterBroadcastAck:
		e.beginMap(1 + b2i(m.HasReply))
		e.key("requestId")
		e.string(m.RequestID)
		if m.HasReply {
			e.key("packet")
			if err := e.value(m.Reply); err != nil {
				return err
			}
		}
	case ClusterBroadcastClientCount:
		e.beginMap(2)
		e.key("requestId")
		e.string(m.RequestID)
		e.key("clientCount")
		e.int(m.ClientCount)
	}
	e.endMap()
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// UnmarshalClusterMessage decodes a message (JSON or MessagePack, sniffed like Node) into m.
// Unknown types are errors wrapping ErrUnknownType.
func UnmarshalClusterMessage(data []byte, m *ClusterMessage) error {
	*m = ClusterMessage{}
	if err := unmarshalClusterMessage(data, m); err != nil {
		return fmt.Errorf("wire: cluster message: %w", err)
	}
	return nil
}

func unmarshalClusterMessage(data []byte, m *ClusterMessage) error {
	v, _, err := decodeAny(data)
	if err != nil {
		return err
	}
	o, err := asObject(v, "", "message")
	if err != nil {
		return err
	}
	var payload any
	hasType, hasData := false, false
	for _, mb := range o {
		switch mb.Key {
		case "type":
			n, err := asInt(mb.Value, "", "type", 0, maxInt)
			if err != nil {
				return err
			}
			if n < int64(ClusterInitialHeartbeat) || n > int64(ClusterAdapterClose) {
				return fmt.Errorf("%w %d", ErrUnknownType, n)
			}
			m.Type, hasType = ClusterType(n), true
		case "data":
			payload, hasData = mb.Value, true
		case "uid":
			m.UID, err = asString(mb.Value, "", "uid")
		case "nsp":
			m.Nsp, err = asString(mb.Value, "", "nsp")
		}
		if err != nil {
			return err
		}
	}
	if !hasType {
		return missing("", "type")
	}
	if !m.Type.hasData() {
		return nil
	}
	if !hasData {
		return missing("", "data")
	}
	d, err := asObject(payload, "", "data")
	if err != nil {
		return err
	}
	return decodeClusterData(d, m)
}

func decodeClusterData(d Object, m *ClusterMessage) error {
	const where = "data"
	var packet, opts, rooms, requestID, clientCount any
	var hasPacket, hasOpts, hasRooms, hasRequestID, hasCount bool
	var err error
	for _, mb := range d {
		switch mb.Key {
		case "packet":
			packet, hasPacket = mb.Value, true
		case "opts":
			opts, hasOpts = mb.Value, true
		case "rooms":
			rooms, hasRooms = mb.Value, true
		case "requestId":
			requestID, hasRequestID = mb.Value, mb.Value != nil
		case "clientCount":
			clientCount, hasCount = mb.Value, true
		case "close":
			if m.Type == ClusterDisconnectSockets && mb.Value != nil {
				if m.Close, err = asBool(mb.Value, where, "close"); err != nil {
					return err
				}
			}
		case "sockets":
			if m.Type == ClusterFetchSocketsResponse {
				if m.Sockets, err = decodeSockets(mb.Value, where); err != nil {
					return err
				}
			}
		}
	}
	needID := m.Type == ClusterFetchSockets || m.Type.IsResponse()
	if hasRequestID && (needID || m.Type == ClusterBroadcast || m.Type == ClusterServerSideEmit) {
		if m.RequestID, err = asID(requestID, where, "requestId"); err != nil {
			return err
		}
	} else if needID {
		return missing(where, "requestId")
	}
	switch m.Type {
	case ClusterBroadcast, ClusterSocketsJoin, ClusterSocketsLeave, ClusterDisconnectSockets, ClusterFetchSockets:
		if !hasOpts {
			return missing(where, "opts")
		}
		if m.Opts, err = decodeOpts(opts, where); err != nil {
			return err
		}
	}
	switch m.Type {
	case ClusterBroadcast:
		if !hasPacket {
			return missing(where, "packet")
		}
		m.Packet, err = decodePacket(packet, "data.packet", false)
	case ClusterSocketsJoin, ClusterSocketsLeave:
		if hasRooms {
			m.Rooms, err = decodeRooms(rooms, where, "rooms")
		}
	case ClusterServerSideEmit:
		if !hasPacket {
			return missing(where, "packet")
		}
		m.Args, err = asArray(packet, where, "packet")
	case ClusterServerSideEmitResponse, ClusterBroadcastAck:
		m.Reply, m.HasReply = packet, hasPacket
	case ClusterBroadcastClientCount:
		if !hasCount {
			return missing(where, "clientCount")
		}
		m.ClientCount, err = asInt(clientCount, where, "clientCount", 0, maxInt)
	}
	return err
}
