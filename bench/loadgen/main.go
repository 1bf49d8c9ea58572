// Command loadgen is the load generator of the side-by-side benchmark (bench/run.sh). It speaks
// Engine.IO v4 / Socket.IO v5 over a bare WebSocket itself, so it drives gosockio
// (bench/goserver) and Node's socket.io (bench/node/server.js) alike, and prints one JSON line
// per run on stdout (progress goes to stderr).
//
// Usage:
//
//	loadgen -scenario mem    -url 127.0.0.1:3000 -pid 1234 -n 10000 [-hold 2m]
//	loadgen -scenario fanout -url 127.0.0.1:3000 -pid 1234 -n 1000 -k 200 -bursts 3
//	loadgen -scenario echo   -url 127.0.0.1:3000 -pid 1234 -n 100 -duration 5s
//	loadgen -scenario cross  -url 127.0.0.1:3001 -url-a 127.0.0.1:3000 -pid 1234,1235 -n 100
//	loadgen report results.jsonl…   (the markdown table of run.sh)
//
// The servers answer the events "fanout", "echo" and "cross" described in bench/README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

type config struct {
	scenario    string
	url, urlA   string
	pids        procs
	n           int
	concurrency int
	srcIPs      int
	readBuf     int
	settle      time.Duration
	hold        time.Duration
	k, bursts   int
	size        int
	duration    time.Duration
	warmup      time.Duration
	inflight    int
	idle        int
	timeout     time.Duration
}

func main() {
	run()
	os.Exit(exitCode)
}

func run() {
	if len(os.Args) > 1 && os.Args[1] == "report" {
		if err := report(os.Stdout, os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen report:", err)
			os.Exit(1)
		}
		return
	}
	var cfg config
	var pids, server string
	var round int
	flag.StringVar(&cfg.scenario, "scenario", "", "mem, fanout, echo, cross or xstreams")
	flag.StringVar(&cfg.url, "url", "", "the server (cross: node B, where the clients are): host:port, http:// or ws:// URL")
	flag.StringVar(&cfg.urlA, "url-a", "", "cross: node A, where the trigger is")
	flag.StringVar(&pids, "pid", "", "server process ids to measure, separated by commas (cross: both nodes)")
	flag.IntVar(&cfg.n, "n", 0, "clients (default: mem 1000, fanout 1000, echo 100, cross 100)")
	flag.IntVar(&cfg.concurrency, "concurrency", 64, "connections being opened at once")
	flag.IntVar(&cfg.srcIPs, "srcips", 249, "spread connections over source addresses 127.0.0.2… (0: the kernel's choice)")
	flag.IntVar(&cfg.readBuf, "rbuf", 0, "each connection's read buffer in bytes (default: mem 512, others 4096)")
	flag.DurationVar(&cfg.settle, "settle", 2*time.Second, "mem: wait after the last connection before reading RSS")
	flag.DurationVar(&cfg.hold, "hold", 0, "mem: then keep the connections open (answering heartbeats) this long")
	flag.IntVar(&cfg.k, "k", 200, "fanout: events broadcast per burst")
	flag.IntVar(&cfg.bursts, "bursts", 3, "fanout: bursts, one after the other")
	flag.IntVar(&cfg.size, "size", 100, "fanout, echo, cross: size in bytes of each event's frame")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "echo, cross: measured time under load")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "echo: unmeasured load before it")
	flag.IntVar(&cfg.inflight, "inflight", 16, "cross: broadcasts in flight under load")
	flag.IntVar(&cfg.idle, "idle", 200, "cross: broadcasts sent one at a time for the idle latency")
	flag.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "give up after this long (plus -hold)")
	flag.StringVar(&server, "server", "", "label copied into the result (run.sh: go1, go, node)")
	flag.IntVar(&round, "round", 0, "round number copied into the result")
	cpuprofile := flag.String("cpuprofile", "", "write the load generator's CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen: -cpuprofile:", err)
			os.Exit(2)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}

	res := newResult()
	res.set("scenario", cfg.scenario)
	res.set("server", server)
	res.set("round", round)
	err := func() error {
		var err error
		if cfg.pids, err = parsePids(pids); err != nil {
			return err
		}
		if len(cfg.pids) == 0 {
			return errors.New("-pid: the server's process id is needed")
		}
		if cfg.url == "" {
			return errors.New("-url is needed")
		}
		run, ok := scenarios[cfg.scenario]
		if !ok {
			return fmt.Errorf("-scenario %q: want mem, fanout, echo, cross or xstreams", cfg.scenario)
		}
		if cfg.n <= 0 {
			cfg.n = defaultN[cfg.scenario]
		}
		if cfg.readBuf <= 0 {
			cfg.readBuf = 4096
			if cfg.scenario == "mem" {
				cfg.readBuf = 512
			}
		}
		res.set("n", cfg.n)
		if _, err := raiseNofile(uint64(cfg.n) + 1024); err != nil {
			return err
		}
		if err := cfg.pids.checkNofile(cfg.n); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeoutCause(context.Background(), cfg.timeout+cfg.hold,
			fmt.Errorf("timed out after %v", cfg.timeout+cfg.hold))
		defer cancel()
		return run(ctx, &cfg, res)
	}()
	res.set("gen_rss_mb", float64(selfRSS())/(1<<20))
	res.set("ok", err == nil)
	if err != nil {
		res.set("error", err.Error())
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		exitCode = 1
	}
}

// exitCode is set by main; the deferred profile is written before the process exits with it.
var exitCode int

var scenarios = map[string]func(context.Context, *config, *result) error{
	"mem":    runMem,
	"fanout": runFanout,
	"echo":   runEcho,
	"cross":  runCross,
	// xstreams is cross with both nodes on the Redis Streams adapter (the servers' business:
	// run.sh starts them so); the load generator does the same.
	"xstreams": runCross,
}

var defaultN = map[string]int{"mem": 1000, "fanout": 1000, "echo": 100, "cross": 100, "xstreams": 100}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
}

// result is a JSON object whose keys keep the order they were set in.
type result struct {
	keys []string
	vals map[string]any
}

func newResult() *result { return &result{vals: map[string]any{}} }

func (r *result) set(k string, v any) {
	if f, ok := v.(float64); ok {
		v = round3(f)
	}
	if _, ok := r.vals[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.vals[k] = v
}

func (r *result) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, k := range r.keys {
		if i > 0 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(r.vals[k])
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, kb...), ':'), vb...)
	}
	return append(b, '}'), nil
}

// round3 keeps 4 significant digits (at least 3 decimals below 1).
func round3(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 4, 64), 64)
	return v
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// genCPU is the load generator's own CPU time (ns), to tell when it may be the bottleneck.
func genCPU() int64 {
	n, _ := readCPU(os.Getpid())
	return n
}

// percentile of sorted values (ns), in µs.
func percentileUs(sorted []int64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return float64(sorted[i]) / 1e3
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// nop is a scenario that ignores everything but pings.
type nop struct{}

func (nop) onMsg(*client, []byte, int64) {}
func (nop) onAck(*client, []byte, int64) {}

// ---- mem ----

func runMem(ctx context.Context, cfg *config, res *result) error {
	d, err := newDialers(cfg.url, cfg.srcIPs, cfg.readBuf)
	if err != nil {
		return err
	}
	s0, err := cfg.pids.sample()
	if err != nil {
		return err
	}
	t0 := time.Now()
	f, err := connectAll(ctx, d, cfg.n, cfg.concurrency, nop{}, 0)
	if err != nil {
		return err
	}
	defer f.close()
	res.set("connect_s", time.Since(t0).Seconds())
	logf("mem: %d connected in %v", cfg.n, time.Since(t0).Round(time.Millisecond))
	if err := sleepCtx(ctx, cfg.settle); err != nil {
		return err
	}
	s1, err := cfg.pids.sample()
	if err != nil {
		return err
	}
	res.set("rss_before_mb", float64(s0.rss)/(1<<20))
	res.set("rss_after_mb", float64(s1.rss)/(1<<20))
	res.set("bytes_per_conn", float64(s1.rss-s0.rss)/float64(cfg.n))
	res.set("lost", f.lost.Load())
	if cfg.hold <= 0 {
		return nil
	}
	p0 := f.pings()
	end := time.Now().Add(cfg.hold)
	for time.Now().Before(end) {
		if err := sleepCtx(ctx, min(10*time.Second, time.Until(end))); err != nil {
			return err
		}
		logf("mem: holding %d connections: %d lost, %d pings answered, %v left", cfg.n, f.lost.Load(), f.pings()-p0, time.Until(end).Round(time.Second))
	}
	s2, err := cfg.pids.sample()
	if err != nil {
		return err
	}
	res.set("hold_s", cfg.hold.Seconds())
	res.set("rss_after_hold_mb", float64(s2.rss)/(1<<20))
	res.set("bytes_per_conn_after_hold", float64(s2.rss-s0.rss)/float64(cfg.n))
	res.set("pings_answered", f.pings()-p0)
	res.set("lost", f.lost.Load())
	return nil
}

// ---- fanout ----

type fanout struct {
	acks chan float64 // the server's broadcasting loop time (µs), per trigger
}

func (fanout) onMsg(*client, []byte, int64) {}

func (s fanout) onAck(c *client, head []byte, _ int64) {
	if c.id != 0 {
		return
	}
	us := -1.0
	if i := strings.Index(string(head), `"us":`); i >= 0 {
		v := head[i+5:]
		j := 0
		for j < len(v) && strings.IndexByte("0123456789.eE+-", v[j]) >= 0 {
			j++
		}
		if f, err := strconv.ParseFloat(string(v[:j]), 64); err == nil {
			us = f
		}
	}
	select {
	case s.acks <- us:
	default:
	}
}

func runFanout(ctx context.Context, cfg *config, res *result) error {
	d, err := newDialers(cfg.url, cfg.srcIPs, cfg.readBuf)
	if err != nil {
		return err
	}
	sc := fanout{acks: make(chan float64, 4)}
	f, err := connectAll(ctx, d, cfg.n, cfg.concurrency, sc, 0)
	if err != nil {
		return err
	}
	defer f.close()
	payload := max(cfg.size-len(`42["msg",""]`), 0)
	res.set("k", cfg.k)
	res.set("bursts", cfg.bursts)
	res.set("frame_bytes", payload+len(`42["msg",""]`))
	// An unmeasured warm-up burst of a quarter of the size (JIT, buffers, first allocations).
	warm := max(cfg.k/4, 1)
	if err := f.clients[0].write(fmt.Appendf(nil, `42["fanout",{"count":%d,"size":%d}]`, warm, payload)); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeoutCause(ctx, 120*time.Second, errors.New("warm-up burst timed out"))
	err = f.waitDelivered(wctx, int64(cfg.n)*int64(warm))
	cancel()
	if err != nil {
		return fmt.Errorf("warm-up burst: %w", err)
	}
	var deliveries, elapsed, cpu, syscw, genNs int64
	var loops []float64
	for b := range cfg.bursts {
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return err
		}
		want := f.delivered() + int64(cfg.n)*int64(cfg.k)
		s0, err := cfg.pids.sample()
		if err != nil {
			return err
		}
		g0 := genCPU()
		t0 := now()
		trigger := fmt.Sprintf(`42%d["fanout",{"count":%d,"size":%d}]`, b, cfg.k, payload)
		if err := f.clients[0].write([]byte(trigger)); err != nil {
			return err
		}
		bctx, cancel := context.WithTimeoutCause(ctx, 120*time.Second, errors.New("burst timed out"))
		err = f.waitDelivered(bctx, want)
		cancel()
		if err != nil {
			return fmt.Errorf("burst %d: %w", b, err)
		}
		tLast := f.lastDelivery()
		s1, err := cfg.pids.sample()
		if err != nil {
			return err
		}
		genNs += genCPU() - g0
		select {
		case us := <-sc.acks:
			loops = append(loops, us/1e3)
		case <-time.After(10 * time.Second):
			return fmt.Errorf("burst %d: no ack from the server", b)
		}
		deliveries += int64(cfg.n) * int64(cfg.k)
		elapsed += tLast - t0
		cpu += s1.cpuNs - s0.cpuNs
		if s0.syscw < 0 || s1.syscw < 0 || syscw < 0 {
			syscw = -1
		} else {
			syscw += s1.syscw - s0.syscw
		}
		logf("fanout: burst %d: %d deliveries in %v (server loop %.1f ms)", b, int64(cfg.n)*int64(cfg.k),
			time.Duration(tLast-t0).Round(time.Microsecond), loops[len(loops)-1])
	}
	res.set("deliveries", deliveries)
	res.set("deliveries_per_s", float64(deliveries)/(float64(elapsed)/1e9))
	res.set("cpu_us_per_delivery", float64(cpu)/1e3/float64(deliveries))
	if syscw >= 0 {
		res.set("syscw_per_delivery", float64(syscw)/float64(deliveries))
	}
	res.set("loop_ms", median(loops))
	res.set("loop_us_per_emit", median(loops)*1e3/float64(max(cfg.k, 1)))
	res.set("gen_cpu_pct", 100*float64(genNs)/float64(elapsed))
	res.set("lost", f.lost.Load())
	return nil
}

// ---- echo ----

type echo struct {
	payload   []byte
	recording *atomic.Bool
	stop      *atomic.Bool
	done      chan struct{} // one per client that stopped
}

func (echo) onMsg(*client, []byte, int64) {}

// send emits the next "echo" with an ack id; only the client's read goroutine calls it once
// the first request is out.
func (s echo) send(c *client) error {
	c.ackID++
	c.wbuf = strconv.AppendInt(append(c.wbuf[:0], "42"...), c.ackID, 10)
	c.wbuf = append(append(append(c.wbuf, `["echo","`...), s.payload...), `"]`...)
	c.sentAt = now()
	return c.write(c.wbuf)
}

func (s echo) onAck(c *client, head []byte, t int64) {
	id, _, ok := parseUint(head[2:])
	if !ok || id != c.ackID {
		return
	}
	if s.recording.Load() {
		c.lat = append(c.lat, t-c.sentAt)
	}
	if s.stop.Load() {
		s.done <- struct{}{}
		return
	}
	if err := s.send(c); err != nil {
		s.done <- struct{}{}
	}
}

func runEcho(ctx context.Context, cfg *config, res *result) error {
	d, err := newDialers(cfg.url, cfg.srcIPs, cfg.readBuf)
	if err != nil {
		return err
	}
	payload := max(cfg.size-len(`421["echo",""]`), 0)
	sc := echo{
		payload:   []byte(strings.Repeat("x", payload)),
		recording: new(atomic.Bool),
		stop:      new(atomic.Bool),
		done:      make(chan struct{}, cfg.n),
	}
	f, err := connectAll(ctx, d, cfg.n, cfg.concurrency, sc, 0)
	if err != nil {
		return err
	}
	defer f.close()
	// The first request of each client goes from here; its read goroutine sends the next
	// ones as the acks arrive.
	for _, c := range f.clients {
		c.lat = make([]int64, 0, 1<<14)
		if err := sc.send(c); err != nil {
			return err
		}
	}
	if err := sleepCtx(ctx, cfg.warmup); err != nil {
		return err
	}
	s0, err := cfg.pids.sample()
	if err != nil {
		return err
	}
	g0 := genCPU()
	t0 := now()
	sc.recording.Store(true)
	if err := sleepCtx(ctx, cfg.duration); err != nil {
		return err
	}
	sc.recording.Store(false)
	t1 := now()
	s1, err := cfg.pids.sample()
	if err != nil {
		return err
	}
	g1 := genCPU()
	sc.stop.Store(true)
	timeout := time.After(10 * time.Second)
	for range f.clients {
		select {
		case <-sc.done:
		case <-timeout:
			return fmt.Errorf("acks still missing 10 s after the end (%d lost)", f.lost.Load())
		}
	}
	if n := f.lost.Load(); n > 0 {
		return fmt.Errorf("%d connections lost: %v", n, f.firstLost())
	}
	var lat []int64
	for _, c := range f.clients {
		lat = append(lat, c.lat...)
	}
	slices.Sort(lat)
	secs := float64(t1-t0) / 1e9
	res.set("acks", len(lat))
	res.set("acks_per_s", float64(len(lat))/secs)
	res.set("p50_us", percentileUs(lat, 0.50))
	res.set("p99_us", percentileUs(lat, 0.99))
	res.set("max_us", percentileUs(lat, 1))
	if len(lat) > 0 {
		res.set("cpu_us_per_ack", float64(s1.cpuNs-s0.cpuNs)/1e3/float64(len(lat)))
	}
	res.set("gen_cpu_pct", 100*float64(g1-g0)/float64(t1-t0))
	res.set("lost", f.lost.Load())
	return nil
}

// ---- cross ----

type cross struct {
	idle     int
	pending  *atomic.Int64
	idleDone chan struct{}
	synced   chan struct{}
	credit   chan struct{}
}

var frameSeq = []byte(`42["msg",{"s":`)

func (s cross) onMsg(c *client, head []byte, t int64) {
	if len(head) < len(frameSeq) {
		return
	}
	seq, _, ok := parseUint(head[len(frameSeq):])
	if !ok {
		return
	}
	switch {
	case seq == 0:
		if c.id == 0 {
			select {
			case s.synced <- struct{}{}:
			default:
			}
		}
	case seq <= int64(s.idle):
		c.lat[seq-1] = t
		if s.pending.Add(-1) == 0 {
			s.idleDone <- struct{}{}
		}
	case c.id == 0:
		select {
		case s.credit <- struct{}{}:
		default:
		}
	}
}

func (cross) onAck(*client, []byte, int64) {}

func runCross(ctx context.Context, cfg *config, res *result) error {
	if cfg.urlA == "" {
		return errors.New("cross: -url-a (node A, where the trigger connects) is needed")
	}
	dB, err := newDialers(cfg.url, cfg.srcIPs, cfg.readBuf)
	if err != nil {
		return err
	}
	dA, err := newDialers(cfg.urlA, 0, cfg.readBuf)
	if err != nil {
		return err
	}
	sc := cross{
		idle:     cfg.idle,
		pending:  new(atomic.Int64),
		idleDone: make(chan struct{}, 1),
		synced:   make(chan struct{}, 1),
		credit:   make(chan struct{}, cfg.inflight+1),
	}
	fB, err := connectAll(ctx, dB, cfg.n, cfg.concurrency, sc, 0)
	if err != nil {
		return err
	}
	defer fB.close()
	for _, c := range fB.clients {
		c.lat = make([]int64, cfg.idle)
	}
	fA, err := connectAll(ctx, dA, 1, 1, nop{}, cfg.n)
	if err != nil {
		return err
	}
	defer fA.close()
	trig := fA.clients[0]
	p := strings.Repeat("x", max(cfg.size-len(`42["msg",{"s":1000,"p":""}]`), 0))
	var buf []byte
	send := func(seq int) error {
		buf = strconv.AppendInt(append(buf[:0], `42["cross",{"s":`...), int64(seq), 10)
		buf = append(append(append(buf, `,"p":"`...), p...), `"}]`...)
		return trig.write(buf)
	}

	// Sync: both nodes subscribed (a broadcast from A reaches B), then let stragglers arrive.
	syncEnd := time.Now().Add(15 * time.Second)
	for synced := false; !synced; {
		if time.Now().After(syncEnd) {
			return errors.New("node B never received a broadcast from node A")
		}
		if err := send(0); err != nil {
			return err
		}
		select {
		case <-sc.synced:
			synced = true
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	if err := sleepCtx(ctx, 300*time.Millisecond); err != nil {
		return err
	}

	// Idle: one broadcast at a time, until every client on B has it.
	sent := make([]int64, cfg.idle)
	var perDelivery, last []int64
	for i := range cfg.idle {
		sc.pending.Store(int64(cfg.n))
		sent[i] = now()
		if err := send(i + 1); err != nil {
			return err
		}
		select {
		case <-sc.idleDone:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("idle broadcast %d: %d clients still waiting after 10 s", i+1, sc.pending.Load())
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	for i := range cfg.idle {
		var l int64
		for _, c := range fB.clients {
			perDelivery = append(perDelivery, c.lat[i]-sent[i])
			l = max(l, c.lat[i]-sent[i])
		}
		last = append(last, l)
	}
	slices.Sort(perDelivery)
	slices.Sort(last)
	res.set("idle_broadcasts", cfg.idle)
	res.set("idle_p50_us", percentileUs(perDelivery, 0.50))
	res.set("idle_p99_us", percentileUs(perDelivery, 0.99))
	res.set("idle_all_p50_us", percentileUs(last, 0.50))
	res.set("idle_all_p99_us", percentileUs(last, 0.99))

	// Load: inflight broadcasts in flight (a new one each time client 0 on B receives one)
	// for duration, then wait until every client has every broadcast.
	base := fB.delivered()
	s0, err := cfg.pids.sample()
	if err != nil {
		return err
	}
	g0 := genCPU()
	t0 := now()
	end := t0 + int64(cfg.duration)
	seq := cfg.idle
	issued := 0
	for range cfg.inflight {
		seq++
		issued++
		if err := send(seq); err != nil {
			return err
		}
	}
	for now() < end {
		select {
		case <-sc.credit:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("under load: no broadcast reached client 0 on B for 10 s (%d issued)", issued)
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		seq++
		issued++
		if err := send(seq); err != nil {
			return err
		}
	}
	want := base + int64(cfg.n)*int64(issued)
	wctx, cancel := context.WithTimeoutCause(ctx, 60*time.Second, errors.New("deliveries timed out"))
	err = fB.waitDelivered(wctx, want)
	cancel()
	if err != nil {
		return fmt.Errorf("under load: %w", err)
	}
	elapsed := fB.lastDelivery() - t0
	s1, err := cfg.pids.sample()
	if err != nil {
		return err
	}
	g1 := genCPU()
	deliveries := int64(cfg.n) * int64(issued)
	res.set("inflight", cfg.inflight)
	res.set("broadcasts", issued)
	res.set("deliveries", deliveries)
	res.set("deliveries_per_s", float64(deliveries)/(float64(elapsed)/1e9))
	res.set("cpu_us_per_delivery", float64(s1.cpuNs-s0.cpuNs)/1e3/float64(deliveries))
	if s0.syscw >= 0 && s1.syscw >= 0 {
		res.set("syscw_per_delivery", float64(s1.syscw-s0.syscw)/float64(deliveries))
	}
	res.set("gen_cpu_pct", 100*float64(g1-g0)/float64(elapsed))
	res.set("lost", fB.lost.Load()+fA.lost.Load())
	if n := fB.lost.Load() + fA.lost.Load(); n > 0 {
		return fmt.Errorf("%d connections lost", n)
	}
	return nil
}
