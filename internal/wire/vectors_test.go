package wire_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/internal/wiretest"
)

// vector is one entry of testdata/redis-wire-vectors.json (see package wiretest).
type vector struct {
	Name                 string          `json:"name"`
	Mode                 string          `json:"mode"`
	Command              string          `json:"command"`
	Channel              string          `json:"channel"`
	Encoding             string          `json:"encoding"`
	Publisher            string          `json:"publisher"`
	Hex                  string          `json:"hex"`
	Decoded              json.RawMessage `json:"decoded"`
	Notes                string          `json:"notes"`
	ReencodesIdentically bool            `json:"reencodesIdentically"`
	Fields               []string        `json:"fields"`   // XADD
	EntryID              string          `json:"entryId"`  // XADD
	Value                string          `json:"value"`    // SET
	ExpiryMs             int64           `json:"expiryMs"` // SET
}

func (v *vector) payload(tb testing.TB) []byte {
	tb.Helper()
	b, err := hex.DecodeString(v.Hex)
	if err != nil {
		tb.Fatalf("%s: bad hex: %v", v.Name, err)
	}
	return b
}

func (v *vector) encoding() wire.Encoding {
	if v.Encoding == "json" {
		return wire.JSON
	}
	return wire.MsgPack
}

// kind tells which decoder a vector is for: the streams family's stream entries ("entry") and
// sessions ("session") are not pub/sub payloads.
func (v *vector) kind() string {
	switch {
	case v.Command == "XADD":
		return "entry"
	case v.Command == "SET":
		return "session"
	case strings.HasPrefix(v.Mode, "sharded"), strings.HasPrefix(v.Mode, "cluster"), v.Mode == "streams":
		return "cluster"
	case strings.Contains(v.Channel, "-request#"):
		return "request"
	case strings.Contains(v.Channel, "-response#"):
		return "response"
	}
	return "broadcast"
}

// reencoding is the encoding a Go node writes the vector's message in: the streams family's
// pub/sub messages are always MessagePack; the other families pick JSON unless binary.
func (v *vector) reencoding() wire.Encoding {
	if v.Mode == "streams" {
		return wire.MsgPack
	}
	return wire.Auto
}

var (
	vectorsOnce sync.Once
	vectorsList []vector
	vectorsErr  error
)

// loadVectors returns the captured vectors (see package wiretest).
func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	path := wiretest.Path(tb)
	vectorsOnce.Do(func() {
		var f struct {
			Vectors []vector `json:"vectors"`
		}
		var b []byte
		if b, vectorsErr = os.ReadFile(path); vectorsErr != nil {
			return
		}
		if vectorsErr = json.Unmarshal(b, &f); vectorsErr == nil {
			vectorsList = f.Vectors
		}
	})
	if vectorsErr != nil {
		tb.Fatalf("loading %s: %v", path, vectorsErr)
	}
	return vectorsList
}

// viewValue converts a vector's "decoded" JSON view to the generic values the decoders
// produce, with encoding/json's tokenizer (independent of the package's own JSON parser):
// {"$bin":hex} → []byte, {"$date":iso} → time.Time, numbers by the int64/float64 rule.
func viewValue(tb testing.TB, raw json.RawMessage) any {
	tb.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	v, err := viewNext(d)
	if err != nil {
		tb.Fatalf("decoded view: %v", err)
	}
	return v
}

func viewNext(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			a := []any{}
			for d.More() {
				v, err := viewNext(d)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := d.Token()
			return a, err
		case '{':
			o := wire.Object{}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := viewNext(d)
				if err != nil {
					return nil, err
				}
				o = append(o, wire.Member{Key: k.(string), Value: v})
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			if len(o) == 1 && o[0].Key == "$bin" {
				return hex.DecodeString(o[0].Value.(string))
			}
			if len(o) == 1 && o[0].Key == "$date" {
				tm, err := time.Parse(time.RFC3339Nano, o[0].Value.(string))
				return tm.UTC(), err
			}
			return o, nil
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		f, err := t.Float64()
		if err != nil {
			return nil, err
		}
		if f == float64(int64(f)) && f > -1e18 && f < 1e18 {
			return int64(f), nil
		}
		return f, nil
	case string, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// decodeTyped decodes a vector into the typed struct of its kind.
func decodeTyped(v *vector, b []byte) (any, error) {
	switch v.kind() {
	case "broadcast":
		var m wire.ClassicBroadcast
		err := wire.UnmarshalClassicBroadcast(b, &m)
		return &m, err
	case "request":
		var m wire.ClassicRequest
		err := wire.UnmarshalClassicRequest(b, &m)
		return &m, err
	case "response":
		var m wire.ClassicResponse
		err := wire.UnmarshalClassicResponse(b, &m)
		return &m, err
	default:
		var m wire.ClusterMessage
		err := wire.UnmarshalClusterMessage(b, &m)
		return &m, err
	}
}

// encodeTyped re-encodes a typed struct.
func encodeTyped(m any, enc wire.Encoding) ([]byte, error) {
	switch m := m.(type) {
	case *wire.ClassicBroadcast:
		return wire.MarshalClassicBroadcast(m)
	case *wire.ClassicRequest:
		return wire.MarshalClassicRequest(m, enc)
	case *wire.ClassicResponse:
		return wire.MarshalClassicResponse(m, enc)
	case *wire.ClusterMessage:
		return wire.MarshalClusterMessage(m, enc)
	}
	return nil, fmt.Errorf("unexpected %T", m)
}

// notepackBugVectors are the vectors Node itself does not re-encode identically, with the
// reason and the bytes a correct encoder writes instead.
var notepackBugVectors = map[string]struct{ from, to string }{
	// 1.5e300 went out as cf 00…00 (notepack writes whole doubles ≥ 2^64 as a garbage uint64);
	// it decodes as int64(0), which re-encodes as the positive fixint 00.
	"classic-broadcast-number-encodings": {from: "cf0000000000000000", to: "00"},
}

func TestVectors(t *testing.T) {
	vs := loadVectors(t)
	if len(vs) != 103 {
		t.Errorf("got %d vectors, want 103", len(vs))
	}
	identical, valueEqual, other := 0, 0, 0
	kinds := map[string]int{}
	for i := range vs {
		v := &vs[i]
		kinds[v.kind()]++
		if k := v.kind(); k == "entry" || k == "session" {
			other++ // TestStreamEntryVectors, TestStreamSessionVector
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			b := v.payload(t)
			if got := wire.Sniff(b); v.kind() != "broadcast" && got != v.encoding() {
				t.Errorf("Sniff = %v, vector says %s", got, v.Encoding)
			}

			// The generic decoder yields exactly the capture's decoded view.
			g, err := wire.UnmarshalValue(b, v.encoding())
			if err != nil {
				t.Fatalf("UnmarshalValue: %v", err)
			}
			if want := viewValue(t, v.Decoded); !reflect.DeepEqual(g, want) {
				t.Errorf("generic decode differs from the decoded view\n got %#v\nwant %#v", g, want)
			}

			// The typed decoder accepts it, and re-encoding with Auto gives the captured bytes.
			m, err := decodeTyped(v, b)
			if err != nil {
				t.Fatalf("typed decode: %v", err)
			}
			out, err := encodeTyped(m, v.reencoding())
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if bug, ok := notepackBugVectors[v.Name]; ok {
				if v.ReencodesIdentically {
					t.Errorf("listed as a notepack bug but reencodesIdentically is true")
				}
				want := strings.Replace(v.Hex, bug.from, bug.to, 1)
				if got := hex.EncodeToString(out); got != want {
					t.Errorf("re-encoded\n got %s\nwant %s", got, want)
				}
				m2, err := decodeTyped(v, out)
				if err != nil {
					t.Fatalf("decoding the re-encoded bytes: %v", err)
				}
				if !reflect.DeepEqual(m, m2) {
					t.Errorf("re-encoded value differs\n got %#v\nwant %#v", m2, m)
				}
				valueEqual++
				return
			}
			if !v.ReencodesIdentically {
				t.Fatalf("vector not identical in Node and not listed in notepackBugVectors")
			}
			if !bytes.Equal(out, b) {
				t.Errorf("re-encoded bytes differ\n got %x\n     %q\nwant %s\n     %q", out, out, v.Hex, b)
			}
			// The generic encoder reproduces the bytes too.
			if gb, err := wire.MarshalValue(g, v.encoding()); err != nil || !bytes.Equal(gb, b) {
				t.Errorf("MarshalValue: %v\n got %x\nwant %s", err, gb, v.Hex)
			}
			identical++
		})
	}
	t.Logf("%d vectors (%v): %d byte-identical, %d value-equal (notepack bug), %d stream entries and sessions",
		len(vs), kinds, identical, valueEqual, other)
	if identical+valueEqual+other != len(vs) && !t.Failed() {
		t.Errorf("only %d of %d vectors checked", identical+valueEqual, len(vs))
	}
}

// TestVectorsAcrossEncodings re-encodes every typed vector in the other encoding and back:
// the typed value survives wherever the conversion is lossless in Node too (no binary, no
// date, which JSON turns into a Buffer object or an ISO string).
func TestVectorsAcrossEncodings(t *testing.T) {
	for _, v := range loadVectors(t) {
		if k := v.kind(); k == "broadcast" || k == "entry" || k == "session" {
			continue // MessagePack only, or not a pub/sub message
		}
		b := v.payload(t)
		m, err := decodeTyped(&v, b)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		other := wire.JSON
		if v.encoding() == wire.JSON {
			other = wire.MsgPack
		}
		out, err := encodeTyped(m, other)
		if err != nil {
			t.Fatalf("%s: encode as %v: %v", v.Name, other, err)
		}
		m2, err := decodeTyped(&v, out)
		if err != nil {
			t.Fatalf("%s: decode %v: %v", v.Name, other, err)
		}
		g, err := wire.UnmarshalValue(b, v.encoding())
		if err != nil {
			t.Fatal(err)
		}
		lossy := hasBinOrDate(g)
		if same := reflect.DeepEqual(m, m2); !same && !(other == wire.JSON && lossy) {
			t.Errorf("%s: differs after a trip through %v\n got %#v\nwant %#v", v.Name, other, m2, m)
		}
	}
}

// hasBinOrDate reports whether a generic value holds binary data or a date.
func hasBinOrDate(v any) bool {
	switch x := v.(type) {
	case []byte, time.Time:
		return true
	case []any:
		for _, e := range x {
			if hasBinOrDate(e) {
				return true
			}
		}
	case wire.Object:
		for _, m := range x {
			if hasBinOrDate(m.Value) {
				return true
			}
		}
	}
	return false
}
