package main

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/sentrylog/sentrylog/bench/load"
)

// profileDelivery repeats our delivery run under the CPU profiler.
func (r *report) profileDelivery(rcv *load.Receiver) {
	path := filepath.Join("results", "cpu-delivery.pprof")
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	if pprof.StartCPUProfile(f) != nil {
		return
	}
	_, err = load.Delivery(rcv, load.Sentrylog(), r.cfg.n, r.cfg.window, 10*time.Second)
	pprof.StopCPUProfile()
	if err != nil {
		return
	}
	exe, _ := os.Executable()
	if top := pprofTop(exe, path); top != "" {
		r.profileText = append(r.profileText, "Delivery ("+r.loadSummary+"): "+top)
	}
}

// profiles runs every missed in-process cell once more under the CPU
// profiler and keeps the top entries.
func (r *report) profiles() {
	for _, m := range r.missed {
		dir := "."
		if m.k.logger == "Zap" {
			dir = "zapbench"
		}
		name := fmt.Sprintf("%s-%s", strings.ToLower(m.k.logger), strings.ToLower(m.k.path))
		prof, _ := filepath.Abs(filepath.Join("results", "cpu-"+name+".pprof"))
		bin, _ := filepath.Abs(filepath.Join("results", name+".test"))
		re := fmt.Sprintf("^Benchmark%s$/^path=%s$/^impl=sentrylog$", m.k.logger, m.k.path)
		fmt.Fprintf(os.Stderr, "benchall: profiling %s\n", re)
		if _, err := gocmd(dir, "test", "-run", "^$", "-bench", re, "-benchtime", "1s",
			"-cpuprofile", prof, "-o", bin, "."); err != nil {
			fmt.Fprintln(os.Stderr, "benchall:", err)
			continue
		}
		if top := pprofTop(bin, prof); top != "" {
			r.profileText = append(r.profileText, m.summary+": "+top)
		}
	}
}

// pprofTop summarizes a CPU profile: the functions with the most CPU time
// of their own, and sentrylog's functions with the most time including
// their callees.
func pprofTop(bin, prof string) string {
	out, err := gocmdQuiet(".", "tool", "pprof", "-top", "-nodecount=200", bin, prof)
	if err != nil {
		return ""
	}
	return parsePprofTop(out)
}

type pprofRow struct {
	fn        string
	flat, cum string // shares, "12.3%"
	cumShare  float64
}

func parsePprofTop(out []byte) string {
	var rows []pprofRow
	sc := bufio.NewScanner(bytes.NewReader(out))
	inTable := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 5 && f[0] == "flat" && f[1] == "flat%" {
			inTable = true
			continue
		}
		if !inTable || len(f) < 6 {
			continue
		}
		fn := strings.TrimSuffix(strings.Join(f[5:], " "), " (inline)")
		if fn == "runtime._ExternalCode" || fn == "runtime.asyncPreempt" {
			continue // no place in the code: where the sampler found the thread
		}
		var cum float64
		fmt.Sscanf(f[4], "%f%%", &cum)
		rows = append(rows, pprofRow{fn: fn, flat: f[1], cum: f[4], cumShare: cum})
	}
	var flat []string
	for _, r := range rows[:min(len(rows), 8)] {
		flat = append(flat, fmt.Sprintf("`%s` %s", shortFunc(r.fn), r.flat))
	}
	ours := slices.DeleteFunc(slices.Clone(rows), func(r pprofRow) bool {
		return !strings.HasPrefix(r.fn, "github.com/sentrylog/sentrylog/") ||
			strings.HasPrefix(r.fn, "github.com/sentrylog/sentrylog/bench")
	})
	slices.SortStableFunc(ours, func(a, b pprofRow) int { return cmp.Compare(b.cumShare, a.cumShare) })
	var cum []string
	for _, r := range ours[:min(len(ours), 6)] {
		cum = append(cum, fmt.Sprintf("`%s` %s", shortFunc(r.fn), r.cum))
	}
	if len(flat) == 0 {
		return ""
	}
	s := "own time: " + strings.Join(flat, ", ")
	if len(cum) > 0 {
		s += "; sentrylog with callees: " + strings.Join(cum, ", ")
	}
	return s
}

// shortFunc drops the module prefix of our own functions.
func shortFunc(fn string) string {
	fn = strings.TrimPrefix(fn, "github.com/sentrylog/sentrylog/")
	return fn
}
