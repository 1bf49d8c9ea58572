package engineio_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosockio/gosockio/socketio/engineio"
)

// probe opens the upgrade WebSocket of sid and exchanges 2probe/3probe.
func (e *env) probe(sid string) *websocket.Conn {
	e.t.Helper()
	ws, _ := e.dial("EIO=4&transport=websocket&sid="+sid, nil)
	writeText(e.t, ws, "2probe")
	mustEqual(e.t, "probe answer", readText(e.t, ws), "3probe")
	return ws
}

func TestUpgrade(t *testing.T) {
	rec := newRecorder()
	rec.echo = true
	e := newEnvWith(t, engineio.Options{}, rec)
	op, c, _ := e.handshake()
	upgraded := make(chan string, 1)
	c.OnUpgrade(func(tr string) { upgraded <- tr })

	pending := e.getAsync(op.SID)
	eventually(t, "the GET to wait", func() bool { return engineio.GetPending(c) })
	ws := e.probe(op.SID)
	mustEqual(t, "pending GET released", recv(t, pending, "GET"), [2]string{"OK", "6"})

	// Queued while probing: must come on the WebSocket after "5", in order.
	for i := range 5 {
		if err := c.Send(text("q" + strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	mustEqual(t, "transport while probing", c.Transport(), "polling")
	writeText(t, ws, "5")
	mustEqual(t, "upgrade event", recv(t, upgraded, "upgrade"), "websocket")
	for i := range 5 {
		mustEqual(t, "queued packet", readText(t, ws), "4q"+strconv.Itoa(i))
	}
	mustEqual(t, "transport", c.Transport(), "websocket")
	writeText(t, ws, "4after")
	mustEqual(t, "echo", readText(t, ws), "4after")

	// Polling requests of the session are now refused.
	status, body := e.get(op.SID)
	mustEqual(t, "GET after upgrade", status, 400)
	code, _ := jsonError(t, body)
	mustEqual(t, "code", code, engineio.CodeBadRequest)
	status, _ = e.post(op.SID, "4x")
	mustEqual(t, "POST after upgrade", status, 400)
	// A second WebSocket for the session is accepted and closed (as Node does).
	ws2, _ := e.dial("EIO=4&transport=websocket&sid="+op.SID, nil)
	if _, err := readUntilClosed(t, ws2); err == nil {
		t.Fatal("second WebSocket not closed")
	}
	writeText(t, ws, "4still")
	mustEqual(t, "echo", readText(t, ws), "4still")
	mustEqual(t, "ClientsCount", e.srv.ClientsCount(), 1)
}

// TestUpgradeExactlyOnceInOrder sends a stream of packets from the server during a whole
// upgrade, with the client following engine.io-client's steps (keep polling while probing, pause
// polling on 3probe, then send 5), and checks that every packet arrives exactly once and in order
// across the two transports.
func TestUpgradeExactlyOnceInOrder(t *testing.T) {
	for round := range 5 {
		t.Run(strconv.Itoa(round), func(t *testing.T) {
			e := newEnv(t, engineio.Options{})
			op, c, _ := e.handshake()
			const n = 3000

			var mu sync.Mutex
			var got []string
			add := func(payload string) {
				mu.Lock()
				defer mu.Unlock()
				for _, p := range strings.Split(payload, "\x1e") {
					if p != "6" {
						got = append(got, p)
					}
				}
			}

			// A third is sent before the probe, a third while the client probes and pauses,
			// the rest once it has paused polling (before and after "5"), so both transports
			// carry packets.
			probing := make(chan struct{})
			pause := make(chan struct{})
			polled := make(chan struct{})
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				for i := range n {
					switch i {
					case n / 3:
						<-probing
					case 2 * n / 3:
						<-polled
					}
					if err := c.Send(text(strconv.Itoa(i))); err != nil {
						t.Errorf("Send %d: %v", i, err)
						return
					}
				}
			}()

			firstPoll := make(chan struct{})
			go func() { // the polling loop, until paused
				defer close(polled)
				for i := 0; ; i++ {
					select {
					case <-pause:
						return
					default:
					}
					status, body := e.get(op.SID)
					if status != 200 {
						t.Errorf("GET: %d %q", status, body)
						return
					}
					add(body)
					if i == 0 {
						close(firstPoll)
					}
				}
			}()

			recv(t, firstPoll, "a first polling response")
			ws, _ := e.dial("EIO=4&transport=websocket&sid="+op.SID, nil)
			writeText(t, ws, "2probe")
			close(probing)
			mustEqual(t, "probe answer", readText(t, ws), "3probe")
			close(pause)
			<-polled // the in-flight GET (released by the probe) has completed
			writeText(t, ws, "5")
			<-sent
			mu.Lock()
			byPolling := len(got)
			mu.Unlock()
			for i := byPolling; i < n; i++ {
				add(readText(t, ws))
			}
			t.Logf("%d packets by polling, %d by websocket", byPolling, n-byPolling)
			if byPolling == 0 || byPolling == n {
				t.Errorf("one transport carried every packet (%d by polling)", byPolling)
			}
			if len(got) != n {
				t.Fatalf("got %d packets, want %d", len(got), n)
			}
			for i, p := range got {
				if p != "4"+strconv.Itoa(i) {
					t.Fatalf("packet %d = %q (packets must arrive once and in order)", i, p)
				}
			}
		})
	}
}

func TestUpgradeTimeout(t *testing.T) {
	e := newEnv(t, engineio.Options{UpgradeTimeout: 50 * time.Millisecond})
	op, c, _ := e.handshake()
	ws := e.probe(op.SID)
	start := time.Now()
	if _, err := readUntilClosed(t, ws); err == nil {
		t.Fatal("probe WebSocket not closed")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("probe closed after %v, want about 50ms", d)
	}
	eventually(t, "the probe to be dropped", func() bool { return !engineio.Upgrading(c) })
	// The session goes on with polling.
	mustEqual(t, "transport", c.Transport(), "polling")
	if err := c.Send(text("still polling")); err != nil {
		t.Fatal(err)
	}
	_, body := e.get(op.SID)
	mustEqual(t, "GET", body, "4still polling")
	none(t, e.rec.closes, 20*time.Millisecond, "close")
}

func TestUpgradeProbeWithUnexpectedPacket(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	ws, _ := e.dial("EIO=4&transport=websocket&sid="+op.SID, nil)
	writeText(t, ws, "4not a probe")
	if _, err := readUntilClosed(t, ws); err == nil {
		t.Fatal("probe WebSocket not closed")
	}
	none(t, e.rec.msgs, 20*time.Millisecond, "message from the probe")
	eventually(t, "the probe to be dropped", func() bool { return !engineio.Upgrading(c) })
	status, _ := e.post(op.SID, "4polling")
	mustEqual(t, "POST", status, 200)
	mustEqual(t, "message", recv(t, e.rec.msgs, "message").data, "polling")
}

func TestUpgradeProbeClosedByClient(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	ws := e.probe(op.SID)
	ws.Close()
	eventually(t, "the probe to be dropped", func() bool { return !engineio.Upgrading(c) })
	status, _ := e.post(op.SID, "4polling")
	mustEqual(t, "POST", status, 200)
	none(t, e.rec.closes, 20*time.Millisecond, "close")
}

func TestUpgradeSecondProbeRefused(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, _, _ := e.handshake()
	e.probe(op.SID)
	ws2, _ := e.dial("EIO=4&transport=websocket&sid="+op.SID, nil)
	if _, err := readUntilClosed(t, ws2); err == nil {
		t.Fatal("second probe not closed")
	}
}

func TestUpgradesDisabled(t *testing.T) {
	e := newEnv(t, engineio.Options{DisableUpgrades: true})
	op, _, _ := e.handshake()
	if len(op.Upgrades) != 0 {
		t.Fatalf("upgrades = %v", op.Upgrades)
	}
	d := websocket.Dialer{HandshakeTimeout: wait}
	ws, resp, err := d.Dial(e.wsURL("EIO=4&transport=websocket&sid="+op.SID), nil)
	if err == nil {
		ws.Close()
		t.Fatal("upgrade accepted")
	}
	if resp == nil || resp.StatusCode != 400 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	// WebSocket-only sessions still work.
	e.wsHandshake()
}

func TestGetDuringUpgradeHeldThenRefusedOnceUpgraded(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	engineio.SetUpgradeCheck(e.srv, time.Hour) // held until the upgrade, however slow the test
	op, c, _ := e.handshake()
	ws := e.probe(op.SID)
	held := e.getAsync(op.SID)
	eventually(t, "the GET to wait", func() bool { return engineio.GetPending(c) })
	writeText(t, ws, "5")
	r := recv(t, held, "held GET")
	mustEqual(t, "held GET", r[0], "Bad Request")
}

func TestGetDuringUpgradeGetsNoopAfterCheckInterval(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, _, _ := e.handshake()
	e.probe(op.SID)
	start := time.Now()
	status, body := e.get(op.SID)
	mustEqual(t, "GET", [2]any{status, body}, [2]any{200, "6"})
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("GET during upgrade answered after %v, want it held ~100ms", d)
	}
}

func TestCloseDuringUpgradeFlushesOnWebSocket(t *testing.T) {
	e := newEnv(t, engineio.Options{})
	op, c, _ := e.handshake()
	ws := e.probe(op.SID)
	if err := c.Send(text("last")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	writeText(t, ws, "5")
	got, err := readUntilClosed(t, ws)
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("read: %v", err)
	}
	mustEqual(t, "flushed", strings.Join(got, "|"), "4last")
	mustEqual(t, "reason", recv(t, e.rec.closes, "OnClose").reason, engineio.ReasonForcedClose)
}
