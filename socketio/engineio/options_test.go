package engineio_test

import (
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio/engineio"
)

func TestOptionsDefaults(t *testing.T) {
	srv, err := engineio.NewServer(engineio.Options{}, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	o := srv.Options()
	mustEqual(t, "Path", o.Path, "/socket.io/")
	mustEqual(t, "PingInterval", o.PingInterval, 25*time.Second)
	mustEqual(t, "PingTimeout", o.PingTimeout, 20*time.Second)
	mustEqual(t, "UpgradeTimeout", o.UpgradeTimeout, 10*time.Second)
	mustEqual(t, "MaxHTTPBufferSize", o.MaxHTTPBufferSize, int64(1e6))
	if !reflect.DeepEqual(o.Transports, []string{"polling", "websocket"}) {
		t.Errorf("Transports = %v", o.Transports)
	}
	mustEqual(t, "MaxQueuedPackets", o.MaxQueuedPackets, 4096)
	mustEqual(t, "MaxQueuedBytes", o.MaxQueuedBytes, 16<<20)
	if o.HTTPCompression == nil || o.HTTPCompression.Disable || o.HTTPCompression.Threshold != 1024 {
		t.Errorf("HTTPCompression = %+v", o.HTTPCompression)
	}
	if o.CORS != nil || o.Cookie != nil || o.PerMessageDeflate != nil {
		t.Errorf("CORS/Cookie/PerMessageDeflate not nil by default")
	}
	if o.Logger == nil {
		t.Error("Logger nil")
	}
}

func TestOptionsFilledAndCopied(t *testing.T) {
	in := engineio.Options{
		Transports:        []string{"websocket"},
		CORS:              &engineio.CORSOptions{Origins: []string{"https://a.example"}},
		Cookie:            &engineio.CookieOptions{},
		PerMessageDeflate: &engineio.DeflateOptions{},
	}
	before := in
	cookieBefore := *in.Cookie
	srv, err := engineio.NewServer(in, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, before) || *in.Cookie != cookieBefore {
		t.Fatal("NewServer modified the caller's Options")
	}
	o := srv.Options()
	mustEqual(t, "Cookie.Name", o.Cookie.Name, "io")
	mustEqual(t, "Cookie.Path", o.Cookie.Path, "/")
	mustEqual(t, "Cookie.SameSite", o.Cookie.SameSite, http.SameSiteLaxMode)
	mustEqual(t, "PerMessageDeflate.Threshold", o.PerMessageDeflate.Threshold, 1024)
	// Later changes by the caller (or to the returned copy) do not reach the server.
	in.CORS.Origins[0] = "https://evil.example"
	in.Transports[0] = "polling"
	o.CORS.Origins[0] = "https://evil.example"
	o2 := srv.Options()
	mustEqual(t, "CORS.Origins", o2.CORS.Origins[0], "https://a.example")
	mustEqual(t, "Transports", o2.Transports[0], "websocket")
}

func TestOptionsInvalid(t *testing.T) {
	for name, o := range map[string]engineio.Options{
		"relative path":     {Path: "socket.io"},
		"negative interval": {PingInterval: -time.Second},
		"negative timeout":  {PingTimeout: -1},
		"negative upgrade":  {UpgradeTimeout: -1},
		"negative buffer":   {MaxHTTPBufferSize: -1},
		"unknown transport": {Transports: []string{"polling", "webtransport"}},
		"negative packets":  {MaxQueuedPackets: -1},
		"negative bytes":    {MaxQueuedBytes: -1},
		"bad deflate level": {PerMessageDeflate: &engineio.DeflateOptions{Level: 12}},
		"bad gzip level":    {HTTPCompression: &engineio.HTTPCompressionOptions{Level: -3}},
		"negative cookie":   {Cookie: &engineio.CookieOptions{MaxAge: -time.Second}},
		"negative CORS age": {CORS: &engineio.CORSOptions{MaxAge: -time.Second}},
	} {
		_, err := engineio.NewServer(o, newRecorder())
		if err == nil || !strings.HasPrefix(err.Error(), "engineio: ") {
			t.Errorf("%s: NewServer error = %v", name, err)
		}
	}
	if _, err := engineio.NewServer(engineio.Options{}, nil); err == nil {
		t.Error("NewServer accepted a nil Handler")
	}
}

func TestListeners(t *testing.T) {
	rec := newRecorder()
	var mu sync.Mutex
	var events []string
	add := func(s string) {
		mu.Lock()
		events = append(events, s)
		mu.Unlock()
	}
	rec.onOpen = func(c *engineio.Conn) {
		c.OnPacket(func(p engineio.Packet) { add("packet " + p.Type.String() + " " + string(p.Data)) })
		c.OnPacketCreate(func(p engineio.Packet) { add("create " + p.Type.String() + " " + string(p.Data)) })
		c.OnDrain(func() { add("drain") })
		c.OnHeartbeat(func() { add("heartbeat") })
		c.OnClose(func(reason string, err error) { add("close " + reason) })
	}
	e := newEnvWith(t, engineio.Options{PingInterval: 500 * time.Millisecond, PingTimeout: time.Second}, rec)
	op, c, _ := e.handshake()
	e.post(op.SID, "4in")
	_ = c.Send(text("out"))
	_, body := e.get(op.SID)
	mustEqual(t, "GET", body, "4out")
	_, body = e.get(op.SID) // the ping
	mustEqual(t, "ping", body, "2")
	e.post(op.SID, "3")
	c.Close()
	e.get(op.SID)
	recv(t, rec.closes, "OnClose")
	mu.Lock()
	got := strings.Join(events, "|")
	mu.Unlock()
	want := "drain|packet message in|create message out|drain|create ping |drain|packet pong |heartbeat|close forced close"
	mustEqual(t, "events", got, want)

	// OnClose after the close runs at once.
	late := make(chan string, 1)
	c.OnClose(func(reason string, _ error) { late <- reason })
	mustEqual(t, "late OnClose", recv(t, late, "late OnClose"), engineio.ReasonForcedClose)
}

func TestHandlerPanicClosesOnlyThatSession(t *testing.T) {
	rec := newRecorder()
	rec.onMsg = func(c *engineio.Conn, data []byte, _ bool) {
		if string(data) == "boom" {
			panic("boom")
		}
	}
	e := newEnvWith(t, engineio.Options{}, rec)
	op, _, _ := e.handshake()
	op2, _, _ := e.handshake()
	e.post(op.SID, "4boom")
	ce := recv(t, rec.closes, "OnClose")
	mustEqual(t, "sid", ce.sid, op.SID)
	mustEqual(t, "reason", ce.reason, engineio.ReasonTransportError)
	status, _ := e.post(op2.SID, "4fine")
	mustEqual(t, "other session", status, 200)
	mustEqual(t, "message", recv(t, rec.msgs, "message").data, "fine")

	ws, _, _ := e.wsHandshake()
	writeText(t, ws, "4boom")
	mustEqual(t, "ws reason", recv(t, rec.closes, "OnClose").reason, engineio.ReasonTransportError)
}

func TestOpenPanicRefusesSession(t *testing.T) {
	rec := newRecorder()
	rec.onOpen = func(*engineio.Conn) { panic("no") }
	e := newEnvWith(t, engineio.Options{}, rec)
	status, _, _ := e.do("GET", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "status", status, 400)
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 0)
}

func TestOnCloseAfterLastOnMessage(t *testing.T) {
	// The handler closes the session from OnMessage while messages keep arriving: OnClose must
	// come once, after the last OnMessage (recConn panics otherwise).
	rec := newRecorder()
	rec.onMsg = func(c *engineio.Conn, data []byte, _ bool) {
		if string(data) == "3" {
			_ = c.Send(make([]*engineio.Message, 5000)...) // nil messages: refused
			c.Close()
		}
	}
	e := newEnvWith(t, engineio.Options{}, rec)
	ws, _, _ := e.wsHandshake()
	for i := range 10 {
		writeText(t, ws, "4"+itoa(i))
	}
	for i := range 4 {
		mustEqual(t, "message", recv(t, rec.msgs, "message").data, itoa(i))
	}
	mustEqual(t, "reason", recv(t, rec.closes, "OnClose").reason, engineio.ReasonForcedClose)
	none(t, rec.msgs, 20*time.Millisecond, "message after Close")
}

func TestCloseDuringOpenReachesHandler(t *testing.T) {
	rec := newRecorder()
	rec.onOpen = func(c *engineio.Conn) {
		if err := c.Send(text("too much")); err == nil { // the open packet fills the queue
			t.Error("Send did not overflow")
		}
	}
	e := newEnvWith(t, engineio.Options{MaxQueuedPackets: 1}, rec)
	status, _, _ := e.do("GET", "EIO=4&transport=polling", nil, nil)
	mustEqual(t, "status", status, 400)
	recv(t, rec.opened, "Open")
	mustEqual(t, "reason", recv(t, rec.closes, "OnClose").reason, engineio.ReasonTransportError)
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 0)
}
