package socketio

import (
	"errors"
	"fmt"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Sentinel errors, for errors.Is.
var (
	// ErrReservedEvent is returned when emitting an event whose name the protocol reserves:
	// connect, connect_error, disconnect, disconnecting, newListener, removeListener (and, for
	// server-side events, connection and new_namespace).
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrDisconnected is returned by operations on a socket that is no longer connected.
	ErrDisconnected = errors.New("socketio: socket disconnected")
	// ErrTimeout is wrapped by errors of acknowledgements that did not all arrive in time. It is
	// the adapter's sentinel, so errors.Is works for local and cluster operations alike.
	ErrTimeout = adapter.ErrTimeout
	// ErrNoAck is returned by Event.Ack when the client did not ask for an acknowledgement, or
	// when the event was already acknowledged.
	ErrNoAck = errors.New("socketio: event has no acknowledgement to send")
	// ErrNoTimeout is returned by a broadcast with acknowledgements that has neither a Timeout
	// nor a context deadline: it would never know when to stop waiting.
	ErrNoTimeout = errors.New("socketio: broadcast with acknowledgements needs a timeout")
	// ErrInvalidArgument is wrapped by the errors of Event.Bind and Ack.Bind (and so of the
	// typed handlers Handle and Handle2) when an argument does not decode into the given type:
	// a client that emits ("login", "str") to a handler of a struct.
	ErrInvalidArgument = errors.New("socketio: invalid argument")
	// ErrServerClosed is returned by operations on a server after Close.
	ErrServerClosed = errors.New("socketio: server closed")
)

// ConnectError is returned by a namespace middleware to refuse a connection. The client's
// connect_error listener receives an Error whose message is Message and whose data is Data.
// Any other error returned by a middleware is sent with its Error() text as message.
type ConnectError struct {
	Message string
	// Data is any JSON-able value, sent as the error's data field (omitted when nil).
	Data any
}

// Error implements error.
func (e *ConnectError) Error() string { return e.Message }

// Disconnect reasons, as a socket's OnDisconnect and OnDisconnecting listeners receive them.
// They are Node's strings, so logs and client code read the same on both.
const (
	// ReasonServerNamespaceDisconnect: the server called Socket.Disconnect.
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
	// ReasonClientNamespaceDisconnect: the client called socket.disconnect().
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
	// ReasonServerShuttingDown: Server.Close was called.
	ReasonServerShuttingDown = "server shutting down"
	// ReasonPingTimeout: the client did not answer a PING within pingTimeout.
	ReasonPingTimeout = "ping timeout"
	// ReasonTransportClose: the connection was closed (the user lost connection, the network
	// changed…).
	ReasonTransportClose = "transport close"
	// ReasonTransportError: the connection met an error (including a client too slow to take
	// what is sent to it: its outgoing queue overflowed).
	ReasonTransportError = "transport error"
	// ReasonParseError: the server received an invalid packet from the client.
	ReasonParseError = "parse error"
	// ReasonForcedClose: the underlying connection was closed by the server (Conn().Close()).
	ReasonForcedClose = "forced close"
	// ReasonForcedServerClose: the client did not join a namespace within ConnectTimeout.
	ReasonForcedServerClose = "forced server close"
)

var reservedServerEvents = map[string]bool{"connect": true, "connection": true, "new_namespace": true}

func checkEvent(event string) error {
	if parser.IsReservedEvent(event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	return nil
}
