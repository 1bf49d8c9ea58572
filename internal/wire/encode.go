package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gosockio/gosockio/internal/jsjson"
	"github.com/vmihailenco/msgpack/v5"
)

// encoder writes one payload, either as JSON (the way JSON.stringify does) or as MessagePack
// (the way notepack.io does, through a vmihailenco/msgpack Encoder). Writes into a
// bytes.Buffer cannot fail, so only value conversion reports errors.
type encoder struct {
	json bool
	// abortOnBinary makes a JSON encoder stop with errBinary at the first binary item.
	abortOnBinary bool
	// comma is set, in JSON, when the next value or key at this level needs a separator.
	comma bool
	depth int
	buf   bytes.Buffer
	mp    *msgpack.Encoder
}

// errBinary stops a JSON encoding that must switch to MessagePack.
var errBinary = errors.New("binary data in a JSON payload")

var encoderPool = sync.Pool{New: func() any {
	e := &encoder{}
	e.mp = msgpack.NewEncoder(&e.buf)
	return e
}}

func getEncoder(enc Encoding) *encoder {
	e := encoderPool.Get().(*encoder)
	e.json = enc == JSON
	e.abortOnBinary = false
	e.comma = false
	e.depth = 0
	e.buf.Reset()
	e.mp.Reset(&e.buf) // also clears the flags: every number form below is chosen explicitly
	return e
}

func putEncoder(e *encoder) {
	if e.buf.Cap() > 64<<10 {
		return // let a rare huge buffer go rather than pin it in the pool
	}
	encoderPool.Put(e)
}

// result returns a copy of the encoded bytes, sized to fit.
func (e *encoder) result() []byte {
	return bytes.Clone(e.buf.Bytes())
}

// marshal runs write with a pooled encoder. Auto means JSON unless write meets binary data,
// in which case the payload is written again as MessagePack.
func marshal(enc Encoding, write func(*encoder) error) ([]byte, error) {
	if enc != Auto && enc != JSON && enc != MsgPack {
		return nil, fmt.Errorf("unknown encoding %v", enc)
	}
	e := getEncoder(enc)
	defer putEncoder(e)
	if enc == Auto {
		e.json = true
		e.abortOnBinary = true
	}
	err := write(e)
	if errors.Is(err, errBinary) && enc == Auto {
		e.json, e.abortOnBinary, e.comma, e.depth = false, false, false, 0
		e.buf.Reset()
		err = write(e)
	}
	if err != nil {
		return nil, err
	}
	return e.result(), nil
}

// ---- structure ----

// sep writes the separator a JSON value needs before it.
func (e *encoder) sep() {
	if e.comma {
		e.buf.WriteByte(',')
	}
}

func (e *encoder) beginMap(n int) {
	if e.json {
		e.sep()
		e.buf.WriteByte('{')
		e.comma = false
		return
	}
	_ = e.mp.EncodeMapLen(n)
}

func (e *encoder) endMap() {
	if e.json {
		e.buf.WriteByte('}')
		e.comma = true
	}
}

func (e *encoder) beginArray(n int) {
	if e.json {
		e.sep()
		e.buf.WriteByte('[')
		e.comma = false
		return
	}
	_ = e.mp.EncodeArrayLen(n)
}

func (e *encoder) endArray() {
	if e.json {
		e.buf.WriteByte(']')
		e.comma = true
	}
}

// key writes an object key; the value must follow.
func (e *encoder) key(k string) {
	if e.json {
		e.sep()
		e.quote(k)
		e.buf.WriteByte(':')
		e.comma = false
		return
	}
	_ = e.mp.EncodeString(k)
}

// ---- scalars ----

func (e *encoder) null() {
	if e.json {
		e.sep()
		e.buf.WriteString("null")
		e.comma = true
		return
	}
	_ = e.mp.EncodeNil()
}

func (e *encoder) bool(b bool) {
	if e.json {
		e.sep()
		if b {
			e.buf.WriteString("true")
		} else {
			e.buf.WriteString("false")
		}
		e.comma = true
		return
	}
	_ = e.mp.EncodeBool(b)
}

func (e *encoder) string(s string) {
	if e.json {
		e.sep()
		e.quote(s)
		e.comma = true
		return
	}
	_ = e.mp.EncodeString(s)
}

// int writes n in the smallest MessagePack integer form (unsigned forms for n >= 0).
func (e *encoder) int(n int64) {
	if e.json {
		e.sep()
		e.buf.Write(strconv.AppendInt(e.buf.AvailableBuffer(), n, 10))
		e.comma = true
		return
	}
	_ = e.mp.EncodeInt(n)
}

func (e *encoder) uint(n uint64) {
	if e.json {
		e.sep()
		e.buf.Write(strconv.AppendUint(e.buf.AvailableBuffer(), n, 10))
		e.comma = true
		return
	}
	_ = e.mp.EncodeUint(n)
}

// float writes a JavaScript number: whole values as integers (notepack's rule), others as
// float64 in MessagePack and in Number#toString form in JSON, where NaN and ±Infinity become
// null like JSON.stringify does.
func (e *encoder) float(f float64) { e.number(f, false) }

// float32 writes f as float does, but in JSON with the shortest digits of the float32 (0.1,
// not 0.10000000149011612), as the parser writes it.
func (e *encoder) float32(f float32) { e.number(float64(f), true) }

func (e *encoder) number(f float64, single bool) {
	if e.json {
		e.sep()
		if single {
			e.buf.Write(jsjson.AppendFloat32(e.buf.AvailableBuffer(), float32(f)))
		} else {
			e.buf.Write(jsjson.AppendNumber(e.buf.AvailableBuffer(), f))
		}
		e.comma = true
		return
	}
	if f == math.Trunc(f) { // false for NaN; true for ±Inf, which the ranges exclude
		switch {
		case f >= -9.223372036854775808e18 && f < 9.223372036854775808e18:
			_ = e.mp.EncodeInt(int64(f))
			return
		case f >= 0 && f < 1.8446744073709551616e19:
			_ = e.mp.EncodeUint(uint64(f))
			return
		}
	}
	_ = e.mp.EncodeFloat64(f) // flags are clear: always the 0xcb form
}

// binary writes bytes as a MessagePack bin item, or in JSON as the object a Node Buffer
// becomes: {"type":"Buffer","data":[...]}.
func (e *encoder) binary(b []byte) error {
	if !e.json {
		_ = e.mp.EncodeBytesLen(len(b))
		_, _ = e.mp.Writer().Write(b)
		return nil
	}
	if e.abortOnBinary {
		return errBinary
	}
	e.sep()
	e.buf.WriteString(`{"type":"Buffer","data":[`)
	for i, c := range b {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.buf.Write(strconv.AppendUint(e.buf.AvailableBuffer(), uint64(c), 10))
	}
	e.buf.WriteString("]}")
	e.comma = true
	return nil
}

// time writes a MessagePack timestamp (extension -1, smallest of the three forms) or, in JSON,
// the text of Date#toJSON.
func (e *encoder) time(t time.Time) {
	if e.json {
		e.sep()
		e.buf.Write(jsjson.AppendDate(e.buf.AvailableBuffer(), t))
		e.comma = true
		return
	}
	sec, nsec := t.Unix(), uint64(t.Nanosecond())
	var b [12]byte
	var n int
	switch {
	case sec>>34 == 0 && nsec == 0 && sec>>32 == 0:
		binary.BigEndian.PutUint32(b[:], uint32(sec))
		n = 4
	case sec>>34 == 0:
		binary.BigEndian.PutUint64(b[:], nsec<<34|uint64(sec))
		n = 8
	default:
		binary.BigEndian.PutUint32(b[:], uint32(nsec))
		binary.BigEndian.PutUint64(b[4:], uint64(sec))
		n = 12
	}
	_ = e.mp.EncodeExtHeader(-1, n)
	_, _ = e.mp.Writer().Write(b[:n])
}

// quote writes s as a JSON string the way JSON.stringify does.
func (e *encoder) quote(s string) {
	e.buf.Write(jsjson.AppendString(e.buf.AvailableBuffer(), s))
}

// ---- generic values ----

func (e *encoder) enter() error {
	e.depth++
	if e.depth > maxDepth {
		return errTooDeep
	}
	return nil
}

func (e *encoder) leave() { e.depth-- }

// value writes any supported Go value; see the package documentation for the mapping.
func (e *encoder) value(v any) error {
	switch x := v.(type) {
	case nil:
		e.null()
	case string:
		e.string(x)
	case bool:
		e.bool(x)
	case int64:
		e.int(x)
	case float64:
		e.float(x)
	case int:
		e.int(int64(x))
	case int8:
		e.int(int64(x))
	case int16:
		e.int(int64(x))
	case int32:
		e.int(int64(x))
	case uint:
		e.uint(uint64(x))
	case uint8:
		e.uint(uint64(x))
	case uint16:
		e.uint(uint64(x))
	case uint32:
		e.uint(uint64(x))
	case uint64:
		e.uint(x)
	case float32:
		e.float32(x)
	case []byte:
		return e.binary(x)
	case time.Time:
		e.time(x)
	case Object:
		return e.object(x)
	case []any:
		return e.array(x)
	case []string:
		e.beginArray(len(x))
		for _, s := range x {
			e.string(s)
		}
		e.endArray()
	case map[string]any:
		return e.stringMap(x)
	case map[string]string:
		if err := e.enter(); err != nil {
			return err
		}
		keys := sortedKeys(x)
		e.beginMap(len(keys))
		for _, k := range keys {
			e.key(k)
			e.string(x[k])
		}
		e.endMap()
		e.leave()
	case json.Number:
		switch n, err := decodeJSON([]byte(x)); n := n.(type) {
		case int64:
			e.int(n)
		case float64:
			e.float(n)
		default:
			if err == nil {
				err = fmt.Errorf("not a number")
			}
			return fmt.Errorf("json.Number %q: %w", string(x), err)
		}
	case json.RawMessage:
		g, err := decodeJSON(x)
		if err != nil {
			return fmt.Errorf("json.RawMessage: %w", err)
		}
		return e.value(g)
	default:
		return e.other(v)
	}
	return nil
}

func (e *encoder) object(o Object) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.beginMap(len(o))
	for _, m := range o {
		e.key(m.Key)
		if err := e.value(m.Value); err != nil {
			return err
		}
	}
	e.endMap()
	e.leave()
	return nil
}

func (e *encoder) array(a []any) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.beginArray(len(a))
	for _, v := range a {
		if err := e.value(v); err != nil {
			return err
		}
	}
	e.endArray()
	e.leave()
	return nil
}

func (e *encoder) stringMap(m map[string]any) error {
	if err := e.enter(); err != nil {
		return err
	}
	keys := sortedKeys(m)
	e.beginMap(len(keys))
	for _, k := range keys {
		e.key(k)
		if err := e.value(m[k]); err != nil {
			return err
		}
	}
	e.endMap()
	e.leave()
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// other converts a value of any other Go type to a generic value and writes that. Pointers
// are followed (nil writes null). A type with a MarshalJSON method and no MessagePack method
// goes through its JSON (like toJSON in JavaScript); anything else through vmihailenco/msgpack
// with the "json" struct tag, so both encodings see the same fields and binary stays binary.
func (e *encoder) other(v any) error {
	if err := e.enter(); err != nil {
		return err
	}
	defer e.leave()
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			e.null()
			return nil
		}
		return e.value(rv.Elem().Interface())
	}
	g, err := toGeneric(v)
	if err != nil {
		return err
	}
	return e.value(g)
}

func toGeneric(v any) (any, error) {
	_, mpEnc := v.(msgpack.CustomEncoder)
	_, mpMar := v.(msgpack.Marshaler)
	if jm, ok := v.(json.Marshaler); ok && !mpEnc && !mpMar {
		b, err := jm.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%T: %w", v, err)
		}
		g, err := decodeJSON(b)
		if err != nil {
			return nil, fmt.Errorf("%T: MarshalJSON output: %w", v, err)
		}
		return g, nil
	}
	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	enc.Reset(&buf)
	enc.SetCustomStructTag("json")
	enc.UseCompactInts(true)
	enc.UseCompactFloats(true)
	enc.SetSortMapKeys(true)
	err := enc.Encode(v)
	msgpack.PutEncoder(enc)
	if err != nil {
		return nil, fmt.Errorf("%T: %w", v, err)
	}
	g, err := decodeMsgpack(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%T: %w", v, err)
	}
	return g, nil
}
