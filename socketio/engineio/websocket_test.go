package engineio_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosockio/gosockio/socketio/engineio"
)

func TestWebSocketHandshake(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	_, op, c := e.wsHandshake()
	if len(op.Upgrades) != 0 {
		t.Errorf("upgrades = %v, want none", op.Upgrades)
	}
	mustEqual(t, "sid", c.ID(), op.SID)
	mustEqual(t, "Transport", c.Transport(), "websocket")
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 1)
}

func TestWebSocketEcho(t *testing.T) {
	rec := newRecorder()
	rec.echo = true
	e := newEnvWith(t, engineio.Options{}, rec)
	ws, _, _ := e.wsHandshake()

	writeText(t, ws, "4hello €")
	mustEqual(t, "echo", readText(t, ws), "4hello €")
	mustEqual(t, "message", recv(t, rec.msgs, "message").data, "hello €")

	if err := ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3, 0x1e}); err != nil {
		t.Fatal(err)
	}
	mt, data := readWS(t, ws)
	mustEqual(t, "frame type", mt, websocket.BinaryMessage)
	if !bytes.Equal(data, []byte{1, 2, 3, 0x1e}) {
		t.Fatalf("binary echo = %v", data)
	}
	m := recv(t, rec.msgs, "message")
	if !m.binary || m.data != "\x01\x02\x03\x1e" {
		t.Fatalf("binary message = %+v", m)
	}
}

func TestWebSocketManyMessagesInOrder(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, c := e.wsHandshake()
	const n = 2000
	go func() {
		for i := range n {
			if err := c.Send(text(strconv.Itoa(i))); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := range n {
		mustEqual(t, "frame", readText(t, ws), "4"+strconv.Itoa(i))
	}
}

// countingListener counts the Write calls made on the connections it accepts.
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.l.writes.Add(1)
	return c.Conn.Write(b)
}

// newCountingEnv is newEnv whose server connections count their writes.
func newCountingEnv(t *testing.T, o engineio.Options) (*env, *countingListener) {
	e := newEnv(t, o)
	e.ts.Close()
	ts := httptest.NewUnstartedServer(e.srv)
	l := &countingListener{Listener: ts.Listener}
	ts.Listener = l
	ts.Start()
	t.Cleanup(ts.Close)
	e.ts = ts
	e.url = ts.URL + e.srv.Options().Path
	return e, l
}

func TestWebSocketBurstIsOneWrite(t *testing.T) {
	e, l := newCountingEnv(t, engineio.Options{})
	ws, _, c := e.wsHandshake()
	eventually(t, "the writer to be idle", c.Writable)

	// A lone frame goes out at once, in one write.
	before := l.writes.Load()
	if err := c.Send(text("lone")); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "frame", readText(t, ws), "4lone")
	eventually(t, "the writer to be idle", c.Writable)
	mustEqual(t, "writes for one frame", l.writes.Load()-before, int64(1))

	// The frames of a burst (queued together) go out in one write, in order.
	const n = 200
	burst := make([]*engineio.Message, n)
	for i := range burst {
		burst[i] = text(strconv.Itoa(i) + strings.Repeat("x", 100))
	}
	before = l.writes.Load()
	if err := c.Send(burst...); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		mustEqual(t, "frame", readText(t, ws), "4"+strconv.Itoa(i)+strings.Repeat("x", 100))
	}
	eventually(t, "the writer to be idle", c.Writable)
	mustEqual(t, "writes for a burst of 200 frames", l.writes.Load()-before, int64(1))

	// A large binary frame and text frames around it keep their order and content.
	big := bytes.Repeat([]byte{7}, 200<<10)
	if err := c.Send(text("a"), &engineio.Message{Data: big, Binary: true}, text("b")); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "frame", readText(t, ws), "4a")
	mt, data := readWS(t, ws)
	if mt != websocket.BinaryMessage || !bytes.Equal(data, big) {
		t.Fatalf("large binary frame: type %d, %d bytes", mt, len(data))
	}
	mustEqual(t, "frame", readText(t, ws), "4b")
}

func TestWebSocketCompressedBroadcastBuildsOneFrame(t *testing.T) {
	e := newEnv(t, engineio.Options{PerMessageDeflate: &engineio.DeflateOptions{Threshold: 1}})
	m := &engineio.Message{Data: []byte(strings.Repeat("shared ", 50))}
	var wss []*websocket.Conn
	for range 3 {
		ws, _ := e.dial("EIO=4&transport=websocket", &websocket.Dialer{HandshakeTimeout: wait, EnableCompression: true})
		readText(t, ws) // open
		c := recv(t, e.rec.opened, "Open")
		wss = append(wss, ws)
		if err := c.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	for _, ws := range wss {
		mustEqual(t, "frame", readText(t, ws), "4"+string(m.Data))
	}
	if _, ok := engineio.Prepared(m); !ok {
		t.Fatal("a compressed message sent to 3 WebSocket sessions was not sent through its PreparedMessage")
	}
}

func TestWebSocketInvalidUTF8(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, _ := e.wsHandshake()
	if err := ws.WriteMessage(websocket.TextMessage, []byte("4\xff\xfe")); err != nil {
		t.Fatal(err)
	}
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonTransportError)
	if !errors.Is(ce.err, engineio.ErrInvalidPacket) {
		t.Fatalf("close error = %v, want one wrapping ErrInvalidPacket", ce.err)
	}
	_, err := readUntilClosed(t, ws)
	if !websocket.IsCloseError(err, websocket.CloseInvalidFramePayloadData) {
		t.Fatalf("read after invalid UTF-8: %v, want close frame 1007", err)
	}
	select {
	case m := <-e.rec.msgs:
		t.Fatalf("invalid UTF-8 delivered as a message: %+v", m)
	default:
	}
}

func TestWebSocketClientPingAnswered(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, c := e.wsHandshake()
	pong := make(chan string, 1)
	ws.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := ws.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	// The pong handler runs inside a read: read frames the server sends until the pong came.
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if err := c.Send(text("tick")); err != nil {
			t.Fatal(err)
		}
		mustEqual(t, "frame", readText(t, ws), "4tick")
		select {
		case data := <-pong:
			mustEqual(t, "pong payload", data, "hi")
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("no pong for the client's ping")
}

func TestWebSocketParseError(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, _ := e.wsHandshake()
	writeText(t, ws, "abc")
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonParseError)
	_, err := readUntilClosed(t, ws)
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("read after parse error: %v, want a normal close frame", err)
	}
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 0)
}

func TestWebSocketEmptyTextFrameIsParseError(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, _ := e.wsHandshake()
	writeText(t, ws, "")
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonParseError)
}

func TestWebSocketReadLimit(t *testing.T) {
	e := newEnv(t, engineio.Options{MaxHTTPBufferSize: 64})
	ws, op, _ := e.wsHandshake()
	mustEqual(t, "maxPayload", op.MaxPayload, 64)
	writeText(t, ws, "4"+strings.Repeat("x", 63)) // at the limit
	mustEqual(t, "message", len(recv(t, e.rec.msgs, "message").data), 63)
	writeText(t, ws, "4"+strings.Repeat("x", 64))
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonTransportError)
	if !errors.Is(ce.err, engineio.ErrPayloadTooLarge) {
		t.Fatalf("close error %v does not wrap ErrPayloadTooLarge", ce.err)
	}
	if _, err := readUntilClosed(t, ws); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("read: %v, want close 1009", err)
	}
}

func TestWebSocketClientClose(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, c := e.wsHandshake()
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonTransportClose)
	<-c.Closed()
}

func TestWebSocketAbruptDisconnect(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, _ := e.wsHandshake()
	ws.NetConn().Close()
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonTransportClose)
}

func TestWebSocketClosePacket(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, _ := e.wsHandshake()
	writeText(t, ws, "1")
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonTransportClose)
}

func TestWebSocketWithoutUpgradeHeaders(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	status, _, body := e.do("GET", "EIO=4&transport=websocket", nil, nil)
	mustEqual(t, "status", status, 400)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeBadRequest)
	ce := recv(t, e.connErrs, "connection error")
	mustEqual(t, "context name", ce.Context["name"], any("TRANSPORT_HANDSHAKE_ERROR"))
}

func TestWebSocketRefusedErrors(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	for _, tc := range []struct {
		q    string
		code int
	}{
		{"transport=websocket", engineio.CodeUnsupportedProtocolVersion},
		{"EIO=abc&transport=websocket", engineio.CodeUnsupportedProtocolVersion},
		{"EIO=4&transport=websocket&sid=nope", engineio.CodeUnknownSID},
		{"EIO=4&transport=webtransport", engineio.CodeTransportUnknown},
	} {
		d := websocket.Dialer{HandshakeTimeout: wait}
		ws, resp, err := d.Dial(e.wsURL(tc.q), nil)
		if err == nil {
			ws.Close()
			t.Fatalf("?%s: dial succeeded", tc.q)
		}
		if resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("?%s: response %v, want 400", tc.q, resp)
		}
		mustEqual(t, "code of ?"+tc.q, recv(t, e.connErrs, "connection error").Code, tc.code)
	}
}

func TestWebSocketOnlyTransport(t *testing.T) {
	e := newEnv(t, engineio.Options{Transports: []string{"websocket"}})
	status, _, body := e.do("GET", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "polling status", status, 400)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeTransportUnknown)
	e.wsHandshake()
}

func TestPollingOnlyTransport(t *testing.T) {
	e := newEnv(t, engineio.Options{Transports: []string{"polling"}})
	op, _, _ := e.handshake()
	if len(op.Upgrades) != 0 {
		t.Fatalf("upgrades = %v with websocket disabled", op.Upgrades)
	}
	d := websocket.Dialer{HandshakeTimeout: wait}
	if ws, resp, err := d.Dial(e.wsURL("EIO=4&transport=websocket&sid="+op.SID), nil); err == nil {
		ws.Close()
		t.Fatal("upgrade accepted with websocket disabled")
	} else if resp == nil || resp.StatusCode != 400 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
}

func TestWebSocketPerMessageDeflate(t *testing.T) {
	rec := newRecorder()
	rec.echo = true
	e := newEnvWith(t, engineio.Options{PerMessageDeflate: &engineio.DeflateOptions{}}, rec)
	ws, resp := e.dial("EIO=4&transport=websocket", &websocket.Dialer{HandshakeTimeout: wait, EnableCompression: true})
	if ext := resp.Header.Get("Sec-Websocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("permessage-deflate not negotiated: %q", ext)
	}
	readText(t, ws) // open
	big := "4" + strings.Repeat("compressible ", 500)
	for _, msg := range []string{"4small", big} {
		writeText(t, ws, msg)
		mustEqual(t, "echo", readText(t, ws), msg)
	}
	// Without the option nothing is negotiated.
	e2 := newEnv(t, engineio.Options{})
	_, resp = e2.dial("EIO=4&transport=websocket", &websocket.Dialer{HandshakeTimeout: wait, EnableCompression: true})
	if ext := resp.Header.Get("Sec-Websocket-Extensions"); ext != "" {
		t.Fatalf("extension negotiated without PerMessageDeflate: %q", ext)
	}
}

func TestWebSocketWritable(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, c := e.wsHandshake()
	eventually(t, "the writer to be idle", c.Writable)
	if !c.SendVolatile(text("v")) {
		t.Fatal("SendVolatile failed on an idle WebSocket")
	}
	mustEqual(t, "volatile", readText(t, ws), "4v")
}

// TestWebSocketReadModes runs the reading paths with the poller (Linux) and with a goroutine per
// WebSocket: bursts of frames read in one go, a message larger than the socket buffers, a close
// from either side.
func TestWebSocketReadModes(t *testing.T) {
	for _, mode := range []string{"poller", "goroutine"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, engineio.Options{MaxHTTPBufferSize: 4 << 20})
			if mode == "goroutine" {
				engineio.SetNoPoll(e.srv)
			}
			ws, _, c := e.wsHandshake()
			if want := mode == "poller" && runtime.GOOS == "linux"; engineio.Polled(c) != want {
				t.Fatalf("Polled = %v, want %v", engineio.Polled(c), want)
			}
			// A burst: many frames reach the server in few segments.
			const n = 300
			for i := range n {
				if err := ws.WriteMessage(websocket.TextMessage, []byte("4"+strconv.Itoa(i))); err != nil {
					t.Fatal(err)
				}
			}
			for i := range n {
				m := recv(t, e.rec.msgs, "message")
				mustEqual(t, "message", m.data, strconv.Itoa(i))
			}
			// A message far larger than the read buffer and the socket buffers.
			big := bytes.Repeat([]byte("y"), 3<<20)
			if err := ws.WriteMessage(websocket.BinaryMessage, big); err != nil {
				t.Fatal(err)
			}
			m := recv(t, e.rec.msgs, "message")
			if !m.binary || m.data != string(big) {
				t.Fatalf("big message: binary %v, %d bytes", m.binary, len(m.data))
			}
			// The server's messages still go out.
			if err := c.Send(text("out")); err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "frame", readText(t, ws), "4out")

			// The client closes: the session ends with "transport close".
			_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(wait))
			ce := recv(t, e.rec.closes, "OnClose")
			mustEqual(t, "reason", ce.reason, engineio.ReasonTransportClose)
			_, err := readUntilClosed(t, ws)
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Fatalf("client read after its close: %v, want the server's close reply", err)
			}
			eventually(t, "no session left", func() bool { return e.srv.ClientsCount() == 0 })

			// The server closes an idle session: its packets, then a close frame.
			ws2, _, c2 := e.wsHandshake()
			time.Sleep(20 * time.Millisecond) // idle: no reader runs
			if err := c2.Send(text("bye")); err != nil {
				t.Fatal(err)
			}
			c2.Close()
			mustEqual(t, "frame", readText(t, ws2), "4bye")
			_, err = readUntilClosed(t, ws2)
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				t.Fatalf("read after the server's close: %v, want a normal close frame", err)
			}
			ce = recv(t, e.rec.closes, "OnClose")
			mustEqual(t, "reason", ce.reason, engineio.ReasonForcedClose)
		})
	}
}

// TestWebSocketSilentClientAfterClose: a client that never answers the close frame is let go
// after the grace period, and Close returns.
func TestWebSocketSilentClientAfterClose(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, c := e.wsHandshake()
	c.Close() // the client does not read, so it never answers
	recv(t, e.rec.closes, "OnClose")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	start := time.Now()
	if err := e.srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v with a client that does not answer the close frame", d)
	}
	ws.Close()
}

// TestWebSocketWriterDeadlineCleared: the deadline a writer goroutine set (here: gorilla's, to
// answer the client's WebSocket ping) does not stay on the connection, where the flushers'
// writes would hit it once it passed and close the session.
func TestWebSocketWriterDeadlineCleared(t *testing.T) {
	// A PingTimeout with room for a loaded machine to answer the pings meanwhile.
	e := newEnv(t, engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 300 * time.Millisecond})
	ws, _, c := e.wsHandshake()
	if err := ws.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	frames := make(chan string, 64)
	go func() {
		defer close(frames)
		for {
			ws.SetReadDeadline(time.Now().Add(wait))
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if string(data) == "2" {
				_ = ws.WriteMessage(websocket.TextMessage, []byte("3"))
				continue
			}
			frames <- string(data)
		}
	}()
	time.Sleep(500 * time.Millisecond) // > PingInterval+PingTimeout, the writer's deadline
	if err := c.Send(text("late")); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "frame", recv(t, frames, "frame"), "4late")
	none(t, e.rec.closes, 20*time.Millisecond, "close")
}
