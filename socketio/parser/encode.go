package parser

import (
	"fmt"
	"strconv"
	"strings"
)

// Encode returns the text part of p: the Engine.IO message to send first. p.Attachments
// follow it as binary messages, in order.
//
// An Event with attachments is written as BINARY_EVENT (5) and an Ack with attachments as
// BINARY_ACK (6), both with the "N-" count; BinaryEvent and BinaryAck are accepted as
// synonyms of Event and Ack. The namespace is left out when it is "/" or empty. p.Data is
// written as it is: Encode checks only that it has the shape the packet type requires
// (object, array, string) by its first byte, and that attachments appear only on events
// and acks. Errors wrap ErrInvalidPacket.
func Encode(p *Packet) ([]byte, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: nil packet", ErrInvalidPacket)
	}
	return AppendEncode(make([]byte, 0, encodedLen(p)), p)
}

// AppendEncode is Encode that appends the text part of p to dst and returns the extended
// slice. On error dst is returned unchanged.
func AppendEncode(dst []byte, p *Packet) ([]byte, error) {
	if p == nil {
		return dst, fmt.Errorf("%w: nil packet", ErrInvalidPacket)
	}
	t, err := wireType(p)
	if err != nil {
		return dst, err
	}
	if err := checkNsp(p.Nsp); err != nil {
		return dst, err
	}
	if err := checkData(t, p.Data); err != nil {
		return dst, err
	}
	dst = append(dst, '0'+byte(t))
	if t == BinaryEvent || t == BinaryAck {
		dst = strconv.AppendInt(dst, int64(len(p.Attachments)), 10)
		dst = append(dst, '-')
	}
	if p.Nsp != "" && p.Nsp != "/" {
		dst = append(dst, p.Nsp...)
		dst = append(dst, ',')
	}
	if p.HasID {
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	return append(dst, p.Data...), nil
}

// wireType is the type written for p: the binary variant when an event or an ack has
// attachments.
func wireType(p *Packet) (PacketType, error) {
	switch t := p.Type; t {
	case Event, BinaryEvent:
		if len(p.Attachments) > 0 {
			return BinaryEvent, nil
		}
		return Event, nil
	case Ack, BinaryAck:
		if len(p.Attachments) > 0 {
			return BinaryAck, nil
		}
		return Ack, nil
	case Connect, Disconnect, ConnectError:
		if len(p.Attachments) > 0 {
			return t, fmt.Errorf("%w: encode %s: attachments on a packet that cannot carry them", ErrInvalidPacket, t)
		}
		return t, nil
	default:
		return t, fmt.Errorf("%w: encode: unknown packet type %d", ErrInvalidPacket, t)
	}
}

// checkNsp refuses namespaces that would not decode back to themselves.
func checkNsp(nsp string) error {
	if nsp == "" || nsp == "/" {
		return nil
	}
	if nsp[0] != '/' || strings.IndexByte(nsp, ',') >= 0 {
		return fmt.Errorf("%w: encode: namespace %q must start with '/' and contain no ','", ErrInvalidPacket, nsp)
	}
	return nil
}

// checkData checks the shape of the payload by its first byte; the payload itself is
// trusted to be the JSON the caller built.
func checkData(t PacketType, data []byte) error {
	i := skipSpace(data, 0)
	first := byte(0)
	if i < len(data) {
		first = data[i]
	}
	ok := false
	switch t {
	case Connect:
		ok = len(data) == 0 || first == '{'
	case Disconnect:
		ok = len(data) == 0
	case ConnectError:
		ok = first == '{' || first == '"'
	case Event, BinaryEvent:
		// A non-empty array: the event name comes first.
		j := skipSpace(data, i+1)
		ok = first == '[' && j < len(data) && data[j] != ']'
	case Ack, BinaryAck:
		ok = first == '['
	}
	if !ok {
		return fmt.Errorf("%w: encode %s: unexpected payload %.20q", ErrInvalidPacket, t, data)
	}
	return nil
}

// skipSpace returns the index of the first byte of data at or after i that is not JSON
// whitespace.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// encodedLen is an upper bound of the length of the text part of p.
func encodedLen(p *Packet) int {
	return 1 + 21 + len(p.Nsp) + 1 + 20 + len(p.Data)
}
