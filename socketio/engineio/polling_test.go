package engineio_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio/engineio"
)

func TestPollingHandshake(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	status, hdr, body := e.do("GET", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "status", status, 200)
	mustEqual(t, "Content-Type", hdr.Get("Content-Type"), "text/plain; charset=UTF-8")
	mustEqual(t, "Cache-Control", hdr.Get("Cache-Control"), "no-store")
	op := parseOpen(t, body)
	if len(op.SID) != 20 || strings.Trim(op.SID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		t.Errorf("sid %q is not 20 URL-safe characters", op.SID)
	}
	if len(op.Upgrades) != 1 || op.Upgrades[0] != "websocket" {
		t.Errorf("upgrades = %v", op.Upgrades)
	}
	mustEqual(t, "pingInterval", op.PingInterval, 25000)
	mustEqual(t, "pingTimeout", op.PingTimeout, 20000)
	mustEqual(t, "maxPayload", op.MaxPayload, 1000000)

	c := recv(t, e.rec.opened, "Open")
	mustEqual(t, "ID", c.ID(), op.SID)
	mustEqual(t, "Transport", c.Transport(), "polling")
	mustEqual(t, "Protocol", c.Protocol(), 4)
	mustEqual(t, "Request EIO", c.Request().URL.Query().Get("EIO"), "4")
	if err := c.Request().Context().Err(); err != nil {
		t.Errorf("Request context cancelled after the handshake: %v", err)
	}
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 1)
}

func TestPollingSidsAreUnique(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	seen := map[string]bool{}
	for range 50 {
		op, _, _ := e.handshake()
		if seen[op.SID] {
			t.Fatalf("duplicate sid %q", op.SID)
		}
		seen[op.SID] = true
	}
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 50)
}

func TestPollingMessages(t *testing.T) {
	rec := newRecorder()
	rec.echo = true
	e := newEnvWith(t, engineio.Options{}, rec)
	op, _, _ := e.handshake()

	status, body := e.post(op.SID, "4hello\x1e4€ world\x1ebAQIDBA==")
	mustEqual(t, "POST status", status, 200)
	mustEqual(t, "POST body", body, "ok")
	for _, want := range []msgEvent{{op.SID, "hello", false}, {op.SID, "€ world", false}, {op.SID, "\x01\x02\x03\x04", true}} {
		mustEqual(t, "message", recv(t, rec.msgs, "message"), want)
	}
	status, body = e.get(op.SID)
	mustEqual(t, "GET status", status, 200)
	mustEqual(t, "GET body", body, "4hello\x1e4€ world\x1ebAQIDBA==")
}

func TestPollingPostHeaders(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, _, _ := e.handshake()
	status, hdr, body := e.do("POST", "EIO=4&transport=polling&sid="+op.SID, strings.NewReader("4x"), nil)
	mustEqual(t, "status", status, 200)
	mustEqual(t, "body", body, "ok")
	mustEqual(t, "Content-Type", hdr.Get("Content-Type"), "text/html")
	mustEqual(t, "Cache-Control", hdr.Get("Cache-Control"), "no-store")
}

func TestPollingGetWaitsForPackets(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	if c.SendVolatile() != c.Writable() {
		t.Fatal("SendVolatile() and Writable() disagree")
	}
	if c.SendVolatile(text("dropped")) {
		t.Fatal("SendVolatile succeeded with no GET waiting")
	}
	got := e.getAsync(op.SID)
	eventually(t, "the GET to wait", func() bool { return engineio.GetPending(c) })
	if !c.Writable() {
		t.Fatal("Writable() = false with a GET waiting")
	}
	none(t, got, 20*time.Millisecond, "GET answer before any Send")
	if !c.SendVolatile(text("a")) {
		t.Fatal("SendVolatile failed with a GET waiting")
	}
	if err := c.Send(text("b")); err != nil {
		t.Fatal(err)
	}
	r := recv(t, got, "GET")
	// "b" may or may not have made it into the same response.
	if r[1] != "4a" && r[1] != "4a\x1e4b" {
		t.Fatalf("GET = %q", r[1])
	}
	if r[1] == "4a" {
		_, body := e.get(op.SID)
		mustEqual(t, "second GET", body, "4b")
	}
}

func TestPollingSendManyInOrder(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	const n = 1000
	go func() {
		for i := range n {
			if err := c.Send(text(itoa(i))); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	next := 0
	for next < n {
		status, body := e.get(op.SID)
		mustEqual(t, "status", status, 200)
		for _, p := range strings.Split(body, "\x1e") {
			mustEqual(t, "packet", p, "4"+itoa(next))
			next++
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestPollingOverlappingGets(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	first := e.getAsync(op.SID)
	eventually(t, "the first GET to wait", func() bool { return engineio.GetPending(c) })
	status, body := e.get(op.SID)
	mustEqual(t, "second GET status", status, 400)
	jsonError(t, body)
	r := recv(t, first, "first GET")
	mustEqual(t, "first GET", r, [2]string{"OK", "1"})
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonTransportError)
	status, body = e.get(op.SID)
	mustEqual(t, "GET after close", status, 400)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeUnknownSID)
}

func TestPollingOverlappingPosts(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	pr, pw := io.Pipe()
	firstDone := make(chan int, 1)
	req, err := http.NewRequest("POST", e.url+"?EIO=4&transport=polling&sid="+op.SID, pr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			firstDone <- -1
			return
		}
		resp.Body.Close()
		firstDone <- resp.StatusCode
	}()
	if _, err := pw.Write([]byte("4part")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first POST to be read", func() bool { return engineio.PostActive(c) })
	status, _ := e.post(op.SID, "4second")
	mustEqual(t, "second POST status", status, 400)
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonTransportError)
	pw.Close()
	mustEqual(t, "first POST status", recv(t, firstDone, "first POST"), 400)
	none(t, e.rec.msgs, 20*time.Millisecond, "message from a closed session")
}

func TestPollingParseError(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, _, _ := e.handshake()
	status, body := e.post(op.SID, "4first\x1eabc\x1e4never")
	mustEqual(t, "status", status, 400)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeBadRequest)
	mustEqual(t, "message", recv(t, e.rec.msgs, "message").data, "first")
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonParseError)
	if !errors.Is(ce.err, engineio.ErrInvalidPacket) {
		t.Errorf("close error %v does not wrap ErrInvalidPacket", ce.err)
	}
	none(t, e.rec.msgs, 20*time.Millisecond, "message after the parse error")
	status, _ = e.get(op.SID)
	mustEqual(t, "GET after parse error", status, 400)
}

func TestPollingPayloadTooLarge(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(map[bool]string{false: "content-length", true: "chunked"}[chunked], func(t *testing.T) {
			e := newEnv(t, engineio.Options{MaxHTTPBufferSize: 100})
			op, _, _ := e.handshake()
			if op.MaxPayload != 100 {
				t.Fatalf("maxPayload = %d", op.MaxPayload)
			}
			var body io.Reader = strings.NewReader("4" + strings.Repeat("x", 200))
			if chunked {
				body = io.MultiReader(body) // unknown length
			}
			status, _, _ := e.do("POST", "EIO=4&transport=polling&sid="+op.SID, body, nil)
			mustEqual(t, "status", status, 413)
			// As in Node, the session goes on (the client closes it on its side), and nothing of
			// the refused POST was delivered.
			none(t, e.rec.closes, 50*time.Millisecond, "close after a refused POST")
			none(t, e.rec.msgs, 0, "message from a refused POST")
			status, _ = e.post(op.SID, "4ok")
			mustEqual(t, "status of the next POST", status, 200)
			mustEqual(t, "next message", recv(t, e.rec.msgs, "message").data, "ok")
		})
	}
	e := newEnv(t, engineio.Options{MaxHTTPBufferSize: 100})
	op, _, _ := e.handshake()
	status, _ := e.post(op.SID, "4"+strings.Repeat("x", 99))
	mustEqual(t, "status at the limit", status, 200)
}

func TestPollingBinaryContentTypeRefused(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, _, _ := e.handshake()
	status, _, _ := e.do("POST", "EIO=4&transport=polling&sid="+op.SID, strings.NewReader("4x"),
		http.Header{"Content-Type": {"application/octet-stream"}})
	mustEqual(t, "status", status, 400)
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonTransportError)
}

func TestPollingClientClosePacket(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	pending := e.getAsync(op.SID)
	eventually(t, "the GET to wait", func() bool { return engineio.GetPending(c) })
	status, _ := e.post(op.SID, "4bye\x1e1\x1e4after")
	mustEqual(t, "POST status", status, 200)
	mustEqual(t, "pending GET", recv(t, pending, "GET"), [2]string{"OK", "6"})
	mustEqual(t, "message", recv(t, e.rec.msgs, "message").data, "bye")
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonTransportClose)
	none(t, e.rec.msgs, 20*time.Millisecond, "message after the close packet")
	status, _ = e.get(op.SID)
	mustEqual(t, "GET after close", status, 400)
	select {
	case <-c.Closed():
	default:
		t.Fatal("Closed() not closed")
	}
	if err := c.Send(text("x")); !errors.Is(err, engineio.ErrClosed) {
		t.Fatalf("Send after close = %v, want ErrClosed", err)
	}
}

// A GET that raced the client's close packet gets "6", once.
func TestPollingClientCloseWithoutPendingGet(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, _, _ := e.handshake()
	status, _ := e.post(op.SID, "1")
	mustEqual(t, "POST status", status, 200)
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonTransportClose)
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 0)
	status, body := e.get(op.SID)
	mustEqual(t, "racing GET", [2]any{status, body}, [2]any{200, "6"})
	status, _ = e.get(op.SID)
	mustEqual(t, "next GET", status, 400)
	status, _ = e.post(op.SID, "4x")
	mustEqual(t, "POST", status, 400)
}

func TestPollingClientGoneClosesSession(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"?EIO=4&transport=polling&sid="+url.QueryEscape(op.SID), nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := e.ts.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}()
	eventually(t, "the GET to wait", func() bool { return engineio.GetPending(c) })
	cancel()
	<-done
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonTransportError)
}

func TestPollingUnknownMethodWithSid(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, _, _ := e.handshake()
	status, _, body := e.do("PUT", "EIO=4&transport=polling&sid="+op.SID, nil, nil)
	mustEqual(t, "status", status, 400)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeBadRequest)
	status, _ = e.post(op.SID, "4still open")
	mustEqual(t, "session still open", status, 200)
}

func TestPollingPingFromClientIsAnError(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, _, _ := e.handshake()
	e.post(op.SID, "2")
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonTransportError)
}

func TestOpenSendsFollowOpenPacket(t *testing.T) {
	rec := newRecorder()
	rec.onOpen = func(c *engineio.Conn) { _ = c.Send(text("welcome"), &engineio.Message{Data: []byte{7}, Binary: true}) }
	e := newEnvWith(t, engineio.Options{}, rec)
	_, _, rest := e.handshake()
	mustEqual(t, "after open", strings.Join(rest, "|"), "4welcome|bBw==")
}

func TestOnFlushed(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	flushed := make(chan string, 4)
	c.OnFlushed(func() { flushed <- "nothing queued" }) // at once
	mustEqual(t, "OnFlushed with nothing queued", recv(t, flushed, "OnFlushed"), "nothing queued")

	if err := c.Send(text("a"), text("b")); err != nil {
		t.Fatal(err)
	}
	c.OnFlushed(func() { flushed <- "a b written" })
	select {
	case f := <-flushed:
		t.Fatalf("OnFlushed ran (%s) before any GET took the packets", f)
	case <-time.After(50 * time.Millisecond):
	}
	status, body := e.get(op.SID)
	mustEqual(t, "GET", status, 200)
	mustEqual(t, "payload", body, "4a\x1e4b")
	mustEqual(t, "OnFlushed", recv(t, flushed, "OnFlushed"), "a b written")

	// A session closed with packets unwritten: the callback still runs, once.
	if err := c.Send(text("c")); err != nil {
		t.Fatal(err)
	}
	c.OnFlushed(func() { flushed <- "closed" })
	e.post(op.SID, "1")
	mustEqual(t, "OnFlushed", recv(t, flushed, "OnFlushed"), "closed")
	select {
	case f := <-flushed:
		t.Fatalf("OnFlushed ran again: %s", f)
	case <-time.After(50 * time.Millisecond):
	}
}
