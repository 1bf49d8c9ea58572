package wire

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/gosockio/gosockio/internal/jsjson"
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
type Member = jsjson.Member

// Object is a JavaScript plain object: its properties in insertion order, as Node writes them
// (the generic object of package jsjson, the one JSON codec of this module). Decoders return
// every map or JSON object as an Object, so that re-encoding keeps the order. Keys are unique
// in a decoded Object: when a payload repeats a key, the last value wins and keeps the
// position of the first, as in JavaScript. Object.MarshalJSON writes it in order; nested in
// other Go values it is also written in order by vmihailenco/msgpack (see init).
type Object = jsjson.Object

// init teaches vmihailenco/msgpack to write an Object as a map, keys in order, wherever it
// meets one (a struct field, a map value): Object lives in package jsjson, which knows nothing
// of MessagePack, so it cannot have an EncodeMsgpack method.
func init() {
	msgpack.Register(Object(nil), func(enc *msgpack.Encoder, v reflect.Value) error {
		o, _ := reflect.TypeAssert[Object](v)
		e := &encoder{mp: enc}
		if err := e.object(o); err != nil {
			return fmt.Errorf("wire: object: %w", err)
		}
		return nil
	}, nil)
}

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

// decodeJSON decodes JSON with the module's one JSON codec.
func decodeJSON(data []byte) (any, error) {
	v, err := jsjson.Decode(data, jsjson.DecodeOptions{})
	if err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	return v, nil
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
