package engineio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/socketio/engineio"
)

func TestMain(m *testing.M) {
	if v := os.Getenv(idleClientsEnv); v != "" { // child process of BenchmarkIdleWebSocketMemory
		n, err := strconv.Atoi(v)
		if err == nil {
			err = idleClients(n, os.Getenv("ENGINEIO_IDLE_URL"))
		}
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	leakcheck.Main(m)
}

// serverGoroutines returns the stacks of the goroutines (other than the caller) running code of
// package engineio. (leakcheck.Check cannot be used next to leakcheck.Main: the main goroutine's
// stack names this module.)
func serverGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i > 0 && strings.Contains(g, "gosockio/socketio/engineio.") {
			out = append(out, g)
		}
	}
	return out
}

// noServerGoroutines fails unless the goroutines running package code end within wait.
func noServerGoroutines(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		left := serverGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d goroutine(s) left running server code:\n%s", len(left), strings.Join(left, "\n\n"))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait bounds every wait of the tests.
const wait = 5 * time.Second

// recv returns the next value of ch, failing the test after wait.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// none fails if ch yields a value within d.
func none[T any](t testing.TB, ch <-chan T, d time.Duration, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %v", what, v)
	case <-time.After(d):
	}
}

// eventually waits (up to wait) for cond to hold, checking it every millisecond.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

type msgEvent struct {
	sid    string
	data   string
	binary bool
}

type closeEvent struct {
	sid    string
	reason string
	err    error
}

// recorder is a Handler that records what happens, and optionally echoes messages.
type recorder struct {
	echo   bool
	onOpen func(c *engineio.Conn)
	onMsg  func(c *engineio.Conn, data []byte, binary bool)
	opened chan *engineio.Conn
	msgs   chan msgEvent
	closes chan closeEvent
}

func newRecorder() *recorder {
	return &recorder{
		opened: make(chan *engineio.Conn, 1024),
		msgs:   make(chan msgEvent, 1<<16),
		closes: make(chan closeEvent, 1024),
	}
}

func (r *recorder) Open(c *engineio.Conn) engineio.ConnHandler {
	if r.onOpen != nil {
		r.onOpen(c)
	}
	r.opened <- c
	return &recConn{r: r, c: c}
}

type recConn struct {
	r      *recorder
	c      *engineio.Conn
	closed bool
}

func (rc *recConn) OnMessage(data []byte, binary bool) {
	if rc.closed {
		panic("OnMessage after OnClose")
	}
	if rc.r.onMsg != nil {
		rc.r.onMsg(rc.c, data, binary)
	}
	if rc.r.echo {
		_ = rc.c.Send(&engineio.Message{Data: data, Binary: binary})
	}
	rc.r.msgs <- msgEvent{rc.c.ID(), string(data), binary}
}

func (rc *recConn) OnClose(reason string, err error) {
	if rc.closed {
		panic("OnClose twice")
	}
	rc.closed = true
	rc.r.closes <- closeEvent{rc.c.ID(), reason, err}
}

// env is a Server behind an httptest.Server.
type env struct {
	t   testing.TB
	srv *engineio.Server
	ts  *httptest.Server
	rec *recorder
	url string // base URL of the Engine.IO path
	// connErrs receives Options.OnConnectionError calls.
	connErrs chan *engineio.ConnectionError
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newEnv(t testing.TB, o engineio.Options) *env {
	t.Helper()
	return newEnvWith(t, o, newRecorder())
}

func newEnvWith(t testing.TB, o engineio.Options, rec *recorder) *env {
	t.Helper()
	e := &env{t: t, rec: rec, connErrs: make(chan *engineio.ConnectionError, 64)}
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	if o.OnConnectionError == nil {
		o.OnConnectionError = func(ce *engineio.ConnectionError) { e.connErrs <- ce }
	}
	srv, err := engineio.NewServer(o, rec)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.ts = httptest.NewServer(srv)
	e.url = e.ts.URL + srv.Options().Path
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("Server.Close: %v", err)
		}
		e.ts.Close()
	})
	return e
}

// do sends a request to the Engine.IO path with query q and returns status, headers, body.
func (e *env) do(method, q string, body io.Reader, hdr http.Header) (int, http.Header, string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.url+"?"+q, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s ?%s: %v", method, q, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s ?%s: read body: %v", method, q, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

type openPacket struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// handshake opens a polling session and returns its open packet and server-side Conn. Packets
// following the open packet in the response are returned in rest.
func (e *env) handshake() (openPacket, *engineio.Conn, []string) {
	e.t.Helper()
	status, _, body := e.do("GET", "EIO=4&transport=polling", nil, nil)
	if status != 200 {
		e.t.Fatalf("handshake: status %d body %q", status, body)
	}
	parts := strings.Split(body, "\x1e")
	op := parseOpen(e.t, parts[0])
	c := recv(e.t, e.rec.opened, "Open")
	if c.ID() != op.SID {
		e.t.Fatalf("Open got sid %q, handshake %q", c.ID(), op.SID)
	}
	return op, c, parts[1:]
}

func parseOpen(t testing.TB, s string) openPacket {
	t.Helper()
	if !strings.HasPrefix(s, "0") {
		t.Fatalf("not an open packet: %q", s)
	}
	var op openPacket
	dec := json.NewDecoder(strings.NewReader(s[1:]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&op); err != nil {
		t.Fatalf("open packet %q: %v", s, err)
	}
	return op
}

func (e *env) get(sid string) (int, string) {
	e.t.Helper()
	status, _, body := e.do("GET", "EIO=4&transport=polling&sid="+url.QueryEscape(sid), nil, nil)
	return status, body
}

func (e *env) post(sid, payload string) (int, string) {
	e.t.Helper()
	status, _, body := e.do("POST", "EIO=4&transport=polling&sid="+url.QueryEscape(sid), strings.NewReader(payload), nil)
	return status, body
}

// getAsync starts a GET and returns a channel receiving its status and body.
func (e *env) getAsync(sid string) <-chan [2]string {
	e.t.Helper()
	ch := make(chan [2]string, 1)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	req, err := http.NewRequestWithContext(ctx, "GET", e.url+"?EIO=4&transport=polling&sid="+url.QueryEscape(sid), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	go func() {
		defer cancel()
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			ch <- [2]string{"error", err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ch <- [2]string{http.StatusText(resp.StatusCode), string(b)}
	}()
	return ch
}

// wsURL is the WebSocket URL with query q.
func (e *env) wsURL(q string) string {
	return "ws" + strings.TrimPrefix(e.url, "http") + "?" + q
}

// dial opens a WebSocket with query q.
func (e *env) dial(q string, d *websocket.Dialer) (*websocket.Conn, *http.Response) {
	e.t.Helper()
	if d == nil {
		d = &websocket.Dialer{HandshakeTimeout: wait}
	}
	ws, resp, err := d.Dial(e.wsURL(q), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		e.t.Fatalf("dial ?%s: %v (status %d)", q, err, status)
	}
	e.t.Cleanup(func() { ws.Close() })
	return ws, resp
}

// wsHandshake opens a WebSocket-only session.
func (e *env) wsHandshake() (*websocket.Conn, openPacket, *engineio.Conn) {
	e.t.Helper()
	ws, _ := e.dial("EIO=4&transport=websocket", nil)
	mt, data := readWS(e.t, ws)
	if mt != websocket.TextMessage {
		e.t.Fatalf("open packet in a frame of type %d", mt)
	}
	op := parseOpen(e.t, string(data))
	c := recv(e.t, e.rec.opened, "Open")
	return ws, op, c
}

// readWS reads one message, failing after wait.
func readWS(t testing.TB, ws *websocket.Conn) (int, []byte) {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(wait))
	mt, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("websocket read: %v", err)
	}
	return mt, data
}

// readText reads one text message.
func readText(t testing.TB, ws *websocket.Conn) string {
	t.Helper()
	mt, data := readWS(t, ws)
	if mt != websocket.TextMessage {
		t.Fatalf("got frame type %d (%q), want text", mt, data)
	}
	return string(data)
}

// readUntilClosed reads until the connection fails and returns the error, which must come
// within wait.
func readUntilClosed(t testing.TB, ws *websocket.Conn) ([]string, error) {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(wait))
	var got []string
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			if e, ok := err.(interface{ Timeout() bool }); ok && e.Timeout() {
				t.Fatalf("websocket not closed within %v (read %q)", wait, got)
			}
			return got, err
		}
		got = append(got, string(data))
	}
}

func writeText(t testing.TB, ws *websocket.Conn, s string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		t.Fatalf("websocket write %q: %v", s, err)
	}
}

func text(s string) *engineio.Message { return &engineio.Message{Data: []byte(s)} }

func jsonError(t testing.TB, body string) (int, string) {
	t.Helper()
	var v struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.Code == nil || v.Message == nil {
		t.Fatalf("not a JSON error body: %q (%v)", body, err)
	}
	return *v.Code, *v.Message
}

func mustEqual[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}
