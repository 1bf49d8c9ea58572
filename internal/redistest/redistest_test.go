package redistest

import (
	"net"
	"testing"

	"github.com/alicebob/miniredis/v2"
)

// TestRealDefaultAddress: without REDIS_URL, Real uses the Redis that answers at the default
// address (it used to skip, leaving the real-Redis tests unrun on a machine with a Redis),
// and skips when nothing answers there.
func TestRealDefaultAddress(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	t.Setenv("CI", "") // Skip would fail the subtest in CI
	m := miniredis.RunT(t)
	saved := defaultAddr
	t.Cleanup(func() { defaultAddr = saved })

	defaultAddr = m.Addr()
	var got *Redis
	t.Run("answers", func(t *testing.T) { got = Real(t) })
	if got == nil || got.Addr != m.Addr() || got.URL != "redis://"+m.Addr() || got.Mini != nil {
		t.Errorf("Real with a Redis at the default address %s: %+v", m.Addr(), got)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defaultAddr = ln.Addr().String()
	ln.Close() // nothing listens there now
	var skipped bool
	t.Run("silent", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Real(t)
	})
	if !skipped {
		t.Errorf("Real with no Redis at the default address %s did not skip", defaultAddr)
	}
}
