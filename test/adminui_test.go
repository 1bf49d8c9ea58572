package test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adminui"
	"github.com/gosockio/gosockio/socketio"
)

// adminPassword is the Admin UI password of the tests' servers.
const adminPassword = "s3cret-pw"

// adminHash is adminPassword's bcrypt hash, made once.
var adminHash = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(adminPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

// adminApp installs the app of js/admin-ui-server.js on srv: "join" joins a room, sets the
// socket's data and answers "joined"; "leave" leaves a room.
func adminApp(srv *socketio.Server) {
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("join", socketio.Handle(func(_ *socketio.Event, room string) error {
			s.Join(room)
			s.SetData(map[string]any{"user": "alice"})
			return s.Emit("joined", room)
		}))
		s.On("leave", socketio.Handle(func(_ *socketio.Event, room string) error {
			s.Leave(room)
			return nil
		}))
	})
}

// startAdminGoServer runs a Go server with adminApp, instrumented with opts (basic auth with
// adminHash when opts.Auth is nil) on adapter factory f (nil: in-memory), and returns its URL.
// With uiDir, it also serves the Admin UI's files from that directory at /admin/.
func startAdminGoServer(t testing.TB, f adapter.Factory, opts adminui.Options, uiDir string) string {
	t.Helper()
	srv, err := socketio.NewServer(socketio.Options{Adapter: f})
	if err != nil {
		t.Fatal(err)
	}
	adminApp(srv)
	if opts.Auth == nil {
		opts.Auth = &adminui.BasicAuth{Username: "admin", PasswordHash: adminHash}
	}
	if _, err := adminui.Instrument(srv, opts); err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	if uiDir != "" {
		mux := http.NewServeMux()
		mux.Handle("/socket.io/", srv)
		mux.Handle("/admin/", http.StripPrefix("/admin/", http.FileServer(http.Dir(uiDir))))
		h = mux
	}
	return serveServer(t, opts.ServerID, srv, h)
}

// startAdminNodeServer runs js/admin-ui-server.js (Node's instrumentation) with args after
// its port, and returns its URL.
func startAdminNodeServer(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p := startNode(t, ctx, "admin-ui-server.js", append([]string{"0"}, args...)...)
	return "http://127.0.0.1:" + p.waitPrefix(t, "listening ", 20*time.Second)
}

// adminReport is what js/admin-ui-protocol.js prints.
type adminReport struct {
	Events []string            `json:"events"`
	Facts  map[string]any      `json:"facts"`
	Shapes map[string][]string `json:"shapes"`
}

func runAdminProtocol(t *testing.T, url, mode string) adminReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	p := startNode(t, ctx, "admin-ui-protocol.js", url, mode, "admin", adminPassword)
	line := p.waitPrefix(t, "result ", 80*time.Second)
	p.wait(t, 10*time.Second)
	var r adminReport
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("report %s: %v", line, err)
	}
	return r
}

// TestAdminUIProtocol: socket.io-client drives the admin namespace of a Go server and of a
// Node server instrumented by @socket.io/admin-ui 0.5.1 (js/admin-ui-protocol.js), in each
// mode, as the UI does: bad credentials, login, session login, the UI's actions on a user's
// socket, the reports. Both must send the same events, with the same fields and types, and
// the same facts (features, actions' effects, rooms and events reported, aggregated counts).
func TestAdminUIProtocol(t *testing.T) {
	requireNode(t)
	for _, mode := range []adminui.Mode{adminui.Development, adminui.Production} {
		t.Run(string(mode), func(t *testing.T) {
			goURL := startAdminGoServer(t, nil, adminui.Options{Mode: mode, ServerID: "go-1"}, "")
			nodeURL := startAdminNodeServer(t, string(mode), "node-1", "admin", adminHash)
			goR := runAdminProtocol(t, goURL, string(mode))
			nodeR := runAdminProtocol(t, nodeURL, string(mode))

			want := []string{"config", "server_stats", "session"}
			if mode == adminui.Development {
				want = []string{"all_sockets", "config", "event_received", "event_sent", "room_joined", "room_left",
					"server_stats", "session", "socket_connected", "socket_disconnected", "socket_updated"}
			}
			if !slices.Equal(nodeR.Events, want) {
				t.Errorf("Node sent %v, want %v", nodeR.Events, want)
			}
			if !slices.Equal(goR.Events, nodeR.Events) {
				t.Errorf("events: Go %v, Node %v", goR.Events, nodeR.Events)
			}
			for k, nv := range nodeR.Facts {
				if gv := goR.Facts[k]; !reflect.DeepEqual(gv, nv) {
					t.Errorf("%s: Go %v, Node %v", k, gv, nv)
				}
			}
			for k := range goR.Facts {
				if _, ok := nodeR.Facts[k]; !ok {
					t.Errorf("fact %s only from Go", k)
				}
			}
			for _, ev := range nodeR.Events {
				if gs, ns := goR.Shapes[ev], nodeR.Shapes[ev]; !slices.Equal(gs, ns) {
					t.Errorf("%s: shapes differ\nGo:   %s\nNode: %s", ev, strings.Join(gs, "\n      "), strings.Join(ns, "\n      "))
				}
			}
			if t.Failed() {
				g, _ := json.MarshalIndent(goR, "", " ")
				n, _ := json.MarshalIndent(nodeR, "", " ")
				t.Logf("Go report: %s\nNode report: %s", g, n)
			}
		})
	}
}
