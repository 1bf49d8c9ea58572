package adminui_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosockio/gosockio/adminui"
	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/parser"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// env is an instrumented server under test.
type env struct {
	srv   *socketio.Server
	admin *adminui.Admin
	url   string
}

func start(t *testing.T, opts adminui.Options) *env {
	t.Helper()
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if opts.ServerID == "" {
		opts.ServerID = "go-test"
	}
	a, err := adminui.Instrument(srv, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return &env{srv: srv, admin: a, url: hs.URL}
}

func dial(t *testing.T, ctx context.Context, url string) *testclient.Client {
	t.Helper()
	c, err := testclient.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// event is one event an admin client received.
type event struct {
	name string
	args []json.RawMessage
}

// until reads c's events until one named name satisfies ok (nil: any), and returns it with
// the names of the events seen before it.
func until(t *testing.T, ctx context.Context, c *testclient.Client, name string, ok func(event) bool) (event, []string) {
	t.Helper()
	var seen []string
	for {
		_, n, args, err := c.NextEvent(ctx)
		if err != nil {
			t.Fatalf("waiting for %q (after %v): %v", name, seen, err)
		}
		ev := event{name: n}
		for i := range args.Len() {
			ev.args = append(ev.args, args.Raw(i))
		}
		if n == name && (ok == nil || ok(ev)) {
			return ev, seen
		}
		seen = append(seen, n)
	}
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

type config struct {
	SupportedFeatures []string `json:"supportedFeatures"`
}

type stats struct {
	ServerID            string  `json:"serverId"`
	Hostname            string  `json:"hostname"`
	PID                 int     `json:"pid"`
	Uptime              float64 `json:"uptime"`
	ClientsCount        *int    `json:"clientsCount"`
	PollingClientsCount *int    `json:"pollingClientsCount"`
	AggregatedEvents    []struct {
		Timestamp int64  `json:"timestamp"`
		Type      string `json:"type"`
		SubType   string `json:"subType"`
		Count     int    `json:"count"`
	} `json:"aggregatedEvents"`
	Namespaces []struct {
		Name         string `json:"name"`
		SocketsCount int    `json:"socketsCount"`
	} `json:"namespaces"`
}

type socketJSON struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId"`
	Transport string         `json:"transport"`
	Nsp       string         `json:"nsp"`
	Data      map[string]any `json:"data"`
	Handshake struct {
		Address string            `json:"address"`
		Headers map[string]any    `json:"headers"`
		Query   map[string]string `json:"query"`
		Issued  int64             `json:"issued"`
		Secure  *bool             `json:"secure"`
		Time    string            `json:"time"`
		URL     string            `json:"url"`
		XDomain *bool             `json:"xdomain"`
	} `json:"handshake"`
	Rooms []string `json:"rooms"`
}

var allFeatures = []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS"}

// TestProduction: config without ALL_EVENTS, periodic server_stats with aggregated counts,
// and none of the development mode's events.
func TestProduction(t *testing.T) {
	e := start(t, adminui.Options{Auth: adminui.NoAuth(), Mode: adminui.Production, ServerID: "go-prod"})
	ctx := ctxFor(t, 10*time.Second)
	admin := dial(t, ctx, e.url)
	if _, err := admin.Connect(ctx, "/admin", nil); err != nil {
		t.Fatal(err)
	}
	cfg, _ := until(t, ctx, admin, "config", nil)
	if got := decode[config](t, cfg.args[0]); !slices.Equal(got.SupportedFeatures, allFeatures) {
		t.Errorf("features %v, want %v", got.SupportedFeatures, allFeatures)
	}
	user := dial(t, ctx, e.url)
	if _, err := user.Connect(ctx, "/", nil); err != nil {
		t.Fatal(err)
	}
	if err := user.Emit("/", "hello", "world"); err != nil {
		t.Fatal(err)
	}
	ev, seen := until(t, ctx, admin, "server_stats", func(ev event) bool {
		s := decode[stats](t, ev.args[0])
		return len(s.Namespaces) == 2 && s.Namespaces[0].SocketsCount == 1
	})
	for _, n := range seen {
		if n != "server_stats" {
			t.Errorf("production mode sent %q", n)
		}
	}
	s := decode[stats](t, ev.args[0])
	if s.ServerID != "go-prod" || s.PID == 0 || s.Uptime <= 0 || s.ClientsCount == nil || *s.ClientsCount != 2 ||
		s.PollingClientsCount == nil || *s.PollingClientsCount != 0 || s.Hostname == "" {
		t.Errorf("server_stats %s", ev.args[0])
	}
	if s.Namespaces[0].Name != "/" || s.Namespaces[1].Name != "/admin" || s.Namespaces[1].SocketsCount != 1 {
		t.Errorf("namespaces %+v", s.Namespaces)
	}
	// Every count of the second it happened in; the admin client saw its CONNECT counted.
	counts := map[string]int{}
	for {
		for _, a := range s.AggregatedEvents {
			if a.Timestamp%1000 != 0 || a.Count <= 0 {
				t.Errorf("aggregated event %+v", a)
			}
			counts[a.Type] += a.Count
		}
		if counts["packetsIn"] >= 3 && counts["rawConnection"] >= 2 {
			break
		}
		ev, _ = until(t, ctx, admin, "server_stats", nil)
		s = decode[stats](t, ev.args[0])
	}
	if counts["bytesIn"] < len(`0`+`0/admin,`+`2["hello","world"]`) || counts["packetsOut"] < 3 || counts["bytesOut"] <= 0 {
		t.Errorf("counts %v", counts)
	}
	if !strings.Contains(string(ev.args[0]), `"aggregatedEvents":[`) {
		t.Errorf("aggregatedEvents missing: %s", ev.args[0])
	}
}

// TestDevelopment: all_sockets, then each event of a socket's life, with Node's fields.
func TestDevelopment(t *testing.T) {
	e := start(t, adminui.Options{Auth: adminui.NoAuth(), Mode: adminui.Development})
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.On("join", socketio.Handle(func(ev *socketio.Event, room string) error {
			s.Join(room)
			s.SetData(map[string]any{"user": "alice"})
			return s.Emit("joined", room)
		}))
		s.On("leave", socketio.Handle(func(ev *socketio.Event, room string) error {
			s.Leave(room)
			return nil
		}))
	})
	ctx := ctxFor(t, 10*time.Second)
	user := dial(t, ctx, e.url)
	uid, err := user.Connect(ctx, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := dial(t, ctx, e.url)
	aid, err := admin.Connect(ctx, "/admin", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := until(t, ctx, admin, "config", nil)
	if got := decode[config](t, cfg.args[0]); !slices.Equal(got.SupportedFeatures, append(allFeatures, "ALL_EVENTS")) {
		t.Errorf("features %v", got.SupportedFeatures)
	}
	all, _ := until(t, ctx, admin, "all_sockets", nil)
	socks := decode[[]socketJSON](t, all.args[0])
	if len(socks) != 2 {
		t.Fatalf("all_sockets %s", all.args[0])
	}
	slices.SortFunc(socks, func(a, b socketJSON) int { return strings.Compare(a.Nsp, b.Nsp) })
	u := socks[0]
	if u.ID != uid || u.Nsp != "/" || u.ClientID != user.SID[:12] || u.Transport != "websocket" || u.Data == nil ||
		len(u.Data) != 0 || !slices.Equal(u.Rooms, []string{uid}) || u.Handshake.Address == "" ||
		u.Handshake.Headers["host"] == nil || u.Handshake.Query["EIO"] != "4" || u.Handshake.Issued == 0 ||
		u.Handshake.Secure == nil || u.Handshake.XDomain == nil || !strings.HasPrefix(u.Handshake.URL, "/socket.io/") ||
		!strings.Contains(u.Handshake.Time, "GMT") {
		t.Errorf("all_sockets' socket of /: %s", all.args[0])
	}
	if socks[1].ID != aid || socks[1].Nsp != "/admin" {
		t.Errorf("all_sockets' admin socket: %+v", socks[1])
	}

	if err := user.Emit("/", "join", "room1"); err != nil {
		t.Fatal(err)
	}
	recv, _ := until(t, ctx, admin, "event_received", nil)
	if string(recv.args[0]) != `"/"` || string(recv.args[1]) != `"`+uid+`"` || string(recv.args[2]) != `["join","room1"]` || !isDate(recv.args[3]) {
		t.Errorf("event_received %s", recv.args)
	}
	joined, _ := until(t, ctx, admin, "room_joined", nil)
	if string(joined.args[0]) != `"/"` || string(joined.args[1]) != `"room1"` || string(joined.args[2]) != `"`+uid+`"` || !isDate(joined.args[3]) {
		t.Errorf("room_joined %s", joined.args)
	}
	upd, _ := until(t, ctx, admin, "socket_updated", nil)
	if string(upd.args[0]) != `{"id":"`+uid+`","nsp":"/","data":{"user":"alice"}}` {
		t.Errorf("socket_updated %s", upd.args[0])
	}
	sent, _ := until(t, ctx, admin, "event_sent", nil)
	if string(sent.args[2]) != `["joined","room1"]` || string(sent.args[1]) != `"`+uid+`"` {
		t.Errorf("event_sent %s", sent.args)
	}
	if err := user.Emit("/", "leave", "room1"); err != nil {
		t.Fatal(err)
	}
	left, _ := until(t, ctx, admin, "room_left", nil)
	if string(left.args[1]) != `"room1"` || string(left.args[2]) != `"`+uid+`"` {
		t.Errorf("room_left %s", left.args)
	}

	// A new socket, then its disconnection.
	other := dial(t, ctx, e.url)
	oid, err := other.Connect(ctx, "/", map[string]string{"token": "x"})
	if err != nil {
		t.Fatal(err)
	}
	conn, _ := until(t, ctx, admin, "socket_connected", func(ev event) bool { return decode[socketJSON](t, ev.args[0]).ID == oid })
	if s := decode[socketJSON](t, conn.args[0]); s.ClientID != other.SID[:12] || !isDate(conn.args[1]) || strings.Contains(string(conn.args[0]), "token") {
		t.Errorf("socket_connected %s", conn.args)
	}
	other.Close()
	disc, _ := until(t, ctx, admin, "socket_disconnected", nil)
	if string(disc.args[0]) != `"/"` || string(disc.args[1]) != `"`+oid+`"` || string(disc.args[2]) != `"transport close"` || !isDate(disc.args[3]) {
		t.Errorf("socket_disconnected %s", disc.args)
	}
}

// isDate reports whether raw is a JSON date as JavaScript's Date#toJSON writes it.
func isDate(raw json.RawMessage) bool {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return false
	}
	_, err := time.Parse("2006-01-02T15:04:05.000Z", s)
	return err == nil
}

// TestBasicAuth: bad credentials get Node's connect_error; good ones a session id, which
// logs in again without the password.
func TestBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	store := adminui.NewInMemoryStore()
	e := start(t, adminui.Options{Auth: &adminui.BasicAuth{Username: "admin", PasswordHash: string(hash)}, Store: store, Mode: adminui.Production})
	ctx := ctxFor(t, 10*time.Second)
	c := dial(t, ctx, e.url)
	for _, auth := range []any{
		nil,
		map[string]any{"username": "admin", "password": "wrong"},
		map[string]any{"username": "root", "password": "s3cret"},
		map[string]any{"username": "admin"},
		map[string]any{"username": 1, "password": []int{1}},
		map[string]any{"sessionId": "0123456789abcdef"},
		map[string]any{"sessionId": 42},
	} {
		_, err := c.Connect(ctx, "/admin", auth)
		var ce *testclient.ConnectError
		if !errors.As(err, &ce) || ce.Message != "invalid credentials" || ce.Data != nil {
			t.Errorf("auth %v: %v, want connect_error invalid credentials", auth, err)
		}
	}
	if _, err := c.Connect(ctx, "/admin", map[string]any{"username": "admin", "password": "s3cret"}); err != nil {
		t.Fatal(err)
	}
	ev, _ := until(t, ctx, c, "session", nil)
	id := decode[string](t, ev.args[0])
	if len(id) != 16 {
		t.Errorf("session id %q", id)
	}
	if ok, _ := store.SessionExists(ctx, id); !ok {
		t.Error("session not saved")
	}
	c2 := dial(t, ctx, e.url)
	if _, err := c2.Connect(ctx, "/admin", map[string]any{"sessionId": id}); err != nil {
		t.Fatal(err)
	}
	_, seen := until(t, ctx, c2, "config", nil)
	if slices.Contains(seen, "session") {
		t.Error("a session login was sent a new session")
	}
}

func TestOptions(t *testing.T) {
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	for _, o := range []adminui.Options{
		{},
		{Auth: &adminui.BasicAuth{Username: "a", PasswordHash: "plain"}},
		{Auth: adminui.NoAuth(), Mode: "test"},
	} {
		if _, err := adminui.Instrument(srv, o); err == nil {
			t.Errorf("Instrument(%+v) accepted", o)
		}
	}
	t.Setenv("NODE_ENV", "production")
	a, err := adminui.Instrument(srv, adminui.Options{Auth: adminui.NoAuth(), NamespaceName: "watch"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if srv.Instrumentation() == nil {
		t.Error("no instrumentation installed")
	}
	if a.Namespace().Name() != "/watch" {
		t.Errorf("namespace %q", a.Namespace().Name())
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx := ctxFor(t, 5*time.Second)
	c := dial(t, ctx, hs.URL)
	if _, err := c.Connect(ctx, "/watch", nil); err != nil {
		t.Fatal(err)
	}
	cfg, _ := until(t, ctx, c, "config", nil)
	if slices.Contains(decode[config](t, cfg.args[0]).SupportedFeatures, "ALL_EVENTS") {
		t.Error("NODE_ENV=production did not select production mode")
	}
}

// eventPacket is an admin action as the UI sends it.
func action(t *testing.T, c *testclient.Client, name string, args ...any) {
	t.Helper()
	if err := c.Emit("/admin", name, args...); err != nil {
		t.Fatal(err)
	}
}

// TestActions: the UI's emit, join, leave and _disconnect, with and without filters, and
// nothing of them when read-only.
func TestActions(t *testing.T) {
	for _, readonly := range []bool{false, true} {
		t.Run(map[bool]string{false: "readwrite", true: "readonly"}[readonly], func(t *testing.T) {
			e := start(t, adminui.Options{Auth: adminui.NoAuth(), Mode: adminui.Production, ReadOnly: readonly})
			ctx := ctxFor(t, 10*time.Second)
			a, b := dial(t, ctx, e.url), dial(t, ctx, e.url)
			aid, err := a.Connect(ctx, "/", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Connect(ctx, "/", nil); err != nil {
				t.Fatal(err)
			}
			admin := dial(t, ctx, e.url)
			if _, err := admin.Connect(ctx, "/admin", nil); err != nil {
				t.Fatal(err)
			}
			cfg, _ := until(t, ctx, admin, "config", nil)
			if f := decode[config](t, cfg.args[0]).SupportedFeatures; readonly != !slices.Contains(f, "EMIT") {
				t.Errorf("features %v", f)
			}
			action(t, admin, "join", "/", "red", aid)
			action(t, admin, "emit", "/", "red", "news", "for red", 1)
			action(t, admin, "emit", "/", nil, "all", []byte{1, 2})
			action(t, admin, "leave", "/", "red", nil)
			action(t, admin, "emit", "/", "red", "news", "nobody")
			action(t, admin, "_disconnect", "/", false, aid)
			if readonly {
				time.Sleep(300 * time.Millisecond)
				if len(e.srv.Sockets()) != 2 || len(a.Packets) != 0 {
					t.Errorf("read-only: %d sockets, %d packets", len(e.srv.Sockets()), len(a.Packets))
				}
				return
			}
			wantEvent(t, ctx, a, "news", `"for red"`, `1`)
			wantEvent(t, ctx, a, "all", `{"_placeholder":true,"num":0}`)
			p, err := a.Next(ctx)
			if err != nil || p.Type != parser.Disconnect {
				t.Fatalf("after the leave and the filtered disconnect: %v %v", p, err)
			}
			wantEvent(t, ctx, b, "all", `{"_placeholder":true,"num":0}`)
			for len(e.srv.Sockets()) != 1 {
				time.Sleep(5 * time.Millisecond)
			}
			action(t, admin, "_disconnect", "/", true)
			if p, err := b.Next(ctx); err != nil || p.Type != parser.Disconnect {
				t.Errorf("disconnect all: %v %v", p, err)
			}
		})
	}
}

func wantEvent(t *testing.T, ctx context.Context, c *testclient.Client, name string, args ...string) {
	t.Helper()
	_, n, a, err := c.NextEvent(ctx)
	if err != nil {
		t.Fatalf("want %q: %v", name, err)
	}
	var got []string
	for i := range a.Len() {
		got = append(got, string(a.Raw(i)))
	}
	if n != name || !slices.Equal(got, args) {
		t.Errorf("got %q %v, want %q %v", n, got, name, args)
	}
}
