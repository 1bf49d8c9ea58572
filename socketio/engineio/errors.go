package engineio

import (
	"errors"
	"fmt"
	"net/http"
)

// Close reasons, with the exact strings of the Node.js server. A ConnHandler's OnClose and the
// listeners registered with Conn.OnClose receive one of these.
const (
	// ReasonTransportClose: the client closed the transport (WebSocket closed, polling "1" packet).
	ReasonTransportClose = "transport close"
	// ReasonTransportError: the transport failed (I/O error, overlapping requests, queue overflow,
	// payload too large, handler panic, ...). The accompanying error says which.
	ReasonTransportError = "transport error"
	// ReasonPingTimeout: no pong arrived within Options.PingTimeout after a ping.
	ReasonPingTimeout = "ping timeout"
	// ReasonParseError: the client sent a packet that could not be decoded.
	ReasonParseError = "parse error"
	// ReasonForcedClose: the server closed the session with Conn.Close.
	ReasonForcedClose = "forced close"
	// ReasonServerShutdown: the server closed the session in Server.Close.
	ReasonServerShutdown = "server shutting down"
)

var (
	// ErrClosed is returned when sending on a session that is closing or closed.
	ErrClosed = errors.New("engineio: connection closed")
	// ErrQueueFull is wrapped by the error returned from Conn.Send (and passed to OnClose) when a
	// session's outgoing queue overflows; the session is closed with ReasonTransportError.
	ErrQueueFull = errors.New("engineio: outgoing queue full")
	// ErrInvalidPacket is wrapped by every decoding error of DecodePacket and DecodePayload.
	ErrInvalidPacket = errors.New("engineio: invalid packet")
	// ErrPayloadTooLarge is wrapped by the close error of a session whose client sent more than
	// Options.MaxHTTPBufferSize bytes in one polling request or one WebSocket message.
	ErrPayloadTooLarge = errors.New("engineio: payload too large")
)

// The error codes of the Engine.IO handshake and request checks, as in Node's Server.errors.
const (
	CodeTransportUnknown           = 0
	CodeUnknownSID                 = 1
	CodeBadHandshakeMethod         = 2
	CodeBadRequest                 = 3
	CodeForbidden                  = 4
	CodeUnsupportedProtocolVersion = 5
)

var codeMessages = [...]string{
	CodeTransportUnknown:           "Transport unknown",
	CodeUnknownSID:                 "Session ID unknown",
	CodeBadHandshakeMethod:         "Bad handshake method",
	CodeBadRequest:                 "Bad request",
	CodeForbidden:                  "Forbidden",
	CodeUnsupportedProtocolVersion: "Unsupported protocol version",
}

// CodeMessage returns Node's message for an error code ("Transport unknown", ...), or "" for an
// unknown code.
func CodeMessage(code int) string {
	if code < 0 || code >= len(codeMessages) {
		return ""
	}
	return codeMessages[code]
}

// ConnectionError describes a request the server refused (Node's "connection_error" event). It is
// passed to Options.OnConnectionError; the client received an HTTP error whose JSON body is
// {"code":Code,"message":Message}.
type ConnectionError struct {
	// Req is the refused request. Its body must not be read.
	Req *http.Request
	// Code is one of the Code* constants.
	Code int
	// Message is the message sent to the client: CodeMessage(Code), or for CodeForbidden the text
	// of the error returned by Options.AllowRequest.
	Message string
	// Context holds details such as "transport", "sid", "method", "name" (Node's names:
	// "TRANSPORT_MISMATCH", "TRANSPORT_HANDSHAKE_ERROR", "ID_GENERATION_ERROR", ...) and "error".
	Context map[string]any
}

// Error implements error.
func (e *ConnectionError) Error() string {
	return fmt.Sprintf("engineio: connection error %d: %s", e.Code, e.Message)
}

// status is the HTTP status answered for the error: 403 for CodeForbidden, else 400.
func (e *ConnectionError) status() int {
	if e.Code == CodeForbidden {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}
