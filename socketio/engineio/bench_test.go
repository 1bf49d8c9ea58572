package engineio_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosockio/gosockio/socketio/engineio"
)

var (
	benchText   = engineio.Packet{Type: engineio.PacketMessage, Data: []byte(`2["chat message",{"user":"alice","text":"hello, world"}]`)}
	benchBinary = engineio.Packet{Type: engineio.PacketMessage, Data: make([]byte, 256), Binary: true}
)

func BenchmarkEncodePacketText(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = engineio.EncodePacket(benchText)
	}
}

func BenchmarkEncodePacketBinary(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = engineio.EncodePacket(benchBinary)
	}
}

func BenchmarkDecodePacketText(b *testing.B) {
	enc := engineio.EncodePacket(benchText)
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := engineio.DecodePacket(enc, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePacketBase64(b *testing.B) {
	enc := engineio.EncodePacket(benchBinary)
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := engineio.DecodePacket(enc, false); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPayload() []engineio.Packet {
	ps := make([]engineio.Packet, 0, 10)
	for i := range 9 {
		p := benchText
		if i == 4 {
			p = engineio.Packet{Type: engineio.PacketPong}
		}
		ps = append(ps, p)
	}
	return append(ps, benchBinary)
}

func BenchmarkEncodePayload10(b *testing.B) {
	ps := benchPayload()
	b.ReportAllocs()
	for b.Loop() {
		_ = engineio.EncodePayload(ps)
	}
}

func BenchmarkDecodePayload10(b *testing.B) {
	enc := engineio.EncodePayload(benchPayload())
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := engineio.DecodePayload(enc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompressPollingResponse shows what pooling the gzip writers saves.
func BenchmarkCompressPollingResponse(b *testing.B) {
	body := []byte(strings.Repeat(`4["chat message","hello"]`+"\x1e", 100))
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := engineio.CompressBody("gzip", 6, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unpooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := engineio.CompressBodyUnpooled("gzip", 6, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBroadcastWebSocket sends one Message to every session of a server with 100 WebSocket
// clients and waits until each has read it: the frame is built once per Message.
func BenchmarkBroadcastWebSocket(b *testing.B) {
	const n = 100
	e := newEnv(b, engineio.Options{PingInterval: time.Hour})
	conns := make([]*engineio.Conn, n)
	var wg sync.WaitGroup
	got := make(chan struct{}, n*64)
	for i := range conns {
		ws, _, c := e.wsHandshake()
		conns[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			for { // NextReader + Discard: the client side allocates as little as it can
				_, r, err := ws.NextReader()
				if err != nil {
					return
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					return
				}
				got <- struct{}{}
			}
		}()
	}
	b.Cleanup(wg.Wait)
	data := []byte(`2["news",{"headline":"broadcast to every session"}]`)
	b.ReportAllocs()
	for b.Loop() {
		m := &engineio.Message{Data: data}
		for _, c := range conns {
			if err := c.Send(m); err != nil {
				b.Fatal(err)
			}
		}
		for range n {
			<-got
		}
	}
}

// idleClientsEnv makes the test binary, re-run as a child process, dial that many idle WebSocket
// sessions instead of running tests (see idleClients).
const idleClientsEnv = "ENGINEIO_IDLE_CLIENTS"

// BenchmarkIdleWebSocketMemory opens ENGINEIO_IDLE_CONNS (default 10000) idle WebSocket sessions
// and reports the server's heap+stack bytes per session. The clients run in a child process
// (this test binary re-executed), so the figure holds the server side only: nothing needs to
// be subtracted or estimated. Run it with -benchtime=1x.
func BenchmarkIdleWebSocketMemory(b *testing.B) {
	n := 10000
	if v := os.Getenv("ENGINEIO_IDLE_CONNS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	rec := newRecorder()
	rec.opened = make(chan *engineio.Conn, n+1)
	rec.closes = make(chan closeEvent, n+1)
	srv, err := engineio.NewServer(engineio.Options{Logger: quietLogger(), PingInterval: time.Hour, PingTimeout: time.Hour}, rec)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			b.Error(err)
		}
	}()

	before := memInUse()
	gBefore := runtime.NumGoroutine()

	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), idleClientsEnv+"="+strconv.Itoa(n), "ENGINEIO_IDLE_URL="+"ws"+strings.TrimPrefix(ts.URL, "http")+"/socket.io/?EIO=4&transport=websocket")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close() // the child exits when its stdin closes
	sc := bufio.NewScanner(stdout)
	ready := false
	for sc.Scan() {
		if line := sc.Text(); line == "READY" {
			ready = true
			break
		} else if strings.HasPrefix(line, "ERROR") {
			b.Fatalf("client process: %s", line)
		}
	}
	if !ready {
		b.Fatalf("client process ended before its %d sessions were open", n)
	}
	go func() { // drain the rest of its output
		for sc.Scan() {
		}
	}()
	if c := srv.ClientsCount(); c != n {
		b.Fatalf("ClientsCount = %d, want %d", c, n)
	}
	opened := time.Since(start)
	after := memInUse()
	per := float64(after.heap+after.stack-before.heap-before.stack) / float64(n)
	b.ReportMetric(per, "bytes/conn")
	b.ReportMetric(float64(after.heap-before.heap)/float64(n), "heap-bytes/conn")
	b.ReportMetric(float64(after.stack-before.stack)/float64(n), "stack-bytes/conn")
	b.ReportMetric(float64(runtime.NumGoroutine()-gBefore)/float64(n), "goroutines/conn")
	b.Logf("%d idle WebSocket sessions opened in %v: %.0f bytes/conn (heap %.0f, stack %.0f)",
		n, opened, per, float64(after.heap-before.heap)/float64(n), float64(after.stack-before.stack)/float64(n))
	for range b.N {
	}
}

type memUse struct{ heap, stack uint64 }

func memInUse() memUse {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return memUse{ms.HeapInuse, ms.StackInuse}
}

// idleClients runs in the child process of BenchmarkIdleWebSocketMemory (TestMain calls it
// when idleClientsEnv is set): it dials that many idle sessions, prints READY once they are
// open, and returns when its stdin closes.
func idleClients(n int, url string) error {
	d := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 256, WriteBufferSize: 256}
	conns := make([]*websocket.Conn, 0, n)
	defer func() {
		for _, ws := range conns {
			ws.Close()
		}
	}()
	for i := range n {
		ws, _, err := d.Dial(url, nil)
		if err != nil {
			return fmt.Errorf("dial %d: %w", i, err)
		}
		conns = append(conns, ws)
		ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, _, err := ws.ReadMessage(); err != nil { // the open packet
			return fmt.Errorf("read %d: %w", i, err)
		}
		ws.SetReadDeadline(time.Time{})
	}
	fmt.Println("READY")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until EOF
	return nil
}
