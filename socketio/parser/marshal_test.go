package parser_test

import (
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/jsjson"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Types exercising encoding/json's struct rules.

type Base struct {
	ID   int    `json:"id"`
	Kind string `json:"kind,omitempty"`
	Blob []byte `json:"blob,omitempty"`
}

type Meta struct {
	Tags []string
	Raw  []byte `json:"raw"`
}

type hidden struct {
	Visible string
	Bytes   []byte
}

type Temp float64

func (t Temp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatFloat(float64(t), 'f', 1, 64) + `C"`), nil
}

// PtrMarshaler marshals itself only through a pointer, and holds bytes it hides.
type PtrMarshaler struct{ Secret []byte }

func (p *PtrMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"opaque"`), nil }

type Level int

func (l Level) MarshalText() ([]byte, error) { return []byte("L" + strconv.Itoa(int(l))), nil }

type Zeroable struct{ N int }

func (z Zeroable) IsZero() bool { return z.N < 0 }

type Bytes []byte // a named byte slice is binary too

type Everything struct {
	Base                        // embedded: id, kind, blob promoted
	*Meta                       // embedded pointer, may be nil
	hidden                      // unexported embedded struct: its exported fields count
	Name       string           `json:"name"`
	Skip       []byte           `json:"-"`
	Count      int              `json:",omitempty"`
	Quoted     int              `json:"quoted,string"`
	QuotedStr  string           `json:"qs,string"`
	QuotedPtr  *float64         `json:"qp,string"`
	When       time.Time        `json:"when"`
	Zero       Zeroable         `json:"zero,omitzero"`
	ZeroT      time.Time        `json:"zt,omitzero"`
	Temp       Temp             `json:"temp"`
	Ptr        PtrMarshaler     `json:"ptr"`
	Levels     map[Level][]byte `json:"levels"`
	ByInt      map[int]any      `json:"by_int"`
	Any        any              `json:"any"`
	Nested     []map[string]any `json:"nested"`
	Arr        [2][]byte        `json:"arr"`
	ByteArr    [3]byte          `json:"byte_arr"`
	Named      Bytes            `json:"named"`
	RawJSON    json.RawMessage  `json:"raw_json"`
	NilBytes   []byte           `json:"nil_bytes"`
	EmptyBytes []byte           `json:"empty_bytes"`
	HTML       string           `json:"<html>&"`
	BadUTF8    string           `json:"bad"`
	Deep       *Everything      `json:"deep,omitempty"`
	unexported []byte

	//lint:ignore SA5008 a field deliberately named "-", as encoding/json allows
	Dash string `json:"-,"`
}

// Conflicts follows the dominance rules: two untagged Name at one depth cancel, a tagged
// one wins over an untagged one.
type A1 struct{ Name, Tagged string }
type A2 struct {
	Name   string
	Tagged string `json:"Tagged"`
}
type Conflicts struct {
	A1
	A2
	Data []byte
}

func everything(withBinary bool) *Everything {
	f := 2.5
	e := &Everything{
		Base:       Base{ID: 1, Kind: "k"},
		Meta:       &Meta{Tags: []string{"a", "b"}},
		hidden:     hidden{Visible: "v"},
		Name:       "n",
		Skip:       []byte("skip"),
		Dash:       "dash",
		Quoted:     42,
		QuotedStr:  `he said "hi"`,
		QuotedPtr:  &f,
		When:       time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Zero:       Zeroable{N: -1},
		Temp:       21.5,
		Ptr:        PtrMarshaler{Secret: []byte("s")},
		Levels:     map[Level][]byte{2: nil, 1: nil},
		ByInt:      map[int]any{10: "ten", 9: 9.5, -1: nil},
		Any:        map[string]any{"k": []any{1.0, "x", nil, true}},
		Nested:     []map[string]any{{"b": 1.0, "a": "z"}},
		ByteArr:    [3]byte{1, 2, 3},
		RawJSON:    json.RawMessage(`{"pre":"encoded"}`),
		EmptyBytes: nil,
		HTML:       "<b>&amp;</b> \u2028 \t\n",
		BadUTF8:    "a\xffb\xc3",
		Deep:       &Everything{Name: "inner", HTML: "x"},
		unexported: []byte("never"),
	}
	if withBinary {
		e.Blob = []byte{0xB0}
		e.Meta.Raw = []byte{0x4D}
		e.hidden.Bytes = []byte{0x48}
		e.Levels = map[Level][]byte{2: {0x22}, 1: {0x11}}
		e.ByInt[7] = []byte{0x07}
		e.Any = map[string]any{"k": []any{1.0, []byte{0xAA}, map[string]any{"deep": []byte{0xBB}}}}
		e.Nested = []map[string]any{{"b": []byte{0xCC}, "a": "z"}}
		e.Arr = [2][]byte{{0xA1}, nil}
		e.Named = Bytes{0x4E}
		e.EmptyBytes = []byte{}
		e.Deep.Blob = []byte{0xDD}
		e.Deep.Any = []byte{0xEE}
	}
	return e
}

// asJS is the JSON text b as JavaScript writes the value it denotes (JSON.stringify of
// JSON.parse), with everything()'s time as a Date: what MarshalArgs writes for a value whose
// json.Marshal text is b.
func asJS(tb testing.TB, b []byte) string {
	tb.Helper()
	v, err := jsjson.Decode(b, jsjson.DecodeOptions{})
	if err != nil {
		tb.Fatalf("%s: %v", b, err)
	}
	var e jsjson.Encoder
	out, err := e.Append(nil, v)
	if err != nil {
		tb.Fatal(err)
	}
	return rfc3339.ReplaceAllString(string(out), `"$1.000Z"`)
}

// rfc3339 matches the times of the test values as json.Marshal writes them.
var rfc3339 = regexp.MustCompile(`"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z"`)

// Values without binary come out of MarshalArgs with the members json.Marshal writes, in its
// order, written as JavaScript writes them.
func TestMarshalMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, 0, -7, uint8(3), 1.5, 1e21, 1e-7, float32(0.1), "", "plain", "<>&\u2028\u2029\x00\x1f\x7f\xff",
		[]any{}, []any{nil, "a", 1.0}, map[string]any{}, map[string]any{"b": 1, "a": []any{"x"}},
		[]string{"a"}, []int(nil), map[string]int(nil), [0][]byte{}, [2]int{1, 2},
		everything(false), Conflicts{A1: A1{"n1", "t1"}, A2: A2{"n2", "t2"}},
		&Base{ID: 3}, json.RawMessage(`[1, 2]`), json.Number("12.50"), Temp(3), Level(4),
		map[Level]int{3: 1, 1: 2}, map[int8]string{-1: "m", 2: "p"}, map[uint]bool{7: true},
		&PtrMarshaler{Secret: []byte("x")},
		struct {
			X *int
			Y any `json:"y,omitempty"`
		}{},
	}
	for i, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("value %d: json.Marshal: %v", i, err)
		}
		data, atts, err := parser.MarshalArgs(v)
		if err != nil {
			t.Fatalf("value %d: MarshalArgs: %v", i, err)
		}
		if string(data) != "["+asJS(t, want)+"]" || atts != nil {
			t.Errorf("value %d (%T):\nMarshalArgs      = %s, %v\njson.Marshal, JS = [%s]", i, v, data, atts, asJS(t, want))
		}
	}
}

// What JavaScript writes differently from encoding/json.
func TestMarshalJavaScriptText(t *testing.T) {
	when := time.Date(12345, 6, 7, 8, 9, 10, 123456789, time.FixedZone("x", 3600))
	data, _, err := parser.MarshalArgs("<a>&\u2028\xff", math.Copysign(0, -1), 1e-7, 1e21, math.NaN(), math.Inf(1),
		float32(0.1), when, &when, json.RawMessage(` {"b" : 1.50, "a":"\u003c"} `), json.Number("1e2"))
	if err != nil {
		t.Fatal(err)
	}
	want := "[\"<a>&\u2028\ufffd\",0," + `1e-7,1e+21,null,null,0.1,"+012345-06-07T07:09:10.123Z","+012345-06-07T07:09:10.123Z",{"b":1.5,"a":"<"},100]`
	if string(data) != want {
		t.Fatalf("MarshalArgs =\n%s\nwant\n%s", data, want)
	}
}

// With binary, MarshalArgs must write what json.Marshal writes except that each []byte
// becomes a placeholder: putting the base64 strings back must give json.Marshal's value.
func TestMarshalBinaryMatchesEncodingJSON(t *testing.T) {
	type withAny struct {
		A any      `json:"a"`
		B []any    `json:"b"`
		C **[]byte `json:"c"`
	}
	b := []byte{9, 9}
	pb := &b
	values := []struct {
		v        any
		wantAtts int
	}{
		{[]byte{1, 2, 3}, 1},
		{[]byte{}, 1},
		{[]any{[]byte{1}, "x", []any{[]byte{2}, map[string]any{"z": []byte{3}, "a": []byte{4}}}}, 4},
		{map[string]any{"b": []byte{1}, "a": []byte{2}}, 2},
		{map[string][]byte{"only": {7}}, 1},
		{[][]byte{{1}, nil, {}}, 2},
		{everything(true), 14},
		{*everything(true), 15}, // Ptr is not addressable: its MarshalJSON is not called, its Secret is binary
		{PtrMarshaler{Secret: []byte("x")}, 1},
		{Conflicts{Data: []byte{5}}, 1},
		{withAny{A: []byte{1}, B: []any{nil, []byte{2}}, C: &pb}, 3},
		{Bytes{1}, 1},
		{&Base{Blob: []byte{0}}, 1},
	}
	for i, tc := range values {
		want, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatalf("value %d: json.Marshal: %v", i, err)
		}
		data, atts, err := parser.MarshalArgs(tc.v)
		if err != nil {
			t.Fatalf("value %d: MarshalArgs: %v", i, err)
		}
		if len(atts) != tc.wantAtts {
			t.Errorf("value %d: %d attachments, want %d: %s", i, len(atts), tc.wantAtts, data)
		}
		for n := range atts {
			ph := `{"_placeholder":true,"num":` + strconv.Itoa(n) + `}`
			if strings.Count(string(data), ph) != 1 {
				t.Errorf("value %d: placeholder %d appears %d times in %s", i, n, strings.Count(string(data), ph), data)
			}
		}
		got, err := parser.Substitute(data, atts)
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if string(got) != "["+asJS(t, want)+"]" {
			t.Errorf("value %d (%T):\nMarshalArgs with base64 = %s\njson.Marshal, JS         = [%s]", i, tc.v, got, asJS(t, want))
		}
	}
}

func TestMarshalEventBytes(t *testing.T) {
	img := []byte{0xFF, 0xD8}
	data, atts, err := parser.MarshalEvent("upload", "cat.jpg", map[string]any{"img": img, "size": 2})
	if err != nil {
		t.Fatal(err)
	}
	want := `["upload","cat.jpg",{"img":{"_placeholder":true,"num":0},"size":2}]`
	if string(data) != want {
		t.Fatalf("MarshalEvent = %s, want %s", data, want)
	}
	if len(atts) != 1 || &atts[0][0] != &img[0] {
		t.Fatalf("attachments %v do not alias the argument", atts)
	}

	data, atts, err = parser.MarshalEvent("<chat>")
	if err != nil || string(data) != `["<chat>"]` || atts != nil {
		t.Fatalf("MarshalEvent without args = %s, %v, %v", data, atts, err)
	}
	data, atts, err = parser.MarshalArgs()
	if err != nil || string(data) != `[]` || atts != nil {
		t.Fatalf("MarshalArgs() = %s, %v, %v", data, atts, err)
	}
}

// Placeholders are numbered in the order json.Marshal writes the values: sorted map keys,
// struct fields in declaration order.
func TestMarshalAttachmentOrder(t *testing.T) {
	data, atts, err := parser.MarshalArgs(
		map[string]any{"z": []byte("z"), "a": []byte("a")},
		struct {
			Second []byte `json:"b"`
			First  []byte `json:"a"`
		}{[]byte("s"), []byte("f")},
	)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range atts {
		got = append(got, string(a))
	}
	if strings.Join(got, "") != "azsf" {
		t.Fatalf("attachments in order %q for %s", got, data)
	}
}

func TestMarshalErrors(t *testing.T) {
	type cyclic struct {
		Next *cyclic
		Data []byte
	}
	loop := &cyclic{Data: []byte{1}}
	loop.Next = loop
	selfList := []any{[]byte{1}, nil}
	selfList[1] = selfList
	deep := any([]byte{1})
	for range parser.MaxDepth + 1 {
		deep = []any{deep}
	}
	tests := []struct {
		name string
		args []any
	}{
		{"channel beside binary", []any{map[string]any{"b": []byte{1}, "c": make(chan int)}}},
		{"func without binary", []any{func() {}}},
		{"pointer cycle", []any{loop}},
		{"slice cycle", []any{selfList}},
		{"too deep", []any{deep}},
		{"unsupported map key", []any{map[[2]int][]byte{{1, 2}: {3}}}},
		{"failing MarshalJSON beside binary", []any{"ok", []any{[]byte{1}, failing{}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, atts, err := parser.MarshalArgs(tc.args...)
			if err == nil {
				t.Fatalf("MarshalArgs = %.80s, %d attachments; want an error", data, len(atts))
			}
			if !strings.HasPrefix(err.Error(), "parser: marshal argument ") {
				t.Fatalf("error %q lacks the prefix", err)
			}
		})
	}
	_, _, err := parser.MarshalArgs(1, []any{[]byte{1}, failing{}})
	if !errors.Is(err, errFailing) || !strings.HasPrefix(err.Error(), "parser: marshal argument 1: ") {
		t.Fatalf("error %v does not wrap the cause or name the argument", err)
	}
	if _, _, err := parser.MarshalArgs(deep); !errors.Is(err, parser.ErrTooDeep) {
		t.Fatalf("too deep: %v", err)
	}
}

var errFailing = errors.New("failing marshaler")

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errFailing }

// Marshaling costs one allocation, for the result, whatever the type.
func TestMarshalFastPathAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	type plain struct {
		User  string            `json:"user"`
		Count int               `json:"count"`
		Tags  []string          `json:"tags"`
		Attrs map[string]string `json:"attrs,omitempty"`
	}
	v := plain{User: "ann", Count: 3, Tags: []string{"a", "b"}}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = parser.MarshalEvent("chat", "hello", 42) }); n > 1 {
		t.Errorf("MarshalEvent with a string and an int: %v allocations, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = parser.MarshalEvent("chat", &v) }); n > 1 {
		t.Errorf("MarshalEvent with a struct without binary: %v allocations, want 1", n)
	}
}
