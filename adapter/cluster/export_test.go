package cluster

import "github.com/gosockio/gosockio/internal/jsjson"

// PeekUID exposes a codec's uid peek to the tests: ok is false when the codec has none or
// cannot read the uid without decoding.
func PeekUID(c Codec, t Topic, b []byte) (string, bool) {
	p, ok := c.(uidPeeker)
	if !ok {
		return "", false
	}
	return p.peekUID(t, b)
}

// The packet conversions, for the codec tests.
var (
	PacketValues = packetValues
	EventPacket  = eventPacket
	PlainValue   = jsjson.Plain
)
