package socketio

import (
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gosockio/gosockio/socketio/parser"
)

// Event is one event received from a client (or, for Namespace.On listeners, from another
// node). Its arguments are decoded on demand: Bind decodes them into Go values of your types;
// Values gives the generic form. Binary attachments become []byte.
type Event struct {
	// Name is the event name.
	Name string
	// Socket is the socket the event came from; nil for server-side events.
	Socket *Socket
	args   parser.Args
	ack    func([]any) error
	acked  atomic.Bool // the acknowledgement was sent
}

// Len is the number of arguments (the event name excluded).
func (e *Event) Len() int { return e.args.Len() }

// Bind decodes the arguments, in order, into the values ptrs point to (as json.Unmarshal does;
// a binary attachment decodes into a []byte or an any). Extra pointers are left untouched
// when the client sent fewer arguments.
func (e *Event) Bind(ptrs ...any) error { return bindArgs(e.args, ptrs) }

// Values returns the arguments in their generic form: map[string]any, []any, string,
// float64, bool, nil, and []byte for binary attachments.
func (e *Event) Values() ([]any, error) { return e.args.Values() }

// Raw returns argument i as JSON, placeholders of binary attachments included.
func (e *Event) Raw(i int) json.RawMessage { return e.args.Raw(i) }

// HasAck reports whether the sender asked for an acknowledgement.
func (e *Event) HasAck() bool { return e.ack != nil }

// Ack answers the event; the sender's callback receives args. It may be called once, from any
// goroutine; it returns ErrNoAck when no answer is expected or one was already sent.
func (e *Event) Ack(args ...any) error {
	if e.ack == nil {
		return ErrNoAck
	}
	return e.ack(args)
}

// Ack is an acknowledgement: the arguments a client (or another node) answered with. For a
// broadcast, each Ack holds the first argument of one client's answer, as in Node.
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

func ackFromPacket(p *parser.Packet) (Ack, error) {
	a, err := parser.AckArgs(p)
	if err != nil {
		return Ack{}, err
	}
	return Ack{args: a}, nil
}

// ackFromValues wraps generic values (from another node) as an Ack.
func ackFromValues(vals []any) (Ack, error) {
	data, atts, err := parser.MarshalArgs(vals...)
	if err != nil {
		return Ack{}, err
	}
	return ackFromPacket(&parser.Packet{Type: parser.Ack, Data: data, Attachments: atts})
}

// Handle adapts a function that takes the event's first argument decoded into T: the typed
// form of an event handler. When the argument does not decode into T, f is not called and the
// handler returns an error wrapping ErrInvalidArgument (see Socket.OnError).
//
//	s.On("chat", socketio.Handle(func(ev *socketio.Event, msg ChatMessage) error { … }))
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

// listener is one registered event handler.
type listener struct {
	h    func(*Event) error
	once bool
}

// listeners maps event names to handlers, copy-on-write under the owner's mutex, so a snapshot
// taken by get stays valid while handlers run.
type listeners struct {
	m map[string][]*listener
}

func (ls *listeners) add(mu *sync.RWMutex, name string, h func(*Event) error, once bool) func() {
	l := &listener{h: h, once: once}
	mu.Lock()
	if ls.m == nil {
		ls.m = make(map[string][]*listener)
	}
	ls.m[name] = append(slices.Clip(ls.m[name]), l)
	mu.Unlock()
	return func() {
		mu.Lock()
		ls.removeLocked(name, l)
		mu.Unlock()
	}
}

func (ls *listeners) removeLocked(name string, l *listener) {
	cur := ls.m[name]
	i := slices.Index(cur, l)
	if i < 0 {
		return
	}
	next := slices.Delete(slices.Clone(cur), i, i+1)
	if len(next) == 0 {
		delete(ls.m, name)
	} else {
		ls.m[name] = next
	}
}

// get returns the handlers of name and removes the once-only ones among them.
func (ls *listeners) get(mu *sync.RWMutex, name string) []*listener {
	mu.RLock()
	cur := ls.m[name]
	hasOnce := false
	for _, l := range cur {
		if l.once {
			hasOnce = true
			break
		}
	}
	mu.RUnlock()
	if hasOnce {
		mu.Lock()
		for _, l := range cur {
			if l.once {
				ls.removeLocked(name, l)
			}
		}
		mu.Unlock()
	}
	return cur
}

func (ls *listeners) clear(mu *sync.RWMutex, name string) {
	mu.Lock()
	delete(ls.m, name)
	mu.Unlock()
}

// outgoingEvent decodes a sent packet at most once for the OnAnyOutgoing listeners of all its
// recipients.
type outgoingEvent struct {
	once sync.Once
	p    *parser.Packet
	name string
	args parser.Args
	err  error
}

func newOutgoingEvent(p *parser.Packet) *outgoingEvent { return &outgoingEvent{p: p} }

func (o *outgoingEvent) event(s *Socket) (*Event, error) {
	o.once.Do(func() { o.name, o.args, o.err = parser.EventArgs(o.p) })
	if o.err != nil {
		return nil, o.err
	}
	return &Event{Name: o.name, Socket: s, args: o.args}, nil
}
