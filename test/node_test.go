package test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// inCI reports whether the tests run in CI, where a missing prerequisite fails instead of skipping.
func inCI() bool { return os.Getenv("CI") != "" }

// requireNode skips (or, in CI, fails) the test when node or the npm packages of test/js are
// missing, and returns the path of test/js.
func requireNode(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	miss := func(why string) {
		t.Helper()
		if inCI() {
			t.Fatalf("JS interop test cannot run in CI: %s", why)
		}
		t.Skipf("skipping JS interop test: %s", why)
	}
	if _, err := exec.LookPath("node"); err != nil {
		miss("node is not installed (install Node.js ≥ 18, then run `npm ci` in test/js)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client")); err != nil {
		miss("test/js/node_modules is missing (run `npm ci` in test/js)")
	}
	return dir
}

// nodeProc is a running node script whose output goes to the test log.
type nodeProc struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan error
}

// startNode runs `node script args…` in test/js. Its stdout and stderr lines are logged and
// stdout lines are also sent on lines (dropped when nobody reads).
func startNode(t testing.TB, ctx context.Context, script string, args ...string) *nodeProc {
	t.Helper()
	dir := requireNode(t)
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = dir
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	p := &nodeProc{cmd: cmd, lines: make(chan string, 64), done: make(chan error, 1)}
	var wg sync.WaitGroup
	pump := func(r io.Reader, prefix string, forward bool) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			t.Logf("%s %s", prefix, line)
			if forward {
				select {
				case p.lines <- line:
				default:
				}
			}
		}
	}
	wg.Add(2)
	go pump(stdout, "[node]", true)
	go pump(stderr, "[node!]", false)
	go func() {
		wg.Wait()
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
	})
	return p
}

// wait waits for the script to end and fails the test if it did not exit 0.
func (p *nodeProc) wait(t testing.TB, timeout time.Duration) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // let Cleanup see it
		if err != nil {
			t.Fatalf("node script failed: %v", err)
		}
	case <-time.After(timeout):
		t.Fatalf("node script did not finish within %v", timeout)
	}
}

// waitLine waits for a stdout line containing s.
func (p *nodeProc) waitLine(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line := <-p.lines:
			if strings.Contains(line, s) {
				return
			}
		case err := <-p.done:
			p.done <- err
			t.Fatalf("node script ended (%v) before printing %q", err, s)
		case <-deadline:
			t.Fatalf("node script did not print %q within %v", s, timeout)
		}
	}
}

// runNode runs a script to completion.
func runNode(t testing.TB, timeout time.Duration, script string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+5*time.Second)
	defer cancel()
	startNode(t, ctx, script, args...).wait(t, timeout)
}
