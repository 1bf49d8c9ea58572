// Command goserver is the gosockio reference server of the side-by-side benchmark
// (bench/run.sh). bench/node/server.js is its Node.js twin; both answer the same events on the
// main namespace "/":
//
//   - fanout {count, size}, with ack: Emit("msg", s) count times in a loop, where s is a string
//     of size "x"; acks {us} (the loop's duration in microseconds);
//   - echo <any>, with ack: acks with the same argument;
//   - cross {s, p}: Emit("msg", {s, p}) (through the adapter, so to every node).
//
// Usage:
//
//	goserver [-port 0] [-redis redis://127.0.0.1:6379 -key bench-xyz [-adapter streams]]
//
// With -cpuprofile FILE it writes a CPU profile of its whole run when it stops.
//
// It listens on 127.0.0.1 (port 0: any free port) and prints "ready pid=<pid> port=<port>" once
// it accepts connections (with -redis: once the adapter's subscriptions are confirmed).
// SIGTERM and SIGINT close it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "goserver:", err)
		os.Exit(1)
	}
}

type fanoutReq struct {
	Count int `json:"count"`
	Size  int `json:"size"`
}

type crossMsg struct {
	S json.Number `json:"s"`
	P string      `json:"p"`
}

func run() error {
	port := flag.Int("port", 0, "port to listen on, on 127.0.0.1 (0: any free port)")
	redisURL := flag.String("redis", "", "Redis URL: join a cluster through redisadapter (empty: single node)")
	key := flag.String("key", "socket.io", "the redis adapter's key (channel prefix; the stream's name with -adapter streams); use one per run")
	adapterKind := flag.String("adapter", "classic", "with -redis: classic (redisadapter.New) or streams (redisadapter.NewStreams)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (on SIGTERM)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := socketio.Options{Logger: log}
	var rdb *redis.Client
	if *redisURL != "" {
		ropt, err := redis.ParseURL(*redisURL)
		if err != nil {
			return fmt.Errorf("-redis: %w", err)
		}
		rdb = redis.NewClient(ropt)
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = rdb.Ping(ctx).Err()
		cancel()
		if err != nil {
			return fmt.Errorf("redis does not answer: %w", err)
		}
		switch *adapterKind {
		case "classic":
			opts.Adapter = redisadapter.New(rdb, redisadapter.Options{Key: *key, Logger: log})
		case "streams":
			opts.Adapter = redisadapter.NewStreams(rdb, redisadapter.StreamsOptions{StreamName: *key, ChannelPrefix: *key, Logger: log})
		default:
			return fmt.Errorf("-adapter %q: want classic or streams", *adapterKind)
		}
	}
	io, err := socketio.NewServer(opts)
	if err != nil {
		return err
	}
	io.OnConnection(func(s *socketio.Socket) {
		s.On("fanout", socketio.Handle(func(ev *socketio.Event, req fanoutReq) error {
			count := min(max(req.Count, 0), 1_000_000)
			payload := strings.Repeat("x", min(max(req.Size, 0), 1<<20))
			start := time.Now()
			for range count {
				if err := io.Emit("msg", payload); err != nil {
					return err
				}
			}
			us := float64(time.Since(start).Nanoseconds()) / 1e3
			if ev.HasAck() {
				return ev.Ack(map[string]float64{"us": us})
			}
			return nil
		}))
		s.On("echo", func(ev *socketio.Event) error {
			var v any
			if err := ev.Bind(&v); err != nil {
				return err
			}
			if ev.HasAck() {
				return ev.Ack(v)
			}
			return nil
		})
		s.On("cross", socketio.Handle(func(ev *socketio.Event, m crossMsg) error {
			return io.Emit("msg", m)
		}))
	})
	if rdb != nil {
		ready, ok := io.Namespace().Adapter().(interface{ Ready(context.Context) error })
		if ok {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := ready.Ready(ctx)
			cancel()
			if err != nil {
				return fmt.Errorf("redis adapter not ready: %w", err)
			}
		}
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Printf("ready pid=%d port=%d\n", os.Getpid(), ln.Addr().(*net.TCPAddr).Port)

	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-sig.Done():
	case err := <-served:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = io.Close(ctx)
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
