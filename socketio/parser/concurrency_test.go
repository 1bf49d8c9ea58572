package parser_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/gosockio/gosockio/socketio/parser"
)

// A broadcast packet is read by many goroutines at once, and MarshalArgs runs everywhere:
// both must be safe (run with -race).
func TestConcurrentUse(t *testing.T) {
	data, atts, err := parser.MarshalEvent("photo", samplePhoto(), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	shared := &parser.Packet{Type: parser.Event, Nsp: "/", Data: data, Attachments: atts}
	want := samplePhoto()

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Go(func() {
			type local struct { // a type first seen concurrently, to race the caches
				G    int    `json:"g"`
				Blob []byte `json:"blob"`
			}
			for range 50 {
				if _, _, err := parser.MarshalEvent("x", local{G: g, Blob: []byte{byte(g)}}, samplePhoto()); err != nil {
					errs <- err
					return
				}
				_, args, err := parser.EventArgs(shared)
				if err != nil {
					errs <- err
					return
				}
				var p Photo
				if err := args.Bind(0, &p); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(p.Data, want.Data) || !bytes.Equal(p.Any.([]byte), want.Any.([]byte)) {
					t.Errorf("goroutine %d: Bind gave %#v", g, p)
					return
				}
				if _, err := args.Values(); err != nil {
					errs <- err
					return
				}
				txt, err := parser.Encode(shared)
				if err != nil {
					errs <- err
					return
				}
				d := parser.Decoder{MaxAttachments: -1} // the photo has more than 10
				if _, err := d.Decode(txt, false); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if !bytes.Equal(shared.Data, data) || !bytes.Equal(shared.Attachments[0], want.Data) {
		t.Fatal("the shared packet was modified")
	}
}
