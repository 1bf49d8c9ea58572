package parser_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

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
func sendEvent(t testing.TB, event string, args ...any) (*parser.Packet, string, parser.Args) {
	t.Helper()
	data, atts, err := parser.MarshalEvent(event, args...)
	if err != nil {
		t.Fatalf("MarshalEvent: %v", err)
	}
	p := &parser.Packet{Type: parser.Event, Nsp: "/admin", ID: 9, HasID: true, Data: data, Attachments: atts}
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
	txt, err := parser.Encode(&parser.Packet{Type: parser.Ack, Nsp: "/", ID: 15, HasID: true, Data: data, Attachments: atts})
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
		`2["chat"]`:           "chat",
		`2["ch\u0061t",1]`:    "chat",
		`2["é"]`:              "é",
		`2[1]`:                "1",
		`2[100,"x"]`:          "100",
		`2[1.50]`:             "1.5",
		`2[-0]`:               "0",
		`2[1e21]`:             "1e+21",
		`2[123456789012]`:     "123456789012",
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
		text: `52-["a",{"k":` + ph0 + `,"k":"plain"},{"k":"plain","K":` + ph1 + `}]`,
		bins: [][]byte{bin12, bin34},
	})
	wants := []any{"plain", bin34}
	for i, want := range wants {
		v, err := a.Value(i)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := a.Bind(i, &m); err != nil {
			t.Fatal(err)
		}
		var st struct{ K any }
		if err := a.Bind(i, &st); err != nil {
			t.Fatal(err)
		}
		if i == 0 && (!reflect.DeepEqual(v, map[string]any{"k": want}) || !reflect.DeepEqual(m, map[string]any{"k": want})) {
			t.Errorf("arg %d: Value = %#v, Bind map = %#v, want k = %#v", i, v, m, want)
		}
		if !reflect.DeepEqual(st.K, want) {
			t.Errorf("arg %d: Bind struct K = %#v, want %#v", i, st.K, want)
		}
	}
}

func TestBindTargets(t *testing.T) {
	type holder struct {
		Any     any             `json:"any"`
		Raw     json.RawMessage `json:"raw"`
		Str     string          `json:"str"`
		Thumbs  map[string]Thumb
		PtrAny  *any      `json:"ptr_any"`
		AnyList []any     `json:"any_list"`
		Arr     [2]any    `json:"arr"`
		Iface   fmtString `json:"iface"`
	}
	_, _, a := sendEvent(t, "ev", map[string]any{
		"any":      []byte{1},
		"raw":      []byte{2},
		"str":      []byte{3},
		"Thumbs":   map[string]any{"x": map[string]any{"Pixels": []byte{4}}},
		"ptr_any":  []any{[]byte{5}},
		"any_list": []any{[]byte{6}},
		"arr":      []any{"a", []byte{7}},
	})
	var h holder
	if err := a.Bind(0, &h); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h.Any, []byte{1}) {
		t.Errorf("any field = %#v", h.Any)
	}
	if string(h.Raw) != `"Ag=="` {
		t.Errorf("json.RawMessage field = %s, want the base64 string", h.Raw)
	}
	if h.Str != "Aw==" {
		t.Errorf("string field = %q, want the base64 text", h.Str)
	}
	if !bytes.Equal(h.Thumbs["x"].Pixels, []byte{4}) {
		t.Errorf("map of structs = %#v", h.Thumbs)
	}
	if h.PtrAny == nil || !reflect.DeepEqual(*h.PtrAny, []any{[]byte{5}}) {
		t.Errorf("*any field = %#v", h.PtrAny)
	}
	if !reflect.DeepEqual(h.AnyList, []any{[]byte{6}}) {
		t.Errorf("[]any field = %#v", h.AnyList)
	}
	if !reflect.DeepEqual(h.Arr, [2]any{"a", []byte{7}}) {
		t.Errorf("[2]any field = %#v", h.Arr)
	}

	// An interface holding a pointer is decoded into, as json.Unmarshal does.
	var target any = &Thumb{}
	_, _, a = sendEvent(t, "ev", Thumb{W: 3, Pixels: []byte{8}})
	if err := a.Bind(0, &target); err != nil {
		t.Fatal(err)
	}
	if th, ok := target.(*Thumb); !ok || th.W != 3 || !bytes.Equal(th.Pixels, []byte{8}) {
		t.Errorf("Bind into an any holding *Thumb = %#v", target)
	}
}

type fmtString interface{ String() string }

func TestArgsErrors(t *testing.T) {
	_, _, a := sendEvent(t, "ev", []byte{1}, "x")
	for _, i := range []int{-1, 2} {
		var v any
		if err := a.Bind(i, &v); !errors.Is(err, parser.ErrArgIndex) {
			t.Errorf("Bind(%d) = %v, want ErrArgIndex", i, err)
		}
		if _, err := a.Value(i); !errors.Is(err, parser.ErrArgIndex) {
			t.Errorf("Value(%d) = %v, want ErrArgIndex", i, err)
		}
		if raw := a.Raw(i); raw != nil {
			t.Errorf("Raw(%d) = %s, want nil", i, raw)
		}
	}
	var n int
	if err := a.Bind(1, &n); err == nil || !strings.HasPrefix(err.Error(), "parser: bind argument 1: ") {
		t.Errorf("Bind of a string into an int = %v", err)
	}
	if err := a.Bind(0, &n); err == nil || !strings.HasPrefix(err.Error(), "parser: bind argument 0: ") {
		t.Errorf("Bind of binary into an int = %v", err)
	}
	var notPointer []byte
	if err := a.Bind(0, notPointer); err == nil {
		t.Error("Bind into a non-pointer succeeded")
	}
	if err := a.Bind(0, nil); err == nil {
		t.Error("Bind into nil succeeded")
	}
	var zero parser.Args
	if zero.Len() != 0 || zero.Raw(0) != nil {
		t.Error("zero Args has arguments")
	}
	if vs, err := zero.Values(); err != nil || len(vs) != 0 {
		t.Errorf("zero Args Values = %v, %v", vs, err)
	}
}

func TestEventArgsRejects(t *testing.T) {
	tests := []struct {
		name string
		p    *parser.Packet
		ack  bool
	}{
		{"nil", nil, false},
		{"nil ack", nil, true},
		{"connect", &parser.Packet{Type: parser.Connect}, false},
		{"event as ack", &parser.Packet{Type: parser.Event, Data: []byte(`["a"]`)}, true},
		{"ack as event", &parser.Packet{Type: parser.Ack, Data: []byte(`["a"]`)}, false},
		{"no data", &parser.Packet{Type: parser.Event}, false},
		{"empty array", &parser.Packet{Type: parser.Event, Data: []byte(`[]`)}, false},
		{"object", &parser.Packet{Type: parser.Event, Data: []byte(`{}`)}, false},
		{"ack object", &parser.Packet{Type: parser.Ack, Data: []byte(`{}`)}, true},
		{"bad JSON", &parser.Packet{Type: parser.Event, Data: []byte(`["a",`)}, false},
		{"name not a string", &parser.Packet{Type: parser.Event, Data: []byte(`[null]`)}, false},
		{"placeholder out of range", &parser.Packet{Type: parser.Event, Data: []byte(`["a",` + ph1 + `]`), Attachments: [][]byte{{1}}}, false},
		{"placeholder twice", &parser.Packet{Type: parser.BinaryAck, Data: []byte(`[` + ph0 + `,` + ph0 + `]`), Attachments: [][]byte{{1}}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.ack {
				_, err = parser.AckArgs(tc.p)
			} else {
				_, _, err = parser.EventArgs(tc.p)
			}
			if err == nil {
				t.Fatal("no error")
			}
			checkInvalid(t, err)
		})
	}
}
