package client_test

import (
	"testing"

	"github.com/gosockio/gosockio/client"
)

// FuzzClientPayload feeds arbitrary polling payloads (Engine.IO packets carrying Socket.IO
// packets) to a Manager's decoder and its Socket: errors, never a panic.
func FuzzClientPayload(f *testing.F) {
	for _, s := range []string{
		`40{"sid":"abc"}`,
		"40{\"sid\":\"abc\"}\x1e42[\"ev\",1,{\"a\":[true]}]\x1e43[\"x\"]",
		"40{\"sid\":\"abc\"}\x1e451-[\"b\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID",
		"40{\"sid\":\"abc\"}\x1e4212[\"ack me\"]\x1e461-7[{\"_placeholder\":true,\"num\":0}]\x1ebAA==",
		`44{"message":"nope","data":{"x":1}}`,
		"40/admin,{\"sid\":\"x\"}\x1e42/admin,[\"e\"]\x1e41/admin,",
		"40{\"sid\":\"abc\"}\x1e41",
		"4Z", "2", "6", "b!!", "40{}", `42["a"`,
	} {
		f.Add([]byte(s))
	}
	m, err := client.NewManager("http://127.0.0.1:1", client.Options{Logger: quiet})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { m.Close() })
	m.Socket("/", nil).On("ev", func(ev *client.Event) error { _, err := ev.Values(); return err })
	m.Socket("/admin", nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		client.ResetForFuzz(m)
		_ = client.FeedPayload(m, b)
	})
}

// FuzzClientHandshake feeds arbitrary open-packet payloads to the handshake parser.
func FuzzClientHandshake(f *testing.F) {
	f.Add([]byte(`{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	f.Add([]byte(`{"sid":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) { _ = client.ReadHandshake(b) })
}
