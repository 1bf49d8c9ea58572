package cluster

import (
	"fmt"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Packets travel between nodes as generic values (Node's un-encoded packet: binary inline),
// and between this node and its clients as JSON with binary attachments. These helpers convert
// between the two.

// PacketValues returns the data of p (event name first, for an EVENT) as generic values, with
// binary attachments back inline as []byte.
func PacketValues(p *adapter.Packet) ([]any, error) {
	if len(p.Data) == 0 {
		return nil, nil
	}
	args, err := parser.AckArgs(&adapter.Packet{Type: adapter.Ack, Data: p.Data, Attachments: p.Attachments})
	if err != nil {
		return nil, fmt.Errorf("cluster: packet data: %w", err)
	}
	return args.Values()
}

// ValuesPacket builds an EVENT packet of namespace nsp from generic values ([]byte at any depth
// becoming attachments).
func ValuesPacket(nsp string, vals []any) (*adapter.Packet, error) {
	return valuesToPacket(adapter.Event, nsp, vals)
}

func valuesToPacket(t adapter.PacketType, nsp string, vals []any) (*adapter.Packet, error) {
	data, atts, err := parser.MarshalArgs(vals...)
	if err != nil {
		return nil, fmt.Errorf("cluster: packet from values: %w", err)
	}
	return &adapter.Packet{Type: t, Nsp: nsp, Data: data, Attachments: atts}, nil
}

// firstValue returns the first argument of an ACK packet (nil when it has none): only that one
// crosses nodes, as in Node.
func firstValue(ack *adapter.Packet) (any, error) {
	vals, err := PacketValues(ack)
	if err != nil || len(vals) == 0 {
		return nil, err
	}
	return vals[0], nil
}
