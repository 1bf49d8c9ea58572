package engineio_test

import (
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio/engineio"
)

var fastHeartbeat = engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}

// pingPong has frequent pings and a pong deadline a loaded machine can still meet.
var pingPong = engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 400 * time.Millisecond}

func TestHeartbeatPolling(t *testing.T) {
	e := newEnv(t, pingPong)
	op, c, _ := e.handshake()
	mustEqual(t, "pingInterval", op.PingInterval, 50)
	mustEqual(t, "pingTimeout", op.PingTimeout, 400)
	beats := make(chan struct{}, 10)
	c.OnHeartbeat(func() { beats <- struct{}{} })
	for range 3 {
		status, body := e.get(op.SID) // waits for the ping
		mustEqual(t, "ping", [2]any{status, body}, [2]any{200, "2"})
		status, _ = e.post(op.SID, "3")
		mustEqual(t, "pong POST", status, 200)
		recv(t, beats, "heartbeat")
	}
	// No pong: closed within about interval + timeout.
	start := time.Now()
	mustEqual(t, "ping", func() string { _, b := e.get(op.SID); return b }(), "2")
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonPingTimeout)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("ping timeout %v after the ping, want about 400ms", d)
	}
	status, _ := e.get(op.SID)
	mustEqual(t, "GET after ping timeout", status, 400)
}

func TestHeartbeatPollingTimeoutWithoutClient(t *testing.T) {
	e := newEnv(t, fastHeartbeat)
	start := time.Now() // the heartbeat starts after this
	e.handshake()
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonPingTimeout)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("ping timeout after %v, want >= interval + timeout (100ms)", d)
	}
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 0)
}

func TestHeartbeatWebSocket(t *testing.T) {
	e := newEnv(t, pingPong)
	ws, _, c := e.wsHandshake()
	beats := make(chan struct{}, 10)
	c.OnHeartbeat(func() { beats <- struct{}{} })
	for range 3 {
		mustEqual(t, "ping", readText(t, ws), "2")
		writeText(t, ws, "3")
		recv(t, beats, "heartbeat")
	}
	mustEqual(t, "ping", readText(t, ws), "2")
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonPingTimeout)
	if _, err := readUntilClosed(t, ws); err == nil {
		t.Fatal("WebSocket not closed after ping timeout")
	}
}

// Pings keep flowing while messages are exchanged.
func TestHeartbeatWithTraffic(t *testing.T) {
	rec := newRecorder()
	rec.echo = true
	// Pings every 50ms; a generous pong deadline, as this test is not about timeouts.
	e := newEnvWith(t, engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 5 * time.Second}, rec)
	ws, _, _ := e.wsHandshake()
	pings := 0
	deadline := time.Now().Add(wait)
	for pings < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d pings in %v with a 50ms interval", pings, wait)
		}
		writeText(t, ws, "4x")
		switch msg := readText(t, ws); msg {
		case "2":
			pings++
			writeText(t, ws, "3")
			mustEqual(t, "echo", readText(t, ws), "4x")
		case "4x":
		default:
			t.Fatalf("unexpected %q", msg)
		}
	}
	none(t, rec.closes, 10*time.Millisecond, "close")
}

// TestClosingSessionEndsByPingTimeout: a graceful close waiting for a polling client that is gone
// (no GET comes to carry the close packet) ends by the ping timeout, as in Node, not by the close
// timeout (30 s with the default timings, on top of the 45 s connect timeout: 75 s).
func TestClosingSessionEndsByPingTimeout(t *testing.T) {
	e := newEnv(t, engineio.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	engineio.SetCloseTimeout(e.srv, time.Hour)
	_, c, _ := e.handshake() // then the client goes away: no GET, no pong
	c.Close()
	ce := recv(t, e.rec.closes, "OnClose") // within wait (seconds), not the hour of the close timeout
	mustEqual(t, "reason", ce.reason, engineio.ReasonForcedClose)
}
