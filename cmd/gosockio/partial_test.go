package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/cluster"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// frozenNamespace is the "/" namespace of a node that is subscribed but never answers (a
// process stopped with SIGSTOP): describing its socket blocks until the test ends.
type frozenNamespace struct{ thaw <-chan struct{} }

func (frozenNamespace) Name() string { return "/" }
func (frozenNamespace) Deliver(*parser.Packet, []string, adapter.Flags, func(*parser.Packet)) int {
	return 0
}
func (frozenNamespace) DisconnectSocket(string, bool)     {}
func (frozenNamespace) OnServerSideEmit([]any, func(any)) {}
func (n frozenNamespace) SocketInfo(string) (adapter.SocketInfo, bool) {
	<-n.thaw
	return adapter.SocketInfo{}, false
}

// startChatNode serves a chat demo node on the bus.
func startChatNode(t *testing.T, bus *cluster.Bus, name string) *node {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := socketio.NewServer(socketio.Options{Logger: log, Adapter: bus.Factory(cluster.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	newChat(srv, name, log).install()
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		_ = srv.Close(context.Background())
		hs.Close()
	})
	return &node{addr: strings.TrimPrefix(hs.URL, "http://")}
}

// TestChatUsersPartial: when a node does not answer FetchSockets in time, the user list the
// page gets says it is partial (it used to come back without that node's users and no sign).
func TestChatUsersPartial(t *testing.T) {
	saved := fetchBudget
	fetchBudget = 500 * time.Millisecond
	t.Cleanup(func() { fetchBudget = saved })

	bus := cluster.NewBus()
	a, b := startChatNode(t, bus, "node-a"), startChatNode(t, bus, "node-b")
	alice, bob := dialChat(t, a), dialChat(t, b)
	if r := alice.call("login", loginRequest{Name: "alice"}); !r.OK {
		t.Fatalf("alice's login: %+v", r)
	}
	if r := bob.call("login", loginRequest{Name: "bob"}); !r.OK {
		t.Fatalf("bob's login: %+v", r)
	}
	want := []userEntry{{Name: "alice", Node: "node-a", Rooms: []string{"general"}}, {Name: "bob", Node: "node-b", Rooms: []string{"general"}}}
	if r := alice.call("users", nil); !r.OK || r.Partial || !reflect.DeepEqual(r.Users, want) {
		t.Fatalf("users with every node answering: %+v", r)
	}

	// A third node joins the bus with one socket, and freezes.
	thaw := make(chan struct{})
	l := adapter.NewLocal(frozenNamespace{thaw})
	l.AddAll("frozen-socket-000000")
	frozen, err := bus.Factory(cluster.Options{})(l)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(thaw)
		_ = frozen.Close(context.Background())
	})

	r := alice.call("users", nil)
	if !r.OK || !r.Partial || !reflect.DeepEqual(r.Users, want) {
		t.Errorf("users with a node that does not answer: %+v, want the others' users and partial", r)
	}
}
