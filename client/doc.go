// Package client is a Socket.IO v4 client for Go: the counterpart of socket.io-client 4.8,
// whose defaults it keeps, for services, workers and tests that talk to a Socket.IO server (this
// module's or Node's).
//
// # Connecting
//
// Connect opens (or reuses, as io(url) does) the Manager of a server, the Engine.IO session that
// every namespace of that server shares, and returns the Socket of the URL's namespace once the
// server accepted it; Options.ForceNew (or NoMultiplex) gives a Manager of its own. A shared
// Manager is released when the Close of its last active Socket closes it. Polling comes first and upgrades to WebSocket, as in the JS client; Options.Transports
// {"websocket"} connects with WebSocket only. NewManager, Manager.Socket and Socket.Connect do
// the same without waiting, so that handlers can be registered first.
//
//	s, err := client.Connect(ctx, "https://example.com/chat", client.Options{Auth: map[string]any{"token": tok}})
//	s.On("message", client.Handle(func(ev *client.Event, m Message) error { … }))
//	ack, err := s.Timeout(5*time.Second).EmitWithAck(ctx, "join", "room1")
//
// # Events
//
// Handlers are typed as on the server: func(*Event) error, Handle[T] and Handle2 decode the
// arguments; Event.Ack answers a server that asked for an acknowledgement. []byte values, at any
// depth, travel as binary attachments. The handlers of a Manager run one at a time, in order, on
// a goroutine of the Manager's: a handler may wait for an acknowledgement.
//
// Emit while disconnected keeps the event until the Socket connects, as the JS client's send
// buffer, bounded by Options.MaxBufferedPackets (1,000) and MaxBufferedBytes (16 MiB): past them
// Emit returns an error wrapping ErrQueueFull and keeps nothing. Volatile events are dropped
// instead. Compress(false) sends an event without per-message deflate (socket.compress(false)).
// Listeners are removed with the func each On… returns, Off, OffAny, OffAnyOutgoing and
// RemoveAllListeners.
//
// # Disconnection and reconnection
//
// OnDisconnect receives the JS client's reasons: "io server disconnect" (the server
// disconnected the Socket: no automatic reconnection), "io client disconnect" (Disconnect or
// Close), "ping timeout", "transport close", "transport error" and "parse error" (the server sent
// something the client cannot decode: the session is closed, never a panic). After the other
// reasons the Manager reconnects with the JS client's backoff (1s doubling up to 5s, ±50%, no
// limit by default) and its reconnect_attempt, reconnect, reconnect_error and reconnect_failed
// events (Manager.OnReconnectAttempt, …), and each active Socket connects again with a new id.
//
// # Goroutines and memory
//
// A Manager runs a handler goroutine, and per session a reader, a writer and, while upgrading, a
// probe. Manager.Close (and Socket.Close on the last Socket) returns once they have ended. What a
// client holds is bounded: Options.MaxBufferedPackets and MaxBufferedBytes while disconnected,
// 10,000 packets or 64 MiB queued on a session, 1,024 events waiting for handlers (the reader waits beyond), Options.MaxPayload
// per received message.
package client
