package wire_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/internal/wire"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var ts = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

type tagged struct {
	Name  string    `json:"name"`
	Skip  string    `json:"-"`
	Empty string    `json:"empty,omitempty"`
	Blob  []byte    `json:"blob"`
	When  time.Time `json:"when"`
	N     int64     `json:"n"`
}

// TestMsgpackEncoding pins the notepack forms: smallest integers, float64 only for
// non-integral numbers, str vs bin, container headers and timestamps.
func TestMsgpackEncoding(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name string
		in   any
		want string // hex prefix when the value is long
	}{
		{"zero", int64(0), "00"},
		{"fixint max", int64(127), "7f"},
		{"u8", int64(128), "cc80"},
		{"u8 max", 255, "ccff"},
		{"u16", 256, "cd0100"},
		{"u16 max", 65535, "cdffff"},
		{"u32", 65536, "ce00010000"},
		{"u32 max", int64(4294967295), "ceffffffff"},
		{"u64", int64(4294967296), "cf0000000100000000"},
		{"uint64 max", uint64(math.MaxUint64), "cfffffffffffffffff"},
		{"neg fixint", -1, "ff"},
		{"neg fixint min", -32, "e0"},
		{"i8", -33, "d0df"},
		{"i8 min", int8(-128), "d080"},
		{"i16", -129, "d1ff7f"},
		{"i16 min", int16(-32768), "d18000"},
		{"i32", -32769, "d2ffff7fff"},
		{"i64", int64(-2147483649), "d3ffffffff7fffffff"},
		{"uint8 is a number, not bin", uint8(200), "ccc8"},
		{"whole float", 1.0, "01"},
		{"float", 2.5, "cb4004000000000000"},
		{"negative zero", math.Copysign(0, -1), "00"},
		{"whole float 5e9", 5e9, "cf000000012a05f200"},
		{"whole float negative", -200.0, "d1ff38"},
		{"whole float in uint64 range", 1e19, "cf8ac7230489e80000"},
		{"float beyond 2^64 stays float", 1.5e300, "cb7e41eb2d66005835"},
		{"NaN", math.NaN(), "cb7ff8"},
		{"Inf", math.Inf(1), "cb7ff0000000000000"},
		{"float32 never ca", float32(0.5), "cb3fe0000000000000"},
		{"nil", nil, "c0"},
		{"true", true, "c3"},
		{"false", false, "c2"},
		{"empty string", "", "a0"},
		{"fixstr max", long(31), "bf78"},
		{"str8", long(32), "d92078"},
		{"str8 max", long(255), "d9ff78"},
		{"str16", long(256), "da010078"},
		{"str32", long(65536), "db0001000078"},
		{"utf8 length in bytes", "héllo ✓", "aa68c3a96c6c6f20e29c93"},
		{"bin8", []byte{1, 2}, "c4020102"},
		{"nil bytes are empty bin", []byte(nil), "c400"},
		{"bin16", make([]byte, 256), "c50100"},
		{"empty array", []any{}, "90"},
		{"nil array", []any(nil), "90"},
		{"array16", make([]any, 16), "dc0010c0"},
		{"strings", []string{"a"}, "91a161"},
		{"object keeps order", wire.Object{{Key: "b", Value: 1}, {Key: "a", Value: 2}}, "82a16201a16102"},
		{"map sorted", map[string]any{"b": 1, "a": 2}, "82a16102a16201"},
		{"string map sorted", map[string]string{"b": "x", "a": "y"}, "82a161a179a162a178"},
		{"map16", func() wire.Object {
			o := wire.Object{}
			for i := range 16 {
				o = append(o, wire.Member{Key: string(rune('a' + i)), Value: i})
			}
			return o
		}(), "de0010a16100"},
		{"timestamp32", ts, "d6ff65937d25"},
		{"timestamp64", ts.Add(5 * time.Millisecond), "d7ff01312d0065937d25"},
		{"timestamp96", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "c70cff00000000fffffff1886e0900"},
		{"timestamp96 far future", time.Unix(1<<34, 0), "c70cff000000000000000400000000"},
		{"json.Number int", json.Number("300"), "cd012c"},
		{"json.Number float", json.Number("0.5"), "cb3fe0000000000000"},
		{"json.RawMessage", json.RawMessage(` {"a" : [1, true]} `), "81a1619201c3"},
		{"pointer", func() *int { n := 7; return &n }(), "07"},
		{"nil pointer", (*int)(nil), "c0"},
		{"struct by json tags", tagged{Name: "n", Skip: "s", Blob: []byte{9}, When: ts, N: 300},
			"84a46e616d65a16ea4626c6f62c40109a47768656ed6ff65937d25a16ecd012c"},
		{"nested object in other types", []wire.Object{{{Key: "z", Value: 1}, {Key: "a", Value: 2}}}, "9182a17a01a16102"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := wire.MarshalValue(tt.in, wire.MsgPack)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(b); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("got %s, want %s…", got, tt.want)
			}
		})
	}
}

// TestJSONEncoding pins JSON.stringify's output: no HTML escaping, raw non-ASCII, JavaScript
// number text, Buffer objects and ISO dates.
func TestJSONEncoding(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"html raw", "<a href='x'>&</a>", `"<a href='x'>&</a>"`},
		{"line separators raw", "\u2028\u2029", "\"\u2028\u2029\""},
		{"non-ascii raw", "héllo ✓ 😀", `"héllo ✓ 😀"`},
		{"escapes", "\"\\/\n\r\t\b\f\x01\x1f\x7f", `"\"\\/\n\r\t\b\f\u0001\u001f` + "\x7f\""},
		{"invalid utf8", "a\xffb", "\"a\uFFFDb\""},
		{"int", 5000000000, "5000000000"},
		{"negative", -200, "-200"},
		{"uint64", uint64(math.MaxUint64), "18446744073709551615"},
		{"half", 0.5, "0.5"},
		{"tenth", 0.1, "0.1"},
		{"whole float", 100.0, "100"},
		{"1e20", 1e20, "100000000000000000000"},
		{"1e21", 1e21, "1e+21"},
		{"1.5e300", 1.5e300, "1.5e+300"},
		{"big digits", 1.2345678901234568e20, "123456789012345680000"},
		{"1e-6", 1e-6, "0.000001"},
		{"1e-7", 1e-7, "1e-7"},
		{"1.5e-7", 1.5e-7, "1.5e-7"},
		{"min subnormal", 5e-324, "5e-324"},
		{"max float", math.MaxFloat64, "1.7976931348623157e+308"},
		{"negative fraction", -123.456, "-123.456"},
		{"negative zero", math.Copysign(0, -1), "0"},
		{"NaN", math.NaN(), "null"},
		{"Inf", math.Inf(-1), "null"},
		{"buffer", []byte{1, 2}, `{"type":"Buffer","data":[1,2]}`},
		{"empty buffer", []byte{}, `{"type":"Buffer","data":[]}`},
		{"date", ts.Add(7 * time.Millisecond), `"2024-01-02T03:04:05.007Z"`},
		{"date truncates to ms", ts.Add(7*time.Millisecond + 999*time.Microsecond), `"2024-01-02T03:04:05.007Z"`},
		{"date in another zone", ts.In(time.FixedZone("x", 3600)), `"2024-01-02T03:04:05.000Z"`},
		{"date year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), `"+010000-01-01T00:00:00.000Z"`},
		{"date year -1", time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), `"-000001-01-01T00:00:00.000Z"`},
		{"date out of range", time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), `null`},
		{"nested", []any{wire.Object{{Key: "b", Value: nil}, {Key: "a", Value: []any{true, false}}}, "x"}, `[{"b":null,"a":[true,false]},"x"]`},
		{"map sorted", map[string]any{"b": 1, "a": []byte{3}}, `{"a":{"type":"Buffer","data":[3]},"b":1}`},
		{"struct by json tags", tagged{Name: "n", Blob: []byte{9}, When: ts, N: 300},
			`{"name":"n","blob":{"type":"Buffer","data":[9]},"when":"2024-01-02T03:04:05.000Z","n":300}`},
		{"json.RawMessage", json.RawMessage(` {"b": 1, "a": ["<"]} `), `{"b":1,"a":["<"]}`},
		{"MarshalJSON type", jsonOnly{}, `{"via":"json"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := wire.MarshalValue(tt.in, wire.JSON)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}

type jsonOnly struct{}

func (jsonOnly) MarshalJSON() ([]byte, error) { return []byte(`{ "via" : "json" }`), nil }

// TestJSONNumbersMatchGo checks appendJSNumber against strconv's shortest form over many
// values: both must denote the same float64.
func TestJSONNumbersRoundTrip(t *testing.T) {
	vals := []float64{0.1, 0.2, 1.0 / 3, 2.0 / 3, 1e-5, 123e-20, 9007199254740993, 4.35, 1e300 * 1e8, 0.000123456}
	for i := range 2000 {
		vals = append(vals, math.Float64frombits(uint64(i)*0x9E3779B97F4A7C15))
	}
	for _, f := range vals {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		b, err := wire.MarshalValue(f, wire.JSON)
		if err != nil {
			t.Fatal(err)
		}
		var back float64
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%v → %s: %v", f, b, err)
		}
		if back != f {
			t.Fatalf("%v → %s → %v", f, b, back)
		}
	}
}

func TestMarshalValueAuto(t *testing.T) {
	b, err := wire.MarshalValue([]any{"a", 1}, wire.Auto)
	if err != nil || string(b) != `["a",1]` {
		t.Fatalf("no binary: %s, %v", b, err)
	}
	b, err = wire.MarshalValue([]any{"a", wire.Object{{Key: "b", Value: []byte{1}}}}, wire.Auto)
	if err != nil || hex.EncodeToString(b) != "92a16181a162c40101" {
		t.Fatalf("binary: %x, %v", b, err)
	}
}

func TestMarshalValueErrors(t *testing.T) {
	deep := []any{}
	for range 1001 {
		deep = []any{deep}
	}
	cyclic := []any{nil}
	cyclic[0] = cyclic
	for name, v := range map[string]any{
		"channel":      make(chan int),
		"func":         func() {},
		"deep":         deep,
		"cycle":        cyclic,
		"bad number":   json.Number("x"),
		"hex number":   json.Number("0x10"),
		"NaN number":   json.Number("NaN"),
		"bad raw json": json.RawMessage(`{`),
	} {
		for _, enc := range []wire.Encoding{wire.JSON, wire.MsgPack} {
			_, err := wire.MarshalValue(v, enc)
			if err == nil || !strings.HasPrefix(err.Error(), "wire: ") {
				t.Errorf("%s/%v: err = %v", name, enc, err)
			}
		}
	}
	if _, err := wire.MarshalValue(1, wire.Encoding(9)); err == nil {
		t.Error("unknown encoding accepted")
	}
}

// TestMsgpackDecoding covers every form notepack may send and the extension rules.
func TestMsgpackDecoding(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"fixint", "05", int64(5)},
		{"neg fixint", "e0", int64(-32)},
		{"u8", "ccff", int64(255)},
		{"u16", "cdffff", int64(65535)},
		{"u32", "ceffffffff", int64(4294967295)},
		{"u64", "cf000000012a05f200", int64(5000000000)},
		{"u64 beyond int64", "cfffffffffffffffff", float64(math.MaxUint64)},
		{"i8", "d080", int64(-128)},
		{"i16", "d18000", int64(-32768)},
		{"i32", "d280000000", int64(math.MinInt32)},
		{"i64", "d38000000000000000", int64(math.MinInt64)},
		{"float32", "ca3fc00000", 1.5},
		{"float64", "cb4004000000000000", 2.5},
		{"whole float64 is int64", "cb3ff0000000000000", int64(1)},
		{"NaN", "cb7ff8000000000000", math.NaN()},
		{"nil", "c0", nil},
		{"str8", "d903616263", "abc"},
		{"str16", "da0003616263", "abc"},
		{"str32", "db00000003616263", "abc"},
		{"bin8", "c4020102", []byte{1, 2}},
		{"bin16", "c500020102", []byte{1, 2}},
		{"bin32", "c6000000020102", []byte{1, 2}},
		{"empty bin", "c400", []byte{}},
		{"array16", "dc000101", []any{int64(1)}},
		{"array32", "dd0000000101", []any{int64(1)}},
		{"map32", "df00000001a16101", wire.Object{{Key: "a", Value: int64(1)}}},
		{"int key", "8101a178", wire.Object{{Key: "1", Value: "x"}}},
		{"negative key", "81ffa178", wire.Object{{Key: "-1", Value: "x"}}},
		{"float key", "81cb3ff8000000000000a178", wire.Object{{Key: "1.5", Value: "x"}}},
		{"bool and nil keys", "82c3a178c0a179", wire.Object{{Key: "true", Value: "x"}, {Key: "null", Value: "y"}}},
		{"repeated key", "83a16101a16202a16103", wire.Object{{Key: "a", Value: int64(3)}, {Key: "b", Value: int64(2)}}},
		{"timestamp32", "d6ff65937d25", ts},
		{"timestamp64", "d7ff01312d0065937d25", ts.Add(5 * time.Millisecond)},
		{"timestamp96", "c70cff00000000fffffff1886e0900", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"old undefined", "d40000", nil},
		{"old date (ms)", "d7000000018cc820dbc8", time.UnixMilli(1704164645832).UTC()},
		{"ext0 ArrayBuffer", "c702000102", []byte{1, 2}},
		{"other ext", "d5050102", []any{int64(5), []byte{1, 2}}},
		{"fixext4 type 0", "d60001020304", []any{int64(0), []byte{1, 2, 3, 4}}},
		{"timestamp of odd size", "d4ff01", []any{int64(-1), []byte{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wire.UnmarshalValue(mustHex(t, tt.in), wire.MsgPack)
			if err != nil {
				t.Fatal(err)
			}
			if f, ok := tt.want.(float64); ok && math.IsNaN(f) {
				if g, ok := got.(float64); !ok || !math.IsNaN(g) {
					t.Fatalf("got %#v, want NaN", got)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDecodedBytesDoNotAlias(t *testing.T) {
	in := mustHex(t, "92c4020102a26162")
	v, err := wire.UnmarshalValue(in, wire.MsgPack)
	if err != nil {
		t.Fatal(err)
	}
	clear(in)
	if a := v.([]any); !bytes.Equal(a[0].([]byte), []byte{1, 2}) || a[1] != "ab" {
		t.Fatalf("decoded values changed with the input: %#v", v)
	}
}

func TestMsgpackDecodingErrors(t *testing.T) {
	deep := strings.Repeat("91", 1001) + "90"
	notDeep := strings.Repeat("91", 999) + "90"
	if _, err := wire.UnmarshalValue(mustHex(t, notDeep), wire.MsgPack); err != nil {
		t.Fatalf("1000 levels rejected: %v", err)
	}
	for name, in := range map[string]string{
		"empty":            "",
		"never used c1":    "c1",
		"trailing":         "0101",
		"truncated str":    "a3616263"[:6],
		"truncated u16":    "cd01",
		"truncated array":  "920101"[:4],
		"truncated map":    "82a16101",
		"str len too big":  "dbffffffff61",
		"bin len too big":  "c6ffffffff",
		"array too big":    "ddffffffff",
		"map too big":      "dfffffffff",
		"ext too big":      "c9ffffffff01",
		"array key":        "819001",
		"bin key":          "81c4000101",
		"deep":             deep,
		"deep map":         strings.Repeat("81a0", 1001) + "80",
		"truncated ext":    "d6ff0102",
		"missing ext type": "d6",
	} {
		_, err := wire.UnmarshalValue(mustHex(t, in), wire.MsgPack)
		if err == nil || !strings.HasPrefix(err.Error(), "wire: value: msgpack: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestDecodeDoesNotAllocateClaimedLengths feeds headers that announce gigabytes.
func TestDecodeDoesNotAllocateClaimedLengths(t *testing.T) {
	for _, in := range []string{"dbffffffff", "c6ffffffff", "ddffffffff", "dfffffffff", "c9ffffffff01", "91dbffffffff"} {
		b := mustHex(t, in)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 10 {
			if _, err := wire.UnmarshalValue(b, wire.MsgPack); err == nil {
				t.Fatalf("%s accepted", in)
			}
		}
		runtime.ReadMemStats(&after)
		if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
			t.Errorf("%s: %d bytes allocated for 10 decodes", in, d)
		}
	}
}

func TestJSONDecoding(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"int", "1", int64(1)},
		{"negative zero", "-0", int64(0)},
		{"whole float is int64", "1.0", int64(1)},
		{"exponent", "1e2", int64(100)},
		{"fraction", "1.5", 1.5},
		{"int64 max", "9223372036854775807", int64(math.MaxInt64)},
		{"int64 min", "-9223372036854775808", int64(math.MinInt64)},
		{"beyond int64", "9223372036854775808", 9223372036854775808.0},
		{"JS big", "1.5e+300", 1.5e300},
		{"overflow", "1e400", math.Inf(1)},
		{"negative overflow", "-1e400", math.Inf(-1)},
		{"underflow", "1e-400", int64(0)},
		{"whitespace", " \t\r\n{ \"a\" : [ 1 , 2 ] } \n", wire.Object{{Key: "a", Value: []any{int64(1), int64(2)}}}},
		{"empty", `{"a":{},"b":[]}`, wire.Object{{Key: "a", Value: wire.Object{}}, {Key: "b", Value: []any{}}}},
		{"literals", `[true,false,null]`, []any{true, false, nil}},
		{"escapes", `"\"\\\/\b\f\n\r\t\u0041\u00e9"`, "\"\\/\b\f\n\r\tAé"},
		{"surrogate pair", `"\ud83d\ude00"`, "😀"},
		{"lone high surrogate", `"\ud800x"`, "\uFFFDx"},
		{"high then non-low", `"\ud800\u0041"`, "\uFFFDA"},
		{"lone low surrogate", `"\udc00"`, "\uFFFD"},
		{"two highs", `"\ud800\ud83d\ude00"`, "\uFFFD😀"},
		{"raw utf8", `"héllo ✓"`, "héllo ✓"},
		{"invalid utf8", "\"a\xffb\"", "a\uFFFDb"},
		{"escaped key", `{"\u0061":1}`, wire.Object{{Key: "a", Value: int64(1)}}},
		{"repeated key", `{"a":1,"b":2,"a":3}`, wire.Object{{Key: "a", Value: int64(3)}, {Key: "b", Value: int64(2)}}},
		{"buffer stays an object", `{"type":"Buffer","data":[1,2]}`, wire.Object{{Key: "type", Value: "Buffer"}, {Key: "data", Value: []any{int64(1), int64(2)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wire.UnmarshalValue([]byte(tt.in), wire.JSON)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestJSONManyRepeatedKeys(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 40 {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`"k` + string(rune('A'+i%20)) + `":` + string(rune('0'+i%10)))
	}
	sb.WriteString("}")
	v, err := wire.UnmarshalValue([]byte(sb.String()), wire.JSON)
	if err != nil {
		t.Fatal(err)
	}
	o := v.(wire.Object)
	if len(o) != 20 || o[0].Key != "kA" || o[0].Value != int64(0) || o[19].Key != "kT" || o[19].Value != int64(9) {
		t.Fatalf("got %v", o)
	}
	// the last value of kA (i=20) wins: '0'+20%10 = 0; of kB (i=21): 1
	if v, _ := o.Get("kB"); v != int64(1) {
		t.Fatalf("kB = %v", v)
	}
	if len(o.Map()) != 20 {
		t.Fatal("Map lost keys")
	}
}

func TestJSONDecodingErrors(t *testing.T) {
	deep := strings.Repeat("[", 1001) + strings.Repeat("]", 1001)
	for _, in := range []string{
		"", " ", "{", "[1,]", "[1 2]", "01", "1.", ".5", "-", "+1", "1e", "1e+", "tru", "nul", `{"a" 1}`,
		`{"a":1,}`, `{a:1}`, `{"a":1`, `"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\x01\"", `{} x`,
		`[1]]`, "NaN", "Infinity", "'a'", deep, `"\`, `{"a":}`,
	} {
		_, err := wire.UnmarshalValue([]byte(in), wire.JSON)
		if err == nil || !strings.HasPrefix(err.Error(), "wire: value: json: ") {
			t.Errorf("%q: err = %v", in, err)
		}
	}
}

func TestSniff(t *testing.T) {
	for in, want := range map[string]wire.Encoding{"{}": wire.JSON, " {}": wire.MsgPack, "\x93": wire.MsgPack, "": wire.MsgPack, "[1]": wire.MsgPack} {
		if got := wire.Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %v, want %v", in, got, want)
		}
	}
	v, err := wire.UnmarshalValue([]byte(`{"a":1}`), wire.Auto)
	if err != nil || !reflect.DeepEqual(v, wire.Object{{Key: "a", Value: int64(1)}}) {
		t.Fatalf("Auto JSON: %v %v", v, err)
	}
	v, err = wire.UnmarshalValue([]byte{0x7b}, wire.MsgPack)
	if err != nil || v != int64(123) {
		t.Fatalf("explicit MsgPack 0x7b: %v %v", v, err)
	}
	for e, s := range map[wire.Encoding]string{wire.Auto: "auto", wire.JSON: "json", wire.MsgPack: "msgpack", 7: "Encoding(7)"} {
		if e.String() != s {
			t.Errorf("%d.String() = %q", e, e.String())
		}
	}
}

// TestObjectInOtherEncoders checks that an Object nested in values encoded by encoding/json
// or vmihailenco/msgpack keeps its order.
func TestObjectInOtherEncoders(t *testing.T) {
	o := wire.Object{{Key: "z", Value: 1}, {Key: "a", Value: "<"}}
	b, err := json.Marshal(map[string]any{"o": o})
	if err != nil || string(b) != `{"o":{"z":1,"a":"\u003c"}}` {
		t.Fatalf("encoding/json: %s %v", b, err)
	}
	if got, _ := o.Get("missing"); got != nil {
		t.Fatal("Get of a missing key")
	}
}
