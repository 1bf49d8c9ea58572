package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeDemoOff: with --demo=false the server relays nothing: a client's "chat message"
// (the classic tutorial's event, relayed to every client of every node by the demo) reaches
// no one, and there is no page.
func TestServeDemoOff(t *testing.T) {
	n := startServe(t, "--demo=false")
	waitReady(t, n)
	if resp, _ := get(t, "http://"+n.addr+"/"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET / with --demo=false: %s, want 404", resp.Status)
	}
	alice, bob := dialChat(t, n), dialChat(t, n)
	if err := alice.c.Emit("/", "chat message", strings.Repeat("x", 1000)); err != nil {
		t.Fatal(err)
	}
	// Relayed, it would arrive within milliseconds; wait much longer for nothing.
	for _, c := range []*chatClient{alice, bob} {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, name, _, err := c.c.NextEvent(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("with --demo=false a client received %q (%v), want nothing", name, err)
		}
	}
}

// TestServeDefaultNodeName: without --node-name, what every client sees of the node (the
// sticky cookie, the chat's "hello") is a random name, never the host name.
func TestServeDefaultNodeName(t *testing.T) {
	n := startServe(t)
	waitReady(t, n)
	resp, _ := get(t, "http://"+n.addr+"/")
	name, ok := strings.CutPrefix(strings.Split(resp.Header.Get("Set-Cookie"), ";")[0], "gosockio_node=")
	if !ok || !regexp.MustCompile(`^node-[0-9a-f]{8}$`).MatchString(name) {
		t.Errorf("default node name in the sticky cookie %q, want node-<8 hex digits>", resp.Header.Get("Set-Cookie"))
	}
	if host, err := os.Hostname(); err == nil && host != "" && strings.Contains(name, host) {
		t.Errorf("the default node name %q holds the host name %q", name, host)
	}
	if got, want := dialChat(t, n).await("hello"), `{"node":"`+name+`"}`; got != want {
		t.Errorf("hello: %s, want %s", got, want)
	}
	if other := startServe(t); other != nil {
		resp, _ := get(t, "http://"+other.addr+"/")
		if strings.Contains(resp.Header.Get("Set-Cookie"), "="+name+";") {
			t.Errorf("two nodes got the same default name %q", name)
		}
	}
}

// TestCDNClientVersion: the chat page's CDN fallback loads the socket.io-client version the
// tests run (test/js/package.json).
func TestCDNClientVersion(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "test", "js", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	v := pkg.Dependencies["socket.io-client"]
	if want := "https://cdn.socket.io/" + v + "/socket.io.min.js"; v == "" || cdnClientJS != want {
		t.Errorf("cdnClientJS = %q, want %q (socket.io-client %q in test/js/package.json)", cdnClientJS, want, v)
	}
}
