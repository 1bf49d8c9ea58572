package wire_test

import (
	"testing"

	"github.com/gosockio/gosockio/internal/wire"
)

// TestStreamOf: the streams Node's adapter (hashCode(nsp) % streamCount, in JavaScript) picks.
func TestStreamOf(t *testing.T) {
	for _, c := range []struct {
		name  string
		count int
		nsp   string
		want  string
	}{
		{"", 1, "/admin", "socket.io"},
		{"s", 0, "/", "s"},
		{"", 3, "/", "socket.io-2"},                // 47 % 3
		{"", 4, "/admin", "socket.io-0"},           // 1438238848 % 4
		{"", 3, "/chat", "socket.io-1"},            // 46457863 % 3
		{"s", 3, "/notifications", "s--2"},         // -1014064871 % 3
		{"s", 4, "/a-long-namespace-name", "s--1"}, // -227082509 % 4
		{"s", 7, "/é😀", "s-1"},
	} {
		if got := wire.StreamOf(c.name, c.count, c.nsp); got != c.want {
			t.Errorf("StreamOf(%q, %d, %q) = %q, want %q", c.name, c.count, c.nsp, got, c.want)
		}
	}
}
