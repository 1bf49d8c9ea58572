package wire

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// Encoding selects the serialization of a payload.
type Encoding uint8

const (
	// Auto picks the encoding Node would use for the message: see each Marshal function.
	Auto Encoding = iota
	// MsgPack is MessagePack as notepack.io writes it.
	MsgPack
	// JSON is UTF-8 JSON as JSON.stringify writes it.
	JSON
)

// String returns "auto", "msgpack" or "json".
func (e Encoding) String() string {
	switch e {
	case Auto:
		return "auto"
	case MsgPack:
		return "msgpack"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("Encoding(%d)", uint8(e))
}

// Sniff tells JSON from MessagePack the way Node's receivers do: a payload whose first byte
// is '{' is JSON, anything else is MessagePack.
func Sniff(data []byte) Encoding {
	if len(data) > 0 && data[0] == '{' {
		return JSON
	}
	return MsgPack
}

// ErrUnknownType is wrapped by the errors of decoders that meet a message type code they do
// not know. Node's receivers ignore such messages silently.
var ErrUnknownType = errors.New("wire: unknown message type")

// maxDepth bounds the nesting of arrays and objects, in decoders and encoders alike.
const maxDepth = 1000

var (
	errTooDeep   = fmt.Errorf("nesting deeper than %d levels", maxDepth)
	errTruncated = errors.New("unexpected end of input")
	errTrailing  = errors.New("trailing bytes after the value")
)

// Member is one property of an Object.
type Member struct {
	// Key is the property name.
	Key string
	// Value is a generic value (see the package documentation).
	Value any
}

// Object is a JavaScript plain object: its properties in insertion order, as Node writes them.
// Decoders return every map or JSON object as an Object, so that re-encoding keeps the order.
// Keys are unique in a decoded Object: when a payload repeats a key, the last value wins and
// keeps the position of the first, as in JavaScript.
type Object []Member

// Get returns the value of the property named key.
func (o Object) Get(key string) (any, bool) {
	for i := range o {
		if o[i].Key == key {
			return o[i].Value, true
		}
	}
	return nil, false
}

// Map returns the properties as a Go map. Nested objects stay Objects.
func (o Object) Map() map[string]any {
	m := make(map[string]any, len(o))
	for _, mb := range o {
		m[mb.Key] = mb.Value
	}
	return m
}

// MarshalJSON writes the object as JSON.stringify would, keys in order. It makes an Object
// nested in other Go values encode correctly through encoding/json.
func (o Object) MarshalJSON() ([]byte, error) {
	e := getEncoder(JSON)
	defer putEncoder(e)
	if err := e.object(o); err != nil {
		return nil, fmt.Errorf("wire: object: %w", err)
	}
	return e.result(), nil
}

// EncodeMsgpack writes the object as a MessagePack map, keys in order. It makes an Object
// nested in other Go values encode correctly through vmihailenco/msgpack.
func (o Object) EncodeMsgpack(enc *msgpack.Encoder) error {
	e := &encoder{mp: enc}
	if err := e.object(o); err != nil {
		return fmt.Errorf("wire: object: %w", err)
	}
	return nil
}

var (
	_ json.Marshaler        = Object(nil)
	_ msgpack.CustomEncoder = Object(nil)
)

// MarshalValue encodes one generic value (see the package documentation for the accepted Go
// types). With Auto it writes JSON unless the value holds binary data, like the sharded adapter.
func MarshalValue(v any, enc Encoding) ([]byte, error) {
	b, err := marshal(enc, func(e *encoder) error { return e.value(v) })
	if err != nil {
		return nil, fmt.Errorf("wire: value: %w", err)
	}
	return b, nil
}

// UnmarshalValue decodes one generic value. With Auto it sniffs the encoding like Node (a
// first byte '{' means JSON); since a MessagePack value may also begin with 0x7b, pass the
// encoding explicitly when it is known.
func UnmarshalValue(data []byte, enc Encoding) (any, error) {
	if enc == Auto {
		enc = Sniff(data)
	}
	var (
		v   any
		err error
	)
	switch enc {
	case JSON:
		v, err = decodeJSON(data)
	case MsgPack:
		v, err = decodeMsgpack(data)
	default:
		err = fmt.Errorf("unknown encoding %v", enc)
	}
	if err != nil {
		return nil, fmt.Errorf("wire: value: %w", err)
	}
	return v, nil
}

// decodeAny decodes a payload whose encoding is sniffed.
func decodeAny(data []byte) (any, Encoding, error) {
	if Sniff(data) == JSON {
		v, err := decodeJSON(data)
		return v, JSON, err
	}
	v, err := decodeMsgpack(data)
	return v, MsgPack, err
}

// setMember sets key k of the object held in ms[base:], the JavaScript way: a repeated key
// keeps its first position and takes the last value. index (built lazily once the object
// outgrows a linear scan) maps keys to positions in ms.
func setMember(ms []Member, base int, index *map[string]int, k string, v any) []Member {
	if *index != nil {
		if i, ok := (*index)[k]; ok {
			ms[i].Value = v
			return ms
		}
		(*index)[k] = len(ms)
		return append(ms, Member{k, v})
	}
	for i := base; i < len(ms); i++ {
		if ms[i].Key == k {
			ms[i].Value = v
			return ms
		}
	}
	ms = append(ms, Member{k, v})
	if len(ms)-base > linearKeys {
		*index = make(map[string]int, 2*(len(ms)-base))
		for i := base; i < len(ms); i++ {
			(*index)[ms[i].Key] = i
		}
	}
	return ms
}

const linearKeys = 16

// intern returns the protocol's common key names without allocating.
func intern(b []byte) string {
	switch string(b) {
	case "type":
		return "type"
	case "data":
		return "data"
	case "nsp":
		return "nsp"
	case "uid":
		return "uid"
	case "requestId":
		return "requestId"
	case "packet":
		return "packet"
	case "opts":
		return "opts"
	case "rooms":
		return "rooms"
	case "except":
		return "except"
	case "flags":
		return "flags"
	case "id":
		return "id"
	case "close":
		return "close"
	case "sockets":
		return "sockets"
	case "clientCount":
		return "clientCount"
	case "volatile":
		return "volatile"
	case "compress":
		return "compress"
	case "timeout":
		return "timeout"
	case "handshake":
		return "handshake"
	}
	return string(b)
}

// number returns f as int64 when it is a whole number in int64 range, else as float64.
func number(f float64) any {
	if f >= -9.223372036854775808e18 && f < 9.223372036854775808e18 && f == float64(int64(f)) {
		return int64(f)
	}
	return f
}

// typeName names the JSON-ish kind of a decoded value for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int64, float64:
		return "number"
	case string:
		return "string"
	case []byte:
		return "binary"
	case []any:
		return "array"
	case Object:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
