package parser_test

import (
	"fmt"

	"github.com/gosockio/gosockio/socketio/parser"
)

// A server sends an event with binary data in it; the client decodes the messages it
// receives and binds the argument back into a struct.
func Example() {
	type file struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
	}

	// Sending: build the payload, then the packet, then the wire messages.
	data, attachments, err := parser.MarshalEvent("upload", file{Name: "a.bin", Data: []byte{1, 2, 3}})
	if err != nil {
		panic(err)
	}
	p := &parser.Packet{Type: parser.Event, Nsp: "/files", ID: 7, HasID: true, Data: data, Attachments: attachments}
	text, err := parser.Encode(p)
	if err != nil {
		panic(err)
	}
	fmt.Printf("text:   %s\n", text)
	fmt.Printf("binary: %v\n", attachments)

	// Receiving: feed the messages to a Decoder, in order.
	var d parser.Decoder
	got, err := d.Decode(text, false)
	fmt.Println("after the text message:", got, err)
	got, err = d.Decode(attachments[0], true)
	if err != nil {
		panic(err)
	}
	name, args, err := parser.EventArgs(got)
	if err != nil {
		panic(err)
	}
	var f file
	if err := args.Bind(0, &f); err != nil {
		panic(err)
	}
	fmt.Printf("%s in %s with ack id %d: %+v\n", name, got.Nsp, got.ID, f)
	// Output:
	// text:   51-/files,7["upload",{"name":"a.bin","data":{"_placeholder":true,"num":0}}]
	// binary: [[1 2 3]]
	// after the text message: <nil> <nil>
	// upload in /files with ack id 7: {Name:a.bin Data:[1 2 3]}
}

// Decode refuses what socket.io-parser refuses; the connection should then be closed.
func ExampleDecoder_Decode() {
	var d parser.Decoder
	for _, msg := range []string{`2["hello",1]`, `2{}`, `2["disconnect"]`, `3/admin,13["bar"]`} {
		p, err := d.Decode([]byte(msg), false)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s %s id=%d %s\n", p.Type, p.Nsp, p.ID, p.Data)
	}
	// Output:
	// EVENT / id=0 ["hello",1]
	// parser: invalid packet: EVENT payload is not an array
	// parser: invalid packet: reserved event name "disconnect"
	// ACK /admin id=13 ["bar"]
}

func ExampleArgs_Value() {
	p := &parser.Packet{
		Type:        parser.Event,
		Nsp:         "/",
		Data:        []byte(`["photo",{"id":1,"jpeg":{"_placeholder":true,"num":0}},"caption"]`),
		Attachments: [][]byte{{0xFF, 0xD8}},
	}
	_, args, err := parser.EventArgs(p)
	if err != nil {
		panic(err)
	}
	vs, err := args.Values()
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d args: %v\n", args.Len(), vs)
	fmt.Printf("raw: %s\n", args.Raw(0))
	// Output:
	// 2 args: [map[id:1 jpeg:[255 216]] caption]
	// raw: {"id":1,"jpeg":{"_placeholder":true,"num":0}}
}
