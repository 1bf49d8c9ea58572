package jsjson_test

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/jsjson"
)

// nodeCapture is testdata/node-json.json, what Node's JSON.stringify and socket.io-parser
// wrote for a table of values (test/js/capture-js-json.js).
type nodeCapture struct {
	Node    string `json:"node"`
	Numbers []struct {
		Bits string `json:"bits"`
		JSON string `json:"json"`
	} `json:"numbers"`
	Strings []struct {
		Codepoints []rune `json:"codepoints"`
		JSON       string `json:"json"`
	} `json:"strings"`
	Dates []struct {
		MS   int64  `json:"ms"`
		JSON string `json:"json"`
	} `json:"dates"`
	Buffers []struct {
		Bytes []int  `json:"bytes"`
		JSON  string `json:"json"`
	} `json:"buffers"`
	Values []struct {
		Name string `json:"name"`
		JSON string `json:"json"`
	} `json:"values"`
	Packets []struct {
		Name        string   `json:"name"`
		Encoded     []string `json:"encoded"`
		Attachments [][]int  `json:"attachments"`
	} `json:"packets"`
}

func loadNode(tb testing.TB) *nodeCapture {
	tb.Helper()
	b, err := os.ReadFile("testdata/node-json.json")
	if err != nil {
		tb.Fatal(err)
	}
	var c nodeCapture
	if err := json.Unmarshal(b, &c); err != nil {
		tb.Fatal(err)
	}
	if len(c.Numbers) == 0 || len(c.Strings) == 0 || len(c.Dates) == 0 || len(c.Values) == 0 || len(c.Packets) == 0 {
		tb.Fatal("testdata/node-json.json lacks a table")
	}
	return &c
}

func encode(tb testing.TB, v any, binary jsjson.Binary) (string, [][]byte) {
	tb.Helper()
	e := jsjson.Encoder{Binary: binary}
	b, err := e.Append(nil, v)
	if err != nil {
		tb.Fatalf("Append(%#v): %v", v, err)
	}
	return string(b), e.Attachments
}

// Numbers written from their exact bits, and read back, as JSON.stringify writes them.
func TestNodeNumbers(t *testing.T) {
	for _, c := range loadNode(t).Numbers {
		bits, err := strconv.ParseUint(c.Bits, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		f := math.Float64frombits(bits)
		if got := string(jsjson.AppendNumber(nil, f)); got != c.JSON {
			t.Errorf("AppendNumber(%v) [%s] = %s, Node wrote %s", f, c.Bits, got, c.JSON)
		}
		if got, _ := encode(t, f, jsjson.Placeholders); got != c.JSON {
			t.Errorf("Encoder(%v) = %s, Node wrote %s", f, got, c.JSON)
		}
		if c.JSON == "null" {
			continue
		}
		v, err := jsjson.Decode([]byte(c.JSON), jsjson.DecodeOptions{})
		if err != nil {
			t.Fatalf("Decode(%s): %v", c.JSON, err)
		}
		if got, _ := encode(t, v, jsjson.Placeholders); got != c.JSON {
			t.Errorf("Decode(%s) = %#v, written again as %s", c.JSON, v, got)
		}
		if m, err := jsjson.Decode([]byte(c.JSON), jsjson.DecodeOptions{Maps: true}); err != nil || m != f && !(f == 0 && m == 0.0) {
			t.Errorf("Decode(%s, Maps) = %#v, %v; want %v", c.JSON, m, err, f)
		}
	}
}

func TestNodeStrings(t *testing.T) {
	for _, c := range loadNode(t).Strings {
		s := string(c.Codepoints)
		if got := string(jsjson.AppendString(nil, s)); got != c.JSON {
			t.Errorf("AppendString(%q) = %s, Node wrote %s", s, got, c.JSON)
		}
		back, err := jsjson.Unquote([]byte(c.JSON))
		if err != nil || back != s {
			t.Errorf("Unquote(%s) = %q, %v; want %q", c.JSON, back, err, s)
		}
	}
}

func TestNodeDates(t *testing.T) {
	for _, c := range loadNode(t).Dates {
		d := time.UnixMilli(c.MS)
		if got := string(jsjson.AppendDate(nil, d)); got != c.JSON {
			t.Errorf("AppendDate(%d ms) = %s, Node wrote %s", c.MS, got, c.JSON)
		}
		if got, _ := encode(t, []any{d, &d}, jsjson.Placeholders); got != "["+c.JSON+","+c.JSON+"]" {
			t.Errorf("Encoder(%d ms) = %s, Node wrote %s", c.MS, got, c.JSON)
		}
	}
}

func TestNodeBuffers(t *testing.T) {
	for _, c := range loadNode(t).Buffers {
		b := make([]byte, len(c.Bytes))
		for i, x := range c.Bytes {
			b[i] = byte(x)
		}
		if got, _ := encode(t, b, jsjson.Buffers); got != c.JSON {
			t.Errorf("Buffers(%v) = %s, Node wrote %s", b, got, c.JSON)
		}
	}
}

// Objects and arrays read from Node's JSON and written again come out byte for byte, key
// order included.
func TestNodeValues(t *testing.T) {
	for _, c := range loadNode(t).Values {
		v, err := jsjson.Decode([]byte(c.JSON), jsjson.DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: Decode: %v", c.Name, err)
		}
		if got, _ := encode(t, v, jsjson.Placeholders); got != c.JSON {
			t.Errorf("%s:\nwritten again %s\nNode wrote    %s", c.Name, got, c.JSON)
		}
	}
}

// Packets of socket.io-parser: their payloads read with their attachments give []byte where
// the placeholders were, and those values written again give the same payload and the same
// attachments in the same order.
func TestNodePackets(t *testing.T) {
	for _, c := range loadNode(t).Packets {
		text := c.Encoded[0]
		payload := text[strings.IndexAny(text, "[{"):]
		var atts [][]byte
		for _, a := range c.Attachments {
			b := make([]byte, len(a))
			for i, x := range a {
				b[i] = byte(x)
			}
			atts = append(atts, b)
		}
		v, err := jsjson.Decode([]byte(payload), jsjson.DecodeOptions{Attachments: atts})
		if err != nil {
			t.Fatalf("%s: Decode: %v", c.Name, err)
		}
		got, gotAtts := encode(t, v, jsjson.Placeholders)
		if got != payload || len(gotAtts) != len(atts) {
			t.Fatalf("%s:\nwritten again %s (%d attachments)\nNode wrote    %s (%d)", c.Name, got, len(gotAtts), payload, len(atts))
		}
		for i := range atts {
			if string(gotAtts[i]) != string(atts[i]) {
				t.Errorf("%s: attachment %d = %v, want %v", c.Name, i, gotAtts[i], atts[i])
			}
		}
		s := jsjson.Scanner{Attachments: len(atts), KeepPlaceholders: true}
		if _, err := s.Scan([]byte(payload)); err != nil || len(s.Placeholders) != len(atts) {
			t.Errorf("%s: Scan: %d placeholders, %v", c.Name, len(s.Placeholders), err)
		}
	}
}
