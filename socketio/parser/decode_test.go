package parser_test

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/socketio/parser"
)

func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name string
		w    wire
		want parser.Packet
	}{
		{"namespace without trailing comma", wire{text: "0/admin"}, parser.Packet{Type: parser.Connect, Nsp: "/admin"}},
		{"disconnect namespace without comma", wire{text: "1/admin"}, parser.Packet{Type: parser.Disconnect, Nsp: "/admin"}},
		{"explicit main namespace", wire{text: `2/,["a"]`}, parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["a"]`)}},
		{"ack id with leading zeros", wire{text: `2007["a"]`}, parser.Packet{Type: parser.Event, Nsp: "/", ID: 7, HasID: true, Data: []byte(`["a"]`)}},
		{"whitespace around payload", wire{text: "2 [\"a\"] \n"}, parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(" [\"a\"] \n")}},
		{"event name with escapes", wire{text: `2["ch\u0061t"]`}, parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["ch\u0061t"]`)}},
		{"negative numeric event name", wire{text: `2[-1.5e3]`}, parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`[-1.5e3]`)}},
		{"reserved word as argument", wire{text: `2["x","connect"]`}, parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["x","connect"]`)}},
		{"unicode namespace", wire{text: `2/é,["a"]`}, parser.Packet{Type: parser.Event, Nsp: "/é", Data: []byte(`["a"]`)}},
		{"ack of anything", wire{text: `3/a,1[null,{},[],"s",1.5,true]`}, parser.Packet{Type: parser.Ack, Nsp: "/a", ID: 1, HasID: true, Data: []byte(`[null,{},[],"s",1.5,true]`)}},
		{"binary event without attachments", wire{text: `50-["a",` + ph0 + `]`}, parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["a",` + ph0 + `]`)}},
		{"binary ack without attachments", wire{text: `60-/x,3[]`}, parser.Packet{Type: parser.Ack, Nsp: "/x", ID: 3, HasID: true, Data: []byte(`[]`)}},
		{"placeholder-shaped object in a text event", wire{text: `2["a",` + ph0 + `]`}, parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["a",` + ph0 + `]`)}},
		{"placeholder deep in objects and arrays", wire{text: `51-["a",{"x":[1,{"y":` + ph0 + `}]}]`, bins: [][]byte{bin1234}},
			parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["a",{"x":[1,{"y":` + ph0 + `}]}]`), Attachments: [][]byte{bin1234}}},
		{"placeholder num as 1.0 and keys reordered", wire{text: `52-["a",{"num":1.0,"_placeholder":true},` + ph0 + `]`, bins: [][]byte{bin12, bin34}},
			parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["a",{"num":1.0,"_placeholder":true},` + ph0 + `]`), Attachments: [][]byte{bin12, bin34}}},
		{"placeholder false is an object", wire{text: `51-["a",{"_placeholder":false,"num":7},` + ph0 + `]`, bins: [][]byte{bin12}},
			parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["a",{"_placeholder":false,"num":7},` + ph0 + `]`), Attachments: [][]byte{bin12}}},
		{"unreferenced attachment", wire{text: `51-["a"]`, bins: [][]byte{bin12}},
			parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["a"]`), Attachments: [][]byte{bin12}}},
		{"empty attachment", wire{text: `51-["a",` + ph0 + `]`, bins: [][]byte{{}}},
			parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["a",` + ph0 + `]`), Attachments: [][]byte{{}}}},
		{"ten attachments", wire{text: `510-["a"]`, bins: make([][]byte, 10)},
			parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["a"]`), Attachments: make([][]byte, 10)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(t, &parser.Decoder{}, tc.w)
			if !samePacket(got, &tc.want) {
				t.Fatalf("Decode = %s, want %s", show(got), show(&tc.want))
			}
		})
	}
}

// message is one Engine.IO message fed to a Decoder.
type message struct {
	data   string
	binary bool
}

func text(s string) message   { return message{data: s} }
func binary(s string) message { return message{data: s, binary: true} }

func TestDecodeRejects(t *testing.T) {
	deep := strings.Repeat("[", parser.MaxDepth+1) + strings.Repeat("]", parser.MaxDepth+1)
	tests := []struct {
		name string
		msgs []message
	}{
		{"empty message", []message{text("")}},
		{"unknown type", []message{text("7")}},
		{"non-digit type", []message{text("abc")}},
		{"engine.io prefix left on", []message{text(`42["a"]`)}},
		{"event payload is an object", []message{text(`2{}`)}},
		{"bad ack id", []message{text(`2abc["message-with-ack",1,"2",{"3":[false]}]`)}},
		{"event without payload", []message{text("2")}},
		{"event in namespace without payload", []message{text("2/admin")}},
		{"event with id without payload", []message{text("2/admin,12")}},
		{"event empty array", []message{text("2[]")}},
		{"event name null", []message{text("2[null]")}},
		{"event name object", []message{text(`2[{}]`)}},
		{"event name array", []message{text(`2[["a"]]`)}},
		{"event name boolean", []message{text(`2[true]`)}},
		{"reserved connect", []message{text(`2["connect"]`)}},
		{"reserved connect_error", []message{text(`2["connect_error"]`)}},
		{"reserved disconnect", []message{text(`2["disconnect",1]`)}},
		{"reserved disconnecting", []message{text(`2["disconnecting"]`)}},
		{"reserved newListener", []message{text(`2["newListener"]`)}},
		{"reserved removeListener", []message{text(`2["removeListener"]`)}},
		{"reserved name escaped", []message{text(`2["\u0063onnect"]`)}},
		{"reserved name in binary event", []message{text(`51-["disconnect",` + ph0 + `]`)}},
		{"truncated JSON", []message{text(`2["a"`)}},
		{"trailing garbage", []message{text(`2["a"]x`)}},
		{"trailing comma", []message{text(`2["a",]`)}},
		{"two values", []message{text(`2["a"]["b"]`)}},
		{"single quotes", []message{text(`2['a']`)}},
		{"bad escape", []message{text(`2["\x"]`)}},
		{"bad unicode escape", []message{text(`2["\u12G4"]`)}},
		{"raw control character", []message{text("2[\"a\x01\"]")}},
		{"bad number", []message{text(`2["a",01]`)}},
		{"bad literal", []message{text(`2["a",tru]`)}},
		{"NaN", []message{text(`2["a",NaN]`)}},
		{"too deep", []message{text(`3` + deep)}},
		{"disconnect with payload", []message{text(`1{}`)}},
		{"disconnect admin with payload", []message{text(`1/admin,["a"]`)}},
		{"connect with array", []message{text(`0[]`)}},
		{"connect with string", []message{text(`0"s"`)}},
		{"connect with whitespace only", []message{text(`0 `)}},
		{"connect with bad JSON", []message{text(`0{"a":}`)}},
		{"connect_error without payload", []message{text(`4`)}},
		{"connect_error with id and no payload", []message{text(`41`)}},
		{"connect_error with array", []message{text(`4[]`)}},
		{"connect_error with data after the string", []message{text(`4/a,"x"1`)}},
		{"ack without payload", []message{text(`312`)}},
		{"ack with object", []message{text(`3{}`)}},
		{"ack with string", []message{text(`31"x"`)}},
		{"ack id overflow", []message{text(`318446744073709551616[]`)}},
		{"namespace not UTF-8", []message{text("2/ad\xffmin,[\"a\"]")}},
		{"binary type without count", []message{text(`5["a"]`)}},
		{"binary type dash only", []message{text(`5-["a"]`)}},
		{"binary count not a number", []message{text(`5x-["a"]`)}},
		{"binary count without dash", []message{text(`51`)}},
		{"binary count above the default limit", []message{text(`511-["a"]`)}},
		{"binary count huge", []message{text(`599999999999999999999999999-["a"]`)}},
		{"binary count negative", []message{text(`5-1-["a"]`)}},
		{"binary event without payload", []message{text(`51-`)}},
		{"binary ack with object", []message{text(`61-1{}`)}},
		{"placeholder num out of range", []message{text(`51-["a",` + ph1 + `]`)}},
		{"placeholder num negative", []message{text(`51-["a",{"_placeholder":true,"num":-1}]`)}},
		{"placeholder num fractional", []message{text(`52-["a",{"_placeholder":true,"num":0.5}]`)}},
		{"placeholder num string", []message{text(`51-["a",{"_placeholder":true,"num":"0"}]`)}},
		{"placeholder num huge", []message{text(`51-["a",{"_placeholder":true,"num":1e999}]`)}},
		{"placeholder without num", []message{text(`51-["a",{"_placeholder":true}]`)}},
		{"placeholder num object", []message{text(`51-["a",{"_placeholder":true,"num":{}}]`)}},
		{"attachment referenced twice", []message{text(`52-["a",` + ph0 + `,` + ph0 + `]`)}},
		{"attachment referenced twice with escaped key", []message{text(`52-["a",` + ph0 + `,{"\u005fplaceholder":true,"num":0}]`)}},
		{"binary message first", []message{binary("\x01")}},
		{"binary message after a text packet", []message{text(`2["a"]`), binary("\x01")}},
		{"binary message after a complete binary packet", []message{text(`51-["a",` + ph0 + `]`), binary("\x01"), binary("\x02")}},
		{"text while attachments are pending", []message{text(`52-["a",` + ph0 + `,` + ph1 + `]`), binary("\x01"), text(`2["b"]`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &parser.Decoder{}
			var err error
			for i, m := range tc.msgs {
				var p *parser.Packet
				p, err = d.Decode([]byte(m.data), m.binary)
				if err != nil {
					if i != len(tc.msgs)-1 {
						t.Fatalf("message %d: unexpected error %v", i, err)
					}
					if p != nil {
						t.Fatalf("packet %s returned with error %v", show(p), err)
					}
					break
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			checkInvalid(t, err)
		})
	}
}

func TestDecoderMaxAttachments(t *testing.T) {
	tests := []struct {
		max, n int
		ok     bool
	}{
		{0, 10, true}, {0, 11, false},
		{2, 2, true}, {2, 3, false},
		{-1, 100, true},
	}
	for _, tc := range tests {
		d := &parser.Decoder{MaxAttachments: tc.max}
		w := wire{text: "5" + strconv.Itoa(tc.n) + `-["a"]`}
		for range tc.n {
			w.bins = append(w.bins, []byte{9})
		}
		_, err := d.Decode([]byte(w.text), false)
		if (err == nil) != tc.ok {
			t.Fatalf("MaxAttachments %d, %d attachments: error %v, want ok=%v", tc.max, tc.n, err, tc.ok)
		}
		if !tc.ok {
			checkInvalid(t, err)
			continue
		}
		d.Reset()
		if p := decodeAll(t, d, w); len(p.Attachments) != tc.n {
			t.Fatalf("got %d attachments, want %d", len(p.Attachments), tc.n)
		}
	}
}

func TestDecoderMaxPayload(t *testing.T) {
	d := &parser.Decoder{MaxPayload: 20}
	if _, err := d.Decode([]byte(`2["aaaaaaaaaaaaaaaaaaaa"]`), false); err == nil {
		t.Fatal("text message over MaxPayload accepted")
	} else {
		checkInvalid(t, err)
	}
	// 10 bytes of text, then an attachment of 11 bytes: 21 > 20.
	if p, err := d.Decode([]byte(`51-["a",1]`), false); err != nil || p != nil {
		t.Fatalf("Decode = %v, %v", p, err)
	}
	if _, err := d.Decode(make([]byte, 11), true); err == nil {
		t.Fatal("attachments over MaxPayload accepted")
	} else {
		checkInvalid(t, err)
	}
	// The decoder was reset by the error.
	if _, err := d.Decode([]byte{1}, true); err == nil {
		t.Fatal("attachment accepted after the failed packet")
	}
	if p, err := d.Decode([]byte(`51-["a",1]`), false); err != nil || p != nil {
		t.Fatalf("Decode = %v, %v", p, err)
	}
	if p, err := d.Decode(make([]byte, 10), true); err != nil || p == nil {
		t.Fatalf("packet of exactly MaxPayload bytes: %v, %v", p, err)
	}
}

func TestDecoderReset(t *testing.T) {
	d := &parser.Decoder{}
	if p, err := d.Decode([]byte(`51-["a",`+ph0+`]`), false); p != nil || err != nil {
		t.Fatalf("Decode = %v, %v", p, err)
	}
	d.Reset()
	if _, err := d.Decode([]byte{1}, true); !errors.Is(err, parser.ErrInvalidPacket) {
		t.Fatalf("attachment after Reset: %v", err)
	}
	p, err := d.Decode([]byte(`2["b"]`), false)
	if err != nil || p == nil || string(p.Data) != `["b"]` {
		t.Fatalf("Decode after Reset = %v, %v", p, err)
	}
}

func TestDecoderContinuesAfterError(t *testing.T) {
	d := &parser.Decoder{}
	if _, err := d.Decode([]byte(`52-["a",`+ph0+`,`+ph1+`]`), false); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode([]byte{1}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode([]byte(`2["b"]`), false); err == nil {
		t.Fatal("text accepted while an attachment was pending")
	}
	p := decodeAll(t, d, wire{text: `61-/x,5[` + ph0 + `]`, bins: [][]byte{bin34}})
	want := parser.Packet{Type: parser.Ack, Nsp: "/x", ID: 5, HasID: true, Data: []byte(`[` + ph0 + `]`), Attachments: [][]byte{bin34}}
	if !samePacket(p, &want) {
		t.Fatalf("Decode = %s, want %s", show(p), show(&want))
	}
}

// A decoded packet must encode back to a message that decodes to the same packet.
func TestDecodeEncodeRoundTrip(t *testing.T) {
	inputs := []wire{
		{text: `2/admin,007 ["a", 1]`},
		{text: `50-/x,["a"]`},
		{text: `1/`},
		{text: `0/a`},
		{text: `4"x"`},
		{text: `51-3["a",` + ph0 + `]`, bins: [][]byte{bin12}},
	}
	for _, w := range inputs {
		p := decodeAll(t, &parser.Decoder{}, w)
		again := reencode(t, p)
		if !samePacket(p, again) {
			t.Fatalf("%q: decoded %s, re-decoded %s", w.text, show(p), show(again))
		}
	}
}

func reencode(t testing.TB, p *parser.Packet) *parser.Packet {
	t.Helper()
	txt, err := parser.Encode(p)
	if err != nil {
		t.Fatalf("Encode(%s): %v", show(p), err)
	}
	return decodeAll(t, &parser.Decoder{MaxAttachments: -1}, wire{text: string(txt), bins: p.Attachments})
}

func TestIsReservedEvent(t *testing.T) {
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if !parser.IsReservedEvent(name) {
			t.Errorf("IsReservedEvent(%q) = false", name)
		}
	}
	for _, name := range []string{"", "chat", "Connect", "connecting", "message", "error"} {
		if parser.IsReservedEvent(name) {
			t.Errorf("IsReservedEvent(%q) = true", name)
		}
	}
}

// Without a limit, a huge announced count costs nothing until attachments arrive.
func TestDecoderUnlimitedAttachments(t *testing.T) {
	d := &parser.Decoder{MaxAttachments: -1}
	msg := `52147483647-["a",{"_placeholder":true,"num":2147483646},{"_placeholder":true,"num":70},` + ph0 + `]`
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := d.Decode([]byte(msg), false); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Fatalf("%d bytes allocated for a packet announcing 2^31-1 attachments", n)
	}
	d.Reset()
	dup := `5100-["a",{"_placeholder":true,"num":70},{"_placeholder":true,"num":70}]`
	if _, err := d.Decode([]byte(dup), false); err == nil {
		t.Fatal("attachment 70 of 100 referenced twice accepted")
	}
}
