package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/internal/testlog"
	"github.com/gosockio/gosockio/socketio"
)

func TestParseServe(t *testing.T) {
	env := map[string]string{
		"GOSOCKIO_ADDR":          "0.0.0.0:4000",
		"GOSOCKIO_REDIS":         "redis://cache:6379/2",
		"GOSOCKIO_PING_INTERVAL": "5s",
		"GOSOCKIO_MAX_PAYLOAD":   "2048",
		"GOSOCKIO_LOG_FORMAT":    "json",
		"GOSOCKIO_CORS_ORIGINS":  "https://a.example, https://b.example",
		"GOSOCKIO_DEMO":          "false",
		"GOSOCKIO_ADAPTER":       "streams",
	}
	c, err := parseServe([]string{"--addr", "127.0.0.1:5000", "--ping-timeout", "3s", "--node-name", "n1"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// Flags win over the environment, which wins over the defaults.
	want := serveConfig{
		Addr: "127.0.0.1:5000", Path: "/socket.io/", Redis: "redis://cache:6379/2", RedisKey: "socket.io", Adapter: "streams",
		CORSOrigins: "https://a.example, https://b.example", PingInterval: 5 * time.Second, PingTimeout: 3 * time.Second,
		MaxPayload: 2048, LogLevel: "info", LogFormat: "json", NodeName: "n1", ClientJS: c.ClientJS,
		StickyCookie: "gosockio_node", Demo: false, ShutdownTimeout: 10 * time.Second, ServeClient: true,
		adminUIConfig: adminUIConfig{AdminUser: "admin", AdminMode: "development", AdminUIDir: c.AdminUIDir, AdminUIPath: "/admin/", AdminNamespace: "/admin"},
	}
	if *c != want {
		t.Errorf("config\n%+v\nwant\n%+v", *c, want)
	}
	if c.recovery() != 2*time.Minute {
		t.Errorf("--adapter streams: recovery %v, want 2m by default", c.recovery())
	}
	if got := splitList(c.CORSOrigins); !reflect.DeepEqual(got, []string{"https://a.example", "https://b.example"}) {
		t.Errorf("CORS origins %q", got)
	}

	bad := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--bogus"}, nil, "flag provided but not defined: -bogus"},
		{[]string{"--ping-interval", "soon"}, nil, `invalid value "soon" for flag -ping-interval`},
		{nil, map[string]string{"GOSOCKIO_PING_TIMEOUT": "soon"}, `GOSOCKIO_PING_TIMEOUT: time: invalid duration "soon"`},
		{[]string{"--max-payload", "-1"}, nil, `--max-payload -1: want a positive number of bytes`},
		{nil, map[string]string{"GOSOCKIO_MAX_PAYLOAD": "1MB"}, `GOSOCKIO_MAX_PAYLOAD: "1MB" is not a number`},
		{nil, map[string]string{"GOSOCKIO_DEMO": "yes"}, `GOSOCKIO_DEMO: "yes" is not true or false`},
		{[]string{"--log-level", "verbose"}, nil, `--log-level "verbose": want debug, info, warn or error`},
		{[]string{"--log-format", "xml"}, nil, `--log-format "xml": want text or json`},
		{[]string{"--path", "io"}, nil, `--path "io": must start with /`},
		{[]string{"--demo=maybe"}, nil, `invalid boolean value "maybe" for -demo`},
		{[]string{"--sticky-cookie", "a b"}, nil, `--sticky-cookie "a b": not a valid cookie name`},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
		{[]string{"--adapter", "kafka"}, nil, `--adapter "kafka": want classic, sharded or streams`},
		{[]string{"--adapter", "streams"}, nil, `--adapter streams needs --redis`},
		{[]string{"--redis", "embedded", "--recovery", "1m"}, nil, `--recovery 1m0s: the classic adapter keeps no sessions across nodes`},
	}
	for _, b := range bad {
		_, err := parseServe(b.args, func(k string) string { return b.env[k] }, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), b.want) {
			t.Errorf("parseServe(%q, %v): %v, want %q", b.args, b.env, err, b.want)
		}
	}

	var usage bytes.Buffer
	if _, err := parseServe([]string{"-h"}, func(string) string { return "" }, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	for _, s := range []string{"usage: gosockio serve", "-redis", "GOSOCKIO_REDIS", "-log-format", "-client-js"} {
		if !strings.Contains(usage.String(), s) {
			t.Errorf("usage lacks %q:\n%s", s, usage.String())
		}
	}
}

// node is a `gosockio serve` running in the test process.
type node struct {
	addr string
	logs *testlog.Buffer // the server's log output
	stop func() error    // cancels and waits for serveCommand to return
}

func startServe(t *testing.T, args ...string) *node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &testlog.Buffer{}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveCommand(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), logs, func(a string) { addrc <- a })
	}()
	n := &node{logs: logs}
	var once sync.Once
	var result error
	n.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(20 * time.Second):
				result = errors.New("serve did not return within 20s of its context ending")
			}
		})
		return result
	}
	t.Cleanup(func() {
		if err := n.stop(); err != nil {
			t.Errorf("serve: %v\n%s", err, logs)
		}
	})
	select {
	case n.addr = <-addrc:
	case err := <-done:
		done <- err
		t.Fatalf("serve failed: %v\n%s", err, logs)
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not start\n%s", logs)
	}
	return n
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	return getWith(t, &http.Client{Timeout: 5 * time.Second}, url)
}

// getNoRedirect is get, showing a redirect instead of following it.
func getNoRedirect(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	return getWith(t, &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, url)
}

func getWith(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// waitReady waits until the node's /readyz answers 200.
func waitReady(t *testing.T, n *node) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, body := get(t, "http://"+n.addr+"/readyz")
		if resp.StatusCode == http.StatusOK && body == "ready\n" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: %s %q", resp.Status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// chatClient is a Socket.IO client of the chat demo.
type chatClient struct {
	t *testing.T
	c *testclient.Client
}

func dialChat(t *testing.T, n *node) *chatClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := testclient.Dial(ctx, "http://"+n.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if _, err := c.Connect(ctx, "/", nil); err != nil {
		t.Fatal(err)
	}
	return &chatClient{t: t, c: c}
}

// call emits an event with an acknowledgement and decodes the answer.
func (c *chatClient) call(event string, arg any) reply {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	args, err := c.c.EmitWithAck(ctx, "/", event, arg)
	if err != nil {
		c.t.Fatalf("%s: %v", event, err)
	}
	var r reply
	if err := args.Bind(0, &r); err != nil {
		c.t.Fatalf("%s answer: %v", event, err)
	}
	return r
}

// await returns the JSON of the first argument of the next event called name, skipping others.
func (c *chatClient) await(name string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, got, args, err := c.c.NextEvent(ctx)
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", name, err)
		}
		if got == name {
			if args.Len() == 0 {
				return ""
			}
			return string(args.Raw(0))
		}
	}
}

// awaitMatch waits for an event called name whose first argument, an object, has the fields
// of want (other events are skipped).
func (c *chatClient) awaitMatch(name string, want map[string]any) {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var got map[string]any
		if err := json.Unmarshal([]byte(c.await(name)), &got); err != nil {
			c.t.Fatalf("%q: %v", name, err)
		}
		match := true
		for k, v := range want {
			if got[k] != v {
				match = false
			}
		}
		if match {
			return
		}
	}
	c.t.Fatalf("no %q event with %v", name, want)
}

// TestServeClientOff: with --serve-client=false the server does not answer for the client
// bundle, and the chat page loads it from the CDN.
func TestServeClientOff(t *testing.T) {
	n := startServe(t, "--serve-client=false", "--client-js", "")
	if resp, _ := getNoRedirect(t, "http://"+n.addr+"/socket.io/socket.io.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("client script with --serve-client=false: %s", resp.Status)
	}
	if _, page := get(t, "http://"+n.addr+"/"); !strings.Contains(page, `<script src="`+cdnClientJS+`">`) {
		t.Errorf("the page does not load the client from the CDN:\n%s", page)
	}
}

// TestServeCluster runs two nodes in the test process: one with the embedded Redis, one that
// joins it by URL, and checks what a user of the binary and of the chat page relies on.
func TestServeCluster(t *testing.T) {
	clientJS := filepath.Join(t.TempDir(), "socket.io.min.js")
	if err := os.WriteFile(clientJS, []byte("// the Socket.IO client\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startServe(t, "--redis", "embedded", "--node-name", "node-a", "--client-js", clientJS)
	m := regexp.MustCompile(`url=(redis://127\.0\.0\.1:\d+)`).FindStringSubmatch(a.logs.String())
	if m == nil {
		t.Fatalf("the embedded Redis URL is not in the log:\n%s", a.logs)
	}
	b := startServe(t, "--redis", m[1], "--node-name", "node-b", "--log-format", "json", "--client-js", "", "--ping-interval", "2s")
	waitReady(t, a)
	waitReady(t, b)

	// Logs: text by default, JSON on request.
	first, _, _ := strings.Cut(b.logs.String(), "\n")
	var line map[string]any
	if err := json.Unmarshal([]byte(first), &line); err != nil || line["msg"] == nil {
		t.Errorf("--log-format json: first line %q (%v)", first, err)
	}
	if _, body := get(t, "http://"+a.addr+"/healthz"); body != "ok\n" {
		t.Errorf("/healthz: %q", body)
	}

	// The page, its client script (a file, or the CDN), the sticky cookie.
	resp, page := get(t, "http://"+a.addr+"/")
	if resp.StatusCode != 200 || !strings.Contains(page, `<script src="/socket.io/socket.io.min.js">`) ||
		!strings.Contains(page, `data-path="/socket.io/"`) {
		t.Errorf("page on node-a: %s\n%s", resp.Status, page)
	}
	if got := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(got, "gosockio_node=node-a;") {
		t.Errorf("page cookie %q", got)
	}
	// The client bundle, served by the Socket.IO server from --client-js's directory, or
	// redirected to the CDN when there is none (node-b).
	if resp, js := get(t, "http://"+a.addr+"/socket.io/socket.io.min.js"); js != "// the Socket.IO client\n" || resp.Header.Get("ETag") == "" {
		t.Errorf("client script %s %q", resp.Status, js)
	}
	if _, page := get(t, "http://"+b.addr+"/"); !strings.Contains(page, `<script src="/socket.io/socket.io.min.js">`) {
		t.Errorf("page on node-b does not load the client from the server:\n%s", page)
	}
	if resp, _ := getNoRedirect(t, "http://"+b.addr+"/socket.io/socket.io.js"); resp.StatusCode != http.StatusFound ||
		resp.Header.Get("Location") != strings.TrimSuffix(cdnClientJS, ".min.js")+".js" {
		t.Errorf("client script on node-b: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	// When the script does not load, the page says how to fix it.
	for _, want := range []string{`id="client-missing"`, "npm ci", "--client-js", cdnClientJS} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q for a client that does not load", want)
		}
	}
	if resp, js := get(t, "http://"+b.addr+"/static/chat.js"); resp.StatusCode != 200 || !strings.Contains(js, "emit('login'") {
		t.Errorf("chat.js: %s", resp.Status)
	}
	resp, hs := get(t, "http://"+b.addr+"/socket.io/?EIO=4&transport=polling")
	if got := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(got, "gosockio_node=node-b;") || !strings.Contains(hs, `"pingInterval":2000`) {
		t.Errorf("handshake on node-b: cookie %q, body %s", got, hs)
	}
	if m := regexp.MustCompile(`"sid":"([^"]+)"`).FindStringSubmatch(hs); m != nil { // close the session
		resp, err := http.Post("http://"+b.addr+"/socket.io/?EIO=4&transport=polling&sid="+m[1], "text/plain", strings.NewReader("1"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	// The chat across the two nodes.
	alice, bob := dialChat(t, a), dialChat(t, b)
	if got := alice.await("hello"); got != `{"node":"node-a"}` {
		t.Errorf("hello on node-a: %s", got)
	}
	if r := alice.call("join", "go"); r.OK || r.Error != "log in first" {
		t.Errorf("join before login: %+v", r)
	}
	if r := alice.call("login", loginRequest{Name: " alice ", Key: "tab-1"}); !r.OK || r.Name != "alice" || r.Node != "node-a" || !reflect.DeepEqual(r.Rooms, []string{"general"}) {
		t.Fatalf("alice's login: %+v", r)
	}
	if r := bob.call("login", loginRequest{Name: "ALICE", Key: "tab-2"}); r.OK || r.Error != "the name ALICE is taken" {
		t.Errorf("a name taken on the other node: %+v", r)
	}
	if r := bob.call("login", loginRequest{Name: "<bob>"}); r.OK || !strings.Contains(r.Error, "letters, digits") {
		t.Errorf("a name with markup: %+v", r)
	}
	if r := bob.call("login", loginRequest{Name: "bob", Key: "tab-2"}); !r.OK {
		t.Fatalf("bob's login: %+v", r)
	}
	alice.awaitMatch("notice", map[string]any{"room": "general", "text": "bob joined #general"})
	if r := bob.call("login", loginRequest{Name: "bob2"}); r.OK {
		t.Errorf("a second login: %+v", r)
	}

	// The user list comes from both nodes.
	want := []userEntry{{Name: "alice", Node: "node-a", Rooms: []string{"general"}}, {Name: "bob", Node: "node-b", Rooms: []string{"general"}}}
	if r := bob.call("users", nil); !r.OK || !reflect.DeepEqual(r.Users, want) {
		t.Errorf("users from node-b: %+v, want %+v", r, want)
	}

	// Rooms and messages.
	if r := alice.call("join", "Go!"); r.OK {
		t.Errorf("join of a bad room name: %+v", r)
	}
	if r := alice.call("join", "go"); !r.OK || !reflect.DeepEqual(r.Rooms, []string{"general", "go"}) {
		t.Errorf("alice joins go: %+v", r)
	}
	if r := bob.call("join", "go"); !r.OK {
		t.Errorf("bob joins go: %+v", r)
	}
	alice.awaitMatch("notice", map[string]any{"room": "go", "text": "bob joined #go"})
	if err := bob.c.Emit("/", "chat", chatMessage{Room: "go", Text: "hi from b"}); err != nil {
		t.Fatal(err)
	}
	alice.awaitMatch("chat", map[string]any{"room": "go", "text": "hi from b", "user": "bob", "node": "node-b"})
	if err := bob.c.Emit("/", "typing", typingState{Room: "go", Typing: true}); err != nil {
		t.Fatal(err)
	}
	alice.awaitMatch("typing", map[string]any{"room": "go", "typing": true, "user": "bob"})
	if r := bob.call("leave", "general"); r.OK {
		t.Errorf("leaving the lobby: %+v", r)
	}
	if r := bob.call("leave", "go"); !r.OK || !reflect.DeepEqual(r.Rooms, []string{"general"}) {
		t.Errorf("bob leaves go: %+v", r)
	}
	alice.awaitMatch("notice", map[string]any{"room": "go", "text": "bob left #go"})

	// The emitter from the shell reaches the chat's rooms on every node (README example).
	if err := run([]string{"emit", "--redis", m[1], "--to", "general", "notice", `{"room":"general","text":"maintenance at 5pm"}`}); err != nil {
		t.Fatal(err)
	}
	alice.awaitMatch("notice", map[string]any{"room": "general", "text": "maintenance at 5pm"})
	bob.awaitMatch("notice", map[string]any{"room": "general", "text": "maintenance at 5pm"})

	// The classic tutorial's string messages go to everyone.
	if err := alice.c.Emit("/", "chat message", "classic"); err != nil {
		t.Fatal(err)
	}
	if got := bob.await("chat message"); got != `"classic"` {
		t.Errorf("classic chat message: %s", got)
	}

	// A page that reconnects (its node went away) takes its name back with its key; another
	// page cannot.
	if r := dialChat(t, a).call("login", loginRequest{Name: "bob", Key: "tab-2", Resume: true}); !r.OK {
		t.Errorf("resume with the same key: %+v", r)
	}
	if r := dialChat(t, a).call("login", loginRequest{Name: "bob", Key: "tab-3"}); r.OK {
		t.Errorf("login with another page's name: %+v", r)
	}

	// Graceful shutdown of node-b: its clients are disconnected, it stops being ready, the
	// user list of node-a no longer shows its users.
	if err := b.stop(); err != nil {
		t.Fatalf("node-b shutdown: %v", err)
	}
	select {
	case <-bob.c.Closed:
	case <-time.After(5 * time.Second):
		t.Error("bob's connection still open after node-b shut down")
	}
	if !strings.Contains(b.logs.String(), `"msg":"stopped"`) {
		t.Errorf("node-b did not log its stop:\n%s", b.logs)
	}
	r := alice.call("users", nil)
	var names []string
	for _, u := range r.Users {
		names = append(names, u.Name+"@"+u.Node)
	}
	if want := []string{"alice@node-a", "bob@node-a"}; !reflect.DeepEqual(names, want) {
		t.Errorf("users after node-b stopped: %q, want %q", names, want)
	}
}

// TestServeExit runs the command in a child process: exit status and one line on stderr.
func TestServeExit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command in a child process")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := ln.Addr().String()
	ln.Close()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	cases := []struct {
		name, stderr string
		args         []string
	}{
		{"unknown flag", "gosockio: serve: flag provided but not defined: -bogus (see gosockio serve -h)", []string{"serve", "--bogus"}},
		{"bad duration", `gosockio: serve: invalid value "1" for flag -ping-interval`, []string{"serve", "--ping-interval", "1"}},
		{"bad redis", `gosockio: serve: --redis "http://x": want embedded`, []string{"serve", "--addr", "127.0.0.1:0", "--redis", "http://x"}},
		{"unreachable redis", "gosockio: serve: redis redis://" + unreachable + " does not answer: dial tcp " + unreachable, []string{"serve", "--addr", "127.0.0.1:0", "--redis", "redis://" + unreachable}},
		{"busy port", "gosockio: serve: listen tcp " + busy.Addr().String() + ": bind: address already in use", []string{"serve", "--addr", busy.Addr().String()}},
		{"missing client script", "gosockio: serve: --client-js: stat /nonexistent/socket.io.js: no such file or directory", []string{"serve", "--addr", "127.0.0.1:0", "--client-js", "/nonexistent/socket.io.js"}},
		{"client script of another name", "gosockio: serve: --client-js " + os.Args[0] + ": want a file of socket.io-client's dist/ directory", []string{"serve", "--addr", "127.0.0.1:0", "--client-js", os.Args[0]}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			var stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, os.Args[0], c.args...)
			cmd.Env = append(os.Environ(), "GOSOCKIO_TEST_MAIN=1")
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1 (stderr %q)", err, stderr.String())
			}
			out := stderr.String()
			if !strings.HasPrefix(out, c.stderr) || strings.Count(out, "\n") != 1 {
				t.Errorf("stderr %q, want one line starting with %q", out, c.stderr)
			}
		})
	}
}

// TestServeSignal: SIGTERM shuts a running server down gracefully, with exit status 0.
func TestServeSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command in a child process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "serve", "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "GOSOCKIO_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(stderr)
	var addr string
	for addr == "" {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("log: %v", err)
		}
		if rec["msg"] == "gosockio listening" {
			addr, _ = rec["addr"].(string)
			if rec["adapter"] != "memory" {
				t.Errorf("adapter %v, want memory (no Redis configured)", rec["adapter"])
			}
		}
	}
	alice := dialChat(t, &node{addr: addr})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-alice.c.Closed:
	case <-ctx.Done():
		t.Fatal("the client's connection stayed open")
	}
	var msgs []string
	for {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			break
		}
		msgs = append(msgs, rec["msg"].(string))
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if !reflect.DeepEqual(msgs[len(msgs)-2:], []string{"shutting down", "stopped"}) {
		t.Errorf("last log lines %q", msgs)
	}
}

// TestDockerfileClientVersion: the image carries the socket.io-client version the server
// redirects to and the tests run.
func TestDockerfileClientVersion(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ARG SOCKET_IO_CLIENT_VERSION=(\S+)$`).FindSubmatch(b)
	switch {
	case m == nil:
		t.Error("Dockerfile: no ARG SOCKET_IO_CLIENT_VERSION")
	case string(m[1]) != socketio.ClientVersion:
		t.Errorf("Dockerfile: ARG SOCKET_IO_CLIENT_VERSION=%s, want %s (socketio.ClientVersion)", m[1], socketio.ClientVersion)
	}
	if !bytes.Contains(b, []byte("GOSOCKIO_CLIENT_JS=/usr/share/gosockio/socket.io-client/dist/socket.io.min.js")) {
		t.Error("Dockerfile: GOSOCKIO_CLIENT_JS does not name the copied bundle")
	}
}

// TestServeStreamsRecovery: two nodes with --adapter streams (connection-state recovery on by
// default) on the embedded Redis (which runs in node A). A client of node B misses a chat
// message while node B shuts down; it comes back on node A with its private id and last
// offset, and gets its socket id back and the message it missed.
func TestServeStreamsRecovery(t *testing.T) {
	a := startServe(t, "--redis", "embedded", "--adapter", "streams", "--node-name", "node-a")
	m := regexp.MustCompile(`url=(redis://127\.0\.0\.1:\d+)`).FindStringSubmatch(a.logs.String())
	if m == nil {
		t.Fatalf("the embedded Redis URL is not in the log:\n%s", a.logs)
	}
	b := startServe(t, "--redis", m[1], "--adapter", "streams", "--node-name", "node-b")
	waitReady(t, a)
	waitReady(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func(n *node, auth any) (*testclient.Client, map[string]any) {
		c, err := testclient.Dial(ctx, "http://"+n.addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		raw, err := c.ConnectData(ctx, "/", auth)
		if err != nil {
			t.Fatal(err)
		}
		var data map[string]any
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Fatal(err)
		}
		return c, data
	}
	// nextMessage returns the text and offset of the next "chat message".
	nextMessage := func(c *testclient.Client) (string, string) {
		for {
			_, name, args, err := c.NextEvent(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if name != "chat message" {
				continue
			}
			var text, offset string
			if err := args.Bind(0, &text); err != nil || args.Len() != 2 || args.Bind(1, &offset) != nil {
				t.Fatalf("chat message with %d arguments: want a text and an offset", args.Len())
			}
			return text, offset
		}
	}
	x, conn := dial(b, nil)
	pid, _ := conn["pid"].(string)
	if pid == "" {
		t.Fatalf("CONNECT answer %v: no private session id (recovery is off?)", conn)
	}
	y, _ := dial(a, nil)
	if err := y.Emit("/", "chat message", "before"); err != nil {
		t.Fatal(err)
	}
	text, offset := nextMessage(x)
	if text != "before" {
		t.Fatalf("got %q", text)
	}
	if err := b.stop(); err != nil { // node B shuts down: its sockets' sessions are kept
		t.Fatal(err)
	}
	if err := y.Emit("/", "chat message", "while away"); err != nil {
		t.Fatal(err)
	}
	for text := ""; text != "while away"; text, _ = nextMessage(y) {
	}
	x2, conn2 := dial(a, map[string]any{"pid": pid, "offset": offset})
	if conn2["sid"] != conn["sid"] {
		t.Fatalf("on node A: sid %v, want %v (not recovered)", conn2["sid"], conn["sid"])
	}
	if text, _ := nextMessage(x2); text != "while away" {
		t.Fatalf("recovered client got %q, want the message it missed", text)
	}
}
