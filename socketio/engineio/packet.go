package engineio

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sync"

	"github.com/gorilla/websocket"
)

// PacketType is the type of an Engine.IO packet, numbered as on the wire.
type PacketType byte

// The Engine.IO v4 packet types.
const (
	PacketOpen    PacketType = 0
	PacketClose   PacketType = 1
	PacketPing    PacketType = 2
	PacketPong    PacketType = 3
	PacketMessage PacketType = 4
	PacketUpgrade PacketType = 5
	PacketNoop    PacketType = 6
)

var packetTypeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns the protocol name of the type ("open", "message", ...), or "unknown".
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "unknown"
}

// Packet is one decoded Engine.IO packet.
type Packet struct {
	Type PacketType
	// Data is the payload after the type: the message for PacketMessage, "probe" in a probe
	// ping/pong, the JSON handshake for PacketOpen. Nil when empty.
	Data []byte
	// Binary is true for a binary message (a binary WebSocket frame, or "b"+base64 on polling).
	Binary bool
}

// recordSeparator separates the packets of a polling payload.
const recordSeparator = 0x1e

// EncodePacket returns the text form of p, as sent in a WebSocket text frame or as one element of
// a polling payload: the type digit followed by Data, or for a binary message "b" followed by
// Data in standard base64. (On WebSocket a binary message is sent as its raw Data in a binary
// frame instead.)
func EncodePacket(p Packet) []byte {
	return appendPacket(make([]byte, 0, encodedLen(p)), p)
}

// encodedLen is the length of the text form of p.
func encodedLen(p Packet) int {
	if p.Type == PacketMessage && p.Binary {
		return 1 + base64.StdEncoding.EncodedLen(len(p.Data))
	}
	return 1 + len(p.Data)
}

func appendPacket(dst []byte, p Packet) []byte {
	if p.Type == PacketMessage && p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// DecodePacket decodes one packet. When binaryFrame is true, b is the content of a binary
// WebSocket frame and the result is a binary message holding b. Otherwise b is the text form
// (see EncodePacket). For text packets Data aliases b (capacity-limited so appending to it does
// not overwrite b). Errors wrap ErrInvalidPacket.
func DecodePacket(b []byte, binaryFrame bool) (Packet, error) {
	if binaryFrame {
		return Packet{Type: PacketMessage, Data: b, Binary: true}, nil
	}
	if len(b) == 0 {
		return Packet{}, fmt.Errorf("engineio: decode packet: empty packet: %w", ErrInvalidPacket)
	}
	c := b[0]
	if c == 'b' {
		data, err := decodeBase64(b[1:])
		if err != nil {
			return Packet{}, fmt.Errorf("engineio: decode packet: bad base64: %w", ErrInvalidPacket)
		}
		return Packet{Type: PacketMessage, Data: data, Binary: true}, nil
	}
	if c < '0' || c > '6' {
		return Packet{}, fmt.Errorf("engineio: decode packet: unknown packet type %q: %w", c, ErrInvalidPacket)
	}
	p := Packet{Type: PacketType(c - '0')}
	if len(b) > 1 {
		p.Data = b[1:len(b):len(b)]
	}
	return p, nil
}

// decodeBase64 accepts padded and unpadded standard base64.
func decodeBase64(s []byte) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(out, s)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// EncodePayload returns the polling form of packets: their text forms (see EncodePacket) joined
// by the record separator 0x1e. Text data must not contain 0x1e (the protocol cannot carry it).
func EncodePayload(packets []Packet) []byte {
	n := 0
	for _, p := range packets {
		n += 1 + encodedLen(p)
	}
	out := make([]byte, 0, n)
	for i, p := range packets {
		if i > 0 {
			out = append(out, recordSeparator)
		}
		out = appendPacket(out, p)
	}
	return out
}

// DecodePayload decodes a polling payload (packets separated by 0x1e). On error it returns the
// packets decoded before the bad one together with an error wrapping ErrInvalidPacket, as the
// Node.js parser does; an empty payload is an error. Text Data alias b.
func DecodePayload(b []byte) ([]Packet, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("engineio: decode payload: empty payload: %w", ErrInvalidPacket)
	}
	packets := make([]Packet, 0, bytes.Count(b, []byte{recordSeparator})+1)
	for {
		i := bytes.IndexByte(b, recordSeparator)
		part := b
		if i >= 0 {
			part = b[:i:i]
		}
		p, err := DecodePacket(part, false)
		if err != nil {
			return packets, err
		}
		packets = append(packets, p)
		if i < 0 {
			return packets, nil
		}
		b = b[i+1:]
	}
}

// Message is an outgoing Engine.IO "message" packet. It is immutable once sent and may be shared by
// any number of sessions: its polling encoding and its *websocket.PreparedMessage are computed at
// most once (lazily) and reused, so a broadcast is encoded once whatever the number of recipients.
// A Message must not be copied after first use.
type Message struct {
	// Data is the payload of the packet (without the leading '4'). It must not change once the
	// Message has been sent.
	Data []byte
	// Binary sends Data as a binary WebSocket frame, or as "b"+base64 on polling.
	Binary bool
	// NoCompress disables compression (permessage-deflate and HTTP compression) for this message,
	// like Socket.IO's compress(false).
	NoCompress bool

	// ctrl is 0 for a message packet, else the digit of the control packet this package built.
	ctrl byte

	textOnce sync.Once
	text     []byte // polling form ("4"+Data, "b"+base64, or ctrl+Data)

	wsOnce sync.Once
	ws     *websocket.PreparedMessage // compressed WebSocket frame, built once (see prepared)
	wsErr  error
}

// newControl builds a control packet Message (ping, pong, noop, close, open).
func newControl(t PacketType, data string) *Message {
	return &Message{Data: []byte(data), ctrl: '0' + byte(t)}
}

// Shared control packets: one encoding for every session.
var (
	pingMsg      = newControl(PacketPing, "")
	pongProbeMsg = newControl(PacketPong, "probe")
)

// packetType returns the Engine.IO type of m.
func (m *Message) packetType() PacketType {
	if m.ctrl == 0 {
		return PacketMessage
	}
	return PacketType(m.ctrl - '0')
}

// packet returns m as a Packet (Data shared).
func (m *Message) packet() Packet {
	return Packet{Type: m.packetType(), Data: m.Data, Binary: m.ctrl == 0 && m.Binary}
}

// isBinary reports whether m travels as a binary frame / base64.
func (m *Message) isBinary() bool { return m.ctrl == 0 && m.Binary }

// size is what m counts for in a queue's byte limit: the length of its text form, or of its
// raw data for a binary message.
func (m *Message) size() int { return len(m.Data) + 1 }

// pollingBytes returns the cached polling (text) form of m.
func (m *Message) pollingBytes() []byte {
	m.textOnce.Do(func() {
		switch {
		case m.isBinary():
			m.text = EncodePacket(Packet{Type: PacketMessage, Data: m.Data, Binary: true})
		default:
			t := m.ctrl
			if t == 0 {
				t = '4'
			}
			b := make([]byte, 1+len(m.Data))
			b[0] = t
			copy(b[1:], m.Data)
			m.text = b
		}
	})
	return m.text
}

// wsLen is the payload length of m's WebSocket frame.
func (m *Message) wsLen() int {
	if m.isBinary() {
		return len(m.Data)
	}
	return 1 + len(m.Data)
}

// prepared returns the cached PreparedMessage of m, used when m is sent with permessage-deflate.
func (m *Message) prepared() (*websocket.PreparedMessage, error) {
	m.wsOnce.Do(func() {
		if m.isBinary() {
			m.ws, m.wsErr = websocket.NewPreparedMessage(websocket.BinaryMessage, m.Data)
		} else {
			m.ws, m.wsErr = websocket.NewPreparedMessage(websocket.TextMessage, m.pollingBytes())
		}
	})
	return m.ws, m.wsErr
}
