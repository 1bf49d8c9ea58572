package client_test

// The client speaks what the engine.io-protocol and socket.io-protocol test suites expect of a
// client (github.com/socketio/engine.io-protocol and socket.io-protocol, test-suite/): a fake
// server records every request and packet of the client and scripts the server's side, so that
// each test asserts the client's bytes on the wire.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/gosockio/gosockio/client"
)

// wirePacket is one Engine.IO packet the client sent.
type wirePacket struct {
	via  string // "polling", "probe" (the WebSocket before the upgrade completes), "websocket"
	text string // a text packet, as encoded ("40", "42[…]", "3")
	bin  []byte // a binary message (polling's "b"+base64 decoded), nil for text
}

func (p wirePacket) String() string {
	if p.bin != nil {
		return fmt.Sprintf("%s:binary%v", p.via, p.bin)
	}
	return p.via + ":" + p.text
}

// wireRequest is an HTTP request of the client, the WebSocket handshakes included.
type wireRequest struct {
	method string
	query  url.Values
	header http.Header
	body   string // a POST's body
}

// fakeIO is a scripted Engine.IO server that records what the client sends.
type fakeIO struct {
	t         *testing.T
	url       string
	handshake map[string]any
	done      chan struct{}
	packets   chan wirePacket

	mu       sync.Mutex
	requests []wireRequest
	out      []string // packets for the next GET, encoded
	outWake  chan struct{}
	ws       *websocket.Conn // the session's WebSocket, once open or upgraded
	wsMu     sync.Mutex      // serialises writes on ws
	probed   bool            // a probe arrived: GETs get noops
	sessions int
	closeGet bool // the next GET closes the session ("1")
}

// newFakeIO starts a fake server whose handshakes advertise upgrades (nil: none) and the given
// maxPayload.
func newFakeIO(t *testing.T, upgrades []string, maxPayload int) *fakeIO {
	if upgrades == nil {
		upgrades = []string{}
	}
	f := &fakeIO{t: t, done: make(chan struct{}), packets: make(chan wirePacket, 1000), outWake: make(chan struct{}, 1),
		handshake: map[string]any{"upgrades": upgrades, "pingInterval": 25000, "pingTimeout": 20000, "maxPayload": maxPayload}}
	hs := httptest.NewServer(http.HandlerFunc(f.serve))
	f.url = hs.URL
	t.Cleanup(func() {
		close(f.done)
		hs.CloseClientConnections()
		hs.Close()
	})
	return f
}

func (f *fakeIO) sid() string { return fmt.Sprintf("sid%d", f.sessions) }

func (f *fakeIO) openPacket() string {
	h := maps.Clone(f.handshake)
	h["sid"] = f.sid()
	b, _ := json.Marshal(h)
	return "0" + string(b)
}

func (f *fakeIO) record(r *http.Request, body string) {
	if debugFake {
		f.t.Logf("%s %v %q", r.Method, r.URL.Query(), body)
	}
	f.mu.Lock()
	f.requests = append(f.requests, wireRequest{method: r.Method, query: r.URL.Query(), header: r.Header.Clone(), body: body})
	f.mu.Unlock()
}

func (f *fakeIO) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("transport") == "websocket" {
		f.serveWS(w, r)
		return
	}
	switch {
	case r.Method == http.MethodGet && q.Get("sid") == "":
		f.record(r, "")
		f.mu.Lock()
		f.sessions++
		f.out, f.probed, f.ws, f.closeGet = nil, false, nil, false
		open := f.openPacket()
		f.mu.Unlock()
		io.WriteString(w, open)
	case r.Method == http.MethodPost:
		b, _ := io.ReadAll(r.Body)
		f.record(r, string(b))
		for _, part := range strings.Split(string(b), "\x1e") {
			p := wirePacket{via: "polling", text: part}
			if strings.HasPrefix(part, "b") {
				p.text = ""
				p.bin, _ = base64.StdEncoding.DecodeString(part[1:])
			}
			f.packets <- p
		}
		io.WriteString(w, "ok")
	case r.Method == http.MethodGet:
		f.record(r, "")
		for {
			f.mu.Lock()
			out, probed, closeGet := f.out, f.probed, f.closeGet
			f.out, f.closeGet = nil, false
			f.mu.Unlock()
			switch {
			case closeGet:
				io.WriteString(w, "1")
				return
			case len(out) > 0:
				io.WriteString(w, strings.Join(out, "\x1e"))
				return
			case probed:
				io.WriteString(w, "6") // as engine.io: noops end the polls of an upgrading session
				return
			}
			select {
			case <-f.outWake:
			case <-time.After(20 * time.Millisecond):
			case <-f.done:
				return
			}
		}
	default:
		http.Error(w, "bad request", http.StatusBadRequest)
	}
}

var debugFake = false

var fakeUpgrader = websocket.Upgrader{}

func (f *fakeIO) serveWS(w http.ResponseWriter, r *http.Request) {
	f.record(r, "")
	conn, err := fakeUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	via := "probe"
	if r.URL.Query().Get("sid") == "" {
		f.mu.Lock()
		f.sessions++
		f.ws = conn
		open := f.openPacket()
		f.mu.Unlock()
		f.writeWS(conn, open)
		via = "websocket"
	}
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		p := wirePacket{via: via, text: string(data)}
		if mt == websocket.BinaryMessage {
			p.text, p.bin = "", data
		}
		f.packets <- p
		if via == "probe" {
			switch string(data) {
			case "2probe":
				f.writeWS(conn, "3probe")
				f.mu.Lock()
				f.probed = true
				f.mu.Unlock()
			case "5":
				f.mu.Lock()
				f.ws = conn
				out := f.out
				f.out = nil
				f.mu.Unlock()
				via = "websocket"
				for _, p := range out {
					f.writeWS(conn, p)
				}
			}
		}
	}
}

func (f *fakeIO) writeWS(conn *websocket.Conn, p string) {
	f.wsMu.Lock()
	defer f.wsMu.Unlock()
	if strings.HasPrefix(p, "b") {
		b, _ := base64.StdEncoding.DecodeString(p[1:])
		conn.WriteMessage(websocket.BinaryMessage, b)
		return
	}
	conn.WriteMessage(websocket.TextMessage, []byte(p))
}

// send sends Engine.IO packets to the client, together ("b"+base64 for binary ones): on the
// session's WebSocket once there is one, else with the next GET.
func (f *fakeIO) send(pkts ...string) {
	f.mu.Lock()
	ws := f.ws
	if ws == nil {
		f.out = append(f.out, pkts...)
	}
	f.mu.Unlock()
	if ws == nil {
		select {
		case f.outWake <- struct{}{}:
		default:
		}
		return
	}
	for _, p := range pkts {
		f.writeWS(ws, p)
	}
}

// closeSession ends the polling session from the server's side (a close packet).
func (f *fakeIO) closeSession() {
	f.mu.Lock()
	f.closeGet = true
	f.mu.Unlock()
	select {
	case f.outWake <- struct{}{}:
	default:
	}
}

// next returns the next packet the client sent.
func (f *fakeIO) next() wirePacket {
	f.t.Helper()
	return recv(f.t, f.packets)
}

// expect asserts the next packets the client sent, as "via:text" (binary: "via:binary[1 2 3]").
func (f *fakeIO) expect(want ...string) {
	f.t.Helper()
	for _, w := range want {
		if p := f.next(); p.String() != w {
			f.t.Fatalf("client sent %s, want %s", p, w)
		}
	}
}

// requestsSoFar returns the requests recorded until now.
func (f *fakeIO) requestsSoFar() []wireRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func fakeManager(t *testing.T, f *fakeIO, o client.Options) *client.Manager {
	t.Helper()
	o.Logger = quiet
	m, err := client.NewManager(f.url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestProtocolPolling: the handshake request, CONNECT with and without auth and to a custom
// namespace, pongs, events, acks with ids, binary attachments as placeholders followed by "b"
// packets in one POST separated by \x1e, namespace DISCONNECT, and the close packet.
func TestProtocolPolling(t *testing.T) {
	f := newFakeIO(t, nil, 1000000)
	m := fakeManager(t, f, client.Options{Transports: []string{"polling"}, Auth: map[string]any{"token": "123"},
		Header: http.Header{"X-Custom": {"v"}}, Query: url.Values{"q": {"1"}}})
	s := m.Socket("/", nil)
	s.On("message-with-ack", func(ev *client.Event) error {
		vals, err := ev.Values()
		if err != nil {
			return err
		}
		return ev.Ack(vals...)
	})
	connected := make(chan struct{}, 1)
	s.OnConnect(func() { connected <- struct{}{} })
	s.Connect()

	f.expect(`polling:40{"token":"123"}`)
	reqs := f.requestsSoFar()
	hs := reqs[0]
	if hs.method != http.MethodGet || hs.query.Get("EIO") != "4" || hs.query.Get("transport") != "polling" ||
		hs.query.Has("sid") || hs.query.Get("t") == "" || hs.query.Get("q") != "1" || hs.header.Get("X-Custom") != "v" {
		t.Fatalf("handshake request %s %v %v", hs.method, hs.query, hs.header)
	}
	for _, r := range reqs[1:] {
		if r.query.Get("sid") != "sid1" || r.query.Get("EIO") != "4" || r.query.Get("transport") != "polling" {
			t.Fatalf("request %s %v", r.method, r.query)
		}
		if r.method == http.MethodPost && r.header.Get("Content-Type") != "text/plain;charset=UTF-8" {
			t.Fatalf("POST Content-Type %q", r.header.Get("Content-Type"))
		}
	}
	f.send(`40{"sid":"abc"}`)
	recv(t, connected)
	if s.ID() != "abc" {
		t.Fatalf("id %q", s.ID())
	}

	// Heartbeat: each ping gets a pong.
	for range 3 {
		f.send("2")
		f.expect("polling:3")
	}

	// An event with an ack and binary attachments: "452-0[…]" then both attachments, in one POST.
	ack := make(chan error, 1)
	go func() {
		a, err := s.Timeout(10*time.Second).EmitWithAck(context.Background(), "message", []byte{1, 2, 3}, map[string]any{"deep": []any{[]byte{4, 5, 6}}})
		if err == nil && string(a.Raw(0)) != `"ok"` {
			err = fmt.Errorf("ack %s", a.Raw(0))
		}
		ack <- err
	}()
	f.expect(`polling:452-0["message",{"_placeholder":true,"num":0},{"deep":[{"_placeholder":true,"num":1}]}]`,
		"polling:binary[1 2 3]", "polling:binary[4 5 6]")
	if !postHas(f, "452-0[\"message\",{\"_placeholder\":true,\"num\":0},{\"deep\":[{\"_placeholder\":true,\"num\":1}]}]\x1ebAQID\x1ebBAUG") {
		t.Fatalf("no POST holds the binary event and its attachments: %q", f.requestsSoFar())
	}
	f.send(`430["ok"]`)
	if err := recv(t, ack); err != nil {
		t.Fatal(err)
	}
	// The next ack id is 1; a plain event carries none.
	go s.Timeout(10*time.Second).EmitWithAck(context.Background(), "second")
	f.expect(`polling:421["second"]`)
	s.Emit("plain", 1, "2", map[string]any{"3": []any{true}})
	f.expect(`polling:42["plain",1,"2",{"3":[true]}]`)

	// The server's events with acks, text and binary (the suite's "message-with-ack").
	f.send(`42456["message-with-ack",1,"2",{"3":[false]}]`)
	f.expect(`polling:43456[1,"2",{"3":[false]}]`)
	f.send(`452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, "bAQID", "bBAUG")
	f.expect(`polling:462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`,
		"polling:binary[1 2 3]", "polling:binary[4 5 6]")

	// A custom namespace with its own auth, refused and accepted; then its DISCONNECT.
	bad := m.Socket("/random", nil)
	refused := make(chan error, 1)
	bad.OnConnectError(func(err error) { refused <- err })
	bad.Connect()
	f.expect(`polling:40/random,{"token":"123"}`)
	f.send(`44/random,{"message":"Invalid namespace"}`)
	var ce *client.ConnectError
	if err := recv(t, refused); !errors.As(err, &ce) || ce.Message != "Invalid namespace" || ce.Data != nil {
		t.Fatalf("connect_error %v", err)
	}
	custom := m.Socket("/custom", map[string]any{"token": "abc"})
	customUp := make(chan struct{}, 1)
	custom.OnConnect(func() { customUp <- struct{}{} })
	custom.Connect()
	f.expect(`polling:40/custom,{"token":"abc"}`)
	f.send(`40/custom,{"sid":"c1"}`)
	recv(t, customUp)
	go custom.Timeout(10*time.Second).EmitWithAck(context.Background(), "hi")
	f.expect(`polling:42/custom,0["hi"]`)
	custom.Disconnect()
	f.expect(`polling:41/custom,`)

	// Closing the last Socket: its DISCONNECT, then the Engine.IO close packet.
	s.Close()
	f.expect("polling:41", "polling:1")
}

// postHas reports whether a POST body holds want between separators.
func postHas(f *fakeIO, want string) bool {
	for _, r := range f.requestsSoFar() {
		if r.method == http.MethodPost && strings.Contains("\x1e"+r.body+"\x1e", "\x1e"+want+"\x1e") {
			return true
		}
	}
	return false
}

// TestProtocolWebSocket: WebSocket only: the handshake request has no sid, each packet is one
// message, binary attachments are binary frames of the raw bytes, pings get pongs.
func TestProtocolWebSocket(t *testing.T) {
	f := newFakeIO(t, nil, 1000000)
	m := fakeManager(t, f, client.Options{Transports: []string{"websocket"}})
	s := m.Socket("/", nil)
	connected := make(chan struct{}, 1)
	s.OnConnect(func() { connected <- struct{}{} })
	s.Connect()
	f.expect("websocket:40")
	hs := f.requestsSoFar()[0]
	if hs.query.Get("EIO") != "4" || hs.query.Get("transport") != "websocket" || hs.query.Has("sid") {
		t.Fatalf("handshake %v", hs.query)
	}
	f.send(`40{"sid":"w"}`)
	recv(t, connected)
	f.send("2")
	f.expect("websocket:3")
	s.Emit("bin", []byte{1, 2, 3})
	f.expect(`websocket:451-["bin",{"_placeholder":true,"num":0}]`, "websocket:binary[1 2 3]")
	got := make(chan []any, 1)
	s.On("bytes", func(ev *client.Event) error { v, err := ev.Values(); got <- v; return err })
	f.send(`451-["bytes",{"_placeholder":true,"num":0}]`, "bCQg=")
	if v := recv(t, got); len(v) != 1 || !bytes.Equal(v[0].([]byte), []byte{9, 8}) {
		t.Fatalf("binary event %v", v)
	}
	// A new auth for the next connection (socket.auth = …), on a new session.
	s.Disconnect()
	f.expect("websocket:41", "websocket:1")
	s.SetAuth(func() any { return map[string]any{"token": "new"} })
	s.Connect()
	f.expect(`websocket:40{"token":"new"}`)
	s.Close()
	f.expect("websocket:1")
}

// TestProtocolUpgrade: the upgrade as the suites run it: a WebSocket with the session's sid,
// "2probe", the server's "3probe", then "5" once polling has stopped, and every later packet on
// the WebSocket.
func TestProtocolUpgrade(t *testing.T) {
	f := newFakeIO(t, []string{"websocket"}, 1000000)
	m := fakeManager(t, f, client.Options{})
	upgraded := make(chan string, 1)
	m.OnUpgrade(func(tr string) { upgraded <- tr })
	s := m.Socket("/", nil)
	s.Connect()
	// The CONNECT goes by polling, or on the WebSocket when the upgrade was first; the probe
	// runs meanwhile.
	var seq []string
	for !slices.Contains(seq, "probe:5") || !slices.Contains(seq, "polling:40") && !slices.Contains(seq, "websocket:40") {
		seq = append(seq, f.next().String())
	}
	probe, five := slices.Index(seq, "probe:2probe"), slices.Index(seq, "probe:5")
	if len(seq) != 3 || probe < 0 || five < probe || slices.Index(seq, "websocket:40") >= 0 && slices.Index(seq, "websocket:40") < five {
		t.Fatalf("client sent %v, want 40 (by polling, or on the WebSocket after 5), probe:2probe, probe:5", seq)
	}
	var probeReq wireRequest
	for _, r := range f.requestsSoFar() {
		if r.query.Get("transport") == "websocket" {
			probeReq = r
		}
	}
	if probeReq.query.Get("sid") != "sid1" || probeReq.query.Get("EIO") != "4" {
		t.Fatalf("probe request %v", probeReq.query)
	}
	tr := recv(t, upgraded)
	if tr != "websocket" || m.Transport() != "websocket" {
		t.Fatalf("upgraded to %q, transport %q", tr, m.Transport())
	}
	n := len(f.requestsSoFar())
	f.send(`40{"sid":"u"}`)
	for i := range 20 {
		s.Emit("n", i)
	}
	for i := range 20 {
		f.expect(fmt.Sprintf(`websocket:42["n",%d]`, i))
	}
	f.send("2")
	f.expect("websocket:3")
	if after := f.requestsSoFar()[n:]; len(after) != 0 {
		t.Fatalf("HTTP requests after the upgrade: %v", after)
	}
}

// TestProtocolEventsAcrossUpgrade: events emitted from the start, while the CONNECT is answered
// and the probe runs, are sent once each, in order, some by polling and the rest on the WebSocket
// after "5".
func TestProtocolEventsAcrossUpgrade(t *testing.T) {
	f := newFakeIO(t, []string{"websocket"}, 1000000)
	m := fakeManager(t, f, client.Options{})
	s := m.Socket("/", nil)
	s.Connect()
	const n = 200
	go func() {
		for i := range n {
			s.Emit("n", i)
		}
	}()
	next, upgraded, probed := 0, false, false
	for next < n {
		p := f.next()
		switch {
		case p.text == "40" && p.via != "probe":
			if p.via == "websocket" != upgraded {
				t.Fatalf("CONNECT on %s (upgraded %v)", p.via, upgraded)
			}
			f.send(`40{"sid":"x"}`)
		case p.String() == "probe:2probe":
			probed = true
		case p.String() == "probe:5":
			if !probed {
				t.Fatal("5 before 2probe")
			}
			upgraded = true
		case p.text == fmt.Sprintf(`42["n",%d]`, next):
			if (p.via == "websocket") != upgraded {
				t.Fatalf("event %d on %s (upgraded %v)", next, p.via, upgraded)
			}
			next++
		default:
			t.Fatalf("client sent %s, want event %d", p, next)
		}
	}
}

// TestProtocolMaxPayload: polling POSTs stay within the handshake's maxPayload.
func TestProtocolMaxPayload(t *testing.T) {
	const maxPayload = 100
	f := newFakeIO(t, nil, maxPayload)
	m := fakeManager(t, f, client.Options{Transports: []string{"polling"}})
	s := m.Socket("/", nil)
	for i := range 30 {
		s.Emit("buffered", fmt.Sprintf("%020d", i)) // 36 bytes each
	}
	s.Connect()
	f.expect("polling:40")
	f.send(`40{"sid":"p"}`)
	for i := range 30 {
		f.expect(fmt.Sprintf(`polling:42["buffered","%020d"]`, i))
	}
	posts := 0
	for _, r := range f.requestsSoFar() {
		if r.method == http.MethodPost {
			posts++
			if len(r.body) > maxPayload {
				t.Fatalf("POST of %d bytes, over maxPayload %d", len(r.body), maxPayload)
			}
		}
	}
	if posts < 30*37/maxPayload {
		t.Fatalf("%d POSTs", posts)
	}
}

// TestProtocolRecovery: with connection-state recovery (a pid in the CONNECT answer) the client
// sends {pid, offset} (with its auth) in the CONNECT of the next session, the offset being the
// last argument of the last event received.
func TestProtocolRecovery(t *testing.T) {
	f := newFakeIO(t, nil, 1000000)
	m := fakeManager(t, f, client.Options{Transports: []string{"polling"}, Auth: map[string]any{"token": "t"},
		ReconnectionDelay: 10 * time.Millisecond, RandomizationFactor: -1})
	s := m.Socket("/", nil)
	connected := make(chan struct{}, 2)
	s.OnConnect(func() { connected <- struct{}{} })
	got := make(chan string, 2)
	s.On("ev", client.Handle(func(_ *client.Event, x string) error { got <- x; return nil }))
	reasons := make(chan string, 1)
	s.OnDisconnect(func(r string) { reasons <- r })
	s.Connect()
	f.expect(`polling:40{"token":"t"}`)
	f.send(`40{"sid":"a","pid":"P1"}`)
	recv(t, connected)
	f.send(`42["ev","x","OFF-1"]`, `42["ev","y","OFF-2"]`)
	recv(t, got)
	recv(t, got)
	f.closeSession()
	if r := recv(t, reasons); r != client.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
	p := f.next()
	var auth map[string]any
	if p.via != "polling" || !strings.HasPrefix(p.text, "40{") || json.Unmarshal([]byte(p.text[2:]), &auth) != nil ||
		auth["pid"] != "P1" || auth["offset"] != "OFF-2" || auth["token"] != "t" || len(auth) != 3 {
		t.Fatalf("CONNECT after the lost session: %s", p)
	}
	f.send(`40{"sid":"a","pid":"P1"}`)
	recv(t, connected)
	if !s.Recovered() {
		t.Fatal("not recovered")
	}
}
