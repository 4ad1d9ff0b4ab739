package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/sentrylog/sentrylog/bench/load"
)

// suite is one module of in-process benchmarks.
type suite struct {
	dir, file string
}

var suites = []suite{{".", "bench.txt"}, {"zapbench", "zapbench.txt"}}

type report struct {
	cfg     config
	started time.Time

	cells     map[key]*cell
	cpu       string
	benchstat []string // benchstat's text output, per suite

	delivery []load.DeliveryResult
	outage   []load.OutageResult

	missed      []missed
	failures    []string // parts that could not run, said in the notes
	loadMissed  bool
	loadSummary string
	profileText []string
}

func (r *report) benchmarks() error {
	r.cells = map[key]*cell{}
	for _, s := range suites {
		fmt.Fprintf(os.Stderr, "benchall: benchmarks in %s (-count=%d -benchtime=%s)\n", s.dir, r.cfg.count, r.cfg.benchtime)
		out, err := gocmd(s.dir, "test", "-run", "^$", "-bench", ".", "-benchmem",
			"-count", fmt.Sprint(r.cfg.count), "-benchtime", r.cfg.benchtime, ".")
		if err != nil {
			// One suite failing (a bridge mid-change) leaves the others'
			// tables; the notes say what is missing.
			fmt.Fprintln(os.Stderr, "benchall:", err)
			r.failures = append(r.failures, fmt.Sprintf("the benchmarks in bench/%s failed: %v", s.dir, err))
			continue
		}
		raw := filepath.Join("results", s.file)
		if err := os.WriteFile(raw, out, 0o644); err != nil {
			return err
		}
		for _, line := range strings.Split(string(out), "\n") {
			if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
				r.cpu = cpu
			}
		}
		csv, err := gocmdQuiet(".", "tool", "benchstat", "-format", "csv", raw)
		if err != nil {
			return err
		}
		cells, err := parseBenchstat(bytes.NewReader(csv))
		if err != nil {
			return err
		}
		maps.Copy(r.cells, cells)
		for _, spec := range loggerSpecs() {
			if !strings.Contains(string(out), "Benchmark"+spec.name+"/") {
				continue
			}
			text, err := gocmdQuiet(".", "tool", "benchstat", "-filter", ".name:"+spec.name,
				"-row", "/path", "-col", "/impl", raw)
			if err != nil {
				return err
			}
			r.benchstat = append(r.benchstat, string(text))
		}
	}
	if len(r.cells) == 0 {
		return fmt.Errorf("no benchmark results: %s", strings.Join(r.failures, "; "))
	}
	return nil
}

func (r *report) load() error {
	rcv, err := load.StartReceiver()
	if err != nil {
		return err
	}
	defer rcv.Close()
	perRound := max(r.cfg.n/max(r.cfg.rounds, 1), 1)
	fmt.Fprintf(os.Stderr, "benchall: delivery of %d events in %d interleaved rounds of %d per SDK\n", perRound*r.cfg.rounds, r.cfg.rounds, perRound)
	del, err := load.DeliveryRounds(rcv, load.SDKs(), perRound, r.cfg.window, 10*time.Second, r.cfg.rounds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchall:", err)
		r.failures = append(r.failures, fmt.Sprintf("the delivery run failed: %v", err))
	} else {
		r.delivery = del // the table compares the two or shows nothing
	}
	for _, sdk := range load.SDKs() {
		if r.cfg.skipOutage {
			break
		}
		fmt.Fprintf(os.Stderr, "benchall: %s receiver outage at %d events/s through %s\n", r.cfg.outage, r.cfg.rate, sdk.Name)
		o, err := load.Outage(rcv, sdk, r.cfg.outage, r.cfg.rate)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchall:", err)
			r.failures = append(r.failures, fmt.Sprintf("the outage run of %s failed: %v", sdk.Name, err))
			continue
		}
		r.outage = append(r.outage, o)
	}
	var b strings.Builder
	r.loadMissed, r.loadSummary = loadTables(&b, r.delivery, nil)
	r.loadMissed = !r.loadMissed && len(r.delivery) == 2
	if r.loadMissed && r.cfg.profile {
		r.profileDelivery(rcv)
	}
	return nil
}

// command is the command line of this run, as a user types it. The flags
// that only say where to write are left out: they change no number.
func (r *report) command() string {
	var shown []string
	for i := 0; i < len(r.cfg.args); i++ {
		a := r.cfg.args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "readme" || name == "results" {
			if !hasValue {
				i++ // the value is the next argument
			}
			continue
		}
		shown = append(shown, a)
	}
	return strings.TrimSpace("cd bench && go run ./cmd/benchall " + strings.Join(shown, " "))
}

func (r *report) titles() titles {
	v := moduleVersions("go.mod")
	z := moduleVersions(filepath.Join("zapbench", "go.mod"))
	return titles{
		"Slog/baseline-discard": "slog.DiscardHandler",
		"Slog/baseline-json":    "slog JSONHandler → io.Discard",
		"Slog/sentrylog":        "**sentrylog**",
		"Slog/sentry-go":        "sentry-go/slog " + v["github.com/getsentry/sentry-go/slog"],
		"Slog/samber":           "samber/slog-sentry/v2 " + v["github.com/samber/slog-sentry/v2"],
		"Zap/baseline":          "zap " + z["go.uber.org/zap"] + " JSON core → io.Discard",
		"Zap/floor-nop":         "zap " + z["go.uber.org/zap"] + " → a core that does nothing (the floor)",
		"Zap/sentrylog":         "**sentrylog**",
		"Zap/zapsentry":         "TheZeroSlave/zapsentry " + z["github.com/TheZeroSlave/zapsentry"] + " (sentry-go " + z["github.com/getsentry/sentry-go"] + ")",
		"Zerolog/baseline":      "zerolog " + v["github.com/rs/zerolog"] + " → io.Discard",
		"Zerolog/sentrylog":     "**sentrylog**",
		"Zerolog/sentry-go":     "sentry-go/zerolog " + v["github.com/getsentry/sentry-go/zerolog"],
		"Logrus/baseline":       "logrus " + v["github.com/sirupsen/logrus"] + " JSON → io.Discard",
		"Logrus/sentrylog":      "**sentrylog**",
		"Logrus/sentry-go":      "sentry-go/logrus " + v["github.com/getsentry/sentry-go/logrus"],
		"LogrusHook/sentrylog":  "**sentrylog**",
		"LogrusHook/sentry-go":  "sentry-go/logrus " + v["github.com/getsentry/sentry-go/logrus"],
	}
}

// body renders everything that goes between the README's markers. The
// in-process tables are rendered first so that the missed goals are known
// to the profiles.
func (r *report) tables() string {
	var b strings.Builder
	if r.cells != nil {
		b.WriteString("### Cost of one logging call, in process\n\n")
		r.missed = inProcessTables(&b, r.cells, r.titles())
	}
	if r.delivery != nil || r.outage != nil {
		b.WriteString("### Delivery under load\n\n")
		loadTables(&b, r.delivery, r.outage)
	}
	return b.String()
}

func (r *report) header() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Generated by `%s` on %s: %s %s/%s, %s, GOMAXPROCS=%d, on a machine shared with other work.\n",
		r.command(), r.started.Format("2006-01-02"), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		orDash(r.cpu), runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "Cells are benchstat medians of %d runs of %s each: time per call ± the 95%% confidence "+
		"interval · caller: the CPU time per call of the goroutine that logs (its thread's CPU clock) · "+
		"all: the process's CPU time per call, every goroutine included (a worker's share, the garbage "+
		"collector) · allocations per call. Goals are judged on time per call, as the issue states them, and "+
		"again on caller CPU, which a machine shared with other work disturbs far less. bench/RESULTS.md has "+
		"benchstat's full output.\n\n", r.cfg.count, r.cfg.benchtime)
	b.WriteString("Workload, the same for every column: Disabled is a Debug record with 2 attributes, below every " +
		"threshold. Breadcrumb is an Info record with 3 attributes on a logger given 2 with With. Event is an Error " +
		"record with `fmt.Errorf(\"handler: %w\", fmt.Errorf(\"query: %w\", sql.ErrNoRows))` and 2 attributes. " +
		"The per-request rows make a new request scope for every call (sentrylog: `core.NewIsolationScope`; " +
		"sentry-go: a hub clone in the context; zapsentry: `zapsentry.NewScope()`). Every Sentry client sends to a " +
		"transport that discards, so only in-process cost is compared; sentrylog's storm control is off.\n\n")
	b.WriteString("sentrylog's Event cells are the caller's cost: building, scrubbing and sending run on the " +
		"client's worker goroutine, concurrently with the benchmark loop and on the same cores, so time per call " +
		"includes waiting for a core the worker holds, while caller CPU does not. The clients of these benchmarks " +
		"have a queue large enough to accept every capture (with the default queue of 1,000 a loop this tight " +
		"would see most captures dropped as queue_overflow, which costs the caller less); drops, if any, are " +
		"shown. The peers do all of their work on the caller's goroutine. The whole-pipeline row times the " +
		"captures and then the wait until the worker has handed every event to the transport: what an event " +
		"costs in all (the issue sets no goal for it; for the peers it is their Event path again).\n\n")
	return b.String()
}

func (r *report) notes() string {
	var b strings.Builder
	for _, f := range r.failures {
		fmt.Fprintf(&b, "**Not measured:** %s.\n\n", f)
	}
	if len(r.delivery) == 2 {
		fmt.Fprintf(&b, "Delivery: %d identical events per SDK (the Event error, captured directly), in %d rounds that "+
			"alternate between the SDKs and are pooled, at most %d in flight, "+
			"to a receiver in a child process that counts the events of each envelope; each client as its "+
			"user gets it from a DSN alone (sentrylog with storm control off, which would otherwise keep "+
			"identical events from the transport). CPU is this process's user and system time over the run, "+
			"divided by the events delivered. The outage run captures at a fixed rate while the receiver "+
			"refuses connections, sampling the heap (HeapAlloc) and the goroutines every 100 ms.\n\n",
			r.delivery[0].Sent, max(r.cfg.rounds, 1), r.cfg.window)
	}
	if len(r.profileText) > 0 {
		b.WriteString("**Where the time goes** where a goal is missed (CPU profile of that cell, functions by " +
			"their own share of the samples, worker goroutine included):\n\n")
		for _, p := range r.profileText {
			fmt.Fprintf(&b, "- %s\n", p)
		}
		b.WriteString("\n")
	} else if len(r.missed) > 0 || r.loadMissed {
		b.WriteString("Some goals are missed; run with -profile to see where the time goes.\n\n")
	}
	return b.String()
}

func (r *report) write() error {
	tables := r.tables() // sets r.missed
	if r.cfg.profile {
		r.profiles()
	}
	section := "\n" + r.header() + tables + r.notes()

	var full strings.Builder
	full.WriteString("# sentrylog benchmarks\n\n")
	full.WriteString("<!-- generated by bench/cmd/benchall; do not edit -->\n")
	full.WriteString(section)
	if len(r.benchstat) > 0 {
		full.WriteString("## benchstat output\n\n")
		for _, s := range r.benchstat {
			full.WriteString("```\n" + strings.TrimSpace(s) + "\n```\n\n")
		}
	}
	fmt.Print(section)
	if err := os.WriteFile(r.cfg.results, []byte(full.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchall: wrote %s\n", r.cfg.results)

	if r.cfg.readme == "" {
		return nil
	}
	readme, err := os.ReadFile(r.cfg.readme)
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchall: no README at %s: the tables are in %s only\n", r.cfg.readme, r.cfg.results)
		return nil
	}
	updated, ok := replaceBetween(readme, section)
	if !ok {
		fmt.Fprintf(os.Stderr, "benchall: %s has no perf markers: the tables are in %s only\n", r.cfg.readme, r.cfg.results)
		return nil
	}
	if err := os.WriteFile(r.cfg.readme, updated, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchall: rewrote the performance section of %s\n", r.cfg.readme)
	return nil
}

const (
	markBegin = "<!-- perf:begin -->"
	markEnd   = "<!-- perf:end -->"
)

// replaceBetween replaces what lies between the markers with section and
// reports whether both markers were found, in order.
func replaceBetween(doc []byte, section string) ([]byte, bool) {
	s := string(doc)
	i := strings.Index(s, markBegin)
	if i < 0 {
		return doc, false
	}
	j := strings.Index(s[i:], markEnd)
	if j < 0 {
		return doc, false
	}
	j += i
	return []byte(s[:i+len(markBegin)] + section + s[j:]), true
}

func sortedKeys(m map[string]int64) []string {
	return slices.Sorted(maps.Keys(m))
}
