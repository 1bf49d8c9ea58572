package adminui

import (
	"context"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/jsjson"
	"github.com/gosockio/gosockio/socketio"
)

// FuzzActions feeds the UI's actions arguments of every shape (decoded from JSON as the
// server decodes an event's): none may panic, and arguments of the wrong types are refused.
func FuzzActions(f *testing.F) {
	for _, seed := range []string{
		`["/", "room", "emit"]`, `["/", null, "ev", 1, {"a": [1]}]`, `[]`, `[1, 2, 3]`, `["/", ["a", 1], "x"]`,
		`["/", "r", ["a", "b"]]`, `["/x", true, false]`, `[null]`, `["", "", ""]`, `["/", "", "connect"]`,
		`["/", {"x": 1}, null]`, `["/", 0, "disconnect"]`, `["nsp", [], []]`, `["/", 1e400, -0]`,
	} {
		f.Add(seed)
	}
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close(context.Background())
	a, err := Instrument(srv, Options{Auth: NoAuth(), Mode: Production, ServerID: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	defer a.Close()
	f.Fuzz(func(t *testing.T, in string) {
		v, err := jsjson.Decode([]byte(in), jsjson.DecodeOptions{Maps: true})
		if err != nil {
			return
		}
		args, ok := v.([]any)
		if !ok {
			args = []any{v}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		for _, do := range []func(context.Context, []any) error{a.doEmit, a.doJoin, a.doLeave, a.doDisconnect} {
			_ = do(ctx, args)
		}
	})
}

func TestBadArguments(t *testing.T) {
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	a, err := Instrument(srv, Options{Auth: NoAuth(), Mode: Production, ServerID: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	for _, c := range []struct {
		do   func(context.Context, []any) error
		args []any
	}{
		{a.doEmit, nil},
		{a.doEmit, []any{1.0, nil, "x"}},
		{a.doEmit, []any{"/", 3.0, "x"}},
		{a.doEmit, []any{"/", nil, 3.0}},
		{a.doEmit, []any{"/", nil, "connect"}},
		{a.doJoin, []any{"/"}},
		{a.doJoin, []any{"/", []any{}}},
		{a.doJoin, []any{"/", []any{"a", 1.0}}},
		{a.doLeave, []any{"/", map[string]any{}}},
		{a.doDisconnect, []any{nil, true}},
		{a.doDisconnect, []any{"/", true, []any{false}}},
	} {
		if err := c.do(ctx, c.args); err == nil {
			t.Errorf("%v accepted", c.args)
		}
	}
	for _, v := range []any{nil, false, "", 0.0, int64(0)} {
		if truthy(v) {
			t.Errorf("truthy(%#v)", v)
		}
	}
	for _, v := range []any{true, "x", 1.0, []any{}, map[string]any{}} {
		if !truthy(v) {
			t.Errorf("!truthy(%#v)", v)
		}
	}
}
