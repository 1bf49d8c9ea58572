// Package testlog collects log output (of slog handlers, or anything that writes lines) for
// tests to search and wait on.
package testlog

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer is an io.Writer safe for concurrent use that keeps everything written to it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Lines returns the lines written so far that contain every one of subs.
func (l *Buffer) Lines(subs ...string) []string {
	var out []string
	for line := range strings.Lines(l.String()) {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// Wait waits up to 5 seconds until n lines contain every one of subs, and returns them; the
// test fails otherwise.
func (l *Buffer) Wait(t testing.TB, n int, subs ...string) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := l.Lines(subs...)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d log lines with %q; log:\n%s", len(got), n, subs, l.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
