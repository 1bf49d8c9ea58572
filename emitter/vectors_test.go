package emitter_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/emitter"
	"github.com/gosockio/gosockio/internal/wiretest"
)

// emitterVectors are the captures of Node's @socket.io/redis-emitter 5.1.0 (package wiretest,
// names starting with "emitter"), with the Go call that must publish the same bytes on the
// same channel. TestVectorsMatchCapture checks that this copy is the capture's.
var emitterVectors = []struct {
	name    string
	channel string
	hex     string
	call    func(ctx context.Context, e *emitter.Emitter) error
}{
	{
		"emitter-emit-all", "socket.io#/#",
		"93a7656d697474657283a47479706502a46461746193a2656da17801a36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490",
		func(ctx context.Context, e *emitter.Emitter) error { return e.Emit(ctx, "em", "x", 1) },
	},
	{
		"emitter-emit-room", "socket.io#/#room1#",
		"93a7656d697474657283a47479706502a46461746192a7656d2d726f6f6d01a36e7370a12f83a5726f6f6d7391a5726f6f6d31a5666c61677380a665786365707490",
		func(ctx context.Context, e *emitter.Emitter) error { return e.To("room1").Emit(ctx, "em-room", 1) },
	},
	{
		"emitter-emit-rooms-except", "socket.io#/#",
		"93a7656d697474657283a47479706502a46461746192a8656d2d726f6f6d7301a36e7370a12f83a5726f6f6d7392a5726f6f6d31a5726f6f6d32a5666c61677380a665786365707491a5726f6f6d34",
		func(ctx context.Context, e *emitter.Emitter) error {
			return e.To("room1", "room2").Except("room4").Emit(ctx, "em-rooms", 1)
		},
	},
	{
		"emitter-emit-volatile-compress", "socket.io#/#",
		"93a7656d697474657283a47479706502a46461746192a8656d2d666c61677301a36e7370a12f83a5726f6f6d7390a5666c61677382a8766f6c6174696c65c3a8636f6d7072657373c2a665786365707490",
		func(ctx context.Context, e *emitter.Emitter) error {
			return e.Volatile().Compress(false).Emit(ctx, "em-flags", 1)
		},
	},
	{
		"emitter-emit-binary", "socket.io#/#",
		"93a7656d697474657283a47479706502a46461746192a6656d2d62696ec402deada36e7370a12f83a5726f6f6d7390a5666c61677380a665786365707490",
		func(ctx context.Context, e *emitter.Emitter) error { return e.Emit(ctx, "em-bin", []byte{0xde, 0xad}) },
	},
	{
		"emitter-emit-namespace", "socket.io#/admin#",
		"93a7656d697474657283a47479706502a46461746192a8656d2d61646d696e01a36e7370a62f61646d696e83a5726f6f6d7390a5666c61677380a665786365707490",
		func(ctx context.Context, e *emitter.Emitter) error { return e.Of("admin").Emit(ctx, "em-admin", 1) },
	},
	{
		"emitter-sockets-join", "socket.io-request#/#",
		"7b2274797065223a322c226f707473223a7b22726f6f6d73223a5b22726f6f6d32225d2c22657863657074223a5b5d7d2c22726f6f6d73223a5b22726f6f6d35225d7d",
		func(ctx context.Context, e *emitter.Emitter) error { return e.In("room2").SocketsJoin(ctx, "room5") },
	},
	{
		"emitter-sockets-leave", "socket.io-request#/#",
		"7b2274797065223a332c226f707473223a7b22726f6f6d73223a5b22726f6f6d32225d2c22657863657074223a5b5d7d2c22726f6f6d73223a5b22726f6f6d35225d7d",
		func(ctx context.Context, e *emitter.Emitter) error { return e.In("room2").SocketsLeave(ctx, "room5") },
	},
	{
		"emitter-disconnect-sockets", "socket.io-request#/#",
		"7b2274797065223a342c226f707473223a7b22726f6f6d73223a5b22726f6f6d32225d2c22657863657074223a5b5d7d2c22636c6f7365223a66616c73657d",
		func(ctx context.Context, e *emitter.Emitter) error {
			return e.In("room2").DisconnectSockets(ctx, false)
		},
	},
	{
		"emitter-server-side-emit", "socket.io-request#/#",
		"7b22756964223a22656d6974746572222c2274797065223a362c2264617461223a5b227372762d6576222c2266726f6d2d656d6974746572225d7d",
		func(ctx context.Context, e *emitter.Emitter) error {
			return e.ServerSideEmit(ctx, "srv-ev", "from-emitter")
		},
	},
}

// TestVectors publishes each captured call through Redis and compares what a subscriber
// receives with Node's bytes.
func TestVectors(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	e := emitter.New(rdb, emitter.Options{Key: key})
	for _, v := range emitterVectors {
		t.Run(v.name, func(t *testing.T) {
			want, err := hex.DecodeString(v.hex)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.call(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			got := rec.nextIs(keyed(v.channel, key))
			if !bytes.Equal(got.Payload, want) {
				t.Errorf("payload differs from Node's\n got %x\nwant %x", got.Payload, want)
			}
		})
	}
}

// TestVectorsDefaultKey checks the channel names under the default key "socket.io", on a
// private miniredis.
func TestVectorsDefaultKey(t *testing.T) {
	rdb := newMiniredis(t)
	rec := record(t, rdb, "socket.io")
	e := emitter.New(rdb, emitter.Options{})
	for _, v := range emitterVectors {
		if err := v.call(context.Background(), e); err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if got := rec.next(); got.Channel != v.channel || hex.EncodeToString(got.Payload) != v.hex {
			t.Errorf("%s: published %x on %q, want %s on %q", v.name, got.Payload, got.Channel, v.hex, v.channel)
		}
	}
}

// TestVectorsMatchCapture checks that the table above holds every emitter vector of the
// capture (package wiretest), unchanged.
func TestVectorsMatchCapture(t *testing.T) {
	seen := 0
	for _, fv := range wiretest.Load(t) {
		if !strings.HasPrefix(fv.Name, "emitter") {
			continue
		}
		seen++
		found := false
		for _, v := range emitterVectors {
			if v.name == fv.Name {
				found = true
				if v.hex != fv.Hex || v.channel != fv.Channel || fv.Command != "PUBLISH" {
					t.Errorf("%s: the copy here differs from %s", fv.Name, wiretest.File)
				}
			}
		}
		if !found {
			t.Errorf("%s: vector of %s not covered by emitterVectors", fv.Name, wiretest.File)
		}
	}
	if seen != len(emitterVectors) {
		t.Errorf("%s has %d emitter vectors, the test covers %d", wiretest.File, seen, len(emitterVectors))
	}
}
