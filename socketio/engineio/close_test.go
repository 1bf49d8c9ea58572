package engineio_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosockio/gosockio/socketio/engineio"
)

func TestQueueOverflowPackets(t *testing.T) {
	e := newEnv(t, engineio.Options{MaxQueuedPackets: 3})
	op, c, _ := e.handshake()
	if err := c.Send(text("1"), text("2")); err != nil {
		t.Fatal(err)
	}
	if c.SendVolatile(text("v")) {
		t.Fatal("SendVolatile queued with no GET waiting")
	}
	if err := c.Send(text("3")); err != nil {
		t.Fatal(err)
	}
	err := c.Send(text("4"))
	if !errors.Is(err, engineio.ErrQueueFull) {
		t.Fatalf("Send over the limit = %v, want ErrQueueFull", err)
	}
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonTransportError)
	if !errors.Is(ce.err, engineio.ErrQueueFull) {
		t.Fatalf("close error %v does not wrap ErrQueueFull", ce.err)
	}
	if err := c.Send(text("5")); !errors.Is(err, engineio.ErrClosed) {
		t.Fatalf("Send after overflow = %v, want ErrClosed", err)
	}
	status, _ := e.get(op.SID)
	mustEqual(t, "GET after overflow", status, 400)
}

// TestSendBacklog: a backlog does not count against the queue's limits, neither for itself nor
// for what is sent after it until a poll has taken it; then the limits apply again.
func TestSendBacklog(t *testing.T) {
	e := newEnv(t, engineio.Options{MaxQueuedPackets: 3})
	op, c, _ := e.handshake()
	var backlog []*engineio.Message
	for i := range 10 {
		backlog = append(backlog, text(fmt.Sprint("b", i)))
	}
	if err := c.SendBacklog(backlog...); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(text("x"), text("y"), text("z")); err != nil {
		t.Fatalf("Send within the limits after a backlog: %v", err)
	}
	status, body := e.get(op.SID)
	mustEqual(t, "GET status", status, 200)
	mustEqual(t, "packets in the answer", len(strings.Split(body, "\x1e")), 13)
	if err := c.Send(text("1"), text("2"), text("3")); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(text("4")); !errors.Is(err, engineio.ErrQueueFull) {
		t.Fatalf("the limits apply again once the backlog is gone: Send = %v", err)
	}
}

func TestQueueOverflowBytesIsAtomic(t *testing.T) {
	e := newEnv(t, engineio.Options{MaxQueuedBytes: 100})
	_, c, _ := e.handshake()
	if err := c.Send(text(strings.Repeat("a", 50))); err != nil {
		t.Fatal(err)
	}
	// 51 + 51 bytes: refused as a whole.
	err := c.Send(text(strings.Repeat("b", 50)), text(""))
	if !errors.Is(err, engineio.ErrQueueFull) {
		t.Fatalf("Send over the byte limit = %v", err)
	}
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonTransportError)
}

func TestQueueOverflowWebSocketSlowReader(t *testing.T) {
	e := newEnv(t, engineio.Options{MaxQueuedPackets: 64})
	_, _, c := e.wsHandshake() // the client never reads again
	var err error
	big := &engineio.Message{Data: make([]byte, 64<<10), Binary: true}
	for i := 0; i < 1_000_000 && err == nil; i++ {
		err = c.Send(big) // never blocks: the writer stalls on the socket, the queue fills
	}
	if !errors.Is(err, engineio.ErrQueueFull) {
		t.Fatalf("Send = %v, want ErrQueueFull", err)
	}
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonTransportError)
}

func TestSendNilMessage(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	_, c, _ := e.handshake()
	if err := c.Send(text("ok"), nil); err == nil {
		t.Fatal("Send(nil) succeeded")
	}
	if c.SendVolatile(nil) {
		t.Fatal("SendVolatile(nil) succeeded")
	}
	if err := c.Send(); err != nil {
		t.Fatal(err)
	}
}

func TestConnClosePollingFlushesOnNextGet(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	_ = c.Send(text("a"), text("b"))
	c.Close()
	if err := c.Send(text("late")); !errors.Is(err, engineio.ErrClosed) {
		t.Fatalf("Send after Close = %v", err)
	}
	none(t, e.rec.closes, 20*time.Millisecond, "close before the flush")
	status, body := e.get(op.SID)
	mustEqual(t, "flush", [2]any{status, body}, [2]any{200, "4a\x1e4b"})
	// The close packet comes alone in the next response (socket.io-client handles decoded
	// packets a tick later: a close in the same payload would overtake them).
	none(t, e.rec.closes, 20*time.Millisecond, "close before the close packet went out")
	status, body = e.get(op.SID)
	mustEqual(t, "close packet", [2]any{status, body}, [2]any{200, "1"})
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonForcedClose)
	status, _ = e.get(op.SID)
	mustEqual(t, "GET after close", status, 400)
}

func TestConnClosePollingPendingGet(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	pending := e.getAsync(op.SID)
	eventually(t, "the GET to wait", func() bool { return engineio.GetPending(c) })
	c.CloseWithReason("custom reason")
	mustEqual(t, "pending GET", recv(t, pending, "GET"), [2]string{"OK", "1"})
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, "custom reason")
}

func TestConnClosePollingBoundedWait(t *testing.T) {
	e := newEnv(t, engineio.Options{PingInterval: 30 * time.Millisecond, PingTimeout: 30 * time.Millisecond})
	_, c, _ := e.handshake()
	_ = c.Send(text("never fetched"))
	start := time.Now()
	c.Close()
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonForcedClose)
	if ce.err == nil {
		t.Error("no error for a flush that timed out")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with a 60ms bound", d)
	}
}

func TestConnCloseWebSocketFlushes(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	ws, _, c := e.wsHandshake()
	for i := range 100 {
		_ = c.Send(text(itoa(i)))
	}
	c.Close()
	got, err := readUntilClosed(t, ws)
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("read: %v, want a normal close", err)
	}
	if len(got) != 100 || got[0] != "40" || got[99] != "499" {
		t.Fatalf("flushed %d packets: %q...", len(got), got[:min(3, len(got))])
	}
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonForcedClose)
	<-c.Closed()
}

func TestServerClose(t *testing.T) {
	t.Cleanup(func() { noServerGoroutines(t) })
	rec := newRecorder()
	srv, err := engineio.NewServer(engineio.Options{Logger: quietLogger()}, rec)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	e := &env{t: t, srv: srv, ts: ts, rec: rec, url: ts.URL + "/socket.io/", connErrs: make(chan *engineio.ConnectionError, 8)}

	// An idle polling session, one with a waiting GET, one with queued packets, a WebSocket one.
	e.handshake()
	op2, c2, _ := e.handshake()
	pending := e.getAsync(op2.SID)
	eventually(t, "the GET to wait", func() bool { return engineio.GetPending(c2) })
	op3, c3, _ := e.handshake()
	_ = c3.Send(text("bye"))
	ws, _, c4 := e.wsHandshake()
	_ = c4.Send(text("ws bye"))
	mustEqual(t, "ClientsCount", srv.ClientsCount(), 4)

	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		closed <- srv.Close(ctx)
	}()
	mustEqual(t, "waiting GET", recv(t, pending, "GET"), [2]string{"OK", "1"})
	got, err := readUntilClosed(t, ws)
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("ws read: %v", err)
	}
	mustEqual(t, "ws flush", strings.Join(got, "|"), "4ws bye")
	// The session with queued packets is flushed by its next GET.
	none(t, closed, 20*time.Millisecond, "Close return before the flush")
	status, body := e.get(op3.SID)
	mustEqual(t, "flush", [2]any{status, body}, [2]any{200, "4bye"})
	status, body = e.get(op3.SID)
	mustEqual(t, "close packet", [2]any{status, body}, [2]any{200, "1"})
	if err := recv(t, closed, "Close"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for range 4 {
		mustEqual(t, "reason", recv(t, rec.closes, "OnClose").reason, engineio.ReasonServerShutdown)
	}
	mustEqual(t, "ClientsCount", srv.ClientsCount(), 0)
	if left := serverGoroutines(); len(left) > 0 {
		t.Fatalf("goroutines running server code after Close returned:\n%s", strings.Join(left, "\n\n"))
	}

	// New requests are refused; Close is idempotent.
	status, _, body = e.do("GET", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "handshake after Close", status, 503)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeBadRequest)
	if err := srv.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestServerCloseContextExpires(t *testing.T) {
	t.Cleanup(func() { noServerGoroutines(t) })
	rec := newRecorder()
	srv, err := engineio.NewServer(engineio.Options{Logger: quietLogger()}, rec)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	e := &env{t: t, srv: srv, ts: ts, rec: rec, url: ts.URL + "/socket.io/"}
	_, c, _ := e.handshake()
	_ = c.Send(text("never fetched"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = srv.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if left := serverGoroutines(); len(left) > 0 {
		t.Fatalf("goroutines running server code after Close returned:\n%s", strings.Join(left, "\n\n"))
	}
	ce := recv(t, rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonServerShutdown)
	// A second Close waits for the first and reports the same.
	if err := srv.Close(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Close = %v", err)
	}
}

func TestServerCloseNoSessions(t *testing.T) {
	srv, err := engineio.NewServer(engineio.Options{}, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSlowReaderDoesNotStallOthers: while one client stops reading, another that reads gets
// every packet sent to it, as fast as it reads; the slow one is closed at its queue limit.
func TestSlowReaderDoesNotStallOthers(t *testing.T) {
	e := newEnv(t, engineio.Options{MaxQueuedPackets: 64})
	_, _, slow := e.wsHandshake() // never reads again
	fastWS, _, fast := e.wsHandshake()
	big := &engineio.Message{Data: make([]byte, 64<<10), Binary: true}
	var got atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			fastWS.SetReadDeadline(time.Now().Add(wait))
			if _, _, err := fastWS.ReadMessage(); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	sent := 0
	var err error
	for i := 0; i < 100_000 && err == nil; i++ {
		err = slow.Send(big)
		if ferr := fast.Send(big); ferr != nil {
			t.Fatalf("Send to the reading client: %v", ferr)
		}
		sent++
		// The reading client is never more than 32 packets behind: the stalled one does not
		// hold it up.
		eventually(t, "the reading client to keep up", func() bool { return got.Load() >= int64(sent-32) })
	}
	if !errors.Is(err, engineio.ErrQueueFull) {
		t.Fatalf("Send to the client that does not read = %v, want ErrQueueFull", err)
	}
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "closed session", ce.sid, slow.ID())
	mustEqual(t, "reason", ce.reason, engineio.ReasonTransportError)
	eventually(t, "every packet at the reading client", func() bool { return got.Load() == int64(sent) })
	fast.Close()
	<-done
}
