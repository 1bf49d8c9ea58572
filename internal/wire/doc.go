// Package wire holds the messages that Node's Redis adapters and emitter put on Redis, with
// codecs that read what Node writes and write what Node reads, byte for byte where it
// matters (docs/redis-wire.md, at the repository root, describes the format). Of this module
// it imports only the JSON codec internal/jsjson (JSON as JavaScript writes it, shared with the
// Socket.IO parser): the cluster core (adapter/cluster) and the emitter both build these
// structs directly.
//
// # Families
//
// Classic (@socket.io/redis-adapter createAdapter, PUBLISH/PSUBSCRIBE) and the emitter:
//
//   - ClassicBroadcast, the MessagePack array [uid, packet, opts] on ClassicChannels.Broadcast
//     or .Room (choose with BroadcastTo). The emitter uses uid EmitterUID and
//     BroadcastOptions.EmitterOrder.
//   - ClassicRequest on ClassicChannels.Request, ClassicResponse on .Response or .ResponseTo:
//     every RequestType, JSON except the broadcast-with-ack request (7) and its acks (9).
//
// Sharded (createShardedAdapter, SPUBLISH/SSUBSCRIBE), i.e. the ClusterAdapter format:
//
//   - ClusterMessage, the envelope {type, data, uid, nsp} for every ClusterType, JSON unless
//     the data holds binary. ShardedChannels names the channels and, with a SubscriptionMode,
//     picks the broadcast channel and the room channels to subscribe.
//
// Ids: NewClassicID (6 characters) and NewClusterID (16 hex digits).
//
// Every Marshal function takes an Encoding; Auto picks what Node would send. Every Unmarshal
// function sniffs JSON against MessagePack as Node does (first byte '{'), except
// UnmarshalClassicBroadcast, which like Node only reads MessagePack. Decoders reject
// malformed input with an error (never a panic), check every declared length against the
// bytes left before allocating, and stop at 1000 levels of nesting. Encoders write keys in
// the order Node writes them; the vectors of testdata/redis-wire-vectors.json re-encode to their
// exact bytes (see the tests for the one exception, a notepack bug).
//
// # Values: Go and JavaScript
//
// Event arguments, acknowledgement values, socket.data and handshake fields travel as
// generic values. Decoders produce only these Go types:
//
//	JavaScript (Node)                     Go, as decoded
//	null, undefined in an array           nil
//	boolean                               bool
//	number, whole and in int64 range      int64 (whatever its wire form: 1, 1.0, 0xcb 1.0)
//	any other number (1.5, 1e300, NaN…)   float64
//	string                                string (valid UTF-8 from JSON; raw bytes from MessagePack)
//	Buffer / TypedArray (MessagePack bin) []byte (a copy)
//	Date (MessagePack timestamp)          time.Time in UTC
//	Array                                 []any (never nil)
//	plain object                          Object (ordered; repeated keys: last value wins)
//
// Binary sent through JSON is not binary: Node writes a Buffer as {"type":"Buffer","data":[…]}
// and a Date as its ISO string, and they decode as that Object and that string (classic
// requests and responses other than 7 and 9, and sharded messages without binary). Integers
// beyond ±2^53 are exact here but lose precision in Node; Node's own encoder turns whole
// numbers of 2^64 and beyond into garbage (0), which arrives as such.
//
// Encoders accept these Go types, and what a Node peer gets:
//
//	nil, nil pointer                      null
//	bool                                  boolean
//	int…int64, uint…uint64                number (smallest MessagePack integer form)
//	float64, float32                      number: whole values as integers, others as float64;
//	                                      in JSON NaN and ±Inf become null (as JSON.stringify)
//	string                                string
//	[]byte                                Buffer (bin); in JSON {"type":"Buffer","data":[…]}
//	time.Time                             Date (timestamp ext −1); in JSON an ISO 8601 string
//	                                      with milliseconds, like Date#toJSON
//	[]any, []string                       Array
//	Object                                object, keys in order
//	map[string]any, map[string]string     object, keys sorted
//	json.Number, json.RawMessage          the number, the JSON value
//	pointer                               what it points to
//	any other type                        if it has MarshalJSON and no MessagePack method,
//	                                      its JSON; otherwise what vmihailenco/msgpack makes of
//	                                      it with the "json" struct tag — in both encodings
//
// The last rule means a struct value becomes the same object in JSON and in MessagePack,
// fields named by their json tags, and a []byte or time.Time field inside it follows the rows
// above. Values must not contain cycles.
//
// JSON is written as JSON.stringify does, by package jsjson: no whitespace, no HTML escaping,
// non-ASCII raw, numbers in JavaScript's Number#toString form (5000000000, 0.5, 1.5e+300, 1e-7;
// a float32 with its own shortest digits), dates as Date#toJSON.
package wire
