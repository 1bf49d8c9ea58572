package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// A client is one Socket.IO connection to the main namespace "/" over a bare WebSocket
// (Engine.IO v4, Socket.IO v5, no polling). One goroutine per client reads; it answers the
// server's pings and hands the scenario the first bytes of every other message.
type client struct {
	id  int
	ws  *websocket.Conn
	wmu sync.Mutex // one writer at a time: the reader (pongs, echo requests) and a trigger
	sc  scenario

	count atomic.Int64 // "msg" events received
	last  atomic.Int64 // when the last "msg" arrived (ns since start)
	pings atomic.Int64 // pings answered

	// head holds the first bytes of the message being read; tail swallows the rest.
	head [128]byte
	tail [256]byte

	// scenario state owned by the read goroutine (echo: the request in flight)
	wbuf   []byte
	ackID  int64
	sentAt int64
	lat    []int64 // echo latencies, or cross arrival times by sequence number
}

// A scenario hears the messages its clients receive, on their read goroutines.
type scenario interface {
	// onMsg is called for each "msg" event, after count and last were updated; head is
	// the start of the frame (`42["msg",…`).
	onMsg(c *client, head []byte, now int64)
	// onAck is called for each acknowledgement (`43<id>[…`).
	onAck(c *client, head []byte, now int64)
}

var start = time.Now()

// now is a monotonic clock in ns since start: cheap enough to read once per message.
func now() int64 { return int64(time.Since(start)) }

var (
	frameMsg  = []byte(`42["msg",`)
	framePong = []byte("3")
)

// pool is the write buffer pool shared by every connection: a connection holds a write buffer
// only while it writes.
type pool struct{ p sync.Pool }

func (p *pool) Get() any  { return p.p.Get() }
func (p *pool) Put(v any) { p.p.Put(v) }

// dialers holds one websocket.Dialer per source address 127.0.0.2…: a connection's source
// address is chosen by its number, so 100k connections to one server port do not run out of
// ephemeral ports (about 28k per source address).
type dialers struct {
	url string
	ds  []*websocket.Dialer
}

func newDialers(rawURL string, srcIPs, readBuf int) (*dialers, error) {
	u, err := wsURL(rawURL)
	if err != nil {
		return nil, err
	}
	wp := &pool{}
	d := &dialers{url: u}
	for i := range max(srcIPs, 1) {
		nd := &net.Dialer{Timeout: 30 * time.Second, Control: bindNoPort}
		if srcIPs > 0 {
			nd.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i))}
		}
		d.ds = append(d.ds, &websocket.Dialer{
			NetDialContext:   nd.DialContext,
			HandshakeTimeout: 30 * time.Second,
			ReadBufferSize:   readBuf,
			WriteBufferSize:  512,
			WriteBufferPool:  wp,
		})
	}
	return d, nil
}

// bindNoPort sets IP_BIND_ADDRESS_NO_PORT: with a source address, the port is chosen at
// connect time for the whole 4-tuple instead of at bind time.
func bindNoPort(_, _ string, rc syscall.RawConn) error {
	const ipBindAddressNoPort = 24 // linux/in.h
	return rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
}

// wsURL turns host:port, http://host:port[/path] or ws://host:port[/path] into the Engine.IO
// WebSocket URL (default path /socket.io/).
func wsURL(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "ws://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("url %q: want ws://, http:// or host:port", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("url %q: no host", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/socket.io/"
	}
	q := u.Query()
	q.Set("EIO", "4")
	q.Set("transport", "websocket")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// connect opens the WebSocket and joins "/": it reads the Engine.IO open packet, sends "40"
// and waits for "40{…}".
func (d *dialers) connect(ctx context.Context, id int, sc scenario) (*client, error) {
	dl := d.ds[id%len(d.ds)]
	var ws *websocket.Conn
	var err error
	for attempt := 0; ; attempt++ {
		ws, _, err = dl.DialContext(ctx, d.url, nil)
		if err == nil || attempt == 2 || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(100*(attempt+1)) * time.Millisecond)
	}
	if err != nil {
		return nil, err
	}
	c := &client{id: id, ws: ws, sc: sc}
	fail := func(err error) (*client, error) {
		ws.Close()
		return nil, err
	}
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, open, err := ws.ReadMessage()
	if err != nil {
		return fail(fmt.Errorf("reading the open packet: %w", err))
	}
	if len(open) == 0 || open[0] != '0' {
		return fail(fmt.Errorf("want the open packet, got %.60q", open))
	}
	if err := c.write([]byte("40")); err != nil {
		return fail(err)
	}
	for {
		_, m, err := ws.ReadMessage()
		if err != nil {
			return fail(fmt.Errorf("waiting for the namespace: %w", err))
		}
		switch {
		case bytes.HasPrefix(m, []byte("40")):
			_ = ws.SetReadDeadline(time.Time{})
			return c, nil
		case bytes.Equal(m, []byte("2")):
			if err := c.write(framePong); err != nil {
				return fail(err)
			}
		case bytes.HasPrefix(m, []byte("44")):
			return fail(fmt.Errorf("connect_error: %.200s", m[2:]))
		default:
			return fail(fmt.Errorf("waiting for the namespace, got %.60q", m))
		}
	}
}

func (c *client) write(b []byte) error {
	c.wmu.Lock()
	err := c.ws.WriteMessage(websocket.TextMessage, b)
	c.wmu.Unlock()
	return err
}

var errDisconnected = errors.New("the server disconnected the socket")

// readLoop reads until the connection fails. It keeps only the first len(c.head) bytes of a
// message (enough to tell its kind, ack id or sequence number): no allocation per message
// beyond gorilla's small reader.
func (c *client) readLoop() error {
	for {
		typ, r, err := c.ws.NextReader()
		if err != nil {
			return err
		}
		n, err := c.readHead(r)
		if err != nil {
			return err
		}
		if typ != websocket.TextMessage || n == 0 {
			continue
		}
		m := c.head[:n]
		switch m[0] {
		case '2': // ping
			if err := c.write(framePong); err != nil {
				return err
			}
			c.pings.Add(1)
		case '4':
			if len(m) < 2 {
				continue
			}
			switch m[1] {
			case '2':
				if bytes.HasPrefix(m, frameMsg) {
					t := now()
					c.count.Add(1)
					c.last.Store(t)
					c.sc.onMsg(c, m, t)
				}
			case '3':
				c.sc.onAck(c, m, now())
			case '1':
				return errDisconnected
			}
		case '1': // Engine.IO close
			return errDisconnected
		}
	}
}

func (c *client) readHead(r io.Reader) (int, error) {
	n := 0
	for n < len(c.head) {
		k, err := r.Read(c.head[n:])
		n += k
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	for {
		_, err := r.Read(c.tail[:])
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// fleet is a set of connected clients and what became of their read loops.
type fleet struct {
	clients []*client
	closing atomic.Bool
	lost    atomic.Int64 // read loops that ended before closing
	wg      sync.WaitGroup
	errMu   sync.Mutex
	lostErr error // the first of them
}

// connectAll connects n clients, concurrency at a time, and starts their read loops.
func connectAll(ctx context.Context, d *dialers, n, concurrency int, sc scenario, idBase int) (*fleet, error) {
	f := &fleet{clients: make([]*client, n)}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, max(concurrency, 1))
	var connected sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			f.close()
			return nil, context.Cause(ctx)
		}
		connected.Add(1)
		go func() {
			c, err := d.connect(ctx, idBase+i, sc)
			<-sem
			if err != nil {
				cancel(fmt.Errorf("client %d: %w", i, err))
				connected.Done()
				return
			}
			f.clients[i] = c
			f.wg.Add(1)
			connected.Done()
			defer f.wg.Done()
			err = c.readLoop()
			if !f.closing.Load() {
				f.lost.Add(1)
				f.errMu.Lock()
				if f.lostErr == nil {
					f.lostErr = fmt.Errorf("client %d: %w", c.id, err)
				}
				f.errMu.Unlock()
			}
		}()
	}
	connected.Wait()
	if err := context.Cause(ctx); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

func (f *fleet) firstLost() error {
	f.errMu.Lock()
	defer f.errMu.Unlock()
	return f.lostErr
}

// close closes every connection and waits for the read loops (at most 10 s).
func (f *fleet) close() {
	f.closing.Store(true)
	for _, c := range f.clients {
		if c != nil {
			c.ws.NetConn().Close()
		}
	}
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

func (f *fleet) delivered() int64 {
	var n int64
	for _, c := range f.clients {
		n += c.count.Load()
	}
	return n
}

func (f *fleet) lastDelivery() int64 {
	var t int64
	for _, c := range f.clients {
		t = max(t, c.last.Load())
	}
	return t
}

func (f *fleet) pings() int64 {
	var n int64
	for _, c := range f.clients {
		n += c.pings.Load()
	}
	return n
}

// waitDelivered polls until the clients have received want "msg" events in all, or ctx ends.
func (f *fleet) waitDelivered(ctx context.Context, want int64) error {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		got := f.delivered()
		if got >= want {
			return nil
		}
		if n := f.lost.Load(); n > 0 {
			return fmt.Errorf("%d connections lost (%v); %d of %d deliveries", n, f.firstLost(), got, want)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %d of %d deliveries", context.Cause(ctx), got, want)
		case <-tick.C:
		}
	}
}

// parseUint reads the decimal number at the start of b.
func parseUint(b []byte) (n int64, rest []byte, ok bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + int64(b[i]-'0')
		i++
	}
	return n, b[i:], i > 0
}
