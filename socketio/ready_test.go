package socketio_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

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

// TestNamespaceWhileItsAdapterIsBuilt: a namespace whose adapter factory is slow (a Redis
// adapter waiting for Redis) can be looked up and used meanwhile by other goroutines: they
// wait for its adapter instead of finding none.
func TestNamespaceWhileItsAdapterIsBuilt(t *testing.T) {
	release, entered := make(chan struct{}), make(chan struct{})
	slow := func(l *adapter.Local) (adapter.Adapter, error) {
		if l.Namespace().Name() == "/slow" {
			close(entered)
			<-release
		}
		return adapter.Memory(l)
	}
	e := newEnv(t, socketio.Options{Adapter: slow})
	created := make(chan *socketio.Namespace)
	go func() { created <- e.srv.Of("/slow") }()
	<-entered // the namespace exists, its adapter does not yet
	emitted := make(chan error)
	go func() {
		// Of finds the namespace being created and waits for it; Emit needs its adapter.
		emitted <- e.srv.Of("/slow").Emit("hi")
	}()
	select {
	case err := <-emitted:
		t.Fatalf("Emit returned (%v) before the namespace's adapter existed", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if n := <-created; n.Adapter() == nil {
		t.Fatal("no adapter")
	}
	if err := <-emitted; err != nil {
		t.Fatal(err)
	}
}
