package test

import (
	"testing"

	"github.com/gosockio/gosockio/internal/leakcheck"
)

// TestMain fails the run when goroutines started by this module outlive the tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }
