package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// metric is one row of the table: a field of a scenario's JSON line.
type metric struct {
	scenario, key, label string
	scale                float64 // multiplies the value for display
}

var metrics = []metric{
	{"mem", "bytes_per_conn", "server RSS per idle connection, KB", 1.0 / 1024},
	{"mem", "bytes_per_conn_after_hold", "server RSS per connection after the hold, KB", 1.0 / 1024},
	{"mem", "lost", "connections lost", 1},
	{"fanout", "deliveries_per_s", "deliveries/s", 1},
	{"fanout", "cpu_us_per_delivery", "server CPU per delivery, µs", 1},
	{"fanout", "syscw_per_delivery", "server write syscalls per delivery", 1},
	{"fanout", "loop_ms", "server broadcasting loop per burst, ms", 1},
	{"fanout", "gen_cpu_pct", "load generator CPU, % of a core", 1},
	{"echo", "acks_per_s", "acks/s", 1},
	{"echo", "p50_us", "latency p50, µs", 1},
	{"echo", "p99_us", "latency p99, µs", 1},
	{"echo", "cpu_us_per_ack", "server CPU per ack, µs", 1},
	{"echo", "gen_cpu_pct", "load generator CPU, % of a core", 1},
	{"cross", "deliveries_per_s", "deliveries/s under load", 1},
	{"cross", "idle_p50_us", "idle latency p50, µs", 1},
	{"cross", "idle_p99_us", "idle latency p99, µs", 1},
	{"cross", "idle_all_p99_us", "idle, all clients reached, p99, µs", 1},
	{"cross", "cpu_us_per_delivery", "CPU of both nodes per delivery, µs", 1},
	{"cross", "gen_cpu_pct", "load generator CPU, % of a core", 1},
	{"xstreams", "deliveries_per_s", "deliveries/s under load", 1},
	{"xstreams", "idle_p50_us", "idle latency p50, µs", 1},
	{"xstreams", "idle_p99_us", "idle latency p99, µs", 1},
	{"xstreams", "idle_all_p99_us", "idle, all clients reached, p99, µs", 1},
	{"xstreams", "cpu_us_per_delivery", "CPU of both nodes per delivery, µs", 1},
	{"xstreams", "gen_cpu_pct", "load generator CPU, % of a core", 1},
}

var serverLabels = map[string]string{
	"go1":  "gosockio 1 core",
	"go":   "gosockio default",
	"node": "Node",
}

// genBusyPct is the load generator's CPU use (% of one core) above which report warns.
const genBusyPct = 80

var scenarioOrder = []string{"mem", "fanout", "echo", "cross", "xstreams"}

type line struct {
	Scenario string         `json:"scenario"`
	Server   string         `json:"server"`
	Round    int            `json:"round"`
	N        int            `json:"n"`
	OK       bool           `json:"ok"`
	Error    string         `json:"error"`
	Vals     map[string]any `json:"-"`
}

// report reads the JSON lines of loadgen runs (files, or stdin) and prints a markdown table:
// for each scenario, size and metric, each server's median (min–max) and its ratio to Node.
func report(w io.Writer, files []string) error {
	var lines []line
	read := func(r io.Reader) error {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			b := sc.Bytes()
			if len(b) == 0 || b[0] != '{' {
				continue
			}
			var l line
			if err := json.Unmarshal(b, &l); err != nil {
				continue
			}
			if err := json.Unmarshal(b, &l.Vals); err != nil {
				continue
			}
			lines = append(lines, l)
		}
		return sc.Err()
	}
	if len(files) == 0 {
		if err := read(os.Stdin); err != nil {
			return err
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = read(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if len(lines) == 0 {
		return fmt.Errorf("no results")
	}

	var servers []string
	for _, s := range []string{"go1", "go", "node"} {
		if slices.ContainsFunc(lines, func(l line) bool { return l.Server == s }) {
			servers = append(servers, s)
		}
	}
	for _, l := range lines {
		if !slices.Contains(servers, l.Server) {
			servers = append(servers, l.Server)
		}
	}
	ref := ""
	if slices.Contains(servers, "node") {
		ref = "node"
	}
	label := func(s string) string {
		if l, ok := serverLabels[s]; ok {
			return l
		}
		return s
	}

	header := []string{"scenario", "metric"}
	for _, s := range servers {
		header = append(header, label(s))
	}
	for _, s := range servers {
		if ref != "" && s != ref {
			header = append(header, label(s)+" / Node")
		}
	}
	fmt.Fprintln(w, "| "+strings.Join(header, " | ")+" |")
	fmt.Fprintln(w, strings.Repeat("|---", len(header))+"|")

	type group struct {
		scenario string
		n        int
	}
	var groups []group
	for _, l := range lines {
		g := group{l.Scenario, l.N}
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	slices.SortFunc(groups, func(a, b group) int {
		ia, ib := slices.Index(scenarioOrder, a.scenario), slices.Index(scenarioOrder, b.scenario)
		if ia != ib {
			return ia - ib
		}
		return a.n - b.n
	})
	var failures []string
	for _, g := range groups {
		for _, m := range metrics {
			if m.scenario != g.scenario {
				continue
			}
			vals := map[string][]float64{}
			found := false
			for _, l := range lines {
				if l.Scenario != g.scenario || l.N != g.n || !l.OK {
					continue
				}
				if v, ok := l.Vals[m.key].(float64); ok {
					vals[l.Server] = append(vals[l.Server], v*m.scale)
					found = true
				}
			}
			if !found {
				continue
			}
			row := []string{fmt.Sprintf("%s, %s clients", g.scenario, count(g.n)), m.label}
			for _, s := range servers {
				row = append(row, cell(vals[s]))
			}
			for _, s := range servers {
				if ref == "" || s == ref {
					continue
				}
				a, b := median(vals[s]), median(vals[ref])
				if len(vals[s]) == 0 || len(vals[ref]) == 0 || b == 0 {
					row = append(row, "–")
				} else {
					row = append(row, fmt.Sprintf("%.2f×", a/b))
				}
			}
			fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
		}
		for _, l := range lines {
			if l.Scenario == g.scenario && l.N == g.n && !l.OK {
				failures = append(failures, fmt.Sprintf("%s %s clients, %s, round %d: %s",
					l.Scenario, count(l.N), label(l.Server), l.Round, l.Error))
			}
		}
	}
	var busy []string
	for _, l := range lines {
		if v, ok := l.Vals["gen_cpu_pct"].(float64); ok && l.OK && v >= genBusyPct {
			busy = append(busy, fmt.Sprintf("%s %s clients, %s, round %d: %.0f %%",
				l.Scenario, count(l.N), label(l.Server), l.Round, v))
		}
	}
	if len(busy) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "The load generator used %d %% of its core or more in these runs; their figures may be its limit, not the server's:\n", genBusyPct)
		for _, b := range busy {
			fmt.Fprintln(w, "- "+b)
		}
	}
	if len(failures) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%d failed runs (left out of the table):\n", len(failures))
		for _, f := range failures {
			fmt.Fprintln(w, "- "+f)
		}
	}
	return nil
}

// cell is "median (min–max)", or the value alone for one run.
func cell(v []float64) string {
	switch len(v) {
	case 0:
		return "–"
	case 1:
		return num(v[0])
	}
	return fmt.Sprintf("%s (%s–%s)", num(median(v)), num(slices.Min(v)), num(slices.Max(v)))
}

// num prints 3 significant digits, with k above ten thousand and M above a million.
func num(f float64) string {
	a := math.Abs(f)
	switch {
	case a >= 1e6:
		return sig3(f/1e6) + "M"
	case a >= 1e4:
		return sig3(f/1e3) + "k"
	}
	return sig3(f)
}

func sig3(f float64) string {
	a := math.Abs(f)
	switch {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(f, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(f, 'f', 2, 64)
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

func count(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
