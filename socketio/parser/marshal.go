package parser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/gosockio/gosockio/internal/jsjson"
)

// MarshalArgs encodes args as a JSON array, the payload of an EVENT or ACK packet, written as
// JSON.stringify writes it, with every []byte replaced by a placeholder
// {"_placeholder":true,"num":N} and returned in attachments, in order.
//
// Binary is found at any depth: at the top level, in []any, in map[string]any and any other
// map, slice, array or pointer, and in struct fields, which are named and omitted as
// encoding/json does (json tags, "-", omitempty, omitzero, string, embedded structs); a
// struct's fields come in declaration order and a map's keys sorted. Types that implement
// json.Marshaler or encoding.TextMarshaler are written from their output, which cannot hold
// binary. A nil []byte is written as null and takes no attachment; an empty non-nil one is an
// empty attachment. Any slice type whose elements are bytes counts as binary, json.RawMessage
// excepted; byte arrays ([N]byte) are written as JSON arrays.
//
// The text is the one JavaScript would write for the value json.Marshal describes: strings
// escape only '"', '\\' and control characters ("<" stays "<"; invalid UTF-8 becomes U+FFFD),
// numbers are in Number#toString form (1e-7, 1e+21; -0 is 0; NaN and ±Inf are null), a
// time.Time is written as a Date (Date#toJSON: UTC with milliseconds), and json.RawMessage and
// MarshalJSON output are written again in that form. Values nested deeper than 1000 levels
// (or cyclic) are an error, and so are channels, functions and complex numbers.
//
// The attachments alias the caller's slices, which must not be modified until the packet
// has been sent. With no arguments, data is "[]".
func MarshalArgs(args ...any) (data json.RawMessage, attachments [][]byte, err error) {
	return marshalArgs("", false, args)
}

// MarshalEvent is MarshalArgs with the event name as the first element of the array: the
// payload of an EVENT packet.
func MarshalEvent(event string, args ...any) (json.RawMessage, [][]byte, error) {
	return marshalArgs(event, true, args)
}

// marshaler is the pooled state of one MarshalArgs call.
type marshaler struct {
	buf []byte
	enc jsjson.Encoder
}

var marshalers = sync.Pool{New: func() any { return &marshaler{buf: make([]byte, 0, 512)} }}

// maxPooledBuffer keeps one huge payload from pinning its buffer in the pool.
const maxPooledBuffer = 64 << 10

func marshalArgs(event string, withEvent bool, args []any) (json.RawMessage, [][]byte, error) {
	m := marshalers.Get().(*marshaler)
	defer func() {
		m.enc.Reset()
		if cap(m.buf) <= maxPooledBuffer {
			marshalers.Put(m)
		}
	}()
	b := append(m.buf[:0], '[')
	if withEvent {
		b = jsjson.AppendString(b, event)
	}
	for i, a := range args {
		if i > 0 || withEvent {
			b = append(b, ',')
		}
		var err error
		if b, err = m.enc.Append(b, a); err != nil {
			m.buf = b
			return nil, nil, fmt.Errorf("parser: marshal argument %d: %w", i, err)
		}
	}
	b = append(b, ']')
	m.buf = b
	return bytes.Clone(b), m.enc.Attachments, nil
}
