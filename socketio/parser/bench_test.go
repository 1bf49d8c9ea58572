package parser_test

import (
	"testing"

	"github.com/gosockio/gosockio/socketio/parser"
)

type chatMessage struct {
	User string   `json:"user"`
	Text string   `json:"text"`
	At   int64    `json:"at"`
	Tags []string `json:"tags,omitempty"`
}

type upload struct {
	Name  string            `json:"name"`
	Meta  map[string]string `json:"meta"`
	Parts []struct {
		Index int    `json:"index"`
		Data  []byte `json:"data"`
	} `json:"parts"`
}

func BenchmarkEncodeSmallEvent(b *testing.B) {
	p := &parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["chat","hello"]`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parser.Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendEncodeSmallEvent(b *testing.B) {
	p := &parser.Packet{Type: parser.Event, Nsp: "/admin", ID: 12, HasID: true, Data: []byte(`["chat","hello"]`)}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = parser.AppendEncode(buf[:0], p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalEventPlain(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parser.MarshalEvent("chat", "hello", 42, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalEventStruct(b *testing.B) {
	m := &chatMessage{User: "ann", Text: "hello world", At: 1700000000, Tags: []string{"a", "b"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parser.MarshalEvent("chat", m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalEventNestedBinary(b *testing.B) {
	u := &upload{Name: "cat.jpg", Meta: map[string]string{"type": "image/jpeg"}}
	u.Parts = make([]struct {
		Index int    `json:"index"`
		Data  []byte `json:"data"`
	}, 2)
	u.Parts[0].Data = make([]byte, 1024)
	u.Parts[1].Index, u.Parts[1].Data = 1, make([]byte, 512)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := parser.MarshalEvent("upload", u); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTextEvent(b *testing.B) {
	msg := []byte(`2["chat",{"user":"ann","text":"hello world","at":1700000000,"tags":["a","b"]}]`)
	var d parser.Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if p, err := d.Decode(msg, false); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeBinaryEvent(b *testing.B) {
	msg := []byte(`52-/files,["upload",{"name":"cat.jpg","parts":[{"index":0,"data":` + ph0 + `},{"index":1,"data":` + ph1 + `}]}]`)
	att0, att1 := make([]byte, 1024), make([]byte, 512)
	var d parser.Decoder
	b.ReportAllocs()
	for b.Loop() {
		if p, err := d.Decode(msg, false); err != nil || p != nil {
			b.Fatal(err)
		}
		if p, err := d.Decode(att0, true); err != nil || p != nil {
			b.Fatal(err)
		}
		if p, err := d.Decode(att1, true); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBindStruct(b *testing.B) {
	p := &parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["chat",{"user":"ann","text":"hello world","at":1700000000,"tags":["a","b"]}]`)}
	b.ReportAllocs()
	for b.Loop() {
		_, args, err := parser.EventArgs(p)
		if err != nil {
			b.Fatal(err)
		}
		var m chatMessage
		if err := args.Bind(0, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBindStructBinary(b *testing.B) {
	p := &parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["upload",{"name":"cat.jpg","parts":[{"index":0,"data":` + ph0 + `},{"index":1,"data":` + ph1 + `}]}]`),
		Attachments: [][]byte{make([]byte, 1024), make([]byte, 512)}}
	b.ReportAllocs()
	for b.Loop() {
		_, args, err := parser.EventArgs(p)
		if err != nil {
			b.Fatal(err)
		}
		var u upload
		if err := args.Bind(0, &u); err != nil {
			b.Fatal(err)
		}
	}
}
