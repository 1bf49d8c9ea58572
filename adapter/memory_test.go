package adapter_test

import (
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/adaptertest"
)

// TestMemorySuite runs the adapter behaviour suite on the in-memory adapter (one node).
func TestMemorySuite(t *testing.T) {
	adaptertest.Run(t, func(testing.TB) []adapter.Factory { return []adapter.Factory{adapter.Memory} })
}
