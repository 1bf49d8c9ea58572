package test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromiumPath is the Debian package's browser, which the chat test drives with playwright-core.
const chromiumPath = "/usr/bin/chromium"

// TestChatBrowserCluster starts the local cluster of examples/cluster (Redis, three gosockio
// nodes, nginx with sticky sessions) with its runner, and drives the chat demo page in two
// headless Chromium browsers, one on node1 and one on node2, both through nginx, the page's
// client starting with long-polling and upgrading to WebSocket (test/js/chat-browser.js). It
// checks that messages, rooms and the user list cross nodes, that a page whose node stops
// (SIGTERM, graceful) fails over to another node through nginx and logs in again, that nginx
// carried both transports, and that the runner stops everything on SIGINT. Screenshots go to
// test/js/screenshots/. The cluster runs twice: with the classic adapter, the page whose node
// stops gets a new session and logs in again; with the streams adapter
// (GOSOCKIO_ADAPTER=streams, connection-state recovery), it gets its session back on the other
// node with the message written while it was away (screenshots in test/js/screenshots/streams).
func TestChatBrowserCluster(t *testing.T) {
	for _, adapter := range []string{"classic", "streams"} {
		t.Run(adapter, func(t *testing.T) { testChatBrowserCluster(t, adapter) })
	}
}

func testChatBrowserCluster(t *testing.T, adapter string) {
	if testing.Short() {
		t.Skip("starts a cluster and two browsers")
	}
	jsDir := requireNode(t)
	miss := func(why string) {
		t.Helper()
		if inCI() {
			t.Fatalf("browser test cannot run in CI: %s", why)
		}
		t.Skipf("skipping browser test: %s", why)
	}
	if _, err := os.Stat(filepath.Join(jsDir, "node_modules", "playwright-core")); err != nil {
		miss("playwright-core is missing (run `npm ci` in test/js)")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		miss(chromiumPath + " is missing (apt-get install chromium chromium-driver)")
	}
	if _, err := exec.LookPath("nginx"); err != nil {
		miss("nginx is not installed (apt-get install nginx)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}

	tmp := t.TempDir()
	bin, runner := filepath.Join(tmp, "gosockio"), filepath.Join(tmp, "run")
	for pkg, out := range map[string]string{"./cmd/gosockio": bin, "./examples/cluster/run": runner} {
		build := exec.Command("go", "build", "-o", out, pkg)
		build.Dir = root
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	clusterDir := filepath.Join(tmp, "cluster")
	cmd := exec.CommandContext(ctx, runner, "--bin", bin, "--dir", clusterDir, "--port", "0", "--node-port", "0", "--redis-port", "0")
	cmd.Dir = root                                              // the runner reads examples/cluster/nginx.conf; the nodes find test/js's socket.io-client
	cmd.Env = append(os.Environ(), "GOSOCKIO_ADAPTER="+adapter) // the nodes read it
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	urls := make(chan map[string]string, 1)
	var output strings.Builder
	go func() {
		sc := bufio.NewScanner(stdout)
		found := map[string]string{}
		line := regexp.MustCompile(`^  (nginx|node\d|redis)\s+(\S+)(?:\s+\(pid (\d+)\))?`)
		for sc.Scan() {
			t.Log("[run] " + sc.Text())
			output.WriteString(sc.Text() + "\n")
			if m := line.FindStringSubmatch(sc.Text()); m != nil {
				found[m[1]] = m[2]
				if m[3] != "" {
					found[m[1]+" pid"] = m[3]
				}
			}
			if strings.HasPrefix(sc.Text(), "Open the chat") {
				urls <- found
			}
		}
		exited <- cmd.Wait()
	}()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		}
	})

	var found map[string]string
	select {
	case found = <-urls:
	case err := <-exited:
		stopped = true
		t.Fatalf("the runner exited before the cluster was up: %v", err)
	case <-ctx.Done():
		t.Fatal("the cluster did not come up")
	}
	front := found["nginx"]
	if !strings.HasPrefix(front, "http://127.0.0.1:") || found["node1"] == "" || found["node2"] == "" || found["node3"] == "" || found["node2 pid"] == "" {
		t.Fatalf("runner URLs %v", found)
	}

	shots := filepath.Join(jsDir, "screenshots")
	args := []string{front, "node1", "node2", shots, found["node2 pid"]}
	if adapter == "streams" {
		shots = filepath.Join(shots, "streams")
		args = []string{front, "node1", "node2", shots, found["node2 pid"], "recovery"}
	}
	// The script also stops node2 to check that bob's page fails over to another node.
	runNode(t, 2*time.Minute, "chat-browser.js", args...)
	for _, name := range []string{"chat-name-taken.png", "chat-alice-gophers.png", "chat-bob-general.png",
		"chat-bob-after-failover.png", "chat-alice-after-bob-left.png"} {
		if st, err := os.Stat(filepath.Join(shots, name)); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}

	// Both transports went through nginx: polling requests, then WebSocket upgrades (101).
	access, err := os.ReadFile(filepath.Join(clusterDir, "logs", "nginx-access.log"))
	if err != nil {
		t.Fatal(err)
	}
	polling := regexp.MustCompile(`"GET /socket\.io/\?EIO=4&transport=polling[^"]*" 200 `).FindAll(access, -1)
	websocket := regexp.MustCompile(`"GET /socket\.io/\?EIO=4&transport=websocket&sid=[^"]*" 101 `).FindAll(access, -1)
	if len(polling) < 2 || len(websocket) < 2 {
		t.Errorf("nginx carried %d polling GETs and %d WebSocket upgrades, want at least 2 of each (one per browser)", len(polling), len(websocket))
	}

	// Ctrl-C stops everything, with status 0.
	stopped = true
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("runner after SIGINT: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatal("the runner did not stop within 30s of SIGINT")
	}
	out := output.String()
	if !strings.Contains(out, "\nstopped\n") {
		t.Error("the runner did not report that everything stopped")
	}
	// node2 shut down gracefully on SIGTERM: its log ends with "stopped", and it exited with 0.
	if !regexp.MustCompile(`(?m)^node2\s+\| .*msg=stopped$`).MatchString(out) || !strings.Contains(out, "node2 exited (status 0)") {
		t.Error("node2 did not stop gracefully on SIGTERM")
	}
}
