package socketio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/socketio"
)

// BenchmarkBroadcast measures the server side of a broadcast to n sockets: encoding once and
// handing the shared frames to every socket's queue (long-polling sessions, no network).
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("sockets=%d", n), func(b *testing.B) {
			// Nobody answers pings here: keep the sessions alive for the whole run.
			opts := socketio.Options{}
			opts.Engine.PingInterval = time.Hour
			opts.Engine.PingTimeout = time.Hour
			srv, err := socketio.NewServer(opts)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close(context.Background())
			sids := make([]string, n)
			for i := range sids {
				sids[i] = testclient.PollingSession(b, srv)
			}
			testclient.BroadcastLoop(b, srv, sids, srv.Emit)
		})
	}
}

// BenchmarkBroadcastWebSocket measures a broadcast to 1000 WebSocket clients over loopback,
// end to end: each operation ends when every client has read the packet.
func BenchmarkBroadcastWebSocket(b *testing.B) {
	n := benchClients()
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	clients := make([]*testclient.Client, n)
	for i := range clients {
		c, err := testclient.Dial(ctx, hs.URL, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Connect(ctx, "/", nil); err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	for _, c := range clients {
		go func(c *testclient.Client) {
			for range c.Packets {
				wg.Done()
			}
		}(c)
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		wg.Add(n)
		if err := srv.Emit("tick", i); err != nil {
			b.Fatal(err)
		}
		wg.Wait()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "deliveries/s")
}

func benchClients() int {
	if v, err := strconv.Atoi(os.Getenv("BENCH_CLIENTS")); err == nil && v > 0 {
		return v
	}
	return 1000
}
