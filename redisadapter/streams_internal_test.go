package redisadapter

import "testing"

// TestStreamOf: a namespace's stream is the one Node's adapter picks. The expected indexes are
// Node's: util.hashCode of @socket.io/redis-streams-adapter 0.3.1 modulo 3 and 5, run with
// node -e on each name (negative hashes give negative indexes there too).
func TestStreamOf(t *testing.T) {
	for _, c := range []struct {
		nsp    string
		mod3   string
		mod5   string
		single string
	}{
		{"/", "s-2", "s-2", "s"},
		{"/admin", "s-1", "s-3", "s"},
		{"/chat", "s-1", "s-3", "s"},
		{"/orders-éü", "s--2", "s--2", "s"},
		{"/a-very-long-namespace-name-that-overflows", "s-2", "s-2", "s"},
		{"/😀", "s-0", "s-1", "s"},
	} {
		for _, k := range []struct {
			count int
			want  string
		}{{3, c.mod3}, {5, c.mod5}, {1, c.single}} {
			if got := (StreamsOptions{StreamName: "s", StreamCount: k.count}).streamOf(c.nsp); got != k.want {
				t.Errorf("stream of %q with %d streams: %q, want %q", c.nsp, k.count, got, k.want)
			}
		}
	}
}
