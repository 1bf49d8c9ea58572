package adminui

import (
	"context"
	"errors"
	"fmt"

	"github.com/gosockio/gosockio/socketio"
)

// errBadArguments is returned (and logged) for an action whose arguments are not of the
// types the UI sends.
var errBadArguments = errors.New("adminui: bad action arguments")

// registerActions lets admin client s run the UI's actions, unless the instrumentation is
// read-only (Node's registerFeatureHandlers). Each runs on s's handler goroutine, across the
// cluster through the target namespace's adapter.
func (a *Admin) registerActions(s *socketio.Socket) {
	if a.opts.ReadOnly {
		return
	}
	s.OnError(func(err error) { a.log.Debug("admin action refused", "sid", s.ID(), "err", err) })
	s.On("emit", a.action(s, a.doEmit))
	s.On("join", a.action(s, a.doJoin))
	s.On("leave", a.action(s, a.doLeave))
	s.On("_disconnect", a.action(s, a.doDisconnect))
}

// action adapts one of the do… functions into an event handler.
func (a *Admin) action(s *socketio.Socket, do func(ctx context.Context, args []any) error) func(*socketio.Event) error {
	return func(ev *socketio.Event) error {
		args, err := ev.Values()
		if err != nil {
			return fmt.Errorf("%w: %q: %w", errBadArguments, ev.Name, err)
		}
		ctx, cancel := context.WithTimeout(s.Context(), fetchTimeout)
		defer cancel()
		if err := do(ctx, args); err != nil {
			return fmt.Errorf("admin %q: %w", ev.Name, err)
		}
		return nil
	}
}

// target is the namespace args[0] names, restricted to the rooms of filter (a room or socket
// id, or a list of them) when filter is set (truthy in JavaScript).
func (a *Admin) target(args []any, filterIndex int) (socketio.BroadcastOperator, error) {
	var op socketio.BroadcastOperator
	nsp, ok := arg(args, 0).(string)
	if !ok {
		return op, fmt.Errorf("%w: namespace %v", errBadArguments, arg(args, 0))
	}
	n := a.srv.Of(nsp)
	rooms, err := roomList(arg(args, filterIndex), true)
	if err != nil {
		return op, err
	}
	return n.To(rooms...), nil
}

// doEmit: emit(nsp, filter, event, ...args).
func (a *Admin) doEmit(_ context.Context, args []any) error {
	op, err := a.target(args, 1)
	if err != nil {
		return err
	}
	event, ok := arg(args, 2).(string)
	if !ok {
		return fmt.Errorf("%w: event name %v", errBadArguments, arg(args, 2))
	}
	var rest []any
	if len(args) > 3 {
		rest = args[3:]
	}
	return op.Emit(event, rest...)
}

// doJoin: join(nsp, room, filter).
func (a *Admin) doJoin(ctx context.Context, args []any) error {
	op, rooms, err := a.roomAction(args)
	if err != nil {
		return err
	}
	return op.SocketsJoin(ctx, rooms...)
}

// doLeave: leave(nsp, room, filter).
func (a *Admin) doLeave(ctx context.Context, args []any) error {
	op, rooms, err := a.roomAction(args)
	if err != nil {
		return err
	}
	return op.SocketsLeave(ctx, rooms...)
}

func (a *Admin) roomAction(args []any) (socketio.BroadcastOperator, []string, error) {
	op, err := a.target(args, 2)
	if err != nil {
		return op, nil, err
	}
	rooms, err := roomList(arg(args, 1), false)
	if err != nil {
		return op, nil, err
	}
	if len(rooms) == 0 {
		return op, nil, fmt.Errorf("%w: no room", errBadArguments)
	}
	return op, rooms, nil
}

// doDisconnect: _disconnect(nsp, close, filter).
func (a *Admin) doDisconnect(ctx context.Context, args []any) error {
	op, err := a.target(args, 2)
	if err != nil {
		return err
	}
	return op.DisconnectSockets(ctx, truthy(arg(args, 1)))
}

// arg is args[i], or nil (JavaScript's undefined) past the end.
func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// roomList reads a room argument: a string or an array of strings. A falsy value (nil, "",
// false, 0) is no room when optional.
func roomList(v any, optional bool) ([]string, error) {
	if optional && !truthy(v) {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, r := range x {
			s, ok := r.(string)
			if !ok {
				return nil, fmt.Errorf("%w: room %v", errBadArguments, r)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: room %v", errBadArguments, v)
}

// truthy is JavaScript's truthiness of a decoded JSON value.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0 && x == x
	case int64:
		return x != 0
	}
	return true
}
