package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// procs are the server processes a scenario measures (one, or both nodes of cross).
type procs []int

func parsePids(s string) (procs, error) {
	var ps procs
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("-pid %q: want process ids separated by commas", s)
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", pid)); err != nil {
			return nil, fmt.Errorf("-pid %d: %w", pid, err)
		}
		ps = append(ps, pid)
	}
	return ps, nil
}

// sample is what /proc says of the server processes at one moment (sums over them).
type sample struct {
	rss   int64 // bytes
	cpuNs int64 // user + system time
	syscw int64 // write system calls (-1: /proc/<pid>/io unreadable)
}

func (ps procs) sample() (sample, error) {
	var s sample
	for _, pid := range ps {
		rss, err := readRSS(pid)
		if err != nil {
			return s, err
		}
		cpu, err := readCPU(pid)
		if err != nil {
			return s, err
		}
		s.rss += rss
		s.cpuNs += cpu
		w, err := readSyscw(pid)
		if err != nil || s.syscw < 0 {
			s.syscw = -1
		} else {
			s.syscw += w
		}
	}
	return s, nil
}

// readRSS reads VmRSS of /proc/<pid>/status.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := strings.Fields(string(v)) // "123456 kB"
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every Linux architecture
// that Go supports except alpha and ia64.
const clockTick = 100

// readCPU reads utime + stime (fields 14 and 15) of /proc/<pid>/stat, in ns: every thread's.
func readCPU(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime %q %q", pid, f[11], f[12])
	}
	return (ut + st) * (1e9 / clockTick), nil
}

// readSyscw reads syscw (write-family system calls: write, writev, …) of /proc/<pid>/io.
func readSyscw(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("syscw:")); ok {
			return strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/io: no syscw", pid)
}

// checkNofile fails when a server may not open n more files (RLIMIT_NOFILE, soft).
func (ps procs) checkNofile(n int) error {
	for _, pid := range ps {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "Max open files") {
				continue
			}
			f := strings.Fields(strings.TrimPrefix(line, "Max open files"))
			if len(f) > 0 && f[0] != "unlimited" {
				if soft, err := strconv.Atoi(f[0]); err == nil && soft < n+64 {
					return fmt.Errorf("server %d may open %d files (RLIMIT_NOFILE), too few for %d connections", pid, soft, n)
				}
			}
		}
	}
	return nil
}

// selfRSS is the load generator's own RSS.
func selfRSS() int64 {
	n, _ := readRSS(os.Getpid())
	return n
}

// raiseNofile lifts RLIMIT_NOFILE to at least want (the hard limit too, when allowed).
func raiseNofile(want uint64) (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur >= want {
		return rl.Cur, nil
	}
	nl := rl
	nl.Cur = want
	if nl.Max < want {
		nl.Max = want
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &nl); err != nil {
		nl = rl
		nl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &nl); err != nil {
			return rl.Cur, err
		}
	}
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < want {
		return rl.Cur, fmt.Errorf("RLIMIT_NOFILE is %d, want %d (raise the hard limit: ulimit -Hn)", rl.Cur, want)
	}
	return rl.Cur, nil
}
