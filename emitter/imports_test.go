package emitter_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The emitter is for programs without sockets: it must not pull in the server, its
// transports, the adapter layer or the WebSocket library.
func TestImports(t *testing.T) {
	goTool, err := exec.LookPath("go") // go test puts $GOROOT/bin first in PATH
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the go tool is not in PATH to list the emitter's dependencies")
		}
		t.Skip("skipping: the go tool is not in PATH to list the emitter's dependencies")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const mod = "github.com/gosockio/gosockio/"
	forbidden := []string{mod + "socketio", mod + "adapter", "github.com/gorilla/websocket"}
	var ours []string
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if pkg == f || strings.HasPrefix(pkg, f+"/") {
				t.Errorf("emitter depends on %s", pkg)
			}
		}
		if strings.HasPrefix(pkg, mod) {
			ours = append(ours, pkg)
		}
	}
	// The only packages of this module it may use.
	for _, pkg := range ours {
		switch pkg {
		case mod + "emitter", mod + "internal/wire", mod + "internal/redispub", mod + "internal/jsjson":
		default:
			t.Errorf("emitter depends on %s (allowed: internal/wire, internal/redispub, internal/jsjson)", pkg)
		}
	}
	if len(ours) == 0 {
		t.Fatalf("go list -deps printed no package of this module:\n%s", out)
	}
}
