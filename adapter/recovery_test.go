package adapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

func TestAppendOffset(t *testing.T) {
	for in, want := range map[string]string{
		`["e",1]`:   `["e",1,"o"]`,
		`["e"]`:     `["e","o"]`,
		`[]`:        `["o"]`,
		`[ ]`:       `[ "o"]`,
		`["e",{}] `: `["e",{},"o"]`,
	} {
		if got := string(adapter.AppendOffset([]byte(in), "o")); got != want {
			t.Errorf("AppendOffset(%s) = %s, want %s", in, got, want)
		}
	}
}

// lastNS is a namespace that keeps the last packet delivered.
type lastNS struct {
	*fakeNS
	last *parser.Packet
}

func (n *lastNS) Deliver(p *parser.Packet, ids []string, fl adapter.Flags, onAck func(*parser.Packet)) int {
	n.last = p
	return n.fakeNS.Deliver(p, ids, fl, onAck)
}

// args decodes a packet's data; the offset is its last element.
func args(t *testing.T, p *parser.Packet) []any {
	t.Helper()
	var vals []any
	if err := json.Unmarshal(p.Data, &vals); err != nil {
		t.Fatal(err)
	}
	return vals
}

type recoveryFixture struct {
	t  *testing.T
	ns *lastNS
	ad adapter.Adapter
	st adapter.SessionStore
}

func newRecoveryFixture(t *testing.T, o adapter.RecoveryOptions) *recoveryFixture {
	ns := &lastNS{fakeNS: newFakeNS()}
	l := adapter.NewLocal(ns)
	l.AddAll("a", "a", "r")
	ad, err := adapter.MemoryWithRecovery(o)(l)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ad.Close(context.Background()) })
	return &recoveryFixture{t: t, ns: ns, ad: ad, st: ad.(adapter.SessionStore)}
}

// emit broadcasts ["e", v, (padding)] to rooms and returns the offset the packet was given.
func (f *recoveryFixture) emit(v int, pad int, rooms ...string) string {
	f.t.Helper()
	p := &parser.Packet{Type: parser.Event, Nsp: "/", Data: fmt.Appendf(nil, `["e",%d,%q]`, v, strings.Repeat("x", pad))}
	before := string(p.Data)
	if err := f.ad.Broadcast(context.Background(), p, adapter.Target{Rooms: rooms}); err != nil {
		f.t.Fatal(err)
	}
	if string(p.Data) != before {
		f.t.Fatal("the caller's packet was changed")
	}
	vals := args(f.t, f.ns.last)
	if len(vals) != 4 {
		f.t.Fatalf("delivered %s: no offset", f.ns.last.Data)
	}
	return vals[3].(string)
}

func (f *recoveryFixture) persist(pid string, rooms ...string) {
	f.t.Helper()
	err := f.st.PersistSession(context.Background(), adapter.Session{SID: "sid-" + pid, PID: pid, Rooms: rooms, Data: pid, Expires: time.Now().Add(time.Minute)})
	if err != nil {
		f.t.Fatal(err)
	}
}

// restore returns the values of the missed packets, or nil and false.
func (f *recoveryFixture) restore(pid, offset string) ([]float64, bool) {
	f.t.Helper()
	var got *adapter.Session
	ok, err := f.st.RestoreSession(context.Background(), pid, offset, func(s *adapter.Session) { got = s })
	if err != nil {
		f.t.Fatal(err)
	}
	if ok != (got != nil) {
		f.t.Fatalf("ok %v but attach called: %v", ok, got != nil)
	}
	if !ok {
		return nil, false
	}
	if got.SID != "sid-"+pid || got.Data != pid {
		f.t.Fatalf("session %+v", got)
	}
	vs := []float64{}
	for _, p := range got.Missed {
		vs = append(vs, args(f.t, p)[1].(float64))
	}
	return vs, true
}

func TestMemoryRecoveryMissed(t *testing.T) {
	f := newRecoveryFixture(t, adapter.RecoveryOptions{})
	off := f.emit(0, 0)
	f.persist("p", "sid-p", "r")
	f.emit(1, 0)
	f.emit(2, 0, "r")
	f.emit(3, 0, "other")
	f.emit(4, 0, "sid-p")
	_ = f.ad.Broadcast(context.Background(), &parser.Packet{Type: parser.Event, Data: []byte(`["v"]`)}, adapter.Target{Flags: adapter.Flags{Volatile: true}})
	if vals := args(t, f.ns.last); len(vals) != 1 {
		t.Fatalf("volatile packet given an offset: %v", vals)
	}
	if err := f.ad.Broadcast(context.Background(), &parser.Packet{Type: parser.Event, Data: []byte(`["e",5]`)}, adapter.Target{Except: []string{"r"}}); err != nil {
		t.Fatal(err)
	}
	got, ok := f.restore("p", off)
	if !ok || fmt.Sprint(got) != "[1 2 4]" {
		t.Fatalf("missed %v (%v), want [1 2 4]", got, ok)
	}
	if _, ok := f.restore("p", off); ok {
		t.Fatal("a session restored twice")
	}
}

func TestMemoryRecoveryBounds(t *testing.T) {
	t.Run("packets", func(t *testing.T) {
		f := newRecoveryFixture(t, adapter.RecoveryOptions{MaxPackets: 3})
		f.emit(0, 0)
		off1 := f.emit(1, 0)
		f.persist("a", "r")
		f.persist("b", "r")
		f.emit(2, 0)
		f.emit(3, 0)
		f.emit(4, 0) // drops 0 and 1: kept 2, 3, 4
		if got, ok := f.restore("a", off1); !ok || fmt.Sprint(got) != "[2 3 4]" {
			t.Fatalf("offset of a dropped packet, nothing after it dropped: %v %v", got, ok)
		}
		f.emit(5, 0) // drops 2
		if _, ok := f.restore("b", off1); ok {
			t.Fatal("restored with a packet after its offset dropped")
		}
	})
	t.Run("bytes", func(t *testing.T) {
		f := newRecoveryFixture(t, adapter.RecoveryOptions{MaxBytes: 3000})
		off := f.emit(0, 0)
		f.persist("a", "r")
		f.persist("b", "r")
		f.emit(1, 1000)
		if got, ok := f.restore("a", off); !ok || fmt.Sprint(got) != "[1]" {
			t.Fatalf("%v %v", got, ok)
		}
		for i := range 3 {
			f.emit(2+i, 1000)
		}
		if _, ok := f.restore("b", off); ok {
			t.Fatal("restored beyond MaxBytes")
		}
	})
	t.Run("sessions", func(t *testing.T) {
		f := newRecoveryFixture(t, adapter.RecoveryOptions{MaxSessions: 2})
		off := f.emit(0, 0)
		f.persist("a", "r")
		f.persist("b", "r")
		f.persist("c", "r") // drops a
		if _, ok := f.restore("a", off); ok {
			t.Fatal("the oldest session was kept beyond MaxSessions")
		}
		if _, ok := f.restore("c", off); !ok {
			t.Fatal("the newest session was dropped")
		}
	})
	t.Run("expiry", func(t *testing.T) {
		f := newRecoveryFixture(t, adapter.RecoveryOptions{MaxDisconnectionDuration: 100 * time.Millisecond})
		off := f.emit(0, 0)
		f.persist("a", "r")
		time.Sleep(150 * time.Millisecond)
		if _, ok := f.restore("a", off); ok {
			t.Fatal("restored after MaxDisconnectionDuration")
		}
	})
}
