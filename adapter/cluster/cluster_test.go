package cluster_test

import (
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/adaptertest"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// TestBusSuite runs the adapter behaviour suite on three nodes of the in-process bus: the
// cluster core's semantics without Redis.
func TestBusSuite(t *testing.T) {
	adaptertest.Run(t, func(testing.TB) []adapter.Factory {
		bus := cluster.NewBus()
		return []adapter.Factory{bus.Factory(cluster.Options{}), bus.Factory(cluster.Options{}), bus.Factory(cluster.Options{})}
	})
}
