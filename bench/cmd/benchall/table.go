package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sentrylog/sentrylog/bench/load"
)

// loggerSpec lays out one logger's table.
type loggerSpec struct {
	name     string // benchmark name: Slog, Zap, Zerolog, Logrus, LogrusHook
	title    string
	baseline string // the impl that is the logger's own cost
	// floor is the impl that is the logger's own cost of a record a
	// Sentry bridge accepts (the baseline when that is it): what no
	// bridge can go below. Where a goal is missed, the ratio column adds
	// the ratio of what each bridge adds to the floor.
	floor string
	impls []string // columns, in order
	peers []string // the impls our goals are measured against
	note  string
}

// column titles of the impls, filled in with versions by main.
type titles map[string]string

func loggerSpecs() []loggerSpec {
	return []loggerSpec{
		{
			name: "Slog", title: "log/slog", baseline: "baseline-discard",
			impls: []string{"baseline-discard", "baseline-json", "sentrylog", "sentry-go", "samber"},
			peers: []string{"sentry-go", "samber"},
			note: "sentry-go/slog has no breadcrumbs: its Breadcrumb cells are Info records sent as Sentry " +
				"log entries (LogLevel Info, Warn), its nearest equivalent. samber/slog-sentry turns every " +
				"record at or above its level into an event and has nothing lighter, so it has no breadcrumb cells.",
		},
		{
			name: "Zap", title: "zap", baseline: "baseline", floor: "floor-nop",
			impls: []string{"baseline", "floor-nop", "sentrylog", "zapsentry"},
			peers: []string{"zapsentry"},
			note: "The Sentry cores run alone; a program tees them with its own output, whose cost is the " +
				"baseline column, so each Sentry column is what the bridge adds. zap's own Debug call allocates its variadic " +
				"fields (1 alloc, 128 B) before any core is asked; the disabled goal counts the allocations a " +
				"bridge adds. The floor column is zap with a core that accepts every entry and does nothing: zap's " +
				"own cost of an entry a core takes (the check, the entry, its time, the fields), which no bridge " +
				"can go below. zapsentry v1.23.0 sets sentry.Event.Extra, removed in sentry-go v0.46.0, so it " +
				"runs in bench/zapbench against sentry-go v0.45.1.",
		},
		{
			name: "Zerolog", title: "zerolog", baseline: "baseline", floor: "baseline",
			impls: []string{"baseline", "sentrylog", "sentry-go"},
			peers: []string{"sentry-go"},
			note: "Every logger writes its JSON to io.Discard at level Info; sentry-go's writer sits beside the " +
				"output in a MultiLevelWriter, with breadcrumbs on. It is bound to one hub and does not read " +
				"the record's context, so it has no per-request cells.",
		},
		{
			name: "Logrus", title: "logrus, the whole logging call", baseline: "baseline", floor: "baseline",
			impls: []string{"baseline", "sentrylog", "sentry-go"},
			peers: []string{"sentry-go"},
			note: "Every logger writes logrus's JSON to io.Discard at level Info, the hooks beside it: each " +
				"cell is logrus's own work (the entry, its fields, the formatting) plus the hook's. sentry-go's " +
				"logrus integration has no breadcrumbs: its Breadcrumb cells are Info records sent as Sentry log " +
				"entries (its log hook for Info and Warn, its event hook for Error and up), its nearest " +
				"equivalent. Its hooks are bound to one hub and read the entry's context only as a hint, so " +
				"they have no per-request cells.",
		},
		{
			name: "LogrusHook", title: "logrus, the hook alone", baseline: "",
			impls: []string{"sentrylog", "sentry-go"},
			peers: []string{"sentry-go"},
			note: "Each hook's Fire on the entry logrus hands it for the workload's record, prepared once: " +
				"what the hook adds to a logging call. Below the hook's levels logrus does not call it.",
		},
	}
}

var pathTitles = map[string]string{
	"Disabled":      "Disabled (Debug)",
	"Breadcrumb":    "Breadcrumb (Info, 2 With + 3 attrs)",
	"Event":         "Event (Error, wrapped error + 2 attrs)",
	"EventDrained":  "Event, whole pipeline (until handed to the transport)",
	"ReqBreadcrumb": "Breadcrumb, new request scope each",
	"ReqEvent":      "Event, new request scope each",
	"BreadcrumbLog": "Breadcrumb with logs on (breadcrumb + Sentry log, whole pipeline)",
	"Log":           "Sentry log (Info, 2 With + 3 attrs, whole pipeline)",
}

var paths = []string{"Disabled", "Breadcrumb", "BreadcrumbLog", "Event", "EventDrained", "ReqBreadcrumb", "ReqEvent", "Log"}

// verdict is the outcome of one goal, judged twice: on time per call (as
// the issue states its goals) and on the caller's CPU time per call (the
// logging goroutine's own work, steady on a shared machine).
type verdict struct {
	ratio  string // ours against the reference, as shown
	goal   string
	met    bool // on time per call
	cpuMet bool // on the caller's CPU time per call
	hasCPU bool // cpuMet means something
	ok     bool // false when there is nothing to compare with
}

// judge applies the performance goal for path to the cells of one logger.
func judge(spec loggerSpec, path string, cells map[key]*cell) verdict {
	ours := cells[key{spec.name, path, "sentrylog"}]
	if ours == nil {
		return verdict{}
	}
	if path == "Disabled" {
		base := cells[key{spec.name, path, spec.baseline}]
		if base == nil || base.ns == 0 {
			return verdict{}
		}
		r := ours.ns / base.ns
		added := ours.allocs - base.allocs
		v := verdict{
			ratio: fmt.Sprintf("%.2f× baseline time, %+g allocs", r, added),
			goal:  "≤ 1.5× baseline, 0 allocs added",
			met:   r <= 1.5 && added <= 0,
			ok:    true,
		}
		if ours.callerCPU > 0 && base.callerCPU > 0 {
			rc := ours.callerCPU / base.callerCPU
			v.ratio = fmt.Sprintf("%.2f× baseline time (caller CPU %.2f×), %+g allocs", r, rc, added)
			v.cpuMet, v.hasCPU = rc <= 1.5 && added <= 0, true
		}
		return v
	}
	// The goal is against the best peer on the path; the ratio column
	// shows every peer.
	bestNS, bestCPU, bestAllocs := math.Inf(1), math.Inf(1), math.Inf(1)
	var each []string
	crumb := strings.HasSuffix(path, "Breadcrumb")
	for _, p := range spec.peers {
		c := cells[key{spec.name, path, p}]
		if c == nil {
			continue
		}
		bestNS = min(bestNS, c.ns)
		bestAllocs = min(bestAllocs, c.allocs)
		if c.callerCPU > 0 {
			bestCPU = min(bestCPU, c.callerCPU)
		}
		e := fmt.Sprintf("%s: %s faster", p, times(c.ns/ours.ns))
		if c.callerCPU > 0 && ours.callerCPU > 0 {
			e += fmt.Sprintf(" (caller CPU %s)", times(c.callerCPU/ours.callerCPU))
		}
		if crumb {
			e += fmt.Sprintf(", %s the allocs", share(allocRatio(ours.allocs, c.allocs)))
		}
		each = append(each, e)
	}
	if len(each) == 0 {
		return verdict{ratio: "no peer on this path"}
	}
	if f := cells[key{spec.name, path, spec.floor}]; spec.floor != "" && f != nil {
		// What each bridge adds to the logger's own floor, from caller CPU
		// where there is one (a machine shared with other work disturbs
		// it less).
		own := func(c *cell) float64 {
			if c.callerCPU > 0 && f.callerCPU > 0 {
				return c.callerCPU - f.callerCPU
			}
			return c.ns - f.ns
		}
		if o := own(ours); o > 0 {
			for _, p := range spec.peers {
				if c := cells[key{spec.name, path, p}]; c != nil && own(c) > 0 {
					each = append(each, fmt.Sprintf("what the bridge adds to %s's own floor (%s of sentrylog's call): %s adds %s as much",
						strings.ToLower(spec.name), pct(o/ours.cpuOrNS()), p, times(own(c)/o)))
				}
			}
		}
	}
	v := verdict{ratio: strings.Join(each, "; ")}
	if path == "EventDrained" || path == "BreadcrumbLog" {
		// Not a goal of the issue: what an event costs in all, for the
		// reader who wonders where the caller's savings went.
		return v
	}
	if path == "Log" {
		return judgeLog(spec, cells, ours, v)
	}
	speed := bestNS / ours.ns
	speedCPU := 0.0
	if ours.callerCPU > 0 && !math.IsInf(bestCPU, 1) {
		speedCPU, v.hasCPU = bestCPU/ours.callerCPU, true
	}
	v.ok = true
	if crumb {
		fewer := allocRatio(ours.allocs, bestAllocs) <= 0.2
		v.goal = "≥ 5× faster, ≤ ⅕ allocs"
		v.met, v.cpuMet = speed >= 5 && fewer, speedCPU >= 5 && fewer
	} else {
		v.goal = "≥ 5× faster"
		v.met, v.cpuMet = speed >= 5, speedCPU >= 5
	}
	return v
}

// goalCell renders the verdict's goal column.
func (v verdict) goalCell() string {
	s := v.goal + ": " + metWord(v.met)
	if v.hasCPU {
		s += " (caller CPU: " + metWord(v.cpuMet) + ")"
	}
	return s
}

// allocRatio is ours/peer, with 0/0 as 0 and n/0 as +Inf.
func allocRatio(ours, peer float64) float64 {
	if peer == 0 {
		if ours == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return ours / peer
}

// cpuOrNS is the caller CPU per call when measured, else the time.
func (c *cell) cpuOrNS() float64 {
	if c.callerCPU > 0 {
		return c.callerCPU
	}
	return c.ns
}

func pct(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }

func times(x float64) string {
	if x >= 10 {
		return fmt.Sprintf("%.0f×", x)
	}
	return fmt.Sprintf("%.1f×", x)
}

func share(x float64) string {
	if math.IsInf(x, 1) {
		return "∞×"
	}
	return fmt.Sprintf("%.2f×", x)
}

func fmtNS(ns float64) string {
	switch {
	case ns < 10:
		return fmt.Sprintf("%.1f ns", ns)
	case ns < 1000:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	default:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	}
}

func fmtCell(c *cell) string {
	if c == nil {
		return "—"
	}
	s := fmtNS(c.ns)
	if c.ci != "" && c.ci != "∞" {
		s += " ±" + c.ci
	}
	if c.callerCPU > 0 {
		s += " · caller " + fmtNS(c.callerCPU)
	}
	if c.cpu > 0 {
		s += " · all " + fmtNS(c.cpu)
	}
	s += fmt.Sprintf(" · %g allocs", c.allocs)
	if c.drop > 0 {
		s += fmt.Sprintf(" · %.0f%% queue drops", c.drop*100)
	}
	return s
}

// missed is a goal not met, for the profiles.
type missed struct {
	k       key
	summary string
}

// inProcessTables renders one table per logger and returns the missed goals.
func inProcessTables(b *strings.Builder, cells map[key]*cell, t titles) []missed {
	var miss []missed
	for _, spec := range loggerSpecs() {
		fmt.Fprintf(b, "#### %s\n\n", spec.title)
		b.WriteString("| Path |")
		for _, im := range spec.impls {
			fmt.Fprintf(b, " %s |", t[spec.name+"/"+im])
		}
		b.WriteString(" sentrylog vs each peer | Goal (vs the best peer) |\n|---|")
		for range spec.impls {
			b.WriteString("---|")
		}
		b.WriteString("---|---|\n")
		for _, p := range paths {
			row := false
			for _, im := range spec.impls {
				row = row || cells[key{spec.name, p, im}] != nil
			}
			if !row {
				continue
			}
			fmt.Fprintf(b, "| %s |", pathTitles[p])
			for _, im := range spec.impls {
				fmt.Fprintf(b, " %s |", fmtCell(cells[key{spec.name, p, im}]))
			}
			v := judge(spec, p, cells)
			if !v.ok {
				fmt.Fprintf(b, " %s | — |\n", orDash(v.ratio))
				continue
			}
			fmt.Fprintf(b, " %s | %s |\n", v.ratio, v.goalCell())
			if !v.met || (v.hasCPU && !v.cpuMet) {
				miss = append(miss, missed{key{spec.name, p, "sentrylog"}, spec.title + " " + p + ": " + v.ratio})
			}
		}
		fmt.Fprintf(b, "\n%s\n\n", spec.note)
	}
	return miss
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// loadTables renders the delivery and outage results and says whether the
// delivery goal was met.
func loadTables(b *strings.Builder, del []load.DeliveryResult, out []load.OutageResult) (met bool, summary string) {
	if len(del) == 2 {
		ours, peer := del[0], del[1]
		rate := ours.EventsPerSec() / peer.EventsPerSec()
		cpu := float64(ours.CPUPerEvent()) / float64(peer.CPUPerEvent())
		met = rate >= 2 && cpu <= 0.5 && !ours.Stalled
		b.WriteString("| Delivery to a loopback receiver | sentrylog | sentry-go | sentrylog vs sentry-go | Goal |\n")
		b.WriteString("|---|---|---|---|---|\n")
		fmt.Fprintf(b, "| Events delivered / sent | %d / %d%s | %d / %d%s | | |\n",
			ours.Delivered, ours.Sent, stalled(ours), peer.Delivered, peer.Sent, stalled(peer))
		fmt.Fprintf(b, "| Connections opened during the run | %d | %d | | |\n", ours.Conns, peer.Conns)
		fmt.Fprintf(b, "| Events per second | %.0f | %.0f | %.2f× | ≥ 2×: %s |\n",
			ours.EventsPerSec(), peer.EventsPerSec(), rate, metWord(rate >= 2))
		fmt.Fprintf(b, "| CPU per delivered event | %s | %s | %.2f× | ≤ 0.5×: %s |\n\n",
			fmtDur(ours.CPUPerEvent()), fmtDur(peer.CPUPerEvent()), cpu, metWord(cpu <= 0.5))
		summary = fmt.Sprintf("delivery: %.2f× the events per second at %.2f× the CPU per event", rate, cpu)
	}
	if len(out) > 0 {
		fmt.Fprintf(b, "| Receiver down %s, %d events/s |", out[0].Duration, out[0].Rate)
		for _, o := range out {
			fmt.Fprintf(b, " %s |", o.SDK)
		}
		b.WriteString("\n|---|")
		for range out {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		row := func(name string, f func(o load.OutageResult) string) {
			fmt.Fprintf(b, "| %s |", name)
			for _, o := range out {
				fmt.Fprintf(b, " %s |", f(o))
			}
			b.WriteString("\n")
		}
		row("Events captured during the outage", func(o load.OutageResult) string { return fmt.Sprint(o.Sent) })
		row("Heap before → max during", func(o load.OutageResult) string {
			return fmt.Sprintf("%s → %s", mib(o.BaseHeap), mib(o.MaxHeap))
		})
		row("Goroutines before → max during", func(o load.OutageResult) string {
			return fmt.Sprintf("%d → %d", o.BaseGoroutines, o.MaxGoroutines)
		})
		row("Delivered once the receiver was back", func(o load.OutageResult) string { return fmt.Sprint(o.DeliveredAfter) })
		row("First delivery after the receiver came back", func(o load.OutageResult) string {
			if o.Recovery < 0 {
				return fmt.Sprintf("none within %s", load.RecoveryBound)
			}
			return fmt.Sprintf("%.1f s", o.Recovery.Seconds())
		})
		row("Lost (captured, never delivered)", func(o load.OutageResult) string {
			return fmt.Sprint(int64(o.Sent) - o.DeliveredAfter)
		})
		row("Dropped, by reason (the client's own count)", func(o load.OutageResult) string { return drops(o.Dropped) })
		b.WriteString("\n")
	}
	return met, summary
}

func stalled(d load.DeliveryResult) string {
	if d.Stalled {
		return " (stalled)"
	}
	return ""
}

func metWord(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func fmtDur(d time.Duration) string { return fmtNS(float64(d.Nanoseconds())) }

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func drops(m map[string]int64) string {
	if m == nil {
		return "not exposed"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// judgeLog applies the Logs goals: the logging goroutine's cost ≥ 10× less
// than the best peer's, and the whole process's CPU per log ≤ ⅕ of it.
func judgeLog(spec loggerSpec, cells map[key]*cell, ours *cell, v verdict) verdict {
	bestCaller, bestCPU := math.Inf(1), math.Inf(1)
	for _, p := range spec.peers {
		if c := cells[key{spec.name, "Log", p}]; c != nil {
			if c.callerCPU > 0 {
				bestCaller = min(bestCaller, c.callerCPU)
			}
			if c.cpu > 0 {
				bestCPU = min(bestCPU, c.cpu)
			}
		}
	}
	if math.IsInf(bestCaller, 1) || math.IsInf(bestCPU, 1) || ours.callerCPU <= 0 || ours.cpu <= 0 {
		return v
	}
	v.ok = true
	v.goal = "caller CPU ≥ 10× less, process CPU ≤ ⅕"
	v.ratio += fmt.Sprintf("; process CPU %s", share(ours.cpu/bestCPU))
	v.met = bestCaller/ours.callerCPU >= 10 && ours.cpu/bestCPU <= 0.2
	v.cpuMet, v.hasCPU = v.met, true
	return v
}
