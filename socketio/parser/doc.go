// Package parser is the codec of Socket.IO protocol v5 packets, the default parser of
// Socket.IO v4 (socket.io-parser 4.x) written for Go. It does no I/O: it turns packets
// into Engine.IO messages and back, and builds and reads their JSON payloads.
//
// # Wire format
//
// A packet is one Engine.IO text message,
//
//	<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//
// followed, for BINARY_EVENT (5) and BINARY_ACK (6), by as many binary Engine.IO messages
// as it announced attachments. The namespace is left out when it is "/". Inside the
// payload each binary value is replaced by a placeholder {"_placeholder":true,"num":N}
// naming the attachment, at any depth. Examples from the protocol specification:
//
//	0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}           CONNECT to /admin
//	2["foo"]                                         EVENT
//	212["foo"]                                       EVENT with ack id 12
//	3/admin,13["bar"]                                ACK 13 in /admin
//	51-["baz",{"_placeholder":true,"num":0}]         BINARY_EVENT, one attachment follows
//
// # Sending
//
// MarshalEvent (or MarshalArgs for an ack) encodes Go values into a payload, written as
// JavaScript's JSON.stringify writes it, and pulls out their []byte values as attachments;
// Encode writes the text message of a Packet, choosing BINARY_EVENT or BINARY_ACK when the
// packet has attachments. The result is computed once and can be sent to any number of
// sockets.
//
// # The packet and its codec
//
// Packet is the Socket.IO packet as the server, the adapters and this codec share it: the
// adapter layer (package adapter and its cluster core) imports this package, never the other
// way round. JSON is read and written by the module's one JavaScript-compatible codec
// (internal/jsjson), which the cluster core and the Redis wire format use too, so that a value
// reaches a Node.js peer with the same text whichever path it takes.
//
// # Receiving
//
// A Decoder, one per connection, takes the Engine.IO messages in order and returns each
// packet when it is complete, validated as socket.io-parser validates it. EventArgs and
// AckArgs then give the arguments, which Args.Bind decodes into Go values and Args.Value
// decodes generically, with the attachments put back where the placeholders were.
//
// # Limits
//
// Bad input gives an error wrapping ErrInvalidPacket, never a panic, and the memory spent
// on it is bounded by its size: a packet may announce at most Decoder.MaxAttachments
// attachments (10 by default, as in socket.io-parser 4.2.6), every attachment may be
// referenced by one placeholder only, and payloads nested deeper than 1000 levels are
// refused.
package parser
