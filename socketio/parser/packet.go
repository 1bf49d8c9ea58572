package parser

import "encoding/json"

// PacketType is a Socket.IO v5 packet type.
type PacketType byte

// The Socket.IO v5 packet types, numbered as on the wire.
const (
	Connect      PacketType = 0
	Disconnect   PacketType = 1
	Event        PacketType = 2
	Ack          PacketType = 3
	ConnectError PacketType = 4
	BinaryEvent  PacketType = 5
	BinaryAck    PacketType = 6
)

var packetTypeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// String returns the protocol name of the type, e.g. "BINARY_EVENT".
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "UNKNOWN"
}

// Packet is one Socket.IO packet as it travels between the server, the adapters and the
// parser.
//
// Data holds the JSON payload exactly as it is (or will be) written on the wire, with binary
// attachments replaced by {"_placeholder":true,"num":N} objects; Attachments holds those binary
// parts in order. A Packet handed to an adapter is shared by every recipient and must be
// treated as immutable.
type Packet struct {
	Type PacketType
	// Nsp is the namespace, "/" for the main one.
	Nsp string
	// ID is the acknowledgement id; meaningful only when HasID is true.
	ID    uint64
	HasID bool
	// Data is the JSON payload (nil when the packet has none).
	Data json.RawMessage
	// Attachments are the binary parts referenced by placeholders in Data.
	Attachments [][]byte
}
