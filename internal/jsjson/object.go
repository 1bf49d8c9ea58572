package jsjson

import "fmt"

// Member is one property of an Object.
type Member struct {
	// Key is the property name.
	Key string
	// Value is a generic value.
	Value any
}

// Object is a JavaScript plain object: its properties in insertion order, as Node writes them.
// Decode returns every JSON object as an Object (unless asked for maps), so that writing it
// again keeps the order. Keys are unique in a decoded Object: when a payload repeats a key,
// the last value wins and keeps the position of the first, as in JavaScript.
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

// MarshalJSON writes the object as JSON.stringify would, keys in order, binary as Node
// Buffers. It makes an Object nested in other Go values encode correctly through
// encoding/json.
func (o Object) MarshalJSON() ([]byte, error) {
	e := Encoder{Binary: Buffers}
	b, err := e.Append(nil, o)
	if err != nil {
		return nil, fmt.Errorf("jsjson: object: %w", err)
	}
	return b, nil
}

// Plain turns a generic value into the plain Go form user code expects from encoding/json:
// Object becomes map[string]any (recursively, also inside []any); int64, float64, string,
// bool, nil, []byte and time.Time stay as they are.
func Plain(v any) any {
	switch x := v.(type) {
	case Object:
		m := make(map[string]any, len(x))
		for _, mb := range x {
			m[mb.Key] = Plain(mb.Value)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = Plain(y)
		}
		return out
	}
	return v
}

// SetMember sets key k of the object held in ms[base:], the JavaScript way: a repeated key
// keeps its first position and takes the last value. index (built lazily once the object
// outgrows a linear scan) maps keys to positions in ms; start with a nil map.
func SetMember(ms []Member, base int, index *map[string]int, k string, v any) []Member {
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

// Intern returns the common key names of Socket.IO and adapter messages without allocating,
// and a new string for any other.
func Intern(b []byte) string {
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

// Number returns f as int64 when it is a whole number in int64 range, else as float64: the
// Go form of a JavaScript number in generic values.
func Number(f float64) any {
	if f >= -9.223372036854775808e18 && f < 9.223372036854775808e18 && f == float64(int64(f)) {
		return int64(f)
	}
	return f
}
