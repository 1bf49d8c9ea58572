package parser_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/socketio/parser"
)

// wire is a packet as sent: its text message and the binary messages after it.
type wire struct {
	text string
	bins [][]byte
}

var (
	bin1234 = []byte{1, 2, 3, 4}
	bin12   = []byte{1, 2}
	bin34   = []byte{3, 4}
)

const ph0, ph1 = `{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`

// readmeCases are the encoding examples of the socket.io-protocol README (v5), plus the
// namespace and ack id combinations around them.
var readmeCases = []struct {
	name string
	p    parser.Packet
	w    wire
}{
	{"connect main", parser.Packet{Type: parser.Connect, Nsp: "/"}, wire{text: "0"}},
	{"connect admin with sid", parser.Packet{Type: parser.Connect, Nsp: "/admin", Data: []byte(`{"sid":"oSO0OpakMV_3jnilAAAA"}`)},
		wire{text: `0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}`}},
	{"connect with auth", parser.Packet{Type: parser.Connect, Nsp: "/", Data: []byte(`{"token":"123"}`)}, wire{text: `0{"token":"123"}`}},
	{"connect_error", parser.Packet{Type: parser.ConnectError, Nsp: "/", Data: []byte(`{"message":"Not authorized"}`)},
		wire{text: `4{"message":"Not authorized"}`}},
	{"connect_error admin string", parser.Packet{Type: parser.ConnectError, Nsp: "/admin", Data: []byte(`"Invalid namespace"`)},
		wire{text: `4/admin,"Invalid namespace"`}},
	{"event main", parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["foo"]`)}, wire{text: `2["foo"]`}},
	{"event admin", parser.Packet{Type: parser.Event, Nsp: "/admin", Data: []byte(`["bar"]`)}, wire{text: `2/admin,["bar"]`}},
	{"event binary", parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["baz",` + ph0 + `]`), Attachments: [][]byte{bin1234}},
		wire{text: `51-["baz",` + ph0 + `]`, bins: [][]byte{bin1234}}},
	{"event binary admin two attachments", parser.Packet{Type: parser.Event, Nsp: "/admin", Data: []byte(`["baz",` + ph0 + `,` + ph1 + `]`), Attachments: [][]byte{bin12, bin34}},
		wire{text: `52-/admin,["baz",` + ph0 + `,` + ph1 + `]`, bins: [][]byte{bin12, bin34}}},
	{"event with ack id", parser.Packet{Type: parser.Event, Nsp: "/", ID: 12, HasID: true, Data: []byte(`["foo"]`)}, wire{text: `212["foo"]`}},
	{"event admin with ack id", parser.Packet{Type: parser.Event, Nsp: "/admin", ID: 13, HasID: true, Data: []byte(`["foo"]`)}, wire{text: `2/admin,13["foo"]`}},
	{"event ack id zero", parser.Packet{Type: parser.Event, Nsp: "/", ID: 0, HasID: true, Data: []byte(`["foo"]`)}, wire{text: `20["foo"]`}},
	{"event max ack id", parser.Packet{Type: parser.Event, Nsp: "/", ID: math.MaxUint64, HasID: true, Data: []byte(`["foo"]`)}, wire{text: `218446744073709551615["foo"]`}},
	{"event binary with ack id", parser.Packet{Type: parser.Event, Nsp: "/", ID: 14, HasID: true, Data: []byte(`["foo",` + ph0 + `]`), Attachments: [][]byte{bin1234}},
		wire{text: `51-14["foo",` + ph0 + `]`, bins: [][]byte{bin1234}}},
	{"event binary admin with ack id", parser.Packet{Type: parser.Event, Nsp: "/admin", ID: 7, HasID: true, Data: []byte(`["foo",` + ph0 + `]`), Attachments: [][]byte{bin1234}},
		wire{text: `51-/admin,7["foo",` + ph0 + `]`, bins: [][]byte{bin1234}}},
	{"event numeric name", parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`[42,"x"]`)}, wire{text: `2[42,"x"]`}},
	{"ack empty", parser.Packet{Type: parser.Ack, Nsp: "/", ID: 12, HasID: true, Data: []byte(`[]`)}, wire{text: `312[]`}},
	{"ack admin", parser.Packet{Type: parser.Ack, Nsp: "/admin", ID: 13, HasID: true, Data: []byte(`["bar"]`)}, wire{text: `3/admin,13["bar"]`}},
	{"ack binary", parser.Packet{Type: parser.Ack, Nsp: "/", ID: 15, HasID: true, Data: []byte(`["bar",` + ph0 + `]`), Attachments: [][]byte{bin1234}},
		wire{text: `61-15["bar",` + ph0 + `]`, bins: [][]byte{bin1234}}},
	{"disconnect main", parser.Packet{Type: parser.Disconnect, Nsp: "/"}, wire{text: "1"}},
	{"disconnect admin", parser.Packet{Type: parser.Disconnect, Nsp: "/admin"}, wire{text: "1/admin,"}},
}

func TestEncodeProtocolExamples(t *testing.T) {
	for _, tc := range readmeCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parser.Encode(&tc.p)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if string(got) != tc.w.text {
				t.Fatalf("Encode = %s, want %s", got, tc.w.text)
			}
			if !reflect.DeepEqual(tc.p.Attachments, tc.w.bins) {
				t.Fatalf("attachments %v, want %v", tc.p.Attachments, tc.w.bins)
			}
		})
	}
}

func TestDecodeProtocolExamples(t *testing.T) {
	for _, tc := range readmeCases {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(t, &parser.Decoder{}, tc.w)
			if !samePacket(got, &tc.p) {
				t.Fatalf("Decode = %s, want %s", show(got), show(&tc.p))
			}
		})
	}
}

// decodeAll feeds a wire packet to d and checks that it completes exactly at the end.
func decodeAll(t testing.TB, d *parser.Decoder, w wire) *parser.Packet {
	t.Helper()
	p, err := d.Decode([]byte(w.text), false)
	if err != nil {
		t.Fatalf("Decode(%q): %v", w.text, err)
	}
	for i, b := range w.bins {
		if p != nil {
			t.Fatalf("packet complete before attachment %d", i)
		}
		if p, err = d.Decode(b, true); err != nil {
			t.Fatalf("Decode(attachment %d): %v", i, err)
		}
	}
	if p == nil {
		t.Fatalf("no packet after %d attachments", len(w.bins))
	}
	return p
}

func samePacket(a, b *parser.Packet) bool {
	return a.Type == b.Type && a.Nsp == b.Nsp && a.ID == b.ID && a.HasID == b.HasID &&
		bytes.Equal(a.Data, b.Data) && len(a.Attachments) == len(b.Attachments) &&
		(len(a.Attachments) == 0 || reflect.DeepEqual(a.Attachments, b.Attachments))
}

func show(p *parser.Packet) string {
	return fmt.Sprintf("{%s nsp=%q id=%d/%v data=%s atts=%v}", p.Type, p.Nsp, p.ID, p.HasID, p.Data, p.Attachments)
}

func TestEncodeVariants(t *testing.T) {
	tests := []struct {
		name string
		p    parser.Packet
		want string
	}{
		{"empty nsp is main", parser.Packet{Type: parser.Event, Data: []byte(`["a"]`)}, `2["a"]`},
		{"BinaryEvent without attachments is an EVENT", parser.Packet{Type: parser.BinaryEvent, Nsp: "/", Data: []byte(`["a"]`)}, `2["a"]`},
		{"BinaryAck without attachments is an ACK", parser.Packet{Type: parser.BinaryAck, Nsp: "/", ID: 1, HasID: true, Data: []byte(`[]`)}, `31[]`},
		{"BinaryEvent with attachments", parser.Packet{Type: parser.BinaryEvent, Nsp: "/x", Data: []byte(`[1,` + ph0 + `]`), Attachments: [][]byte{{}}}, `51-/x,[1,` + ph0 + `]`},
		{"many attachments", parser.Packet{Type: parser.Ack, Nsp: "/", ID: 3, HasID: true, Data: []byte(`[]`), Attachments: make([][]byte, 12)}, `612-3[]`},
		{"connect without data", parser.Packet{Type: parser.Connect, Nsp: "/admin"}, `0/admin,`},
		{"payload with leading space", parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(` ["a"]`)}, `2 ["a"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parser.Encode(&tc.p)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if string(got) != tc.want {
				t.Fatalf("Encode = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestAppendEncode(t *testing.T) {
	dst := []byte("4") // the Engine.IO message type
	got, err := parser.AppendEncode(dst, &parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["hey","Jude"]`)})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `42["hey","Jude"]` {
		t.Fatalf("AppendEncode = %s", got)
	}
	bad, err := parser.AppendEncode(dst, &parser.Packet{Type: parser.Event, Nsp: "admin", Data: []byte(`["a"]`)})
	if err == nil || string(bad) != "4" {
		t.Fatalf("AppendEncode with a bad namespace = %q, %v; want dst unchanged and an error", bad, err)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		p    *parser.Packet
	}{
		{"nil packet", nil},
		{"unknown type", &parser.Packet{Type: 7, Nsp: "/"}},
		{"attachments on CONNECT", &parser.Packet{Type: parser.Connect, Nsp: "/", Attachments: [][]byte{{1}}}},
		{"attachments on CONNECT_ERROR", &parser.Packet{Type: parser.ConnectError, Nsp: "/", Data: []byte(`"x"`), Attachments: [][]byte{{1}}}},
		{"attachments on DISCONNECT", &parser.Packet{Type: parser.Disconnect, Nsp: "/", Attachments: [][]byte{{1}}}},
		{"namespace without slash", &parser.Packet{Type: parser.Event, Nsp: "admin", Data: []byte(`["a"]`)}},
		{"namespace with comma", &parser.Packet{Type: parser.Event, Nsp: "/a,b", Data: []byte(`["a"]`)}},
		{"event without data", &parser.Packet{Type: parser.Event, Nsp: "/"}},
		{"event with object", &parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`{}`)}},
		{"event with empty array", &parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(` [ ] `)}},
		{"event with open bracket only", &parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`[`)}},
		{"ack with string", &parser.Packet{Type: parser.Ack, Nsp: "/", Data: []byte(`"x"`)}},
		{"connect with array", &parser.Packet{Type: parser.Connect, Nsp: "/", Data: []byte(`[]`)}},
		{"disconnect with data", &parser.Packet{Type: parser.Disconnect, Nsp: "/", Data: []byte(`{}`)}},
		{"connect_error without data", &parser.Packet{Type: parser.ConnectError, Nsp: "/"}},
		{"connect_error with number", &parser.Packet{Type: parser.ConnectError, Nsp: "/", Data: []byte(`1`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parser.Encode(tc.p)
			if err == nil {
				t.Fatalf("Encode = %q, want an error", got)
			}
			checkInvalid(t, err)
		})
	}
}

func checkInvalid(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, parser.ErrInvalidPacket) {
		t.Fatalf("error %q does not wrap ErrInvalidPacket", err)
	}
	if !strings.HasPrefix(err.Error(), "parser: ") {
		t.Fatalf("error %q lacks the package prefix", err)
	}
}
