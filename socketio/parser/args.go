package parser

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"

	"github.com/gosockio/gosockio/internal/jsjson"
)

// ErrArgIndex is wrapped by the errors of Args.Value and Args.Bind for an argument that is
// not there.
var ErrArgIndex = errors.New("parser: argument index out of range")

// Args gives access to the arguments of an EVENT (after the event name) or an ACK, with
// placeholders resolved to the packet's attachments. The zero value has no arguments. An
// Args shares memory with its packet, which must not change while the Args is in use.
//
// Placeholders are resolved only in packets that have attachments: as in socket.io-parser,
// a placeholder-shaped object in a packet without any is an ordinary object.
type Args struct {
	data  []byte
	elems []jsjson.Span // the arguments, as offsets into data
	atts  [][]byte
	phs   []jsjson.Span // placeholders, in document order, as offsets into data
}

// EventArgs splits the payload of an EVENT (or BINARY_EVENT) packet into its event name
// and its arguments. A name sent as a number comes back as JavaScript would print it, as
// the Node server does with it. Errors wrap ErrInvalidPacket.
func EventArgs(p *Packet) (name string, args Args, err error) {
	if p == nil || (p.Type != Event && p.Type != BinaryEvent) {
		return "", Args{}, fmt.Errorf("%w: not an EVENT packet", ErrInvalidPacket)
	}
	a, err := newArgs(p)
	if err != nil {
		return "", Args{}, err
	}
	if len(a.elems) == 0 {
		return "", Args{}, fmt.Errorf("%w: EVENT payload is an empty array", ErrInvalidPacket)
	}
	tok := a.data[a.elems[0].Start:a.elems[0].End]
	switch c := tok[0]; {
	case c == '"':
		name, err = jsjson.Unquote(tok)
	case c == '-' || isDigit(c):
		name, err = jsNumber(tok)
	default:
		err = errors.New("not a string")
	}
	if err != nil {
		return "", Args{}, fmt.Errorf("%w: bad event name %.40s: %v", ErrInvalidPacket, tok, err)
	}
	a.elems = a.elems[1:]
	return name, a, nil
}

// AckArgs gives the arguments of an ACK (or BINARY_ACK) packet. Errors wrap
// ErrInvalidPacket.
func AckArgs(p *Packet) (Args, error) {
	if p == nil || (p.Type != Ack && p.Type != BinaryAck) {
		return Args{}, fmt.Errorf("%w: not an ACK packet", ErrInvalidPacket)
	}
	return newArgs(p)
}

func newArgs(p *Packet) (Args, error) {
	s := jsjson.Scanner{Attachments: -1, KeepPlaceholders: true, KeepElements: true,
		Elements: make([]jsjson.Span, 0, 4)}
	if len(p.Attachments) > 0 {
		s.Attachments = len(p.Attachments)
	}
	kind, err := s.Scan(p.Data)
	if err != nil {
		return Args{}, fmt.Errorf("%w: %w", ErrInvalidPacket, err)
	}
	if kind != '[' {
		return Args{}, fmt.Errorf("%w: %s payload is not an array", ErrInvalidPacket, p.Type)
	}
	return Args{data: p.Data, elems: s.Elements, atts: p.Attachments, phs: s.Placeholders}, nil
}

// Len returns the number of arguments.
func (a Args) Len() int { return len(a.elems) }

// Raw returns argument i as it is on the wire, placeholders included, or nil when there
// is no such argument. The result shares memory with the packet.
func (a Args) Raw(i int) json.RawMessage {
	if i < 0 || i >= len(a.elems) {
		return nil
	}
	e := a.elems[i]
	return a.data[e.Start:e.End:e.End]
}

// Value decodes argument i generically, as json.Unmarshal into an any does (objects as
// map[string]any, arrays as []any, numbers as float64), with placeholders replaced by
// their attachments as []byte. The []byte values share memory with the packet's
// attachments: copy them before modifying them.
func (a Args) Value(i int) (any, error) {
	if i < 0 || i >= len(a.elems) {
		return nil, fmt.Errorf("%w: argument %d of %d", ErrArgIndex, i, len(a.elems))
	}
	v, err := a.valueAt(a.elems[i].Start, a.elems[i].End)
	if err != nil {
		return nil, fmt.Errorf("parser: argument %d: %w", i, err)
	}
	return v, nil
}

// Values decodes every argument with Value.
func (a Args) Values() ([]any, error) {
	vs := make([]any, len(a.elems))
	for i := range vs {
		v, err := a.Value(i)
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

// valueAt decodes data[start:end] generically and puts the attachments where the
// placeholders are.
func (a Args) valueAt(start, end int) (any, error) {
	o := jsjson.DecodeOptions{Maps: true}
	if a.hasPlaceholder(start, end) {
		o.Attachments = a.atts
	}
	v, err := jsjson.Decode(a.data[start:end], o)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPacket, err)
	}
	return v, nil
}

// hasPlaceholder reports whether a placeholder starts in data[start:end].
func (a Args) hasPlaceholder(start, end int) bool {
	i := a.firstPlaceholder(start)
	return i < len(a.phs) && a.phs[i].Start < end
}

// firstPlaceholder is the index of the first placeholder at or after offset start.
func (a Args) firstPlaceholder(start int) int {
	lo, hi := 0, len(a.phs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a.phs[m].Start < start {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// BindAll decodes the arguments, in order, into the values ptrs point to (see Bind); extra
// pointers are left untouched when there are fewer arguments. An argument that does not decode
// gives an error wrapping both kind and the decoding error, naming the argument's index.
func (a Args) BindAll(kind error, ptrs ...any) error {
	for i, p := range ptrs {
		if i >= a.Len() {
			break
		}
		if err := a.Bind(i, p); err != nil {
			return fmt.Errorf("%w %d: %w", kind, i, err)
		}
	}
	return nil
}

// Bind decodes argument i into v, a non-nil pointer, with json.Unmarshal. Where the
// argument has a placeholder, v receives the attachment: a []byte field (or any []byte
// target) gets its bytes, and an interface target (a field, map value or slice element of
// type any, or v itself when it is a *any) gets a []byte, as Value gives. A target of
// another type receives the attachment as a base64 JSON string, which is what a
// json.Unmarshaler or a string field sees. An argument that is not there is an error
// wrapping ErrArgIndex, and v is left alone.
func (a Args) Bind(i int, v any) error {
	if i < 0 || i >= len(a.elems) {
		return fmt.Errorf("%w: argument %d of %d", ErrArgIndex, i, len(a.elems))
	}
	start, end := a.elems[i].Start, a.elems[i].End
	if p, ok := v.(*any); ok && p != nil && !holdsPointer(*p) {
		x, err := a.valueAt(start, end)
		if err != nil {
			return fmt.Errorf("parser: bind argument %d: %w", i, err)
		}
		*p = x
		return nil
	}
	if !a.hasPlaceholder(start, end) {
		if err := json.Unmarshal(a.data[start:end], v); err != nil {
			return fmt.Errorf("parser: bind argument %d: %w", i, err)
		}
		return nil
	}
	if err := json.Unmarshal(a.substitute(start, end), v); err != nil {
		return fmt.Errorf("parser: bind argument %d: %w", i, err)
	}
	rv := reflect.ValueOf(v)
	if !mayHoldAny(rv.Type().Elem()) {
		return nil
	}
	f := fixer{a: a}
	if err := f.fix(rv.Elem(), start, end); err != nil {
		return fmt.Errorf("parser: bind argument %d: %w", i, err)
	}
	return nil
}

// holdsPointer reports whether x is a non-nil pointer, which json.Unmarshal decodes into
// rather than replacing.
func holdsPointer(x any) bool {
	v := reflect.ValueOf(x)
	return v.Kind() == reflect.Pointer && !v.IsNil()
}

// substitute returns data[start:end] with each placeholder replaced by its attachment as a
// base64 JSON string, the form encoding/json decodes into a []byte. As an attachment is
// referenced at most once, the result is bounded by the packet's size times 4/3.
func (a Args) substitute(start, end int) []byte {
	first := a.firstPlaceholder(start)
	last := first
	size := end - start
	for ; last < len(a.phs) && a.phs[last].Start < end; last++ {
		ph := a.phs[last]
		size += base64.StdEncoding.EncodedLen(len(a.atts[ph.Num])) + 2 - (ph.End - ph.Start)
	}
	out := make([]byte, 0, size)
	at := start
	for _, ph := range a.phs[first:last] {
		out = append(out, a.data[at:ph.Start]...)
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, a.atts[ph.Num])
		out = append(out, '"')
		at = ph.End
	}
	return append(out, a.data[at:end]...)
}

// fixer walks a value that json.Unmarshal has filled from a substituted argument, and
// puts []byte values in the interface-typed places that received base64 strings instead.
// It follows the wire JSON (placeholders included) and the Go value side by side, and
// enters only the parts of the JSON that hold a placeholder.
type fixer struct {
	a Args
}

func (f *fixer) fix(v reflect.Value, start, end int) error {
	if !f.a.hasPlaceholder(start, end) {
		return nil
	}
	v, ok := settable(v)
	if !ok {
		return nil
	}
	switch v.Kind() {
	case reflect.Interface:
		return f.fixInterface(v, start, end)
	case reflect.Slice, reflect.Array:
		return f.fixElements(v, start, end)
	case reflect.Map:
		return f.fixMap(v, start, end)
	case reflect.Struct:
		return f.fixStruct(v, start, end)
	}
	return nil
}

// settable goes where json.Unmarshal went: through non-nil pointers, and into the pointer an
// interface holds. It reports false where json.Unmarshal stopped (a nil pointer, or a value
// that unmarshals itself).
func settable(v reflect.Value) (reflect.Value, bool) {
	for {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() || isUnmarshaler(v.Type()) {
				return v, false
			}
			v = v.Elem()
			continue
		}
		if v.Kind() == reflect.Interface && !v.IsNil() && v.Elem().Kind() == reflect.Pointer && !v.Elem().IsNil() {
			v = v.Elem()
			continue
		}
		break
	}
	return v, !isUnmarshaler(reflect.PointerTo(v.Type()))
}

// fixInterface sets an empty interface to the value at start:end, attachments resolved.
func (f *fixer) fixInterface(v reflect.Value, start, end int) error {
	if v.NumMethod() != 0 || !v.CanSet() {
		return nil
	}
	x, err := f.a.valueAt(start, end)
	if err != nil {
		return err
	}
	if x == nil {
		v.SetZero()
	} else {
		v.Set(reflect.ValueOf(x))
	}
	return nil
}

// fixElements fixes the elements of a slice or array from the JSON array at start:end.
func (f *fixer) fixElements(v reflect.Value, start, end int) error {
	if f.a.data[start] != '[' {
		return nil
	}
	elems, err := f.elements(start, end)
	if err != nil {
		return err
	}
	for j, el := range elems {
		if j >= v.Len() {
			break
		}
		if err := f.fix(v.Index(j), el.Start, el.End); err != nil {
			return err
		}
	}
	return nil
}

// fixMap fixes the values of a map with string keys from the JSON object at start:end.
func (f *fixer) fixMap(v reflect.Value, start, end int) error {
	kt := v.Type().Key()
	if f.a.data[start] != '{' || v.IsNil() || kt.Kind() != reflect.String || isUnmarshaler(reflect.PointerTo(kt)) {
		return nil
	}
	members, err := f.members(start, end)
	if err != nil {
		return err
	}
	for j, m := range members {
		if !f.a.hasPlaceholder(m.Start, m.End) || laterKey(members[j+1:], m.Key) {
			continue
		}
		k := reflect.ValueOf(m.Key).Convert(kt)
		el := reflect.New(v.Type().Elem()).Elem()
		if cur := v.MapIndex(k); cur.IsValid() {
			el.Set(cur)
		}
		if err := f.fix(el, m.Start, m.End); err != nil {
			return err
		}
		v.SetMapIndex(k, el)
	}
	return nil
}

// fixStruct fixes the fields of a struct from the JSON object at start:end, with
// encoding/json's field rules.
func (f *fixer) fixStruct(v reflect.Value, start, end int) error {
	if f.a.data[start] != '{' {
		return nil
	}
	members, err := f.members(start, end)
	if err != nil {
		return err
	}
	si := jsjson.StructFields(v.Type())
	for j, m := range members {
		if !f.a.hasPlaceholder(m.Start, m.End) {
			continue
		}
		fd, ok := si.Lookup(m.Key)
		if !ok || laterField(si, members[j+1:], fd) {
			continue
		}
		fv, ok := jsjson.FieldByIndex(v, fd.Index)
		if !ok {
			continue
		}
		if err := f.fix(fv, m.Start, m.End); err != nil {
			return err
		}
	}
	return nil
}

// laterKey reports whether key comes again in ms: json.Unmarshal keeps the last one.
func laterKey(ms []jsjson.KeyedSpan, key string) bool {
	for _, m := range ms {
		if m.Key == key {
			return true
		}
	}
	return false
}

// laterField reports whether a member of ms decodes into the same field as fd.
func laterField(si *jsjson.Struct, ms []jsjson.KeyedSpan, fd *jsjson.Field) bool {
	for _, m := range ms {
		if other, ok := si.Lookup(m.Key); ok && other == fd {
			return true
		}
	}
	return false
}

// elements lists the elements of the array at data[start:end].
func (f *fixer) elements(start, _ int) ([]jsjson.Span, error) {
	return jsjson.Elements(f.a.data, start)
}

// members lists the members of the object at data[start:end].
func (f *fixer) members(start, _ int) ([]jsjson.KeyedSpan, error) {
	return jsjson.Members(f.a.data, start)
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func isUnmarshaler(t reflect.Type) bool {
	return t.Implements(unmarshalerType) || t.Implements(textUnmarshalerType)
}

var anyTypes sync.Map // reflect.Type -> bool

// mayHoldAny reports, once per type, whether a value of type t has places of interface
// type that Bind may have to fix.
func mayHoldAny(t reflect.Type) bool {
	if b, ok := anyTypes.Load(t); ok {
		return b.(bool)
	}
	b := typeMayHoldAny(t, map[reflect.Type]bool{})
	anyTypes.Store(t, b)
	return b
}

func typeMayHoldAny(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || isUnmarshaler(t) || (t.Kind() != reflect.Pointer && isUnmarshaler(reflect.PointerTo(t))) {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return typeMayHoldAny(t.Elem(), seen)
	case reflect.Struct:
		for _, f := range jsjson.StructFields(t).Fields {
			if typeMayHoldAny(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// jsNumber formats a JSON number token as JavaScript's String(number) does.
func jsNumber(tok []byte) (string, error) {
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return "", err
	}
	return string(jsjson.AppendNumberName(nil, f)), nil // 1e999 is Infinity, as JSON.parse reads it
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
