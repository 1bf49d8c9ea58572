package parser

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// MarshalArgs encodes args as a JSON array, the payload of an EVENT or ACK packet, with
// every []byte replaced by a placeholder {"_placeholder":true,"num":N} and returned in
// attachments, in order. Binary is found at any depth: at the top level, in []any, in
// map[string]any and any other map, slice, array or pointer, and in struct fields, which
// are named and omitted as encoding/json does (json tags, "-", omitempty, omitzero,
// string, embedded structs).
//
// Everything else is written exactly as json.Marshal writes it; an argument whose type
// cannot hold a []byte (checked once per type) goes to encoding/json without any walk of
// its value. Types that implement json.Marshaler or encoding.TextMarshaler are opaque:
// their output is used as it is, binary or not. A nil []byte is written as null and takes
// no attachment; an empty non-nil one is an empty attachment. Any slice type whose
// elements are bytes counts as binary, json.RawMessage excepted (it is a json.Marshaler);
// byte arrays ([N]byte) are written as JSON arrays, as json.Marshal writes them. Values
// nested deeper than 1000 levels (or cyclic) are an error.
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

func marshalArgs(event string, withEvent bool, args []any) (json.RawMessage, [][]byte, error) {
	e := encoders.Get().(*encoder)
	defer e.release()
	e.buf.WriteByte('[')
	if withEvent {
		e.writeString(event)
	}
	for i, a := range args {
		if i > 0 || withEvent {
			e.buf.WriteByte(',')
		}
		if err := e.arg(a); err != nil {
			return nil, nil, fmt.Errorf("parser: marshal argument %d: %w", i, err)
		}
	}
	e.buf.WriteByte(']')
	data := bytes.Clone(e.buf.Bytes())
	atts := e.atts
	e.atts = nil
	return data, atts, nil
}

// encoder writes one payload. Values without binary go through the json.Encoder writing to
// the same buffer, which is how they come out exactly as json.Marshal writes them.
type encoder struct {
	buf   bytes.Buffer
	enc   *json.Encoder
	atts  [][]byte
	depth int
}

var encoders = sync.Pool{New: func() any {
	e := new(encoder)
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

// maxPooledBuffer keeps one huge payload from pinning its buffer in the pool.
const maxPooledBuffer = 64 << 10

func (e *encoder) release() {
	if e.buf.Cap() > maxPooledBuffer {
		return
	}
	e.buf.Reset()
	e.atts = nil
	e.depth = 0
	encoders.Put(e)
}

var errTooDeep = errors.New("value nested deeper than 1000 levels (cyclic?)")

// arg writes one argument: straight through encoding/json unless it holds binary.
func (e *encoder) arg(v any) error {
	if !hasBinary(v, 0) {
		return e.json(v)
	}
	return e.any(v)
}

// json writes v as json.Marshal would.
func (e *encoder) json(v any) error {
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1) // the newline Encode adds
	return nil
}

func (e *encoder) writeString(s string) {
	e.buf.Write(AppendJSONString(e.buf.AvailableBuffer(), s))
}

func (e *encoder) placeholder(b []byte) {
	w := append(e.buf.AvailableBuffer(), `{"_placeholder":true,"num":`...)
	w = strconv.AppendInt(w, int64(len(e.atts)), 10)
	e.buf.Write(append(w, '}'))
	e.atts = append(e.atts, b)
}

// any writes a dynamic value, handling the shapes of generic data without reflection.
func (e *encoder) any(v any) error {
	switch x := v.(type) {
	case nil:
		e.buf.WriteString("null")
		return nil
	case []byte:
		if x == nil {
			e.buf.WriteString("null")
		} else {
			e.placeholder(x)
		}
		return nil
	case string:
		e.writeString(x)
		return nil
	case []any:
		if x == nil {
			e.buf.WriteString("null")
			return nil
		}
		if e.depth++; e.depth > maxDepth {
			return errTooDeep
		}
		e.buf.WriteByte('[')
		for i, y := range x {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			if err := e.any(y); err != nil {
				return err
			}
		}
		e.buf.WriteByte(']')
		e.depth--
		return nil
	case map[string]any:
		if x == nil {
			e.buf.WriteString("null")
			return nil
		}
		if e.depth++; e.depth > maxDepth {
			return errTooDeep
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		e.buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				e.buf.WriteByte(',')
			}
			e.writeString(k)
			e.buf.WriteByte(':')
			if err := e.any(x[k]); err != nil {
				return err
			}
		}
		e.buf.WriteByte('}')
		e.depth--
		return nil
	}
	return e.value(reflect.ValueOf(v))
}

// value writes v, looking for binary in whatever may hold some.
func (e *encoder) value(v reflect.Value) error {
	if !v.IsValid() {
		e.buf.WriteString("null")
		return nil
	}
	t := v.Type()
	if !mayContainBinary(t) {
		return e.opaque(v)
	}
	if e.depth++; e.depth > maxDepth {
		return errTooDeep
	}
	var err error
	switch v.Kind() {
	case reflect.Interface:
		switch {
		case v.IsNil():
			e.buf.WriteString("null")
		case v.Elem().CanInterface():
			err = e.any(v.Elem().Interface())
		default:
			err = e.value(v.Elem())
		}
	case reflect.Pointer:
		if v.IsNil() {
			e.buf.WriteString("null")
		} else {
			err = e.value(v.Elem())
		}
	case reflect.Slice:
		switch {
		case v.IsNil():
			e.buf.WriteString("null")
		case isBinaryType(t):
			e.placeholder(v.Bytes())
		default:
			err = e.list(v)
		}
	case reflect.Array:
		err = e.list(v)
	case reflect.Map:
		err = e.mapValue(v)
	case reflect.Struct:
		err = e.structValue(v)
	default:
		err = e.opaque(v)
	}
	e.depth--
	return err
}

// opaque hands v to encoding/json, keeping its addressability so that MarshalJSON
// methods with pointer receivers run when json.Marshal would run them.
func (e *encoder) opaque(v reflect.Value) error {
	if v.Kind() != reflect.Pointer && v.CanAddr() && implementsMarshaler(reflect.PointerTo(v.Type())) {
		v = v.Addr()
	}
	if !v.CanInterface() {
		return fmt.Errorf("cannot encode unexported value of type %s", v.Type())
	}
	return e.json(v.Interface())
}

func (e *encoder) list(v reflect.Value) error {
	e.buf.WriteByte('[')
	for i := range v.Len() {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		if err := e.value(v.Index(i)); err != nil {
			return err
		}
	}
	e.buf.WriteByte(']')
	return nil
}

func (e *encoder) mapValue(v reflect.Value) error {
	if v.IsNil() {
		e.buf.WriteString("null")
		return nil
	}
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		k, err := mapKey(it.Key())
		if err != nil {
			return err
		}
		entries = append(entries, entry{k, it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	e.buf.WriteByte('{')
	for i, en := range entries {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.writeString(en.key)
		e.buf.WriteByte(':')
		if err := e.value(en.val); err != nil {
			return err
		}
	}
	e.buf.WriteByte('}')
	return nil
}

// mapKey is the JSON name of a map key, as encoding/json computes it.
func mapKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if tm, ok := reflect.TypeAssert[encoding.TextMarshaler](k); ok {
		if k.Kind() == reflect.Pointer && k.IsNil() {
			return "", nil
		}
		b, err := tm.MarshalText()
		return string(b), err
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("unsupported map key type %s", k.Type())
}

func (e *encoder) structValue(v reflect.Value) error {
	si := structFields(v.Type())
	e.buf.WriteByte('{')
	first := true
	for i := range si.fields {
		f := &si.fields[i]
		fv, ok := fieldByIndex(v, f.index)
		if !ok || (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && isZeroValue(fv)) {
			continue
		}
		if !first {
			e.buf.WriteByte(',')
		}
		first = false
		e.buf.Write(f.key)
		var err error
		if f.quoted {
			err = e.quoted(fv)
		} else {
			err = e.value(fv)
		}
		if err != nil {
			return err
		}
	}
	e.buf.WriteByte('}')
	return nil
}

// quoted writes a scalar field with the ",string" option: its JSON inside a JSON string.
func (e *encoder) quoted(v reflect.Value) error {
	if implementsMarshaler(v.Type()) {
		return e.opaque(v)
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			e.buf.WriteString("null")
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.String {
		e.buf.Write(AppendJSONString(e.buf.AvailableBuffer(), string(AppendJSONString(nil, v.String()))))
		return nil
	}
	e.buf.WriteByte('"')
	if err := e.opaque(v); err != nil {
		return err
	}
	e.buf.WriteByte('"')
	return nil
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

type isZeroer interface{ IsZero() bool }

var isZeroerType = reflect.TypeFor[isZeroer]()

// isZeroValue is encoding/json's test for omitzero: the IsZero method when there is one,
// the zero value otherwise.
func isZeroValue(v reflect.Value) bool {
	t := v.Type()
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return v.IsNil() || (v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil()) ||
			v.Interface().(isZeroer).IsZero()
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return v.IsNil() || v.Interface().(isZeroer).IsZero()
	case t.Implements(isZeroerType):
		return v.Interface().(isZeroer).IsZero()
	case reflect.PointerTo(t).Implements(isZeroerType):
		if !v.CanAddr() {
			c := reflect.New(t).Elem()
			c.Set(v)
			v = c
		}
		return v.Addr().Interface().(isZeroer).IsZero()
	}
	return v.IsZero()
}

// hasBinary reports whether v holds a non-nil []byte that MarshalArgs would turn into an
// attachment. It may say yes wrongly (the slow path then writes the same JSON), never no.
func hasBinary(v any, depth int) bool {
	switch x := v.(type) {
	case nil, string, bool, float64, int, int64, json.Number, json.RawMessage:
		return false
	case []byte:
		return x != nil
	case []any:
		if depth >= maxDepth {
			return true
		}
		for _, y := range x {
			if hasBinary(y, depth+1) {
				return true
			}
		}
		return false
	case map[string]any:
		if depth >= maxDepth {
			return true
		}
		for _, y := range x {
			if hasBinary(y, depth+1) {
				return true
			}
		}
		return false
	}
	return hasBinaryValue(reflect.ValueOf(v), depth)
}

func hasBinaryValue(v reflect.Value, depth int) bool {
	if !v.IsValid() || !mayContainBinary(v.Type()) {
		return false
	}
	if depth >= maxDepth {
		return true
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return false
		}
		if v.Elem().CanInterface() {
			return hasBinary(v.Elem().Interface(), depth+1)
		}
		return hasBinaryValue(v.Elem(), depth+1)
	case reflect.Pointer:
		return !v.IsNil() && hasBinaryValue(v.Elem(), depth+1)
	case reflect.Slice:
		if isBinaryType(v.Type()) {
			return !v.IsNil()
		}
		fallthrough
	case reflect.Array:
		for i := range v.Len() {
			if hasBinaryValue(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if hasBinaryValue(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		si := structFields(v.Type())
		for i := range si.fields {
			if fv, ok := fieldByIndex(v, si.fields[i].index); ok && hasBinaryValue(fv, depth+1) {
				return true
			}
		}
	}
	return false
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func implementsMarshaler(t reflect.Type) bool {
	return t.Implements(marshalerType) || t.Implements(textMarshalerType)
}

// opaqueType reports whether encoding/json may hand values of t to a MarshalJSON or
// MarshalText method, which MarshalArgs then treats as a leaf.
func opaqueType(t reflect.Type) bool {
	return implementsMarshaler(t) || (t.Kind() != reflect.Pointer && implementsMarshaler(reflect.PointerTo(t)))
}

// isBinaryType reports whether encoding/json writes t as a base64 string: a slice of
// bytes without marshaling methods of its own or on its elements.
func isBinaryType(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 &&
		!opaqueType(t) && !implementsMarshaler(reflect.PointerTo(t.Elem()))
}

var binaryTypes sync.Map // reflect.Type -> bool

// mayContainBinary reports, once per type, whether a value of type t can hold binary.
func mayContainBinary(t reflect.Type) bool {
	if b, ok := binaryTypes.Load(t); ok {
		return b.(bool)
	}
	b := typeMayContainBinary(t, map[reflect.Type]bool{})
	binaryTypes.Store(t, b)
	return b
}

func typeMayContainBinary(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || opaqueType(t) {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Slice:
		return isBinaryType(t) || typeMayContainBinary(t.Elem(), seen)
	case reflect.Array:
		return t.Len() > 0 && typeMayContainBinary(t.Elem(), seen)
	case reflect.Pointer, reflect.Map:
		return typeMayContainBinary(t.Elem(), seen)
	case reflect.Struct:
		for _, f := range structFields(t).fields {
			if typeMayContainBinary(f.typ, seen) {
				return true
			}
		}
	}
	return false
}

// AppendJSONString appends s as a JSON string, escaped exactly as json.Marshal escapes it
// (HTML characters, control characters, invalid UTF-8, U+2028 and U+2029).
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
