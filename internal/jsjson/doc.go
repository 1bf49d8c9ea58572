// Package jsjson reads and writes JSON as JavaScript does, for every path of this module that
// meets a JavaScript peer: the payloads of Socket.IO packets (socketio/parser), the values the
// cluster core moves between nodes (adapter/cluster) and the JSON messages of Node's Redis
// adapters (internal/wire). It imports nothing but the standard library.
//
// # Writing
//
// Text comes out as JSON.stringify writes it: no whitespace; strings escape only '"', '\\' and
// the control characters (the short forms \b \f \n \r \t, else \u00XX), and '<', '>', '&',
// U+2028, U+2029 and every other character stay raw, with invalid UTF-8 written as U+FFFD;
// numbers in the form of Number#toString (AppendNumber: 1e-7, 1e+21, 0 for -0, null for NaN
// and ±Infinity); a time.Time as Date#toJSON (AppendDate: milliseconds in UTC, a signed
// six-digit year outside 0000–9999, null out of a Date's range). Binary is written as a
// placeholder {"_placeholder":true,"num":N} and returned as attachment N (socket.io-parser's
// form), or as the object a Node Buffer becomes, {"type":"Buffer","data":[…]}.
//
// An Encoder writes any Go value. Generic values (nil, bool, numbers, string, []byte,
// time.Time, Object, []any, []string, map[string]any, map[string]string, json.Number,
// json.RawMessage) take a fast path without reflection. Other values follow encoding/json's
// rules (json tags, "-", omitempty, omitzero, ",string", embedded structs, map keys, MarshalJSON
// and MarshalText methods) with the text rules above: their JSON is what json.Marshal writes
// read back and written again by JavaScript, except that time.Time is a Date. Object keeps its
// key order; Go maps are written with sorted keys, as encoding/json writes them.
//
// # Reading
//
// A Scanner validates a JSON value (RFC 8259, as encoding/json.Valid, without checking UTF-8)
// and records what the Socket.IO parser needs: the elements of a top-level array and the
// placeholders, each checked against the attachments of its packet. Decode, built on the same
// scanner, turns JSON into generic values as JSON.parse does: objects as Object (keys in order,
// a repeated key keeps its first place and its last value) or as map[string]any, numbers as
// int64 when whole and in range and float64 otherwise (or always float64), and placeholders
// replaced by their attachments. Both stop at 1000 levels of nesting and never panic.
package jsjson
