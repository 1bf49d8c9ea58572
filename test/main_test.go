package test

import (
	"os"
	"testing"

	"github.com/gosockio/gosockio/internal/leakcheck"
)

// TestMain fails the run when goroutines started by this module outlive the tests. When
// childNodeEnv is set, the test binary is instead a Socket.IO node process of a crash test
// (crash_test.go) and runs until it is killed.
func TestMain(m *testing.M) {
	if spec := os.Getenv(childNodeEnv); spec != "" {
		os.Exit(runChildNode(spec))
	}
	leakcheck.Main(m)
}
