package parser_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/gosockio/gosockio/internal/jsjson"
	"github.com/gosockio/gosockio/socketio/parser"
)

// TestNodePackets reads the packets that socket.io-parser's Encoder wrote
// (internal/jsjson/testdata/node-json.json, from test/js/capture-js-json.js): the Decoder
// takes them, Encode writes them back byte for byte, and MarshalEvent or MarshalArgs of the
// values they hold writes the same payload and the same attachments.
func TestNodePackets(t *testing.T) {
	b, err := os.ReadFile("../../internal/jsjson/testdata/node-json.json")
	if err != nil {
		t.Fatal(err)
	}
	var capture struct {
		Packets []struct {
			Name        string   `json:"name"`
			Encoded     []string `json:"encoded"`
			Attachments [][]int  `json:"attachments"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(b, &capture); err != nil || len(capture.Packets) == 0 {
		t.Fatalf("no packets in the capture: %v", err)
	}
	for _, c := range capture.Packets {
		var d parser.Decoder
		p, err := d.Decode([]byte(c.Encoded[0]), false)
		for _, a := range c.Attachments {
			if err != nil {
				break
			}
			att := make([]byte, len(a))
			for i, x := range a {
				att[i] = byte(x)
			}
			p, err = d.Decode(att, true)
		}
		if err != nil || p == nil {
			t.Fatalf("%s: Decode: %v, %v", c.Name, p, err)
		}
		if text, err := parser.Encode(p); err != nil || string(text) != c.Encoded[0] {
			t.Errorf("%s: Encode = %s, %v; Node wrote %s", c.Name, text, err, c.Encoded[0])
		}
		v, err := jsjson.Decode(p.Data, jsjson.DecodeOptions{Attachments: p.Attachments})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		vals := v.([]any)
		var data json.RawMessage
		var atts [][]byte
		if p.Type == parser.Event {
			data, atts, err = parser.MarshalEvent(vals[0].(string), vals[1:]...)
		} else {
			data, atts, err = parser.MarshalArgs(vals...)
		}
		if err != nil || !bytes.Equal(data, p.Data) || len(atts) != len(p.Attachments) {
			t.Errorf("%s: marshaled again: %s (%d attachments), %v\nNode wrote %s (%d)", c.Name, data, len(atts), err, p.Data, len(p.Attachments))
		}
		for i := range atts {
			if !bytes.Equal(atts[i], p.Attachments[i]) {
				t.Errorf("%s: attachment %d = %v, want %v", c.Name, i, atts[i], p.Attachments[i])
			}
		}
	}
}
