package engineio_test

import (
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio/engineio"
)

var fastHeartbeat = engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}

func TestHeartbeatPolling(t *testing.T) {
	e := newEnv(t, fastHeartbeat)
	op, c, _ := e.handshake()
	mustEqual(t, "pingInterval", op.PingInterval, 50)
	mustEqual(t, "pingTimeout", op.PingTimeout, 50)
	beats := make(chan struct{}, 10)
	c.OnHeartbeat(func() { beats <- struct{}{} })
	for range 3 {
		start := time.Now()
		status, body := e.get(op.SID)
		mustEqual(t, "ping", [2]any{status, body}, [2]any{200, "2"})
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Errorf("ping after %v, want about 50ms", d)
		}
		status, _ = e.post(op.SID, "3")
		mustEqual(t, "pong POST", status, 200)
		recv(t, beats, "heartbeat")
	}
	// No pong: closed within about interval + timeout.
	start := time.Now()
	mustEqual(t, "ping", func() string { _, b := e.get(op.SID); return b }(), "2")
	ce := recv(t, e.rec.closes, "OnClose")
	mustEqual(t, "reason", ce.reason, engineio.ReasonPingTimeout)
	if d := time.Since(start); d > time.Second {
		t.Errorf("ping timeout after %v", d)
	}
	status, _ := e.get(op.SID)
	mustEqual(t, "GET after ping timeout", status, 400)
}

func TestHeartbeatPollingTimeoutWithoutClient(t *testing.T) {
	e := newEnv(t, fastHeartbeat)
	e.handshake()
	start := time.Now()
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonPingTimeout)
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("ping timeout after %v, want >= interval + timeout (100ms)", d)
	}
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 0)
}

func TestHeartbeatWebSocket(t *testing.T) {
	e := newEnv(t, fastHeartbeat)
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

// Pings keep flowing while messages are exchanged, and a late pong is a timeout.
func TestHeartbeatWithTraffic(t *testing.T) {
	rec := newRecorder()
	rec.echo = true
	e := newEnvWith(t, fastHeartbeat, rec)
	ws, _, _ := e.wsHandshake()
	pings := 0
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
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
	if pings < 2 {
		t.Fatalf("%d pings in 300ms with a 50ms interval", pings)
	}
	none(t, rec.closes, 10*time.Millisecond, "close")
}
