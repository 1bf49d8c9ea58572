package parser

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/gosockio/gosockio/internal/jsjson"
)

// ErrInvalidPacket is wrapped by every error about a malformed packet, whether it came from
// a peer (Decoder.Decode, EventArgs, AckArgs) or from the caller (Encode). A connection
// whose peer sends one should be closed, as the Node server does.
var ErrInvalidPacket = errors.New("parser: invalid packet")

// DefaultMaxAttachments is the number of binary attachments a packet may announce when
// Decoder.MaxAttachments is zero. It is socket.io-parser's default since 4.2.6.
const DefaultMaxAttachments = 10

// Decoder turns Engine.IO messages into packets, collecting the binary attachments that
// follow a BINARY_EVENT or BINARY_ACK. Use one per connection. A Decoder is not safe for
// concurrent use. The zero value is ready to use.
type Decoder struct {
	// MaxAttachments is the most binary attachments one packet may announce. Zero means
	// DefaultMaxAttachments (10, as in socket.io-parser); negative means no limit.
	MaxAttachments int
	// MaxPayload is the most bytes one packet may take: its text message plus all its
	// attachments. Zero or negative means no limit beyond the Engine.IO message size.
	MaxPayload int

	pending *Packet // packet waiting for attachments
	want    int     // attachments it announced
	size    int     // bytes received for it so far
	lastNsp string  // reused to spare an allocation per packet
}

// Decode feeds one Engine.IO message to d: text messages carry packets, binary messages
// carry the attachments of the last BINARY_EVENT or BINARY_ACK. Decode returns a packet
// when one is complete and (nil, nil) while attachments are still expected.
//
// Packets come back as Connect, Disconnect, Event, Ack or ConnectError: a BINARY_EVENT is
// returned as an Event with its Attachments (nil when it announced none), a BINARY_ACK as an
// Ack. The payload is validated as socket.io-parser does: CONNECT data absent or an object;
// DISCONNECT no data; CONNECT_ERROR a string or an object; EVENT a non-empty array whose
// first element is a number or a string that is not reserved (see IsReservedEvent); ACK an
// array. Placeholders of a binary packet must each refer to a distinct attachment.
//
// The packet keeps references to data: its Data and Attachments alias the slices passed to
// Decode, which must not be modified afterwards.
//
// Every error wraps ErrInvalidPacket, and resets d: the caller should close the connection.
func (d *Decoder) Decode(data []byte, binary bool) (*Packet, error) {
	if binary {
		p := d.pending
		if p == nil {
			return nil, fmt.Errorf("%w: unexpected binary message", ErrInvalidPacket)
		}
		d.size += len(data)
		if d.MaxPayload > 0 && d.size > d.MaxPayload {
			d.Reset()
			return nil, fmt.Errorf("%w: packet larger than %d bytes", ErrInvalidPacket, d.MaxPayload)
		}
		p.Attachments = append(p.Attachments, data)
		if len(p.Attachments) < d.want {
			return nil, nil
		}
		d.Reset()
		return p, nil
	}
	if d.pending != nil {
		n := d.want - len(d.pending.Attachments)
		d.Reset()
		return nil, fmt.Errorf("%w: text message while %d binary attachments are pending", ErrInvalidPacket, n)
	}
	if d.MaxPayload > 0 && len(data) > d.MaxPayload {
		return nil, fmt.Errorf("%w: packet larger than %d bytes", ErrInvalidPacket, d.MaxPayload)
	}
	p, n, err := d.parse(data)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return p, nil
	}
	p.Attachments = make([][]byte, 0, min(n, 16))
	d.pending, d.want, d.size = p, n, len(data)
	return nil, nil
}

// Reset drops a packet whose attachments are still expected.
func (d *Decoder) Reset() {
	d.pending, d.want, d.size = nil, 0, 0
}

func (d *Decoder) maxAttachments() int {
	switch {
	case d.MaxAttachments == 0:
		return DefaultMaxAttachments
	case d.MaxAttachments < 0:
		return math.MaxInt32
	}
	return d.MaxAttachments
}

// parse decodes a text message. It returns the packet and the number of attachments that
// must follow it.
func (d *Decoder) parse(data []byte) (*Packet, int, error) {
	if len(data) == 0 {
		return nil, 0, fmt.Errorf("%w: empty message", ErrInvalidPacket)
	}
	c := data[0]
	if c < '0' || c > '6' {
		return nil, 0, fmt.Errorf("%w: unknown packet type %q", ErrInvalidPacket, c)
	}
	p := &Packet{Type: PacketType(c - '0'), Nsp: "/"}
	i := 1

	// <attachments>-
	n := 0
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		limit := d.maxAttachments()
		start := i
		for ; i < len(data) && isDigit(data[i]); i++ {
			if n = n*10 + int(data[i]-'0'); n > limit {
				return nil, 0, fmt.Errorf("%w: more than %d attachments", ErrInvalidPacket, limit)
			}
		}
		if i == start || i >= len(data) || data[i] != '-' {
			return nil, 0, fmt.Errorf("%w: bad attachment count", ErrInvalidPacket)
		}
		i++
		if p.Type == BinaryEvent {
			p.Type = Event
		} else {
			p.Type = Ack
		}
	}

	// <nsp>, (the comma may be missing when nothing follows)
	if i < len(data) && data[i] == '/' {
		start := i
		for i < len(data) && data[i] != ',' {
			i++
		}
		nsp := data[start:i]
		if i < len(data) {
			i++ // ','
		}
		if !utf8.Valid(nsp) {
			return nil, 0, fmt.Errorf("%w: namespace is not valid UTF-8", ErrInvalidPacket)
		}
		if string(nsp) != d.lastNsp {
			d.lastNsp = string(nsp)
		}
		p.Nsp = d.lastNsp
	}

	// <ack id>
	if i < len(data) && isDigit(data[i]) {
		var id uint64
		for ; i < len(data) && isDigit(data[i]); i++ {
			digit := uint64(data[i] - '0')
			if id > (math.MaxUint64-digit)/10 {
				return nil, 0, fmt.Errorf("%w: ack id overflows", ErrInvalidPacket)
			}
			id = id*10 + digit
		}
		p.ID, p.HasID = id, true
	}

	// <JSON>
	payload := data[i:len(data):len(data)]
	if len(payload) > 0 {
		p.Data = payload
	}
	if err := checkPayload(p.Type, payload, n); err != nil {
		return nil, 0, err
	}
	return p, n, nil
}

// checkPayload validates the JSON payload of a packet of type t (Event or Ack for the
// binary types) that announced natt attachments.
func checkPayload(t PacketType, payload []byte, natt int) error {
	if len(payload) == 0 {
		switch t {
		case Connect, Disconnect:
			return nil
		}
		return fmt.Errorf("%w: %s without payload", ErrInvalidPacket, t)
	}
	if t == Disconnect {
		return fmt.Errorf("%w: DISCONNECT with a payload", ErrInvalidPacket)
	}
	s := jsjson.Scanner{Attachments: -1}
	if natt > 0 {
		s.Attachments = natt
	}
	kind, err := s.Scan(payload)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidPacket, err)
	}
	switch t {
	case Connect:
		if kind != '{' {
			return fmt.Errorf("%w: CONNECT payload is not an object", ErrInvalidPacket)
		}
	case ConnectError:
		if kind != '{' && kind != '"' {
			return fmt.Errorf("%w: CONNECT_ERROR payload is neither an object nor a string", ErrInvalidPacket)
		}
	case Ack:
		if kind != '[' {
			return fmt.Errorf("%w: ACK payload is not an array", ErrInvalidPacket)
		}
	case Event:
		if kind != '[' {
			return fmt.Errorf("%w: EVENT payload is not an array", ErrInvalidPacket)
		}
		if s.First.End == 0 {
			return fmt.Errorf("%w: EVENT payload is an empty array", ErrInvalidPacket)
		}
		name := payload[s.First.Start:s.First.End]
		switch {
		case name[0] == '"':
			if isReservedToken(name) {
				return fmt.Errorf("%w: reserved event name %s", ErrInvalidPacket, name)
			}
		case name[0] == '-' || isDigit(name[0]):
		default:
			return fmt.Errorf("%w: event name is neither a string nor a number", ErrInvalidPacket)
		}
	}
	return nil
}
