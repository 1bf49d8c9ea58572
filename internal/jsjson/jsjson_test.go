package jsjson_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gosockio/gosockio/internal/jsjson"
)

func TestEncoderErrors(t *testing.T) {
	cyclic := []any{nil}
	cyclic[0] = cyclic
	type node struct{ Next *node }
	loop := &node{}
	loop.Next = loop
	deep := any("x")
	for range jsjson.MaxDepth + 1 {
		deep = []any{deep}
	}
	for name, v := range map[string]any{
		"channel":           make(chan int),
		"func":              func() {},
		"complex":           complex(1, 2),
		"map key":           map[[2]int]int{{1, 2}: 3},
		"slice cycle":       cyclic,
		"pointer cycle":     loop,
		"too deep":          deep,
		"bad json.Number":   json.Number("0x10"),
		"bad RawMessage":    json.RawMessage(`{`),
		"failing marshaler": failing{},
	} {
		var e jsjson.Encoder
		if b, err := e.Append(nil, v); err == nil {
			t.Errorf("%s: Append = %s, want an error", name, b)
		}
	}
	var e jsjson.Encoder
	if _, err := e.Append(nil, deep); !errors.Is(err, jsjson.ErrTooDeep) {
		t.Errorf("too deep: %v", err)
	}
	if _, err := e.Append(nil, []any{failing{}}); !errors.Is(err, errFailing) {
		t.Errorf("failing MarshalJSON: %v does not wrap the cause", err)
	}
}

var errFailing = errors.New("failing")

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errFailing }

type reordered struct{}

func (reordered) MarshalJSON() ([]byte, error) { return []byte(` { "b" : 1.0, "a" : "\u003c" } `), nil }

type upper string

func (u upper) MarshalText() ([]byte, error) { return []byte(strings.ToUpper(string(u))), nil }

func TestEncoderValues(t *testing.T) {
	type inner struct {
		B []byte `json:"b"`
		N int    `json:"n,omitempty"`
	}
	type outer struct {
		inner
		Obj jsjson.Object `json:"obj"`
		M   map[upper]any `json:"m"` // a string key is itself, MarshalText or not
		F   float32       `json:"f"`
		Q   int           `json:"q,string"`
	}
	v := outer{inner: inner{B: []byte{1}}, Obj: jsjson.Object{{Key: "z", Value: []byte{2}}, {Key: "a", Value: nil}},
		M: map[upper]any{"y": reordered{}, "x": []byte{}}, F: 0.1, Q: 7}
	var e jsjson.Encoder
	b, err := e.Append(nil, &v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"b":{"_placeholder":true,"num":0},"obj":{"z":{"_placeholder":true,"num":1},"a":null},` +
		`"m":{"x":{"_placeholder":true,"num":2},"y":{"b":1,"a":"<"}},"f":0.1,"q":"7"}`
	if string(b) != want || len(e.Attachments) != 3 {
		t.Fatalf("Append =\n%s (%d attachments)\nwant\n%s", b, len(e.Attachments), want)
	}
	o := jsjson.Object{{Key: "k", Value: []byte{1, 2}}}
	if b, err := o.MarshalJSON(); err != nil || string(b) != `{"k":{"type":"Buffer","data":[1,2]}}` {
		t.Fatalf("Object.MarshalJSON = %s, %v", b, err)
	}
	if b, err := json.Marshal([]any{o}); err != nil || string(b) != `[{"k":{"type":"Buffer","data":[1,2]}}]` {
		t.Fatalf("json.Marshal(Object) = %s, %v", b, err)
	}
}

func TestDecodePlaceholders(t *testing.T) {
	atts := [][]byte{{0}, {1}}
	v, err := jsjson.Decode([]byte(`[{"_placeholder":true,"num":1},{"x":{"num":0.0,"_placeholder":true}},{"_placeholder":false,"num":9}]`),
		jsjson.DecodeOptions{Attachments: atts})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{[]byte{1}, jsjson.Object{{Key: "x", Value: []byte{0}}}, jsjson.Object{{Key: "_placeholder", Value: false}, {Key: "num", Value: int64(9)}}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("Decode = %#v", v)
	}
	m, err := jsjson.Decode([]byte(`{"a":{"_placeholder":true,"num":0},"b":[1,2.5]}`), jsjson.DecodeOptions{Maps: true, Attachments: atts})
	if err != nil || !reflect.DeepEqual(m, map[string]any{"a": []byte{0}, "b": []any{1.0, 2.5}}) {
		t.Fatalf("Decode(Maps) = %#v, %v", m, err)
	}
	for _, bad := range []string{`{"_placeholder":true,"num":2}`, `{"_placeholder":true,"num":-1}`, `{"_placeholder":true,"num":0.5}`, `{"_placeholder":true}`} {
		if v, err := jsjson.Decode([]byte(bad), jsjson.DecodeOptions{Attachments: atts}); err == nil {
			t.Errorf("Decode(%s) = %#v, want an error", bad, v)
		}
	}
	if v, err := jsjson.Decode([]byte(`{"_placeholder":true,"num":5}`), jsjson.DecodeOptions{}); err != nil {
		t.Errorf("without attachments a placeholder is an object: %#v, %v", v, err)
	}
}

func TestScannerPlaceholders(t *testing.T) {
	for data, ok := range map[string]bool{
		`["a",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]`: true,
		`[{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]`:       false, // referenced twice
		`[{"_placeholder":true,"num":2}]`:                                     false,
		`[{"_placeholder":true,"num":"0"}]`:                                   false,
		`[{"_placeholder":true}]`:                                             false,
		`[{"\u005fplaceholder":true,"n\u0075m":1.0}]`:                         true,
		`[{"_placeholder":false,"num":7}]`:                                    true,
	} {
		s := jsjson.Scanner{Attachments: 2, KeepPlaceholders: true}
		if _, err := s.Scan([]byte(data)); (err == nil) != ok {
			t.Errorf("Scan(%s): %v, want ok=%v", data, err, ok)
		}
	}
}

// FuzzScan checks the scanner against encoding/json.Valid.
func FuzzScan(f *testing.F) {
	for _, s := range []string{`[]`, `{"a":[1,-2.5e+3,true,false,null,"\u00e9\n"]}`, ` "x" `, `[1,]`, `01`, `{"a" 1}`, "\"\x01\"", `-`, `1.`, `1e`, `[[[]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := jsjson.Scanner{Attachments: -1}
		_, err := s.Scan(data)
		if errors.Is(err, jsjson.ErrTooDeep) {
			return
		}
		if want := json.Valid(data); (err == nil) != want {
			t.Fatalf("Scan: %v; json.Valid says %v for %q", err, want, data)
		}
	})
}

// FuzzDecode checks Decode against the scanner and encoding/json: it accepts what the scanner
// accepts, its Maps form is what json.Unmarshal gives (numbers out of float64 range aside),
// and writing what it decodes is a fixed point.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":"\ud83d\ude00","b":[1.5e300,-0,1e-7,"\u0000"]}`, `{"b":1,"a":2,"b":3}`,
		`[9007199254740993,1e21,123456789012345678901234567890,-1e-400]`, `"\ud800x\udc00"`, "\"\xff\"",
		`{"_placeholder":true,"num":0}`, `[1e400]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := jsjson.Scanner{Attachments: -1}
		_, scanErr := s.Scan(data)
		v, err := jsjson.Decode(data, jsjson.DecodeOptions{})
		if (err == nil) != (scanErr == nil) {
			t.Fatalf("Decode: %v, Scan: %v for %q", err, scanErr, data)
		}
		if err != nil {
			return
		}
		var e jsjson.Encoder
		out, err := e.Append(nil, v)
		if err != nil {
			t.Fatalf("Append(%#v): %v", v, err)
		}
		if !utf8.Valid(out) {
			t.Fatalf("Append wrote invalid UTF-8: %q", out)
		}
		v2, err := jsjson.Decode(out, jsjson.DecodeOptions{})
		if err != nil {
			t.Fatalf("Decode(%s): %v", out, err)
		}
		out2, _ := e.Append(nil, v2)
		if string(out2) != string(out) {
			t.Fatalf("not a fixed point: %s then %s", out, out2)
		}
		m, err := jsjson.Decode(data, jsjson.DecodeOptions{Maps: true})
		if err != nil {
			t.Fatalf("Decode(Maps): %v", err)
		}
		var want any
		if json.Unmarshal(data, &want) != nil {
			return // a number out of float64 range: JSON.parse reads ±Infinity, encoding/json fails
		}
		if !reflect.DeepEqual(m, want) {
			t.Fatalf("Decode(Maps) = %#v, json.Unmarshal = %#v", m, want)
		}
	})
}

// FuzzAppendString checks the string writer against encoding/json, which reads back the same
// string, and against JSON.stringify's rules: nothing is escaped but '"', '\\' and control
// characters.
func FuzzAppendString(f *testing.F) {
	f.Add("<a href=\"x\">&\u2028\u2029\x00\x7f\xff</a>")
	f.Fuzz(func(t *testing.T, s string) {
		got := jsjson.AppendString(nil, s)
		var back, want string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("AppendString(%q) = %s: %v", s, got, err)
		}
		b, _ := json.Marshal(s)
		_ = json.Unmarshal(b, &want)
		if back != want {
			t.Fatalf("AppendString(%q) = %s reads back as %q, want %q", s, got, back, want)
		}
		body := string(got[1 : len(got)-1])
		for i := 0; i < len(body); i++ {
			if body[i] == '\\' {
				if i+1 < len(body) && body[i+1] == 'u' && !(body[i+2:i+4] == "00" && body[i+4] < '2') {
					t.Fatalf("AppendString(%q) = %s escapes a character JSON.stringify writes raw", s, got)
				}
				i++
			}
		}
	})
}
