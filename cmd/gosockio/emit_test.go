package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/internal/wire"
)

// TestMain runs the tests, or, when the tests start this binary again with
// GOSOCKIO_TEST_MAIN=1, the command itself (to check exit codes and output).
func TestMain(m *testing.M) {
	if os.Getenv("GOSOCKIO_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	leakcheck.Main(m)
}

// testRedis returns the URL of the Redis at REDIS_URL, or of a fresh miniredis, and a key
// prefix no other test uses.
func testRedis(t *testing.T) (url string, rdb *redis.Client, key string) {
	t.Helper()
	url = os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://" + miniredis.RunT(t).Addr()
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb = redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	var b [6]byte
	_, _ = rand.Read(b[:])
	return url, rdb, "gosockio-test-cmd-emit-" + hex.EncodeToString(b[:])
}

// published returns the next message published on a channel starting with prefix while do runs.
func published(t *testing.T, rdb *redis.Client, prefix string, do func() error) *redis.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ps := rdb.PSubscribe(ctx, prefix+"*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := do(); err != nil {
		t.Fatalf("gosockio emit: %v", err)
	}
	m, err := ps.ReceiveMessage(ctx)
	if err != nil {
		t.Fatalf("nothing published: %v", err)
	}
	return m
}

func TestEmitCommand(t *testing.T) {
	url, rdb, key := testRedis(t)
	m := published(t, rdb, key, func() error {
		return run([]string{"emit", "--redis", url, "--key", key, "--nsp", "admin",
			"--to", "r1", "--to", "r2", "--except", "x", "--volatile",
			"alert", `{"level":"high","tags":["a",null]}`, `"text"`, `5000000000`, `1.5`, `null`, `true`})
	})
	if want := key + "#/admin#"; m.Channel != want {
		t.Errorf("channel %q, want %q", m.Channel, want)
	}
	var b wire.ClassicBroadcast
	if err := wire.UnmarshalClassicBroadcast([]byte(m.Payload), &b); err != nil {
		t.Fatal(err)
	}
	want := []any{"alert",
		wire.Object{{Key: "level", Value: "high"}, {Key: "tags", Value: []any{"a", nil}}},
		"text", int64(5000000000), 1.5, nil, true}
	if !reflect.DeepEqual(b.Packet.Data, want) {
		t.Errorf("data %#v\nwant %#v", b.Packet.Data, want)
	}
	if b.UID != wire.EmitterUID || b.Packet.Nsp != "/admin" {
		t.Errorf("uid %q nsp %q", b.UID, b.Packet.Nsp)
	}
	if got := wire.RoomNames(b.Opts.Rooms); !reflect.DeepEqual(got, []string{"r1", "r2"}) {
		t.Errorf("rooms %q", got)
	}
	if got := wire.RoomNames(b.Opts.Except); !reflect.DeepEqual(got, []string{"x"}) {
		t.Errorf("except %q", got)
	}
	if !b.Opts.Flags.Volatile || b.Opts.Flags.HasCompress {
		t.Errorf("flags %+v, want volatile only", b.Opts.Flags)
	}

	// One room, default namespace, no arguments.
	m = published(t, rdb, key, func() error {
		return run([]string{"emit", "--redis", url, "--key", key, "--to", "solo", "ping"})
	})
	if want := key + "#/#solo#"; m.Channel != want {
		t.Errorf("channel %q, want %q", m.Channel, want)
	}
	if err := wire.UnmarshalClassicBroadcast([]byte(m.Payload), &b); err != nil || !reflect.DeepEqual(b.Packet.Data, []any{"ping"}) {
		t.Errorf("data %v (%v)", b.Packet.Data, err)
	}
}

// TestEmitCommandNoServer: when no server subscribes to the channel, the command says so on
// stderr and still succeeds; with a subscriber it says nothing.
func TestEmitCommandNoServer(t *testing.T) {
	url, rdb, key := testRedis(t)
	var stderr bytes.Buffer
	if err := emitCommand([]string{"--redis", url, "--key", key, "--nsp", "/admin", "ev"}, &stderr); err != nil {
		t.Fatal(err)
	}
	want := "gosockio: emit: warning: no server is subscribed to " + key + "#/admin#: check --key / --redis\n"
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	stderr.Reset()
	published(t, rdb, key, func() error {
		return emitCommand([]string{"--redis", url, "--key", key, "--nsp", "/admin", "ev"}, &stderr)
	})
	if stderr.Len() != 0 {
		t.Errorf("stderr %q with a subscriber, want nothing", stderr.String())
	}
}

// The command as a user runs it: exit status and a one-line message on stderr.
func TestEmitCommandExit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command in a child process")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "redis://" + ln.Addr().String()
	ln.Close()
	url, rdb, key := testRedis(t)

	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string // the single line expected on stderr (prefix)
	}{
		{"unknown flag", []string{"emit", "--bogus", "ev"}, 1, "gosockio: emit: flag provided but not defined: -bogus"},
		{"flag value", []string{"emit", "--timeout", "soon", "ev"}, 1, `gosockio: emit: invalid value "soon" for flag -timeout`},
		{"no event", []string{"emit", "--redis", url}, 1, "gosockio: emit: missing event name"},
		{"bare string", []string{"emit", "--redis", url, "ev", "hello"}, 1, `gosockio: emit: argument 1 ("hello") is not a JSON value`},
		{"bad URL", []string{"emit", "--redis", "http://x", "ev"}, 1, `gosockio: emit: --redis "http://x": `},
		{"unreachable Redis", []string{"emit", "--redis", unreachable, "--timeout", "3s", "ev", "1"}, 1, "gosockio: emit: emitter: publish socket.io#/#: dial tcp"},
		{"reserved event", []string{"emit", "--redis", url, "disconnect"}, 1, `gosockio: emit: emitter: reserved event name: "disconnect"`},
		{"success", []string{"emit", "--redis", url, "--key", key, "ev", `{"ok":true}`}, 0, ""},
		{"no server", []string{"emit", "--redis", url, "--key", key + "-wrong", "--to", "r", "ev"}, 0,
			"gosockio: emit: warning: no server is subscribed to " + key + "-wrong#/#r#: check --key / --redis"},
	}
	// A server stand-in, subscribed under key (a server's adapter subscribes <key>#/#*).
	ps := rdb.PSubscribe(context.Background(), key+"#/#*")
	t.Cleanup(func() { _ = ps.Close() })
	if _, err := ps.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command(os.Args[0], c.args...)
			cmd.Env = append(os.Environ(), "GOSOCKIO_TEST_MAIN=1")
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.code {
				t.Errorf("exit status %d, want %d (stderr %q)", code, c.code, stderr.String())
			}
			out := stderr.String()
			if c.stderr == "" {
				if out != "" {
					t.Errorf("stderr %q, want nothing", out)
				}
				return
			}
			if !strings.HasPrefix(out, c.stderr) || strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Errorf("stderr %q, want one line starting with %q", out, c.stderr)
			}
		})
	}

	// -h prints the usage and succeeds.
	cmd := exec.Command(os.Args[0], "emit", "-h")
	cmd.Env = append(os.Environ(), "GOSOCKIO_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "usage: gosockio emit") || !strings.Contains(string(out), "-volatile") {
		t.Errorf("emit -h: %v\n%s", err, out)
	}
}

// TestEmitCommandStreams: with --adapter streams the event is an entry of the stream named
// --key, as servers of gosockio serve --adapter streams read it, with the stream warning when
// no server is subscribed to the namespace; sharded servers are refused.
func TestEmitCommandStreams(t *testing.T) {
	url, rdb, key := testRedis(t)
	t.Cleanup(func() { _ = rdb.Del(context.Background(), key).Err() })
	var stderr bytes.Buffer
	if err := emitCommand([]string{"--redis", url, "--key", key, "--adapter", "streams", "--to", "r1", "--volatile",
		"ev", `{"a":1}`, `2`}, &stderr); err != nil {
		t.Fatal(err)
	}
	entries, err := rdb.XRange(context.Background(), key, "-", "+").Result()
	if err != nil || len(entries) != 1 {
		t.Fatalf("stream %s: %v (%v)", key, entries, err)
	}
	v := entries[0].Values
	if v["uid"] != wire.EmitterUID || v["nsp"] != "/" || v["type"] != "3" ||
		v["data"] != `{"packet":{"type":2,"data":["ev",{"a":1},2]},"opts":{"rooms":["r1"],"except":[],"flags":{"volatile":true}}}` {
		t.Errorf("entry %v", v)
	}
	if want := "gosockio: emit: warning: no server is subscribed to " + key + "#/#: the entry is in stream " + key + ", but no server reads it now and servers that start later begin after it; check --key / --redis\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	for _, kind := range []string{"sharded", "other"} {
		if err := emitCommand([]string{"--redis", url, "--adapter", kind, "ev"}, &stderr); err == nil {
			t.Errorf("--adapter %s accepted", kind)
		}
	}
}
