package wire

import (
	"strconv"
	"unicode/utf16"
)

// DefaultStreamName is the Redis Streams adapter's default streamName.
const DefaultStreamName = "socket.io"

// StreamOf returns the stream that carries namespace nsp's entries in the Redis Streams adapter
// (docs/redis-wire.md §10.2): streamName when count ≤ 1, else streamName-<i>, i being the
// Java-style 32-bit hash of nsp over its UTF-16 code units modulo count with JavaScript's sign
// (so a negative hash gives a name like "socket.io--2"), as Node's adapter computes it. An
// empty streamName is DefaultStreamName.
func StreamOf(streamName string, count int, nsp string) string {
	if streamName == "" {
		streamName = DefaultStreamName
	}
	if count <= 1 {
		return streamName
	}
	var h int32
	for _, u := range utf16.Encode([]rune(nsp)) {
		h = h*31 + int32(u)
	}
	return streamName + "-" + strconv.Itoa(int(h)%count)
}
