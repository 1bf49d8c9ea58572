package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Packets travel between nodes as generic values (Node's un-encoded packet: binary inline),
// and between this node and its clients as JSON with binary attachments. These helpers convert
// between the two, keeping the order of object keys both ways (a JavaScript object keeps its
// insertion order, and so does a wire.Object).

// PacketValues returns the data of p (event name first, for an EVENT) as generic values in
// the model of package wire: objects as wire.Object (keys in order), whole numbers as int64,
// other numbers as float64, binary attachments back inline as []byte (sharing memory with
// p.Attachments).
func PacketValues(p *adapter.Packet) ([]any, error) {
	if len(p.Data) == 0 {
		return nil, nil
	}
	v, err := wire.UnmarshalValue(p.Data, wire.JSON)
	if err != nil {
		return nil, fmt.Errorf("cluster: packet data: %w", err)
	}
	vals, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("cluster: packet data is not an array")
	}
	if len(p.Attachments) == 0 {
		// As in socket.io-parser, placeholders mean something only with attachments.
		return vals, nil
	}
	for i, x := range vals {
		if vals[i], err = resolvePlaceholders(x, p.Attachments, 0); err != nil {
			return nil, fmt.Errorf("cluster: packet data: %w", err)
		}
	}
	return vals, nil
}

// resolvePlaceholders replaces {"_placeholder":true,"num":N} objects by attachment N.
func resolvePlaceholders(v any, atts [][]byte, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, errTooDeep
	}
	switch x := v.(type) {
	case wire.Object:
		if ph, _ := x.Get("_placeholder"); ph == true {
			num, _ := x.Get("num")
			n, ok := num.(int64)
			if !ok || n < 0 || n >= int64(len(atts)) {
				return nil, fmt.Errorf("bad placeholder num %v", num)
			}
			return atts[n], nil
		}
		for i := range x {
			r, err := resolvePlaceholders(x[i].Value, atts, depth+1)
			if err != nil {
				return nil, err
			}
			x[i].Value = r
		}
	case []any:
		for i := range x {
			r, err := resolvePlaceholders(x[i], atts, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = r
		}
	}
	return v, nil
}

// ValuesPacket builds an EVENT packet of namespace nsp from generic values: []byte at any
// depth becomes an attachment, wire.Object keeps its key order, time.Time becomes an ISO 8601
// string (as JSON.stringify writes a Date). Values of other Go types are encoded as
// parser.MarshalArgs encodes them.
func ValuesPacket(nsp string, vals []any) (*adapter.Packet, error) {
	return valuesToPacket(adapter.Event, nsp, vals)
}

func valuesToPacket(t adapter.PacketType, nsp string, vals []any) (*adapter.Packet, error) {
	w := jsonWriter{buf: make([]byte, 0, 64)}
	w.buf = append(w.buf, '[')
	for i, v := range vals {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		if err := w.value(v, 0); err != nil {
			return nil, fmt.Errorf("cluster: packet from values: %w", err)
		}
	}
	w.buf = append(w.buf, ']')
	return &adapter.Packet{Type: t, Nsp: nsp, Data: w.buf, Attachments: w.atts}, nil
}

// firstValue returns the first argument of an ACK packet (nil when it has none): only that one
// crosses nodes, as in Node.
func firstValue(ack *adapter.Packet) (any, error) {
	vals, err := PacketValues(ack)
	if err != nil || len(vals) == 0 {
		return nil, err
	}
	return vals[0], nil
}

// PlainValue turns a generic value of package wire into the plain Go form user code expects
// from encoding/json: wire.Object becomes map[string]any (recursively); int64, float64,
// string, bool, nil, []byte and time.Time stay as they are.
func PlainValue(v any) any {
	switch x := v.(type) {
	case wire.Object:
		m := make(map[string]any, len(x))
		for _, mb := range x {
			m[mb.Key] = PlainValue(mb.Value)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = PlainValue(y)
		}
		return out
	}
	return v
}

const maxValueDepth = 1000

var errTooDeep = errors.New("values nested too deeply")

// jsonWriter writes generic values as a Socket.IO JSON payload, pulling []byte out as
// attachments.
type jsonWriter struct {
	buf  []byte
	atts [][]byte
}

func (w *jsonWriter) value(v any, depth int) error {
	if depth > maxValueDepth {
		return errTooDeep
	}
	switch x := v.(type) {
	case nil:
		w.buf = append(w.buf, "null"...)
	case bool:
		w.buf = strconv.AppendBool(w.buf, x)
	case string:
		w.buf = parser.AppendJSONString(w.buf, x)
	case int64:
		w.buf = strconv.AppendInt(w.buf, x, 10)
	case int:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case int32:
		w.buf = strconv.AppendInt(w.buf, int64(x), 10)
	case uint64:
		w.buf = strconv.AppendUint(w.buf, x, 10)
	case uint32:
		w.buf = strconv.AppendUint(w.buf, uint64(x), 10)
	case float64:
		w.buf = appendJSONFloat(w.buf, x)
	case float32:
		w.buf = appendJSONFloat(w.buf, float64(x))
	case []byte:
		w.buf = append(w.buf, `{"_placeholder":true,"num":`...)
		w.buf = strconv.AppendInt(w.buf, int64(len(w.atts)), 10)
		w.buf = append(w.buf, '}')
		w.atts = append(w.atts, x)
	case time.Time:
		w.buf = append(w.buf, '"')
		w.buf = x.UTC().AppendFormat(w.buf, "2006-01-02T15:04:05.000Z")
		w.buf = append(w.buf, '"')
	case []any:
		w.buf = append(w.buf, '[')
		for i, y := range x {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if err := w.value(y, depth+1); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, ']')
	case []string:
		w.buf = append(w.buf, '[')
		for i, y := range x {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = parser.AppendJSONString(w.buf, y)
		}
		w.buf = append(w.buf, ']')
	case wire.Object:
		w.buf = append(w.buf, '{')
		for i, m := range x {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = parser.AppendJSONString(w.buf, m.Key)
			w.buf = append(w.buf, ':')
			if err := w.value(m.Value, depth+1); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, '}')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.buf = append(w.buf, '{')
		for i, k := range keys {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = parser.AppendJSONString(w.buf, k)
			w.buf = append(w.buf, ':')
			if err := w.value(x[k], depth+1); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, '}')
	case json.RawMessage:
		g, err := wire.UnmarshalValue(x, wire.JSON)
		if err != nil {
			return err
		}
		return w.value(g, depth+1)
	default:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			w.buf = append(w.buf, "null"...)
			return nil
		}
		// Any other Go value: encode it as the server encodes event arguments, then write
		// the generic form of that.
		data, atts, err := parser.MarshalArgs(v)
		if err != nil {
			return err
		}
		vals, err := PacketValues(&adapter.Packet{Type: adapter.Ack, Data: data, Attachments: atts})
		if err != nil {
			return err
		}
		if len(vals) != 1 {
			return fmt.Errorf("%T: encoded to %d values", v, len(vals))
		}
		return w.value(vals[0], depth+1)
	}
	return nil
}

// appendJSONFloat writes f as JSON (NaN and ±Inf as null, as JSON.stringify does).
func appendJSONFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}
