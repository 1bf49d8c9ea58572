package cluster

import (
	"fmt"

	"github.com/gosockio/gosockio/internal/jsjson"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Packets travel between nodes as generic values (Node's un-encoded packet: binary inline),
// and between this node and its clients as JSON with binary attachments. These helpers convert
// between the two with the one codec of package jsjson, keeping the order of object keys both
// ways (a JavaScript object keeps its insertion order, and so does a jsjson.Object).

// packetValues returns the data of p (event name first, for an EVENT) as generic values:
// objects as jsjson.Object (keys in order), whole numbers as int64, other numbers as float64,
// binary attachments back inline as []byte (sharing memory with p.Attachments). As in
// socket.io-parser, placeholders mean something only in a packet with attachments.
func packetValues(p *parser.Packet) ([]any, error) {
	if len(p.Data) == 0 {
		return nil, nil
	}
	v, err := jsjson.Decode(p.Data, jsjson.DecodeOptions{Attachments: p.Attachments})
	if err != nil {
		return nil, fmt.Errorf("cluster: packet data: %w", err)
	}
	vals, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("cluster: packet data is not an array")
	}
	return vals, nil
}

// eventPacket builds an EVENT packet of namespace nsp from generic values.
func eventPacket(nsp string, vals []any) (*parser.Packet, error) {
	return valuesToPacket(parser.Event, nsp, vals)
}

// valuesToPacket builds a packet from generic values, written as JavaScript writes them:
// []byte at any depth becomes an attachment, jsjson.Object keeps its key order, time.Time is a
// Date; values of other Go types are written as parser.MarshalArgs writes them.
func valuesToPacket(t parser.PacketType, nsp string, vals []any) (*parser.Packet, error) {
	var e jsjson.Encoder
	b := append(make([]byte, 0, 64), '[')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = e.Append(b, v); err != nil {
			return nil, fmt.Errorf("cluster: packet from values: %w", err)
		}
	}
	b = append(b, ']')
	return &parser.Packet{Type: t, Nsp: nsp, Data: b, Attachments: e.Attachments}, nil
}

// firstValue returns the first argument of an ACK packet (nil when it has none): only that one
// crosses nodes, as in Node.
func firstValue(ack *parser.Packet) (any, error) {
	vals, err := packetValues(ack)
	if err != nil || len(vals) == 0 {
		return nil, err
	}
	return vals[0], nil
}
