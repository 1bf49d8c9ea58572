package socketio_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio"
)

// unready is an in-memory adapter that says it is not ready (adapter.Readier) for some
// namespaces.
type unready struct {
	adapter.Adapter
	err error
}

func (u unready) Ready(context.Context) error { return u.err }

var errNoPeers = errors.New("no peers yet")

func TestServerReady(t *testing.T) {
	// The in-memory adapter is always ready.
	e := newEnv(t, socketio.Options{})
	e.srv.Of("/admin")
	if err := e.srv.Ready(ctxT(t)); err != nil {
		t.Errorf("memory adapter: Ready = %v", err)
	}

	// An adapter that is not ready, for /admin only.
	f := func(l *adapter.Local) (adapter.Adapter, error) {
		a, err := adapter.Memory(l)
		if l.Namespace().Name() == "/admin" {
			return unready{a, errNoPeers}, err
		}
		return unready{Adapter: a}, err
	}
	srv, err := socketio.NewServer(socketio.Options{Adapter: f})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Ready(ctxT(t)); err != nil {
		t.Errorf("ready adapters: Ready = %v", err)
	}
	srv.Of("/admin")
	err = srv.Ready(ctxT(t))
	if !errors.Is(err, errNoPeers) || !strings.Contains(err.Error(), "/admin") {
		t.Errorf("/admin not ready: Ready = %v", err)
	}
	if err := srv.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := srv.Ready(ctxT(t)); !errors.Is(err, socketio.ErrServerClosed) {
		t.Errorf("after Close: Ready = %v", err)
	}
}
