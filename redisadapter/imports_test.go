package redisadapter_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/internal/redistest"
)

// The Redis adapter only moves bytes for the cluster core: it must not pull in the server,
// its transports or the WebSocket library (socketio imports adapters, never the other way).
func TestImports(t *testing.T) {
	goTool, err := exec.LookPath("go") // go test puts $GOROOT/bin first in PATH
	if err != nil {
		redistest.Skip(t, "the go tool is not in PATH to list the package's dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const mod = "github.com/gosockio/gosockio/"
	allowed := map[string]bool{
		mod + "redisadapter": true, mod + "adapter": true, mod + "adapter/cluster": true,
		mod + "internal/wire": true, mod + "socketio/parser": true, // the cluster core's packet conversion
		mod + "internal/jsjson":   true, // the JSON codec of the parser, the cluster core and the wire
		mod + "internal/redispub": true, // the outage queue, shared with the emitter
	}
	n := 0
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "github.com/gorilla/websocket" {
			t.Errorf("redisadapter depends on %s", pkg)
		}
		if strings.HasPrefix(pkg, mod) {
			n++
			if !allowed[pkg] {
				t.Errorf("redisadapter depends on %s", pkg)
			}
		}
	}
	if n == 0 {
		t.Fatalf("go list -deps printed no package of this module:\n%s", out)
	}
}
