package parser_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

type Thumb struct {
	W, H   int
	Pixels []byte
}

type Photo struct {
	Name   string           `json:"name"`
	Data   []byte           `json:"data"`
	Thumb  *Thumb           `json:"thumb,omitempty"`
	Extra  map[string]any   `json:"extra"`
	Any    any              `json:"any"`
	List   []any            `json:"list"`
	Pages  [][]byte         `json:"pages"`
	Thumbs map[string]Thumb `json:"thumbs"`
}

func samplePhoto() Photo {
	return Photo{
		Name:  "cat",
		Data:  []byte{0xFF, 0xD8, 0xFF},
		Thumb: &Thumb{W: 2, H: 1, Pixels: []byte{1, 2}},
		Extra: map[string]any{
			"exif":  map[string]any{"raw": []byte("exif"), "iso": 100.0},
			"other": []any{"x", []byte{}, nil},
		},
		Any:    []byte("any"),
		List:   []any{1.5, []byte{9}, map[string]any{"deeper": []any{[]byte{8}}}},
		Pages:  [][]byte{{1}, {}, nil},
		Thumbs: map[string]Thumb{"s": {W: 1, Pixels: []byte{7}}},
	}
}

// sendEvent marshals an event, encodes it into /admin with an ack id, and decodes it from
// copies of the wire messages, as a peer would receive it.
func sendEvent(t testing.TB, event string, args ...any) (*adapter.Packet, string, parser.Args) {
	t.Helper()
	data, atts, err := parser.MarshalEvent(event, args...)
	if err != nil {
		t.Fatalf("MarshalEvent: %v", err)
	}
	p := &adapter.Packet{Type: adapter.Event, Nsp: "/admin", ID: 9, HasID: true, Data: data, Attachments: atts}
	txt, err := parser.Encode(p)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	w := wire{text: string(txt)}
	for _, a := range atts {
		w.bins = append(w.bins, bytes.Clone(a))
	}
	got := decodeAll(t, &parser.Decoder{MaxAttachments: -1}, w)
	if !samePacket(got, p) {
		t.Fatalf("decoded %s, sent %s", show(got), show(p))
	}
	name, a, err := parser.EventArgs(got)
	if err != nil {
		t.Fatalf("EventArgs: %v", err)
	}
	if name != event {
		t.Fatalf("event name %q, want %q", name, event)
	}
	return got, string(txt), a
}

func TestRoundTripBind(t *testing.T) {
	photo := samplePhoto()
	blob := []byte("top-level")
	generic := map[string]any{"a": []any{map[string]any{"b": []byte("deep")}}, "n": 2.0}
	p, txt, a := sendEvent(t, "upload", photo, blob, generic, []any{"s", []byte("el")}, "plain")
	if !strings.HasPrefix(txt, "5") || len(p.Attachments) != 13 {
		t.Fatalf("sent %s with %d attachments, want a BINARY_EVENT with 13", txt, len(p.Attachments))
	}
	if a.Len() != 5 {
		t.Fatalf("Len = %d, want 5", a.Len())
	}

	var gotPhoto Photo
	if err := a.Bind(0, &gotPhoto); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotPhoto, photo) {
		t.Fatalf("Bind photo:\n got %#v\nwant %#v", gotPhoto, photo)
	}

	var gotBlob []byte
	if err := a.Bind(1, &gotBlob); err != nil || !bytes.Equal(gotBlob, blob) {
		t.Fatalf("Bind []byte = %q, %v", gotBlob, err)
	}

	var gotAny any
	if err := a.Bind(2, &gotAny); err != nil || !reflect.DeepEqual(gotAny, generic) {
		t.Fatalf("Bind *any = %#v, %v", gotAny, err)
	}
	var gotMap map[string]any
	if err := a.Bind(2, &gotMap); err != nil || !reflect.DeepEqual(gotMap, generic) {
		t.Fatalf("Bind map[string]any = %#v, %v", gotMap, err)
	}
	var gotList []any
	if err := a.Bind(3, &gotList); err != nil || !reflect.DeepEqual(gotList, []any{"s", []byte("el")}) {
		t.Fatalf("Bind []any = %#v, %v", gotList, err)
	}
	var s string
	if err := a.Bind(4, &s); err != nil || s != "plain" {
		t.Fatalf("Bind string = %q, %v", s, err)
	}
}

func TestRoundTripValue(t *testing.T) {
	_, _, a := sendEvent(t, "ev", []byte{1}, map[string]any{"k": []any{[]byte{2}, "v"}}, 3, nil)
	got, err := a.Values()
	if err != nil {
		t.Fatal(err)
	}
	want := []any{[]byte{1}, map[string]any{"k": []any{[]byte{2}, "v"}}, 3.0, nil}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Values = %#v, want %#v", got, want)
	}
	if raw := a.Raw(0); string(raw) != ph0 {
		t.Fatalf("Raw(0) = %s, want the placeholder", raw)
	}
	if raw := a.Raw(2); string(raw) != "3" {
		t.Fatalf("Raw(2) = %s", raw)
	}
}

func TestRoundTripDeepBinary(t *testing.T) {
	v := any([]byte("bottom"))
	for i := range 200 {
		if i%2 == 0 {
			v = []any{"x", v}
		} else {
			v = map[string]any{"k": v, "n": float64(i)}
		}
	}
	_, _, a := sendEvent(t, "deep", v)
	got, err := a.Value(0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Fatal("Value of a deep binary structure differs")
	}
	var bound any
	if err := a.Bind(0, &bound); err != nil || !reflect.DeepEqual(bound, v) {
		t.Fatalf("Bind of a deep binary structure differs: %v", err)
	}
}

func TestRoundTripAck(t *testing.T) {
	data, atts, err := parser.MarshalArgs("ok", []byte{4, 2})
	if err != nil {
		t.Fatal(err)
	}
	txt, err := parser.Encode(&adapter.Packet{Type: adapter.Ack, Nsp: "/", ID: 15, HasID: true, Data: data, Attachments: atts})
	if err != nil {
		t.Fatal(err)
	}
	if want := `61-15["ok",` + ph0 + `]`; string(txt) != want {
		t.Fatalf("Encode = %s, want %s", txt, want)
	}
	p := decodeAll(t, &parser.Decoder{}, wire{text: string(txt), bins: [][]byte{{4, 2}}})
	a, err := parser.AckArgs(p)
	if err != nil {
		t.Fatal(err)
	}
	var ok string
	var b []byte
	if err := a.Bind(0, &ok); err != nil || ok != "ok" {
		t.Fatalf("Bind(0) = %q, %v", ok, err)
	}
	if err := a.Bind(1, &b); err != nil || !bytes.Equal(b, []byte{4, 2}) {
		t.Fatalf("Bind(1) = %v, %v", b, err)
	}
}

// argsOf decodes one text message (plus attachments) and returns its event arguments.
func argsOf(t testing.TB, w wire) (string, parser.Args) {
	t.Helper()
	name, a, err := parser.EventArgs(decodeAll(t, &parser.Decoder{}, w))
	if err != nil {
		t.Fatal(err)
	}
	return name, a
}

func TestEventNames(t *testing.T) {
	tests := map[string]string{
		`2["chat"]`:         "chat",
		`2["ch\u0061t",1]`:  "chat",
		`2["é"]`:            "é",
		`2[1]`:              "1",
		`2[100,"x"]`:        "100",
		`2[1.50]`:           "1.5",
		`2[-0]`:             "0",
		`2[1e21]`:           "1e+21",
		`2[123456789012]`:   "123456789012",
		`2["connect_errors"]`: "connect_errors",
	}
	for msg, want := range tests {
		name, a := argsOf(t, wire{text: msg})
		if name != want {
			t.Errorf("%s: name %q, want %q", msg, name, want)
		}
		if msg == `2["ch\u0061t",1]` && a.Len() != 1 {
			t.Errorf("%s: Len = %d", msg, a.Len())
		}
	}
}

// In a packet without attachments a placeholder-shaped object is an ordinary object, as
// in socket.io-parser.
func TestPlaceholderWithoutAttachments(t *testing.T) {
	for _, msg := range []string{`2["a",` + ph0 + `]`, `50-["a",` + ph0 + `]`} {
		_, a := argsOf(t, wire{text: msg})
		v, err := a.Value(0)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]any{"_placeholder": true, "num": 0.0}; !reflect.DeepEqual(v, want) {
			t.Fatalf("%s: Value = %#v, want %#v", msg, v, want)
		}
	}
}

// Duplicate keys: the last one wins, in Value and in Bind, as in json.Unmarshal and
// JSON.parse.
func TestDuplicateKeys(t *testing.T) {
	_, a := argsOf(t, wire{
		text: `51-["a",{"k":` + ph0 + `,"k":"plain"},{"k":"plain","k":{"_placeholder":true,"num":1}}]`,
		bins: nil,
	}.with(bin12))
	_ = a
}

func (w wire) with(bins ...[]byte) wire { w.bins = bins; return w }
