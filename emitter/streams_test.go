package emitter_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/emitter"
	"github.com/gosockio/gosockio/internal/wire"
	"github.com/gosockio/gosockio/internal/wiretest"
)

// streamsCalls are the operations of the streams vectors (wiretest, mode "streams") made by
// Node's adapter, which a Go emitter in streams mode makes with the same entry fields, but
// for the uid ("emitter").
var streamsCalls = []struct {
	name string
	call func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error)
}{
	{"streams-broadcast-all", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.EmitResult(ctx, "hello", "world", 1, 2.5, -3, map[string]any{"a": true, "b": nil}, []any{1, "two"})
	}},
	{"streams-broadcast-room", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.To("room1").EmitResult(ctx, "to-room", "r1")
	}},
	{"streams-broadcast-except", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.Except("room1").EmitResult(ctx, "except", "x")
	}},
	{"streams-broadcast-volatile", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.Volatile().EmitResult(ctx, "vol", 1)
	}},
	{"streams-broadcast-compress-false", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.Compress(false).EmitResult(ctx, "nocomp", 1)
	}},
	{"streams-broadcast-binary", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.EmitResult(ctx, "bin", []byte{1, 2, 3}, map[string]any{"nested": []byte{255, 0}}, "txt")
	}},
	{"streams-broadcast-admin-namespace", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.Of("admin").EmitResult(ctx, "admin-ev", 1)
	}},
	{"streams-sockets-join", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.In("room1").SocketsJoinResult(ctx, "room3", "room4")
	}},
	{"streams-sockets-leave", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.In("room1").SocketsLeaveResult(ctx, "room3")
	}},
	{"streams-disconnect-sockets", func(ctx context.Context, e *emitter.Emitter) (emitter.Result, error) {
		return e.In("room1").Except("room4").DisconnectSocketsResult(ctx, true)
	}},
}

// TestStreamsMode: in streams mode, the emitter's operations are entries of the namespace's
// stream with the fields Node's adapter writes for the same operations (uid "emitter"), in
// order, and ServerSideEmit is the MessagePack message Node's adapter publishes.
func TestStreamsMode(t *testing.T) {
	rdb, key := newRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t.Cleanup(func() { _ = rdb.Del(context.Background(), key).Err() })
	e := emitter.New(rdb, emitter.Options{Key: key, Streams: &emitter.StreamsOptions{StreamName: key}})
	for _, c := range streamsCalls {
		res, err := c.call(ctx, e)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Channel != key || res.Receivers != 0 || res.Queued {
			t.Errorf("%s: result %+v", c.name, res)
		}
	}
	entries, err := rdb.XRange(ctx, key, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(streamsCalls) {
		t.Fatalf("%d entries in the stream, want %d", len(entries), len(streamsCalls))
	}
	for i, c := range streamsCalls {
		want, _ := wiretest.Get(t, c.name).StreamEntry(t)
		want.ID, want.UID = entries[i].ID, wire.EmitterUID
		var fields []string
		for k, v := range entries[i].Values {
			s, _ := v.(string)
			fields = append(fields, k, s)
		}
		got, _ := wiretest.Entry(t, entries[i].ID, fields)
		if got != want {
			t.Errorf("%s: entry\n got %+v\nwant %+v", c.name, got, want)
		}
	}

	// ServerSideEmit: the envelope in MessagePack on <key>#/#, as Node's adapter sends it.
	rec := record(t, rdb, key+"#")
	if err := e.ServerSideEmit(ctx, "srv-ev", "hi", 1); err != nil {
		t.Fatal(err)
	}
	got := rec.nextIs(key + "#/#")
	v := wiretest.Get(t, "streams-server-side-emit")
	uid := wiretest.String(t, v.Name, "uid")
	wantHex := bytes.Replace(must(hex.DecodeString(v.Hex)), append([]byte{0xa3, 'u', 'i', 'd', 0xb0}, uid...),
		append([]byte{0xa3, 'u', 'i', 'd', 0xa7}, wire.EmitterUID...), 1)
	if !bytes.Equal(got.Payload, wantHex) {
		t.Errorf("server-side emit\n got %x\nwant %x", got.Payload, wantHex)
	}
	if err := e.ServerSideEmit(ctx, "srv-ev", []byte{5, 6}); err != nil {
		t.Fatal(err)
	}
	var m wire.ClusterMessage
	if err := wire.UnmarshalClusterMessage(rec.nextIs(key+"#/#").Payload, &m); err != nil ||
		m.Type != wire.ClusterServerSideEmit || m.UID != wire.EmitterUID || !bytes.Equal(m.Args[1].([]byte), []byte{5, 6}) {
		t.Errorf("binary server-side emit: %v %+v", err, m)
	}
	if _, err := e.EmitWithAck(ctx, "x"); err == nil {
		t.Error("EmitWithAck succeeded")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestStreamsModeStreamCount: with several streams, each namespace's entries go to the stream
// Node's adapter reads it from (negative hashes give names like <name>--2), trimmed with
// MAXLEN ~.
func TestStreamsModeStreamCount(t *testing.T) {
	rdb, key := newRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e := emitter.New(rdb, emitter.Options{Key: key, Streams: &emitter.StreamsOptions{StreamName: key, StreamCount: 3, MaxLen: 5}})
	streams := map[string]string{"/": key + "-2", "/chat": key + "-1", "/notifications": key + "--2"}
	t.Cleanup(func() {
		for _, s := range streams {
			_ = rdb.Del(context.Background(), s).Err()
		}
	})
	for nsp, stream := range streams {
		for i := range 3 {
			res, err := e.Of(nsp).EmitResult(ctx, "ev", i)
			if err != nil || res.Channel != stream {
				t.Fatalf("%s: %+v %v, want stream %s", nsp, res, err, stream)
			}
		}
		entries, err := rdb.XRange(ctx, stream, "-", "+").Result()
		if err != nil || len(entries) != 3 || entries[0].Values["nsp"] != nsp {
			t.Errorf("%s: %v %v", stream, entries, err)
		}
	}
	// A burst from several goroutines: one pipeline per round trip, every entry kept in order
	// per goroutine (the stream trimmed to about MaxLen).
	done := make(chan error, 4)
	for g := range 4 {
		go func() {
			var err error
			for i := range 25 {
				if err == nil {
					err = e.Emit(ctx, "burst", g, i)
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	n, err := rdb.XLen(ctx, key+"-2").Result()
	if err != nil || n >= 103 {
		t.Errorf("stream length %d (%v): not trimmed", n, err)
	}
}

// TestStreamsModeClosedRedis: an operation fails (the outage queue off) with the error of
// XADD, not a panic; with the queue on, it is queued.
func TestStreamsModeClosedRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e := emitter.New(rdb, emitter.Options{MaxQueued: -1, Streams: &emitter.StreamsOptions{}})
	if err := e.Emit(ctx, "x"); err == nil {
		t.Error("Emit to a closed port succeeded")
	}
	q := emitter.New(rdb, emitter.Options{Streams: &emitter.StreamsOptions{}})
	res, err := q.To("r").EmitResult(ctx, "x")
	if err != nil || !res.Queued || res.Channel != "socket.io" {
		t.Errorf("queued emit: %+v %v", res, err)
	}
	if q.Queued() == 0 {
		t.Errorf("nothing queued")
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer ccancel()
	_ = q.Close(cctx)
}
