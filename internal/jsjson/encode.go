package jsjson

import (
	"encoding"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Binary selects how an Encoder writes binary data ([]byte, and any slice of bytes
// encoding/json would write as base64).
type Binary uint8

const (
	// Placeholders writes {"_placeholder":true,"num":N} and appends the bytes to the
	// Encoder's Attachments (socket.io-parser's form). A nil slice is null and takes no
	// attachment; an empty one is an empty attachment.
	Placeholders Binary = iota
	// Buffers writes the object a Node Buffer becomes in JSON: {"type":"Buffer","data":[…]}.
	Buffers
)

// Encoder writes Go values as JavaScript would write their JSON (see the package
// documentation). The zero value writes binary as placeholders. An Encoder is not safe for
// concurrent use; it can be reused once its Attachments are taken.
type Encoder struct {
	// Binary is how binary data is written.
	Binary Binary
	// Attachments are the binary values written as placeholders so far, in order. They
	// alias the encoded values.
	Attachments [][]byte

	depth int
}

// UnsupportedTypeError is returned for values JSON cannot hold: channels, functions,
// complex numbers, maps whose keys are not strings, integers or text.
type UnsupportedTypeError struct{ Type reflect.Type }

func (e *UnsupportedTypeError) Error() string { return "unsupported type " + e.Type.String() }

// Reset forgets the attachments.
func (e *Encoder) Reset() {
	e.Attachments = nil
}

// Append appends the JSON of v to dst. On error the returned slice holds a partial write.
func (e *Encoder) Append(dst []byte, v any) ([]byte, error) {
	e.depth = 0
	return e.value(dst, v)
}

func (e *Encoder) enter() error {
	if e.depth++; e.depth > MaxDepth {
		return fmt.Errorf("%w (cyclic?)", ErrTooDeep)
	}
	return nil
}

func (e *Encoder) leave() { e.depth-- }

// value writes a dynamic value, generic shapes without reflection.
func (e *Encoder) value(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case float64:
		return AppendNumber(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case float32:
		return AppendFloat32(b, x), nil
	case []byte:
		if x == nil {
			return append(b, "null"...), nil
		}
		return e.binary(b, x), nil
	case time.Time:
		return AppendDate(b, x), nil
	case Object:
		return e.object(b, x)
	case []any:
		return e.array(b, x)
	case []string:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, y := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, y)
		}
		return append(b, ']'), nil
	case map[string]any:
		return e.anyMap(b, x)
	case map[string]string:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(AppendString(b, k), ':')
			b = AppendString(b, x[k])
		}
		return append(b, '}'), nil
	case json.Number:
		return appendJSONNumber(b, string(x))
	case json.RawMessage:
		return e.raw(b, x)
	}
	rv := reflect.ValueOf(v)
	return typeEncoder(rv.Type())(e, b, rv)
}

// array writes a []any (nil: null).
func (e *Encoder) array(b []byte, x []any) ([]byte, error) {
	if x == nil {
		return append(b, "null"...), nil
	}
	if err := e.enter(); err != nil {
		return b, err
	}
	b = append(b, '[')
	for i, y := range x {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = e.value(b, y); err != nil {
			return b, err
		}
	}
	e.leave()
	return append(b, ']'), nil
}

// anyMap writes a map[string]any (nil: null), keys sorted as encoding/json does.
func (e *Encoder) anyMap(b []byte, x map[string]any) ([]byte, error) {
	if x == nil {
		return append(b, "null"...), nil
	}
	if err := e.enter(); err != nil {
		return b, err
	}
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(x)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(AppendString(b, k), ':')
		var err error
		if b, err = e.value(b, x[k]); err != nil {
			return b, err
		}
	}
	e.leave()
	return append(b, '}'), nil
}

func (e *Encoder) object(b []byte, o Object) ([]byte, error) {
	if err := e.enter(); err != nil {
		return b, err
	}
	b = append(b, '{')
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(AppendString(b, m.Key), ':')
		var err error
		if b, err = e.value(b, m.Value); err != nil {
			return b, err
		}
	}
	e.leave()
	return append(b, '}'), nil
}

func (e *Encoder) binary(b, x []byte) []byte {
	if e.Binary == Buffers {
		b = append(b, `{"type":"Buffer","data":[`...)
		for i, c := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(c), 10)
		}
		return append(b, "]}"...)
	}
	b = AppendPlaceholder(b, len(e.Attachments))
	e.Attachments = append(e.Attachments, x)
	return b
}

// raw writes JSON text as JavaScript would write the value it denotes.
func (e *Encoder) raw(b, data []byte) ([]byte, error) {
	if data == nil {
		return append(b, "null"...), nil
	}
	v, err := Decode(data, DecodeOptions{})
	if err != nil {
		return b, err
	}
	return e.value(b, v)
}

// appendJSONNumber writes the number text s (a json.Number) as JavaScript writes its value:
// integers in int64 range as they are, anything else through float64. "" is 0, as in
// encoding/json.
func appendJSONNumber(b []byte, s string) ([]byte, error) {
	if s == "" {
		return append(b, '0'), nil
	}
	l := lexer{data: []byte(s)}
	integer, err := l.number()
	if err == nil && l.pos != len(s) {
		err = l.fail("data after the number")
	}
	if err != nil {
		return b, fmt.Errorf("json.Number %q: %w", s, err)
	}
	if integer {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return strconv.AppendInt(b, n, 10), nil
		}
	}
	f, _ := strconv.ParseFloat(s, 64) // ±Inf on overflow: null, as JSON.stringify(1e999)
	return AppendNumber(b, f), nil
}

// ---- reflection ----

type encFunc func(e *Encoder, b []byte, v reflect.Value) ([]byte, error)

var encoderCache sync.Map // reflect.Type -> encFunc

// typeEncoder returns the encoder of type t, built once per type.
func typeEncoder(t reflect.Type) encFunc {
	if f, ok := encoderCache.Load(t); ok {
		return f.(encFunc)
	}
	// A recursive type reaches itself while its encoder is being built: give it an
	// indirection that waits for the real one.
	var (
		wg sync.WaitGroup
		f  encFunc
	)
	wg.Add(1)
	fi, loaded := encoderCache.LoadOrStore(t, encFunc(func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
		wg.Wait()
		return f(e, b, v)
	}))
	if loaded {
		return fi.(encFunc)
	}
	f = newTypeEncoder(t, true)
	wg.Done()
	encoderCache.Store(t, f)
	return f
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	objectType        = reflect.TypeFor[Object]()
	numberType        = reflect.TypeFor[json.Number]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// newTypeEncoder follows encoding/json's choice of encoder; allowAddr lets a value that is
// addressable use the methods of its pointer.
func newTypeEncoder(t reflect.Type, allowAddr bool) encFunc {
	switch t {
	case timeType:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			t, _ := reflect.TypeAssert[time.Time](v)
			return AppendDate(b, t), nil
		}
	case objectType:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			o, _ := reflect.TypeAssert[Object](v)
			if o == nil {
				return append(b, "null"...), nil
			}
			return e.object(b, o)
		}
	case numberType:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			return appendJSONNumber(b, v.String())
		}
	case rawMessageType:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			return e.raw(b, v.Bytes())
		}
	}
	if t.Kind() == reflect.Pointer && ownEncoding(t.Elem()) {
		return newPointerEncoder(t) // not the MarshalJSON of *time.Time
	}
	if t.Kind() != reflect.Pointer && allowAddr && reflect.PointerTo(t).Implements(marshalerType) {
		return condAddr(addrMarshalerEncoder, newTypeEncoder(t, false))
	}
	if t.Implements(marshalerType) {
		return marshalerEncoder
	}
	if t.Kind() != reflect.Pointer && allowAddr && reflect.PointerTo(t).Implements(textMarshalerType) {
		return condAddr(addrTextMarshalerEncoder, newTypeEncoder(t, false))
	}
	if t.Implements(textMarshalerType) {
		return textMarshalerEncoder
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendBool(b, v.Bool()), nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendInt(b, v.Int(), 10), nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendUint(b, v.Uint(), 10), nil
		}
	case reflect.Float32:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			return AppendFloat32(b, float32(v.Float())), nil
		}
	case reflect.Float64:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			return AppendNumber(b, v.Float()), nil
		}
	case reflect.String:
		return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
			return AppendString(b, v.String()), nil
		}
	case reflect.Interface:
		return interfaceEncoder
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Map:
		return newMapEncoder(t)
	case reflect.Slice:
		if isBinaryType(t) {
			return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
				if v.IsNil() {
					return append(b, "null"...), nil
				}
				return e.binary(b, v.Bytes()), nil
			}
		}
		return newListEncoder(t, true)
	case reflect.Array:
		return newListEncoder(t, false)
	case reflect.Pointer:
		return newPointerEncoder(t)
	}
	return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
		return b, &UnsupportedTypeError{Type: v.Type()}
	}
}

// ownEncoding reports whether t is written by this package's rules rather than by its
// marshaling methods.
func ownEncoding(t reflect.Type) bool {
	return t == timeType || t == objectType || t == numberType || t == rawMessageType
}

func condAddr(addr, other encFunc) encFunc {
	return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
		if v.CanAddr() {
			return addr(e, b, v)
		}
		return other(e, b, v)
	}
}

func marshalerEncoder(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(b, "null"...), nil
	}
	m, ok := reflect.TypeAssert[json.Marshaler](v)
	if !ok {
		return append(b, "null"...), nil
	}
	return e.marshaled(b, m, v.Type())
}

func addrMarshalerEncoder(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
	m, _ := reflect.TypeAssert[json.Marshaler](v.Addr())
	return e.marshaled(b, m, v.Type())
}

// marshaled writes the output of a MarshalJSON method as JavaScript would write its value.
func (e *Encoder) marshaled(b []byte, m json.Marshaler, t reflect.Type) ([]byte, error) {
	data, err := m.MarshalJSON()
	if err != nil {
		return b, fmt.Errorf("calling MarshalJSON for type %s: %w", t, err)
	}
	if err := e.enter(); err != nil {
		return b, err
	}
	b, err = e.raw(b, data)
	if err != nil {
		return b, fmt.Errorf("output of MarshalJSON for type %s: %w", t, err)
	}
	e.leave()
	return b, nil
}

func textMarshalerEncoder(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(b, "null"...), nil
	}
	m, ok := reflect.TypeAssert[encoding.TextMarshaler](v)
	if !ok {
		return append(b, "null"...), nil
	}
	return appendText(b, m, v.Type())
}

func addrTextMarshalerEncoder(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
	m, _ := reflect.TypeAssert[encoding.TextMarshaler](v.Addr())
	return appendText(b, m, v.Type())
}

func appendText(b []byte, m encoding.TextMarshaler, t reflect.Type) ([]byte, error) {
	text, err := m.MarshalText()
	if err != nil {
		return b, fmt.Errorf("calling MarshalText for type %s: %w", t, err)
	}
	return AppendString(b, string(text)), nil
}

func interfaceEncoder(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	if err := e.enter(); err != nil {
		return b, err
	}
	var err error
	if el := v.Elem(); el.CanInterface() {
		b, err = e.value(b, el.Interface())
	} else {
		b, err = typeEncoder(el.Type())(e, b, el)
	}
	if err != nil {
		return b, err
	}
	e.leave()
	return b, nil
}

func newPointerEncoder(t reflect.Type) encFunc {
	elem := typeEncoder(t.Elem())
	return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if err := e.enter(); err != nil {
			return b, err
		}
		b, err := elem(e, b, v.Elem())
		if err != nil {
			return b, err
		}
		e.leave()
		return b, nil
	}
}

func newListEncoder(t reflect.Type, slice bool) encFunc {
	elem := typeEncoder(t.Elem())
	return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
		if slice && v.IsNil() {
			return append(b, "null"...), nil
		}
		if err := e.enter(); err != nil {
			return b, err
		}
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = elem(e, b, v.Index(i)); err != nil {
				return b, err
			}
		}
		e.leave()
		return append(b, ']'), nil
	}
}

func newMapEncoder(t reflect.Type) encFunc {
	kt := t.Key()
	switch kt.Kind() {
	case reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		if !kt.Implements(textMarshalerType) {
			return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
				return b, &UnsupportedTypeError{Type: t}
			}
		}
	}
	elem := typeEncoder(t.Elem())
	type entry struct {
		key string
		val reflect.Value
	}
	return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if err := e.enter(); err != nil {
			return b, err
		}
		entries := make([]entry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			k, err := mapKey(it.Key())
			if err != nil {
				return b, err
			}
			entries = append(entries, entry{k, it.Value()})
		}
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
		b = append(b, '{')
		for i, en := range entries {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(AppendString(b, en.key), ':')
			var err error
			if b, err = elem(e, b, en.val); err != nil {
				return b, err
			}
		}
		e.leave()
		return append(b, '}'), nil
	}
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
		if err != nil {
			return "", fmt.Errorf("calling MarshalText for type %s: %w", k.Type(), err)
		}
		return string(b), nil
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	default:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
}

type structField struct {
	*Field
	enc encFunc
}

func newStructEncoder(t reflect.Type) encFunc {
	si := StructFields(t)
	fields := make([]structField, len(si.Fields))
	for i := range si.Fields {
		f := &si.Fields[i]
		enc := typeEncoder(f.Type)
		if f.quoted && !opaqueType(f.Type) {
			enc = quotedEncoder(f.Type, enc)
		}
		fields[i] = structField{f, enc}
	}
	return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
		b = append(b, '{')
		first := true
		for i := range fields {
			f := &fields[i]
			var fv reflect.Value
			if len(f.Index) == 1 {
				fv = v.Field(f.Index[0])
			} else {
				var ok bool
				if fv, ok = FieldByIndex(v, f.Index); !ok {
					continue
				}
			}
			if (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && isZeroValue(fv)) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, f.key...)
			var err error
			if b, err = f.enc(e, b, fv); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
}

// quotedEncoder writes a scalar field with the ",string" option: its JSON inside a JSON
// string.
func quotedEncoder(t reflect.Type, enc encFunc) encFunc {
	return func(e *Encoder, b []byte, v reflect.Value) ([]byte, error) {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return append(b, "null"...), nil
			}
			v = v.Elem()
		}
		if v.Kind() == reflect.String {
			return AppendString(b, string(AppendString(nil, v.String()))), nil
		}
		b = append(b, '"')
		b, err := typeEncoder(v.Type())(e, b, v)
		return append(b, '"'), err
	}
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

// ImplementsMarshaler reports whether t has a MarshalJSON or MarshalText method.
func ImplementsMarshaler(t reflect.Type) bool {
	return t.Implements(marshalerType) || t.Implements(textMarshalerType)
}

// opaqueType reports whether encoding/json may hand values of t to a MarshalJSON or
// MarshalText method.
func opaqueType(t reflect.Type) bool {
	return ImplementsMarshaler(t) || (t.Kind() != reflect.Pointer && ImplementsMarshaler(reflect.PointerTo(t)))
}

// isBinaryType reports whether encoding/json writes t as a base64 string: a slice of bytes
// without marshaling methods of its own or on its elements.
func isBinaryType(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 &&
		!opaqueType(t) && !ImplementsMarshaler(reflect.PointerTo(t.Elem()))
}
