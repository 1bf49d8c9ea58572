package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeNodeLog names the file where the fake gosockio nodes of TestNodesStartInTurn write what
// happens to them; set in the environment, it also makes the test binary a fake node.
const fakeNodeLog = "GOSOCKIO_RUN_FAKE_NODE_LOG"

func TestMain(m *testing.M) {
	if path := os.Getenv(fakeNodeLog); path != "" {
		fakeNode(path, os.Args[1:])
		return
	}
	os.Exit(m.Run())
}

// fakeNode stands for `gosockio serve --addr A --node-name N …`: its /readyz answers 503 for
// 300 ms, then 200. It appends "start N" and, at its first 200, "ready N" to the log file, and
// exits on SIGTERM.
func fakeNode(logPath string, args []string) {
	var addr, name string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--addr":
			addr = args[i+1]
		case "--node-name":
			name = args[i+1]
		}
	}
	record := func(what string) {
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(f, what, name)
		f.Close()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	record("start")
	readyAt := time.Now().Add(300 * time.Millisecond)
	var ready sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if time.Now().Before(readyAt) {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		ready.Do(func() { record("ready") })
		fmt.Fprintln(w, "ready")
	})
	go func() { _ = http.Serve(ln, mux) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
}

// TestNodesStartInTurn: each node is started only once the previous one answers /readyz, as
// examples/cluster/README.md says (the runner used to start node2 and node3 without waiting
// for node2).
func TestNodesStartInTurn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "nodes.log")
	t.Setenv(fakeNodeLog, logPath) // inherited by the fake nodes
	cl := &cluster{cfg: config{
		nodePort: 0, port: 0, redisPort: 0, redis: "redis://127.0.0.1:1", // given: no redis-server started
		bin: os.Args[0], dir: dir, noNginx: true,
	}, out: io.Discard}
	t.Cleanup(func() {
		if err := cl.stopAll(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.start(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSpace(string(b))
	want := "start node1\nready node1\nstart node2\nready node2\nstart node3\nready node3"
	if got != want {
		t.Errorf("order of events:\n%s\nwant\n%s", got, want)
	}
}
