// Package testclient is a small Socket.IO v5 client over WebSocket for the module's own tests
// and benchmarks. It speaks just enough of the protocol to drive a server: connect to
// namespaces, emit with and without acks, answer acks, and read what the server sends.
package testclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/gorilla/websocket"

	"github.com/gosockio/gosockio/socketio/parser"
)

// Client is one Engine.IO WebSocket connection.
type Client struct {
	ws  *websocket.Conn
	wmu sync.Mutex

	mu      sync.Mutex
	nextAck uint64
	acks    map[uint64]chan *parser.Packet
	sids    map[string]chan *parser.Packet // CONNECT / CONNECT_ERROR answers by namespace

	// Packets receives every EVENT, DISCONNECT and unsolicited packet, in order. It is closed
	// when the connection ends.
	Packets chan *parser.Packet
	// Closed is closed when the connection ends.
	Closed chan struct{}
	// SID is the Engine.IO session id.
	SID string
	err error
}

// Dial opens a WebSocket Engine.IO session at base (an http:// URL of the server root; the
// path /socket.io/ is added).
func Dial(ctx context.Context, base string, header http.Header) (*Client, error) {
	u := strings.Replace(base, "http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, u, header)
	if err != nil {
		return nil, fmt.Errorf("testclient: dial: %w", err)
	}
	_, open, err := ws.ReadMessage()
	if err != nil || len(open) == 0 || open[0] != '0' {
		ws.Close()
		return nil, fmt.Errorf("testclient: no open packet (%q): %v", open, err)
	}
	var hs struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(open[1:], &hs); err != nil {
		ws.Close()
		return nil, fmt.Errorf("testclient: open packet: %w", err)
	}
	c := &Client{
		ws:      ws,
		acks:    make(map[uint64]chan *parser.Packet),
		sids:    make(map[string]chan *parser.Packet),
		Packets: make(chan *parser.Packet, 4096),
		Closed:  make(chan struct{}),
		SID:     hs.SID,
	}
	go c.read()
	return c, nil
}

func (c *Client) read() {
	defer close(c.Closed)
	defer close(c.Packets)
	var dec parser.Decoder
	for {
		typ, b, err := c.ws.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		if typ == websocket.TextMessage {
			if len(b) == 0 {
				continue
			}
			switch b[0] {
			case '2':
				_ = c.write(websocket.TextMessage, []byte("3"))
				continue
			case '4':
				b = b[1:]
			default:
				continue
			}
		}
		p, err := dec.Decode(b, typ == websocket.BinaryMessage)
		if err != nil {
			c.err = err
			c.ws.Close()
			return
		}
		if p == nil {
			continue
		}
		switch p.Type {
		case parser.Ack, parser.BinaryAck:
			c.mu.Lock()
			ch := c.acks[p.ID]
			delete(c.acks, p.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- p
			}
			continue
		case parser.Connect, parser.ConnectError:
			c.mu.Lock()
			ch := c.sids[p.Nsp]
			delete(c.sids, p.Nsp)
			c.mu.Unlock()
			if ch != nil {
				ch <- p
				continue
			}
		}
		c.Packets <- p
	}
}

func (c *Client) write(typ int, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(typ, b)
}

// Send writes a packet (and its attachments).
func (c *Client) Send(p *parser.Packet) error {
	text, err := parser.Encode(p)
	if err != nil {
		return err
	}
	if err := c.write(websocket.TextMessage, append([]byte("4"), text...)); err != nil {
		return err
	}
	for _, a := range p.Attachments {
		if err := c.write(websocket.BinaryMessage, a); err != nil {
			return err
		}
	}
	return nil
}

// SendRaw writes a raw Engine.IO text frame (for malformed-input tests).
func (c *Client) SendRaw(frame string) error { return c.write(websocket.TextMessage, []byte(frame)) }

// ConnectError is a refused namespace connection.
type ConnectError struct {
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func (e *ConnectError) Error() string { return "connect_error: " + e.Message }

// Connect joins namespace nsp with an auth payload (nil for none) and returns the socket id.
// A refusal is returned as a *ConnectError.
func (c *Client) Connect(ctx context.Context, nsp string, auth any) (string, error) {
	data, err := c.ConnectData(ctx, nsp, auth)
	if err != nil {
		return "", err
	}
	var body struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return "", err
	}
	return body.SID, nil
}

// ConnectData is Connect returning the CONNECT answer's whole payload ({"sid", "pid"}).
func (c *Client) ConnectData(ctx context.Context, nsp string, auth any) (json.RawMessage, error) {
	ch := make(chan *parser.Packet, 1)
	c.mu.Lock()
	c.sids[nsp] = ch
	c.mu.Unlock()
	p := &parser.Packet{Type: parser.Connect, Nsp: nsp}
	if auth != nil {
		b, err := json.Marshal(auth)
		if err != nil {
			return nil, err
		}
		p.Data = b
	}
	if err := c.Send(p); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.Type == parser.ConnectError {
			ce := &ConnectError{}
			if err := json.Unmarshal(r.Data, ce); err != nil {
				return nil, err
			}
			return nil, ce
		}
		return r.Data, nil
	case <-c.Closed:
		return nil, fmt.Errorf("testclient: closed while connecting: %v", c.err)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Emit sends an event to namespace nsp.
func (c *Client) Emit(nsp, event string, args ...any) error {
	data, atts, err := parser.MarshalEvent(event, args...)
	if err != nil {
		return err
	}
	return c.Send(&parser.Packet{Type: parser.Event, Nsp: nsp, Data: data, Attachments: atts})
}

// EmitWithAck sends an event and waits for the server's acknowledgement.
func (c *Client) EmitWithAck(ctx context.Context, nsp, event string, args ...any) (parser.Args, error) {
	data, atts, err := parser.MarshalEvent(event, args...)
	if err != nil {
		return parser.Args{}, err
	}
	ch := make(chan *parser.Packet, 1)
	c.mu.Lock()
	id := c.nextAck
	c.nextAck++
	c.acks[id] = ch
	c.mu.Unlock()
	if err := c.Send(&parser.Packet{Type: parser.Event, Nsp: nsp, ID: id, HasID: true, Data: data, Attachments: atts}); err != nil {
		return parser.Args{}, err
	}
	select {
	case p := <-ch:
		return parser.AckArgs(p)
	case <-c.Closed:
		return parser.Args{}, errors.New("testclient: closed while waiting for ack")
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.acks, id)
		c.mu.Unlock()
		return parser.Args{}, ctx.Err()
	}
}

// Ack answers an event packet that asked for an acknowledgement.
func (c *Client) Ack(ev *parser.Packet, args ...any) error {
	data, atts, err := parser.MarshalArgs(args...)
	if err != nil {
		return err
	}
	return c.Send(&parser.Packet{Type: parser.Ack, Nsp: ev.Nsp, ID: ev.ID, HasID: true, Data: data, Attachments: atts})
}

// Next returns the next packet the server sent (events, disconnects), or an error when ctx ends
// or the connection closes.
func (c *Client) Next(ctx context.Context) (*parser.Packet, error) {
	select {
	case p, ok := <-c.Packets:
		if !ok {
			return nil, fmt.Errorf("testclient: connection closed: %v", c.err)
		}
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// NextEvent returns the next EVENT packet with its name and arguments, skipping nothing: any
// other packet is an error.
func (c *Client) NextEvent(ctx context.Context) (*parser.Packet, string, parser.Args, error) {
	p, err := c.Next(ctx)
	if err != nil {
		return nil, "", parser.Args{}, err
	}
	if p.Type != parser.Event && p.Type != parser.BinaryEvent {
		return p, "", parser.Args{}, fmt.Errorf("testclient: got %v, want an event", p.Type)
	}
	name, args, err := parser.EventArgs(p)
	return p, name, args, err
}

// Disconnect leaves namespace nsp.
func (c *Client) Disconnect(nsp string) error {
	return c.Send(&parser.Packet{Type: parser.Disconnect, Nsp: nsp})
}

// Close closes the connection and waits for the reader to end.
func (c *Client) Close() {
	c.ws.Close()
	<-c.Closed
}
