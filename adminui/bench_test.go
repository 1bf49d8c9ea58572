package adminui_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adminui"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/socketio"
)

// BenchmarkBroadcast is socketio's BenchmarkBroadcast (a broadcast to n long-polling sockets,
// server side only) on a plain server and on one instrumented in production mode: the
// instrumentation must cost the hot path nothing measurable. With 10 sockets the cost per
// broadcast, where the instrumentation adds its work, weighs most.
//
//	go test -run XXX -bench Broadcast -count 6 ./adminui/
func BenchmarkBroadcast(b *testing.B) {
	for _, mode := range []adminui.Mode{"", adminui.Production} {
		name := "instrumentation=none"
		if mode != "" {
			name = "instrumentation=" + string(mode)
		}
		for _, n := range []int{10, 1000} {
			b.Run(fmt.Sprintf("%s/sockets=%d", name, n), func(b *testing.B) { benchBroadcast(b, mode, n) })
		}
	}
}

func benchBroadcast(b *testing.B, mode adminui.Mode, n int) {
	opts := socketio.Options{}
	opts.Engine.PingInterval = time.Hour // nobody answers pings here
	opts.Engine.PingTimeout = time.Hour
	srv, err := socketio.NewServer(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		// The polling sessions never come back for their close packet: do not wait for them.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_ = srv.Close(ctx)
	}()
	if mode != "" {
		if _, err := adminui.Instrument(srv, adminui.Options{Auth: adminui.NoAuth(), Mode: mode, ServerID: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	sids := make([]string, n)
	for i := range sids {
		sids[i] = testclient.PollingSession(b, srv)
	}
	testclient.BroadcastLoop(b, srv, sids, srv.Emit)
}
