package test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gosockio/gosockio"

// importRules is the import graph of the library (STYLE.md §2): for each package, the
// packages of this module and the third-party modules it may import directly; the standard
// library is always allowed. The Socket.IO packet and its codec live in socketio/parser, which
// needs nothing of ours but the JSON codec, so that the adapter layer imports the parser and
// never the other way round.
var importRules = map[string][]string{
	"internal/jsjson":     {},
	"socketio/parser":     {"internal/jsjson"},
	"adapter":             {"socketio/parser"},
	"adapter/adaptertest": {"adapter", "socketio/parser"},
	"adapter/cluster":     {"adapter", "internal/jsjson", "internal/wire", "socketio/parser"},
	"internal/wire":       {"internal/jsjson", "github.com/vmihailenco/msgpack/v5"},
	"internal/gopool":     {},
	"internal/redispub":   {"github.com/redis/go-redis/v9"},
	"socketio/engineio":   {"internal/gopool", "github.com/gorilla/websocket"},
	"socketio":            {"adapter", "internal/gopool", "socketio/engineio", "socketio/parser"},
	"redisadapter":        {"adapter", "adapter/cluster", "internal/redispub", "internal/wire", "github.com/redis/go-redis/v9"},
	"emitter":             {"internal/redispub", "internal/wire", "github.com/redis/go-redis/v9"},
	"client":              {"socketio/engineio", "socketio/parser", "github.com/gorilla/websocket"},
	"adminui": {"internal/jsjson", "internal/wire", "socketio", "socketio/engineio", "github.com/redis/go-redis/v9",
		"golang.org/x/crypto/bcrypt"},
}

// anyImports are the packages that may import anything: programs, examples, tests and the
// helpers of tests.
var anyImports = []string{"cmd/", "examples/", "bench/", "test", "test/", "internal/testclient", "internal/ticks",
	"internal/redistest", "internal/leakcheck", "internal/testlog", "internal/wiretest"}

// TestImportRules lists every package of the module with its imports (tests excluded) and
// fails on any edge the rules do not allow, and on a package the rules do not know.
func TestImportRules(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the go tool is not in PATH to list the module's packages")
		}
		t.Skip("skipping: the go tool is not in PATH to list the module's packages")
	}
	out, err := exec.Command(goTool, "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		pkg, ok := strings.CutPrefix(fields[0], module+"/")
		if !ok {
			continue
		}
		seen[pkg] = true
		if slices.ContainsFunc(anyImports, func(p string) bool {
			return pkg == strings.TrimSuffix(p, "/") || (strings.HasSuffix(p, "/") && strings.HasPrefix(pkg, p))
		}) {
			continue
		}
		allowed, known := importRules[pkg]
		if !known {
			t.Errorf("package %s is not in the import rules of test/imports_test.go (and STYLE.md §2): add it", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.Contains(strings.Split(imp, "/")[0], ".") {
				continue // standard library
			}
			name := strings.TrimPrefix(imp, module+"/")
			if !slices.Contains(allowed, name) && !slices.ContainsFunc(allowed, func(a string) bool {
				return strings.HasPrefix(imp, a+"/") // a third-party module's packages
			}) {
				t.Errorf("%s imports %s; allowed: %v", pkg, name, allowed)
			}
		}
	}
	for pkg := range importRules {
		if !seen[pkg] {
			t.Errorf("go list did not list %s, which the import rules name", pkg)
		}
	}
}

// The parser must not depend on the adapter layer, even through another package.
func TestParserDoesNotImportAdapter(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipping: the go tool is not in PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", module+"/socketio/parser").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for pkg := range strings.Lines(string(out)) {
		pkg = strings.TrimSpace(pkg)
		if strings.HasPrefix(pkg, module+"/") && pkg != module+"/socketio/parser" && pkg != module+"/internal/jsjson" {
			t.Errorf("socketio/parser depends on %s", pkg)
		}
	}
}
