package test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The JS client scenarios (js/client-scenarios.js) run against two servers with the same
// server-side behaviour: the Go scenario server (interop_test.go, newScenarioServer) and Node's
// socket.io 4.8.4 (js/scenario-server.js). The expectations of the scenarios are Node's: a
// scenario must pass against Node, and the Go server must do the same.

// clientScenarios are the scenarios of js/client-scenarios.js that run on their own against a
// fresh server (reconnect needs the server restarted: TestJSClientReconnectAfterRestart).
var clientScenarios = []string{
	"polling", "websocket", "upgrade", "namespaces", "auth", "acks", "binary", "rooms", "volatile",
	"disconnects", "handshake", "json", "json-key-order", "lone-surrogates", "invalid-packets", "invalid-packet-reason",
	"payload-limit-websocket", "payload-limit-polling",
}

// goDifferences are the scenarios in which the Go server does not do what Node's does, with the
// difference. Against the Go server they still run: a failure skips the subtest with the
// scenario's output in the log, and a pass fails it, so that the entry goes once the servers agree.
var goDifferences = map[string]string{
	"json-key-order": "Event.Values returns objects as map[string]any, so an object the Go server reads " +
		"from an event and sends back has its keys sorted (\"-1\", \"01\", \"10\", \"2\", \"a\", \"b\"), where " +
		"Node keeps JavaScript's order (\"2\", \"10\", \"b\", \"a\", \"-1\", \"01\"); Event.Raw keeps it",
	"lone-surrogates": "strings are UTF-8 in Go: a lone UTF-16 surrogate (\"\\ud800\") read from an event " +
		"becomes U+FFFD, where Node's server echoes it unchanged",
	"invalid-packet-reason": `a malformed packet closes the connection on both servers, but the Go ` +
		`server's disconnect reason is "parse error" where Node's is "forced close"`,
}

// scenarioTarget is a server the client scenarios run against.
type scenarioTarget struct {
	name string
	// start serves on addr ("127.0.0.1:0": any port) and returns the base URL and a func that
	// stops the server as a shutting-down server does (its clients see their transport close).
	start func(t testing.TB, addr string) (url string, stop func())
}

var scenarioTargets = []scenarioTarget{
	{"go", func(t testing.TB, addr string) (string, func()) {
		_, url, stop := startScenarioServer(t, addr)
		return url, stop
	}},
	{"node", startNodeScenarioServer},
}

func TestJSClient(t *testing.T) {
	requireNode(t)
	for _, target := range scenarioTargets {
		t.Run(target.name, func(t *testing.T) {
			for _, sc := range clientScenarios {
				t.Run(sc, func(t *testing.T) {
					url, _ := target.start(t, "127.0.0.1:0")
					ctx, cancel := context.WithTimeout(context.Background(), 65*time.Second)
					defer cancel()
					err := startNode(t, ctx, "client-scenarios.js", sc, url).result(60 * time.Second)
					checkScenario(t, target.name, sc, err)
				})
			}
		})
	}
}

// checkScenario judges a scenario's outcome against target, known differences included.
func checkScenario(t testing.TB, target, scenario string, err error) {
	t.Helper()
	why, known := goDifferences[scenario]
	known = known && target == "go"
	switch {
	case known && err == nil:
		t.Fatalf("scenario %q now passes against the Go server: remove it from goDifferences", scenario)
	case known:
		t.Skipf("known difference from Node's server: %s (scenario failed: %v)", why, err)
	case err != nil:
		t.Fatalf("scenario %q against the %s server: %v", scenario, target, err)
	}
}

// TestJSClientReconnectAfterRestart stops the server under a connected client and starts a new
// one on the same address: the client must reconnect by itself.
func TestJSClientReconnectAfterRestart(t *testing.T) {
	requireNode(t)
	for _, target := range scenarioTargets {
		t.Run(target.name, func(t *testing.T) {
			url, stop := target.start(t, "127.0.0.1:0")
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			p := startNode(t, ctx, "client-scenarios.js", "reconnect", url)
			p.waitLine(t, "ready-for-restart", 15*time.Second)
			stop()
			target.start(t, strings.TrimPrefix(url, "http://"))
			p.wait(t, 30*time.Second)
		})
	}
}

// TestJSClientScenarioList checks that the Go tests run every scenario of client-scenarios.js.
func TestJSClientScenarioList(t *testing.T) {
	requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := startNode(t, ctx, "client-scenarios.js", "--list")
	if err := p.result(15 * time.Second); err != nil {
		t.Fatalf("client-scenarios.js --list: %v", err)
	}
	var listed []string
	for len(p.lines) > 0 { // every line is sent before the process is reported done
		listed = append(listed, <-p.lines)
	}
	want := append(slices.Clone(clientScenarios), "reconnect")
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Fatalf("client-scenarios.js has %v, the Go tests run %v", listed, want)
	}
	for sc := range goDifferences {
		if !slices.Contains(clientScenarios, sc) {
			t.Errorf("goDifferences names %q, which is not a scenario", sc)
		}
	}
}

// startNodeScenarioServer runs js/scenario-server.js on addr and returns its URL and a func
// that stops it (SIGTERM: io.close(), then exit).
func startNodeScenarioServer(t testing.TB, addr string) (string, func()) {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p := startNode(t, ctx, "scenario-server.js", port)
	port = p.waitPrefix(t, "listening ", 20*time.Second)
	stop := sync.OnceFunc(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		if err := p.result(5 * time.Second); err != nil {
			t.Logf("scenario-server.js: %v", err)
		}
	})
	t.Cleanup(stop)
	return "http://127.0.0.1:" + port, stop
}

// result waits for the script to end and returns how it ended (nil: exit status 0).
func (p *nodeProc) result(timeout time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err // let Cleanup see it
		return err
	case <-time.After(timeout):
		return fmt.Errorf("node script did not finish within %v", timeout)
	}
}

// waitPrefix waits for a stdout line starting with prefix and returns the rest of it.
func (p *nodeProc) waitPrefix(t testing.TB, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line := <-p.lines:
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				return strings.TrimSpace(rest)
			}
		case err := <-p.done:
			p.done <- err
			t.Fatalf("node script ended (%v) before printing %q", err, prefix)
		case <-deadline:
			t.Fatalf("node script did not print %q within %v", prefix, timeout)
		}
	}
}
