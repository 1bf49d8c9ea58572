package jsjson_test

import (
	"testing"

	"github.com/gosockio/gosockio/internal/jsjson"
)

var (
	benchText   = []byte(`["chat",{"user":"ann","text":"hello world","at":1700000000,"tags":["a","b"]}]`)
	benchBinary = []byte(`["upload",{"name":"cat.jpg","parts":[{"index":0,"data":{"_placeholder":true,"num":0}},{"index":1,"data":{"_placeholder":true,"num":1}}]}]`)
)

func BenchmarkScan(b *testing.B) {
	b.Run("text", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchText)))
		for b.Loop() {
			s := jsjson.Scanner{Attachments: -1}
			if _, err := s.Scan(benchText); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("placeholders", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBinary)))
		for b.Loop() {
			s := jsjson.Scanner{Attachments: 2}
			if _, err := s.Scan(benchBinary); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	atts := [][]byte{make([]byte, 1024), make([]byte, 512)}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBinary)))
	for b.Loop() {
		if _, err := jsjson.Decode(benchBinary, jsjson.DecodeOptions{Attachments: atts}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	v, err := jsjson.Decode(benchBinary, jsjson.DecodeOptions{Attachments: [][]byte{{1}, {2}}})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		e := jsjson.Encoder{Attachments: make([][]byte, 0, 2)}
		if buf, err = e.Append(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}
