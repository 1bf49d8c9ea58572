package parser_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/socketio/parser"
)

// Fuzz inputs for FuzzDecode are sequences of Engine.IO messages: each message is a flag
// byte ('b' for binary, anything else for text) followed by its data, and messages are
// separated by 0x1e (the record separator Engine.IO uses for polling payloads).

func joinMessages(msgs ...message) []byte {
	var b []byte
	for i, m := range msgs {
		if i > 0 {
			b = append(b, 0x1e)
		}
		if m.binary {
			b = append(b, 'b')
		} else {
			b = append(b, 't')
		}
		b = append(b, m.data...)
	}
	return b
}

func splitMessages(in []byte) []message {
	var msgs []message
	for chunk := range bytes.SplitSeq(in, []byte{0x1e}) {
		if len(chunk) == 0 {
			continue
		}
		msgs = append(msgs, message{data: string(chunk[1:]), binary: chunk[0] == 'b'})
	}
	return msgs
}

func FuzzDecode(f *testing.F) {
	for _, tc := range readmeCases {
		msgs := []message{text(tc.w.text)}
		for _, b := range tc.w.bins {
			msgs = append(msgs, binary(string(b)))
		}
		f.Add(joinMessages(msgs...))
	}
	f.Add(joinMessages(text(`52-/admin,7["ev",{"a":[`+ph0+`,{"_placeholder":true,"num":1.0}]}]`), binary("x"), binary(""), text(`2["next"]`)))
	f.Add(joinMessages(text(`61-15["bar",`+ph0+`]`), binary("\x01\x02")))
	f.Add(joinMessages(text(`2[1e999,"x"]`), text(`2["\u0063onnect"]`), text(`3/a,1[{"k":1,"k":[]}]`)))
	f.Add(joinMessages(text(`51-["a",{"_placeholder":true,"num":0,"x":`+ph0+`}]`), binary("b")))
	f.Add(joinMessages(text(`51-["a"`), binary("b"), text(`0/x,{"token":"\ud83d\ude00"}`)))
	f.Fuzz(func(t *testing.T, in []byte) {
		d := &parser.Decoder{}
		for _, m := range splitMessages(in) {
			p, err := d.Decode([]byte(m.data), m.binary)
			if err != nil {
				checkInvalid(t, err)
				continue
			}
			if p != nil {
				checkDecoded(t, p)
			}
		}
	})
}

// checkDecoded holds what every packet coming out of a Decoder must satisfy.
func checkDecoded(t *testing.T, p *parser.Packet) {
	if p.Type > parser.ConnectError {
		t.Fatalf("decoded type %s", p.Type)
	}
	if p.Nsp == "" || p.Nsp[0] != '/' || strings.Contains(p.Nsp, ",") {
		t.Fatalf("decoded namespace %q", p.Nsp)
	}
	if again := reencode(t, p); !samePacket(p, again) {
		t.Fatalf("decoded %s, after encoding and decoding again %s", show(p), show(again))
	}
	var args parser.Args
	var err error
	switch p.Type {
	case parser.Event:
		var name string
		name, args, err = parser.EventArgs(p)
		if err != nil {
			t.Fatalf("EventArgs(%s): %v", show(p), err)
		}
		if parser.IsReservedEvent(name) {
			t.Fatalf("reserved event %q decoded", name)
		}
	case parser.Ack:
		if args, err = parser.AckArgs(p); err != nil {
			t.Fatalf("AckArgs(%s): %v", show(p), err)
		}
	default:
		return
	}
	for i := range args.Len() {
		v, verr := args.Value(i)
		var b any
		berr := args.Bind(i, &b)
		if (verr == nil) != (berr == nil) {
			t.Fatalf("arg %d of %s: Value error %v, Bind error %v", i, show(p), verr, berr)
		}
		if verr != nil {
			if !strings.HasPrefix(verr.Error(), "parser: ") {
				t.Fatalf("error %q lacks the prefix", verr)
			}
			continue
		}
		if !reflect.DeepEqual(v, b) {
			t.Fatalf("arg %d of %s: Value %#v, Bind %#v", i, show(p), v, b)
		}
	}
}

// FuzzMarshalArgs sends generated arguments with binary at various depths through
// MarshalEvent, Encode, Decode and Args, and expects them back.
func FuzzMarshalArgs(f *testing.F) {
	f.Add("hello", []byte{1, 2, 3}, []byte{}, 1.5, uint8(3))
	f.Add("", []byte(nil), []byte{0xFF}, math.Copysign(0, -1), uint8(0))
	f.Add("<\xff\u2028>", []byte{0}, []byte(nil), 1e300, uint8(40))
	f.Fuzz(func(t *testing.T, s string, b1, b2 []byte, n float64, nest uint8) {
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return
		}
		var inner any
		if b2 != nil {
			inner = b2
		}
		for i := range int(nest % 32) {
			if i%2 == 0 {
				inner = []any{s, inner, n}
			} else {
				inner = map[string]any{s: inner, "n": n}
			}
		}
		type payload struct {
			Name string `json:"name"`
			Data []byte `json:"data,omitempty"`
			Any  any    `json:"any"`
		}
		var bin any
		if b1 != nil {
			bin = b1
		}
		args := []any{s, bin, inner, payload{Name: s, Data: b1, Any: inner}}
		_, _, a := sendEvent(t, "ev", args...)
		got, err := a.Values()
		if err != nil {
			t.Fatal(err)
		}
		want := []any{norm(s), norm(bin), norm(inner), map[string]any{"name": norm(s), "any": norm(inner)}}
		if len(b1) > 0 {
			want[3].(map[string]any)["data"] = b1
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Values:\n got %#v\nwant %#v", got, want)
		}
		var p payload
		if err := a.Bind(3, &p); err != nil {
			t.Fatal(err)
		}
		wantP := payload{Name: norm(s).(string), Any: norm(inner)}
		if len(b1) > 0 {
			wantP.Data = b1
		}
		if !reflect.DeepEqual(p, wantP) {
			t.Fatalf("Bind:\n got %#v\nwant %#v", p, wantP)
		}
	})
}

// norm is what a generic JSON decode gives back for v: strings cleaned of invalid UTF-8,
// binary kept.
func norm(v any) any {
	switch x := v.(type) {
	case string:
		var s string
		b, _ := json.Marshal(x)
		_ = json.Unmarshal(b, &s)
		return s
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = norm(y)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, y := range x {
			out[norm(k).(string)] = norm(y)
		}
		return out
	}
	return v
}
