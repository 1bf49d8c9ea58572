package redisadapter_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/adapter/adaptertest"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

// streamsOptions returns options whose stream, channels and session keys belong to the test;
// the stream keys are deleted when it ends.
func streamsOptions(t testing.TB, rdb redis.UniversalClient, count int) redisadapter.StreamsOptions {
	key := redistest.Key(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		keys := []string{key}
		for i := -count; i < count; i++ {
			keys = append(keys, key+"-"+itoa(i))
		}
		for _, k := range keys {
			_ = rdb.Del(ctx, k).Err()
		}
	})
	return redisadapter.StreamsOptions{StreamName: key, StreamCount: count, ChannelPrefix: key, SessionKeyPrefix: key + ":session:"}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func streamsFactories(rdb redis.UniversalClient, opts redisadapter.StreamsOptions) []adapter.Factory {
	return []adapter.Factory{redisadapter.NewStreams(rdb, opts), redisadapter.NewStreams(rdb, opts), redisadapter.NewStreams(rdb, opts)}
}

// TestStreamsSuite runs the adapter behaviour suite on the streams adapter: three nodes on one
// Redis (REDIS_URL, else miniredis), plain and sharded pub/sub.
func TestStreamsSuite(t *testing.T) {
	t.Run("pubsub", func(t *testing.T) {
		adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
			rdb := redistest.New(t).Client(t)
			return streamsFactories(rdb, streamsOptions(t, rdb, 1))
		})
	})
	t.Run("sharded-pubsub", func(t *testing.T) {
		adaptertest.Run(t, func(t testing.TB) []adapter.Factory {
			rdb := redistest.Sharded(t).Client(t)
			o := streamsOptions(t, rdb, 1)
			o.UseShardedPubSub = true
			return streamsFactories(rdb, o)
		})
	})
}

// TestStreamsMalformedEntries: stream entries a node cannot read are logged and skipped (those
// without a namespace silently, as Node skips them); the next good one is delivered.
func TestStreamsMalformedEntries(t *testing.T) {
	rdb := redistest.New(t).Client(t)
	logs := newLogSink()
	o := streamsOptions(t, rdb, 1)
	o.Logger = logs.logger()
	n := startNodeWith(t, redisadapter.NewStreams(rdb, o), o.Logger)
	c := connect(t, n)
	waitReadyNode(t, n)
	good := `{"packet":{"type":2,"data":["ok"]},"opts":{"rooms":[],"except":[],"flags":{}}}`
	for _, values := range [][]string{
		{"uid", "x", "type", "3", "data", good}, // no nsp: skipped silently
		{"uid", "x", "nsp", "/", "type", "three", "data", good},
		{"uid", "x", "nsp", "/", "type", "3"},
		{"uid", "x", "nsp", "/", "type", "3", "data", "{not json"},
		{"uid", "x", "nsp", "/", "type", "3", "data", "!!not base64!!"},
		{"uid", "x", "nsp", "/", "type", "3", "data", "kqEx"}, // base64 MessagePack, not a map
		{"uid", "x", "nsp", "/", "type", "3", "data", `{"packet":{"type":2,"data":[]},"opts":{}}`},
		{"nsp", "/", "type", "3", "data", good}, // no uid
		{"uid", "x", "nsp", "/other", "type", "3", "data", good},
	} {
		if err := rdb.XAdd(ctx5(t), &redis.XAddArgs{Stream: o.StreamName, Values: values}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rdb.XAdd(ctx5(t), &redis.XAddArgs{Stream: o.StreamName, Values: []string{"uid", "x", "nsp", "/", "type", "3", "data",
		`{"packet":{"type":2,"data":["fine"]},"opts":{"rooms":[],"except":[],"flags":{}}}`}}).Err(); err != nil {
		t.Fatal(err)
	}
	c.expectEvent(t, "fine") // nothing before it, and the node still works
	if got := strings.Count(logs.String(), "malformed"); got != 7 {
		t.Errorf("%d malformed entries logged, want 7:\n%s", got, logs.String())
	}
}

// TestStreamsForeignSessions: a client that names a session it does not own, one stored in a
// form nobody can read, or an offset this adapter never gave, gets a new session; another
// client's session is taken only with its private id, which is never broadcast.
func TestStreamsForeignSessions(t *testing.T) {
	rdb := redistest.New(t).Client(t)
	logs := newLogSink()
	o := streamsOptions(t, rdb, 1)
	o.Logger = logs.logger()
	srv, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.NewStreams(rdb, o), Logger: o.Logger,
		ConnectionStateRecovery: &socketio.ConnectionStateRecovery{}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		hs.Close()
	})
	dial := func(auth any) map[string]any {
		c, err := testclient.Dial(ctx5(t), hs.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		raw, err := c.ConnectData(ctx5(t), "/", auth)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := dial(nil)
	if err := srv.Emit("e", 1); err != nil {
		t.Fatal(err)
	}
	// A valid offset: the entry just added (the broadcast does not wait for it).
	var msgs []redis.XMessage
	for deadline := time.Now().Add(5 * time.Second); len(msgs) == 0; time.Sleep(10 * time.Millisecond) {
		if msgs, err = rdb.XRevRangeN(ctx5(t), o.StreamName, "+", "-", 1).Result(); err != nil || time.Now().After(deadline) {
			t.Fatalf("stream: %v %v", msgs, err)
		}
	}
	offset := msgs[0].ID
	if err := rdb.Set(ctx5(t), o.SessionKeyPrefix+"garbage", "!!!", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	for _, auth := range []map[string]any{
		{"pid": "forged", "offset": offset},
		{"pid": first["sid"], "offset": offset}, // the public id is not the key
		{"pid": "garbage", "offset": offset},
		{"pid": first["pid"], "offset": "0-0 or anything"},
		{"pid": 42, "offset": offset},
	} {
		got := dial(auth)
		if got["sid"] == first["sid"] || got["sid"] == nil {
			t.Errorf("auth %v: sid %v: another client's session, or none", auth, got["sid"])
		}
	}
	if !strings.Contains(logs.String(), "malformed session") {
		t.Errorf("the unreadable session is not logged:\n%s", logs.String())
	}
}

func waitReadyNode(t testing.TB, n *node) {
	t.Helper()
	if err := n.srv.Ready(ctx5(t)); err != nil {
		t.Fatal(err)
	}
}

// TestStreamsWrongTypeKey: a stream name whose key holds another type is refused when the
// server starts, with an error that says so, instead of a reader that retries forever.
func TestStreamsWrongTypeKey(t *testing.T) {
	rdb := redistest.New(t).Client(t)
	o := streamsOptions(t, rdb, 1)
	if err := rdb.Set(ctx5(t), o.StreamName, "not a stream", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	srv, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.NewStreams(rdb, o)})
	if err == nil {
		_ = srv.Close(ctx5(t))
		t.Fatal("NewServer accepted a stream name whose key is a string")
	}
	if !strings.Contains(err.Error(), "holds a string, not a stream") {
		t.Errorf("error %q does not say what is wrong", err)
	}
}

// TestStreamsRedisDownAtStart: a server whose Redis is down starts without waiting for it
// (RequestsTimeout is long here), then works once Redis is up: a broadcast sent meanwhile
// reaches this node's own client, from the stream, once.
func TestStreamsRedisDownAtStart(t *testing.T) {
	rs := redistest.StartServer(t)
	rdb := rs.Client(t, nil)
	o := streamsOptions(t, rdb, 1)
	o.RequestsTimeout = 30 * time.Second
	rs.Stop(t)
	started := make(chan *node, 1)
	go func() { started <- startNodeWith(t, redisadapter.NewStreams(rdb, o), nil) }()
	var n *node
	select {
	case n = <-started:
	case <-time.After(15 * time.Second):
		t.Fatal("the server waited for Redis to start")
	}
	c := connect(t, n)
	if err := n.srv.Emit("early", 1); err != nil {
		t.Fatalf("Emit while Redis is down: %v", err)
	}
	rs.Start(t)
	c.expectEvent(t, "early")
	if err := n.srv.Emit("later", 2); err != nil {
		t.Fatal(err)
	}
	c.expectEvent(t, "later") // and "early" did not come twice: expectEvent would have seen it
}
