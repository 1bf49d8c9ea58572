// Package leakcheck fails tests that leave goroutines behind.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// ignored are goroutines owned by the runtime or the testing package, or by libraries whose
// background goroutines are not ours to stop.
var ignored = []string{
	"testing.(*T).Run",
	"testing.(*M).",
	"testing.tRunner",
	"testing.runTests",
	"testing.runFuzzing",
	"testing.(*F).Fuzz",
	"runtime.goexit",
	"created by runtime.gc",
	"runtime.MHeap_Scavenger",
	"signal.signal_recv",
	"sigterm.handler",
	"runtime_mcall",
	"goroutine in C code",
	"os/signal.loop",
	"internal/poll.runtime_pollWait", // net/http keep-alive readers of test clients are checked separately
}

// interesting returns the stacks of goroutines other than the caller's and the ignored ones.
func interesting() []string {
	buf := make([]byte, 2<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 { // the calling goroutine
			continue
		}
		sl := strings.SplitN(g, "\n", 2)
		if len(sl) != 2 {
			continue
		}
		stack := strings.TrimSpace(sl[1])
		if strings.HasPrefix(stack, "testing.RunTests") || strings.Contains(stack, "testing.(*T).Parallel") ||
			strings.Contains(stack, "testing.(*M).Run(") { // the test binary's main goroutine, in TestMain
			continue
		}
		skip := stack == ""
		for _, s := range ignored {
			if strings.Contains(stack, s) && !strings.Contains(stack, "gosockio") {
				skip = true
				break
			}
		}
		if strings.Contains(stack, "testing.tRunner") && strings.Contains(stack, "created by testing.(*T).Run") && !strings.Contains(stack, "gosockio") {
			skip = true
		}
		if !skip {
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out
}

// Leaked waits up to timeout for goroutines started by this module to end and returns the
// stacks of those that did not.
func Leaked(timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	for {
		left := interesting()
		var ours []string
		for _, g := range left {
			if strings.Contains(g, "gosockio") {
				ours = append(ours, g)
			}
		}
		if len(ours) == 0 || time.Now().After(deadline) {
			return ours
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Check registers a cleanup on t that fails the test when a goroutine created by this module's
// code is still running a few seconds after the test (and its other cleanups) ended.
// Call it first in a test so that it runs after every other cleanup.
func Check(t testing.TB) {
	t.Helper()
	t.Cleanup(func() {
		if left := Leaked(5 * time.Second); len(left) > 0 {
			t.Errorf("leakcheck: %d goroutine(s) left behind:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
	})
}

// Main runs the tests of a package and then fails the run when goroutines started by this
// module's code are still alive. Use it from TestMain: func TestMain(m *testing.M) { leakcheck.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if left := Leaked(5 * time.Second); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "leakcheck: %d goroutine(s) left behind after the tests:\n\n%s\n", len(left), strings.Join(left, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}
