package test

import (
	"context"
	"strings"
	"time"

	"github.com/gosockio/gosockio/emitter"
)

// The emitter scenario shared by the cluster tests. Clients, by name (the same in every
// cluster): a (/, rooms r1), b (/, r1 r2), c (/, r3), d (/, no room), e (/admin, ops); b2
// and d2 are /admin sockets (no room) on the connections of b and d, which show whether
// DisconnectSockets closed a whole connection.
var emitterClients = []struct {
	name, nsp string
	rooms     []string
	share     string // the client whose connection this one shares
}{
	{"a", "/", []string{"r1"}, ""},
	{"b", "/", []string{"r1", "r2"}, ""},
	{"c", "/", []string{"r3"}, ""},
	{"d", "/", nil, ""},
	{"e", "/admin", []string{"ops"}, ""},
	{"b2", "/admin", nil, "b"},
	{"d2", "/admin", nil, "d"},
}

type emitterPoint struct {
	X    int    `json:"x"`
	Tag  string `json:"tag,omitempty"`
	Data []byte `json:"data"`
}

// emitterStep is one operation and what the clients and servers must see of it. The Node
// emitter script (js/emitter-node-emitter.js) has a function of the same name doing the
// same with @socket.io/redis-emitter.
type emitterStep struct {
	name string
	// run does the step with the Go emitter; ids are the socket ids by client name.
	run func(ctx context.Context, e *emitter.Emitter, ids map[string]string) error
	// want are the lines every cluster reports. A line starting with "server " is reported
	// by every server of the cluster ("server:A …" on Go node A).
	want []string
	// flags are the extra lines of js/emitter-node-server.js, which reports the flags its
	// adapter receives.
	flags []string
	// volatile marks a volatile event, which servers may drop for a client that is not ready:
	// the step is repeated until every line of want was seen (observer.stepVolatile).
	volatile bool
}

// emitterVolatileTries bounds the repetitions of a volatile step.
const emitterVolatileTries = 5

// check runs the step with op, through o, as seen by servers (the server names of the
// cluster) with or without the flag lines.
func (s emitterStep) check(o *observer, op func() error, servers []string, withFlags bool) {
	o.t.Helper()
	if s.volatile {
		var always []string
		if withFlags {
			always = s.flags
		}
		o.stepVolatile(s.name, op, emitterVolatileTries, s.expand(servers, false), always)
		return
	}
	o.step(s.name, op, s.expand(servers, withFlags)...)
}

var emitterSteps = []emitterStep{
	{
		name: "emit-all",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.Emit(ctx, "all", "x", 1, nil, map[string]any{"k": []any{true, 2.5}})
		},
		want: []string{`a all ["x",1,null,{"k":[true,2.5]}]`, `b all ["x",1,null,{"k":[true,2.5]}]`,
			`c all ["x",1,null,{"k":[true,2.5]}]`, `d all ["x",1,null,{"k":[true,2.5]}]`},
	},
	{
		name: "emit-room",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.To("r1").Emit(ctx, "room", "r1")
		},
		want: []string{`a room ["r1"]`, `b room ["r1"]`},
	},
	{
		name: "emit-rooms-except",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.To("r1", "r3").Except("r2").Emit(ctx, "rooms-except")
		},
		want: []string{`a rooms-except []`, `c rooms-except []`},
	},
	{
		name: "emit-except-only",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.Except("r1").Emit(ctx, "except-only", 7)
		},
		want: []string{`c except-only [7]`, `d except-only [7]`},
	},
	{
		name: "emit-socket-id",
		run: func(ctx context.Context, e *emitter.Emitter, ids map[string]string) error {
			return e.To(ids["c"]).Emit(ctx, "private", "to c")
		},
		want: []string{`c private ["to c"]`},
	},
	{
		name: "emit-binary",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.To("r2").Emit(ctx, "bin", []byte{0xde, 0xad}, map[string]any{"nested": []byte{1, 2, 3}}, "txt")
		},
		want: []string{`b bin [{"$bin":"dead"},{"nested":{"$bin":"010203"}},"txt"]`},
	},
	{
		name: "emit-objects",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			// A Go struct by its json tags; the Node script sends the same plain objects.
			return e.To("r3").Emit(ctx, "objects", emitterPoint{X: 3, Data: []byte{0xff}}, &emitterPoint{X: 4, Tag: "t"},
				time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC))
		},
		want: []string{`c objects [{"x":3,"data":{"$bin":"ff"}},{"x":4,"tag":"t","data":null},"2026-01-02T03:04:05.006Z"]`},
	},
	{
		name: "emit-volatile",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.To("r1").Volatile().Emit(ctx, "vol", 1)
		},
		want:     []string{`a vol [1]`, `b vol [1]`},
		flags:    []string{`adapter / vol {"volatile":true}`},
		volatile: true,
	},
	{
		name: "emit-compress",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.To("r3").Compress(false).Emit(ctx, "nocomp")
		},
		want:  []string{`c nocomp []`},
		flags: []string{`adapter / nocomp {"compress":false}`},
	},
	{
		name: "emit-namespace",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.Of("admin").To("ops").Emit(ctx, "admin-ev", "hi")
		},
		want: []string{`e admin-ev ["hi"]`},
	},
	// Join and leave show in the emits of the next step. (In one step, an emit published right
	// after the request could overtake it on miniredis; on Redis it cannot.)
	{
		name: "sockets-join",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.In("r3").SocketsJoin(ctx, "r4", "r5")
		},
	},
	{
		name: "after-join",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			if err := e.To("r4").Emit(ctx, "after-join", 4); err != nil {
				return err
			}
			return e.To("r5").Emit(ctx, "after-join", 5)
		},
		want: []string{`c after-join [4]`, `c after-join [5]`},
	},
	{
		name: "sockets-leave",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.In("r1").Except("r2").SocketsLeave(ctx, "r1")
		},
	},
	{
		name: "after-leave",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.To("r1").Emit(ctx, "after-leave")
		},
		want: []string{`b after-leave []`},
	},
	{
		name: "server-side-emit",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			if err := e.ServerSideEmit(ctx, "srv-ev", "from-emitter", map[string]any{"n": 1}); err != nil {
				return err
			}
			if err := e.ServerSideEmit(ctx, "srv-bin", []byte{5, 6}); err != nil {
				return err
			}
			return e.Of("admin").ServerSideEmit(ctx, "srv-ev", "to-admin")
		},
		want: []string{
			`server / srv-ev ["from-emitter",{"n":1}]`,
			`server / srv-bin [{"type":"Buffer","data":[5,6]}]`, // a JSON request: a Buffer object, as from Node's emitter
			`server /admin srv-ev ["to-admin"]`,
		},
	},
	{
		// Without close the connection stays: b2 (on b's connection) still gets the barrier.
		name: "disconnect-sockets",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.In("r2").DisconnectSockets(ctx, false)
		},
		want: []string{`b disconnect io server disconnect`},
	},
	{
		// A separate step: Node applies a remote disconnect before it reads the next message,
		// the Go cluster core applies it on its work goroutine (adapter/cluster), so an emit
		// published right after the request may still reach the socket there.
		name: "after-disconnect",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.Emit(ctx, "after-disconnect")
		},
		want: []string{`a after-disconnect []`, `c after-disconnect []`, `d after-disconnect []`},
	},
	{
		// With close the whole connection goes: d2 (/admin, not targeted) is disconnected too.
		name: "disconnect-sockets-close",
		run: func(ctx context.Context, e *emitter.Emitter, ids map[string]string) error {
			return e.In(ids["d"]).DisconnectSockets(ctx, true)
		},
		want: []string{`d disconnect io server disconnect`, `d2 disconnect io server disconnect`},
	},
	{
		name: "after-close",
		run: func(ctx context.Context, e *emitter.Emitter, _ map[string]string) error {
			return e.Emit(ctx, "after-close")
		},
		want: []string{`a after-close []`, `c after-close []`},
	},
}

// expand returns the lines a cluster reports for a step: server lines once per server.
func (s emitterStep) expand(servers []string, withFlags bool) []string {
	var out []string
	for _, w := range s.want {
		if rest, ok := strings.CutPrefix(w, "server "); ok {
			for _, srv := range servers {
				out = append(out, srv+" "+rest)
			}
			continue
		}
		out = append(out, w)
	}
	if withFlags {
		out = append(out, s.flags...)
	}
	return out
}
