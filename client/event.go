package client

import (
	"encoding/json"
	"errors"

	"github.com/gosockio/gosockio/socketio/parser"
)

// ErrNoAck is returned by Event.Ack when the server expects no answer or one was sent.
var ErrNoAck = errors.New("client: no acknowledgement expected")

// ErrInvalidArgument wraps the errors of Bind for an argument that does not decode.
var ErrInvalidArgument = errors.New("client: invalid argument")

// Event is one event received from the server. Its arguments are decoded on demand; binary
// attachments become []byte.
type Event struct {
	// Name is the event name.
	Name string
	// Socket is the Socket the event came to.
	Socket *Socket
	args   parser.Args
	ack    func([]any) error
}

// Len is the number of arguments (the event name excluded).
func (e *Event) Len() int { return e.args.Len() }

// Bind decodes the arguments, in order, into the values ptrs point to (as json.Unmarshal
// does; a binary attachment decodes into a []byte or an any).
func (e *Event) Bind(ptrs ...any) error { return bindArgs(e.args, ptrs) }

// Values returns the arguments in their generic form: map[string]any, []any, string,
// float64, bool, nil, and []byte for binary attachments.
func (e *Event) Values() ([]any, error) { return e.args.Values() }

// Raw returns argument i as JSON, placeholders of binary attachments included.
func (e *Event) Raw(i int) json.RawMessage { return e.args.Raw(i) }

// HasAck reports whether the server asked for an acknowledgement.
func (e *Event) HasAck() bool { return e.ack != nil }

// Ack answers the event, once, from any goroutine.
func (e *Event) Ack(args ...any) error {
	if e.ack == nil {
		return ErrNoAck
	}
	return e.ack(args)
}

// Ack is the server's acknowledgement of an EmitWithAck.
type Ack struct{ args parser.Args }

// Len is the number of arguments.
func (a Ack) Len() int { return a.args.Len() }

// Bind decodes the arguments, in order, into the values ptrs point to (see Event.Bind).
func (a Ack) Bind(ptrs ...any) error { return bindArgs(a.args, ptrs) }

// Values returns the arguments in their generic form (see Event.Values).
func (a Ack) Values() ([]any, error) { return a.args.Values() }

// Raw returns argument i as JSON.
func (a Ack) Raw(i int) json.RawMessage { return a.args.Raw(i) }

func bindArgs(args parser.Args, ptrs []any) error {
	return args.BindAll(ErrInvalidArgument, ptrs...)
}

// Handle adapts a function that takes the event's first argument decoded into T: the typed
// form of a handler, as socketio.Handle on the server.
//
//	s.On("chat", client.Handle(func(ev *client.Event, msg ChatMessage) error { … }))
func Handle[T any](f func(ev *Event, arg T) error) func(*Event) error {
	return func(ev *Event) error {
		var v T
		if err := ev.Bind(&v); err != nil {
			return err
		}
		return f(ev, v)
	}
}

// Handle2 adapts a function that takes the event's first two arguments decoded into T1 and T2.
func Handle2[T1, T2 any](f func(ev *Event, a T1, b T2) error) func(*Event) error {
	return func(ev *Event) error {
		var a T1
		var b T2
		if err := ev.Bind(&a, &b); err != nil {
			return err
		}
		return f(ev, a, b)
	}
}
