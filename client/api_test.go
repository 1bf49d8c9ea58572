package client_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
)

// TestListenerRemoval: OnAny and PrependAny in order, their off funcs, OffAny; the outgoing
// listeners likewise; RemoveAllListeners (the JS client's off(), offAny(), offAnyOutgoing()).
func TestListenerRemoval(t *testing.T) {
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("echo", func(ev *socketio.Event) error {
				var name string
				ev.Bind(&name)
				s.Emit(name)
				return ev.Ack()
			})
		})
	})
	s := connect(t, hs.URL, client.Options{})
	ctx := context.Background()
	calls := make(chan string, 64)
	note := func(tag string) func(*client.Event) error {
		return func(ev *client.Event) error { calls <- tag + ":" + ev.Name; return nil }
	}
	// roundTrip has the server emit name and returns the calls made for it, in order, once a
	// "done" event (which nothing but the final handler records) shows they all ran.
	doneH := s.On("done", func(*client.Event) error { calls <- "done"; return nil })
	roundTrip := func(name string) []string {
		t.Helper()
		for _, n := range []string{name, "done"} {
			if _, err := s.Timeout(5*time.Second).EmitWithAck(ctx, "echo", n); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for {
			c := recv(t, calls)
			if c == "done" {
				return got
			}
			if !strings.HasSuffix(c, ":done") {
				got = append(got, c)
			}
		}
	}

	offA := s.OnAny(note("any1"))
	s.OnAny(note("any2"))
	s.PrependAny(note("first"))
	s.On("x", note("on"))
	if got := roundTrip("x"); !slices.Equal(got, []string{"first:x", "any1:x", "any2:x", "on:x"}) {
		t.Fatalf("calls %v", got)
	}
	offA()
	if got := roundTrip("x"); !slices.Equal(got, []string{"first:x", "any2:x", "on:x"}) {
		t.Fatalf("after off: %v", got)
	}
	s.OffAny()
	if got := roundTrip("x"); !slices.Equal(got, []string{"on:x"}) {
		t.Fatalf("after OffAny: %v", got)
	}

	var mu sync.Mutex
	var out []string
	rec := func(tag string) func(string, []any) {
		return func(name string, _ []any) { mu.Lock(); out = append(out, tag+":"+name); mu.Unlock() }
	}
	offO := s.OnAnyOutgoing(rec("o1"))
	s.OnAnyOutgoing(rec("o2"))
	s.PrependAnyOutgoing(rec("o0"))
	taken := func() []string { mu.Lock(); defer mu.Unlock(); r := out; out = nil; return r }
	s.Emit("a")
	if got := taken(); !slices.Equal(got, []string{"o0:a", "o1:a", "o2:a"}) {
		t.Fatalf("outgoing %v", got)
	}
	offO()
	s.Emit("b")
	if got := taken(); !slices.Equal(got, []string{"o0:b", "o2:b"}) {
		t.Fatalf("outgoing after off %v", got)
	}
	s.OffAnyOutgoing()
	s.Emit("c")
	if got := taken(); len(got) != 0 {
		t.Fatalf("outgoing after OffAnyOutgoing %v", got)
	}

	// RemoveAllListeners: the event handlers and the lifecycle listeners go, the Socket works on.
	s.OnAny(note("any"))
	s.OnAnyOutgoing(rec("o"))
	disc := make(chan string, 1)
	s.OnDisconnect(func(r string) { disc <- r })
	s.RemoveAllListeners()
	doneH()
	s.On("done", func(*client.Event) error { calls <- "done"; return nil })
	if got := roundTrip("x"); len(got) != 0 {
		t.Fatalf("after RemoveAllListeners: %v", got)
	}
	if got := taken(); len(got) != 0 {
		t.Fatalf("outgoing after RemoveAllListeners %v", got)
	}
	s.Disconnect()
	select {
	case r := <-disc:
		t.Fatalf("disconnect listener called after RemoveAllListeners: %s", r)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestSendBufferBounds: while disconnected, Emit keeps events up to MaxBufferedPackets and
// MaxBufferedBytes; past them it fails with ErrQueueFull, keeps nothing and awaits no
// acknowledgement. The outgoing listeners hear of buffered events once they are sent.
func TestSendBufferBounds(t *testing.T) {
	got := make(chan string, 10)
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.OnAny(func(ev *socketio.Event) error {
				got <- ev.Name
				if ev.HasAck() {
					return ev.Ack("ok")
				}
				return nil
			})
		})
	})
	m, err := client.NewManager(hs.URL, client.Options{MaxBufferedBytes: 100, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/", nil)
	outgoing := make(chan string, 10)
	s.OnAnyOutgoing(func(name string, _ []any) { outgoing <- name })
	if err := s.Emit("small", strings.Repeat("x", 40)); err != nil {
		t.Fatal(err)
	}
	if err := s.Emit("big", strings.Repeat("x", 60)); !errors.Is(err, client.ErrQueueFull) {
		t.Fatalf("emit past MaxBufferedBytes: %v", err)
	}
	if _, err := s.EmitWithAck(context.Background(), "big-ack", make([]byte, 200)); !errors.Is(err, client.ErrQueueFull) {
		t.Fatalf("EmitWithAck past MaxBufferedBytes: %v", err)
	}
	ack := make(chan error, 1)
	go func() {
		_, err := s.Timeout(10*time.Second).EmitWithAck(context.Background(), "fits", "y")
		ack <- err
	}()
	select {
	case name := <-outgoing:
		t.Fatalf("outgoing listener called for buffered %q before it was sent", name)
	case <-time.After(50 * time.Millisecond):
	}
	s.Connect()
	first, second := recv(t, got), recv(t, got)
	if first != "small" || second != "fits" {
		t.Fatalf("server got %q, %q", first, second)
	}
	if err := recv(t, ack); err != nil {
		t.Fatalf("buffered EmitWithAck: %v", err)
	}
	if a, b := recv(t, outgoing), recv(t, outgoing); a != "small" || b != "fits" {
		t.Fatalf("outgoing %q %q", a, b)
	}
	select {
	case x := <-got:
		t.Fatalf("a refused event reached the server: %q", x)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestManagerCache: Connect shares a Manager per server as io(url) does: another namespace
// reuses it, the same namespace, ForceNew and NoMultiplex get a Manager of their own; the
// shared one is released when its last Socket closes.
func TestManagerCache(t *testing.T) {
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.Of("/admin")
		io.Of("/admin2")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o := client.Options{Logger: quiet}
	dial := func(u string, o client.Options) *client.Socket {
		t.Helper()
		s, err := client.Connect(ctx, u, o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	root := dial(hs.URL, o)
	admin := dial(hs.URL+"/admin", o)
	if root.Manager() != admin.Manager() {
		t.Fatal("/admin did not reuse the Manager of /")
	}
	ws := dial(strings.Replace(hs.URL, "http://", "ws://", 1)+"/admin", o)
	if ws.Manager() == root.Manager() {
		t.Fatal("a second Socket of /admin shares the Manager")
	}
	forced := dial(hs.URL+"/admin", client.Options{Logger: quiet, ForceNew: true})
	if forced.Manager() == root.Manager() {
		t.Fatal("ForceNew shares the Manager")
	}
	solo := dial(hs.URL, client.Options{Logger: quiet, NoMultiplex: true})
	if solo.Manager() == root.Manager() {
		t.Fatal("NoMultiplex shares the Manager")
	}
	for _, s := range []*client.Socket{ws, forced, solo} {
		s.Close()
	}
	// The cache keeps the first Manager: a new Socket of another namespace reuses it.
	other := dial(strings.Replace(hs.URL, "http://", "ws://", 1)+"/admin2", o)
	if other.Manager() != root.Manager() {
		t.Fatal("a ws:// URL of the same server did not reuse the Manager")
	}
	other.Close()
	if !root.Connected() {
		t.Fatal("/ disconnected by the close of another Socket")
	}

	shared := root.Manager()
	root.Close()
	if !admin.Connected() {
		t.Fatal("/admin disconnected by the close of /")
	}
	admin.Close()
	if err := admin.Emit("x"); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("emit on the released Manager: %v", err)
	}
	again := dial(hs.URL, o)
	defer again.Close()
	if again.Manager() == shared {
		t.Fatal("the released Manager was reused")
	}
}

// TestCompress: with permessage-deflate accepted, WebSocket messages of at least the threshold
// are compressed, unless emitted with Compress(false); small ones never are; NoPerMessageDeflate
// offers no extension. The frames are read as the server receives them.
func TestCompress(t *testing.T) {
	got := make(chan string, 10)
	srv, err := socketio.NewServer(socketio.Options{Logger: quiet, Engine: engineio.Options{PerMessageDeflate: &engineio.DeflateOptions{}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.OnConnection(func(s *socketio.Socket) {
		s.OnAny(func(ev *socketio.Event) error {
			var text string
			ev.Bind(&text)
			got <- ev.Name + ":" + text
			return nil
		})
	})
	rl := &recordingListener{}
	hs := httptest.NewUnstartedServer(srv)
	rl.Listener = hs.Listener
	hs.Listener = rl
	hs.Start()
	defer func() { hs.CloseClientConnections(); hs.Close(); srv.Close(context.Background()) }()

	big := strings.Repeat("compressible ", 200)
	for _, c := range []struct {
		name    string
		opts    client.Options
		emit    func(s *client.Socket) error
		deflate bool // the extension negotiated
		rsv1    bool // the event's frame compressed
	}{
		{"default", client.Options{}, func(s *client.Socket) error { return s.Emit("ev", big) }, true, true},
		{"compress false", client.Options{}, func(s *client.Socket) error { return s.Compress(false).Emit("ev", big) }, true, false},
		{"volatile compress false", client.Options{}, func(s *client.Socket) error { return s.Volatile().Compress(false).Emit("ev", big) }, true, false},
		{"under threshold", client.Options{}, func(s *client.Socket) error { return s.Emit("ev", "tiny") }, true, false},
		{"threshold 1", client.Options{CompressionThreshold: 1}, func(s *client.Socket) error { return s.Emit("ev", "tiny") }, true, true},
		{"no extension", client.Options{NoPerMessageDeflate: true}, func(s *client.Socket) error { return s.Emit("ev", big) }, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rl.reset()
			c.opts.Transports = []string{"websocket"}
			s := connect(t, hs.URL, c.opts)
			if err := c.emit(s); err != nil {
				t.Fatal(err)
			}
			if x := recv(t, got); !strings.HasPrefix(x, "ev:") || (x != "ev:"+big && x != "ev:tiny") {
				t.Fatalf("server got %.40q", x)
			}
			req, frames := rl.websocket(t)
			if ext := strings.Contains(req, "permessage-deflate"); ext != c.deflate {
				t.Fatalf("extension offered %v, want %v", ext, c.deflate)
			}
			var ev *wsFrame
			for i, f := range frames {
				text := f.payload
				if f.rsv1 {
					text = inflate(t, f.payload)
				}
				if f.opcode == 1 && bytes.HasPrefix(text, []byte(`42["ev"`)) {
					ev = &frames[i]
				}
			}
			if ev == nil {
				t.Fatalf("no frame of the event among %d", len(frames))
			}
			if ev.rsv1 != c.rsv1 {
				t.Fatalf("compressed %v, want %v", ev.rsv1, c.rsv1)
			}
			s.Manager().Close()
		})
	}
}

// recordingListener keeps the bytes the server reads on each connection.
type recordingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*recordingConn
}

type recordingConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.buf.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (l *recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	rc := &recordingConn{Conn: c}
	l.mu.Lock()
	l.conns = append(l.conns, rc)
	l.mu.Unlock()
	return rc, nil
}

func (l *recordingListener) reset() {
	l.mu.Lock()
	l.conns = nil
	l.mu.Unlock()
}

type wsFrame struct {
	rsv1    bool
	opcode  byte
	payload []byte // unmasked
}

// websocket returns the upgrade request and the frames of the one WebSocket connection
// recorded since reset.
func (l *recordingListener) websocket(t *testing.T) (string, []wsFrame) {
	t.Helper()
	l.mu.Lock()
	conns := slices.Clone(l.conns)
	l.mu.Unlock()
	for _, c := range conns {
		c.mu.Lock()
		b := bytes.Clone(c.buf.Bytes())
		c.mu.Unlock()
		if !bytes.Contains(b, []byte("transport=websocket")) {
			continue
		}
		end := bytes.Index(b, []byte("\r\n\r\n"))
		if end < 0 {
			t.Fatal("incomplete upgrade request")
		}
		req, rest := string(b[:end]), b[end+4:]
		var frames []wsFrame
		for len(rest) >= 2 {
			f := wsFrame{rsv1: rest[0]&0x40 != 0, opcode: rest[0] & 0x0f}
			n, masked := uint64(rest[1]&0x7f), rest[1]&0x80 != 0
			rest = rest[2:]
			switch n {
			case 126:
				n, rest = uint64(binary.BigEndian.Uint16(rest)), rest[2:]
			case 127:
				n, rest = binary.BigEndian.Uint64(rest), rest[8:]
			}
			var key []byte
			if masked {
				key, rest = rest[:4], rest[4:]
			}
			if uint64(len(rest)) < n {
				break
			}
			f.payload = bytes.Clone(rest[:n])
			for i := range f.payload {
				if masked {
					f.payload[i] ^= key[i%4]
				}
			}
			rest = rest[n:]
			frames = append(frames, f)
		}
		return req, frames
	}
	t.Fatal("no WebSocket connection recorded")
	return "", nil
}

// inflate decompresses a permessage-deflate message (RFC 7692: the deflate stream without its
// final empty block).
func inflate(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(b), strings.NewReader("\x00\x00\xff\xff\x01\x00\x00\xff\xff"))))
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	return out
}

// TestCloseFailsBufferedAcks: Close fails the acknowledgements of events still in the send
// buffer with ErrClosed (Disconnect keeps them for the next connection).
func TestCloseFailsBufferedAcks(t *testing.T) {
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) { io.Of("/other") })
	m, err := client.NewManager(hs.URL, client.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	other := m.Socket("/other", nil)
	connected := make(chan struct{}, 1)
	other.OnConnect(func() { connected <- struct{}{} })
	other.Connect()
	recv(t, connected)
	s := m.Socket("/", nil) // never connected: its events wait in the send buffer
	res := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "ev")
		res <- err
	}()
	time.Sleep(20 * time.Millisecond) // the emit is buffered (or, if Close comes first, refused)
	s.Close()
	if err := recv(t, res); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("buffered EmitWithAck after Close: %v", err)
	}
	if !other.Connected() {
		t.Fatal("/other disconnected by the Close of /")
	}
	if m.Socket("/", nil) == s {
		t.Fatal("Manager.Socket returned the closed Socket")
	}
	if err := s.Emit("x"); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("Emit on a closed Socket: %v", err)
	}
}
