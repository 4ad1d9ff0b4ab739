// Command benchall runs bench/ in one go: the in-process benchmarks of
// every bridge and peer (bench and bench/zapbench) with -count runs each,
// benchstat over them, the delivery and outage runs of bench/load, CPU
// profiles of every goal missed, and then writes bench/RESULTS.md (the
// tables and benchstat's full output) and, with -readme, the tables into a
// README between <!-- perf:begin --> and <!-- perf:end -->. The project's
// README keeps a short summary, written from RESULTS.md.
//
// Run it from bench/:
//
//	go run ./cmd/benchall                 # the full run: -count=6, 30 s outage
//	go run ./cmd/benchall -quick          # short: 3 s outage, fewer events, short benchtime
//
// Raw outputs and profiles go to bench/results/ (not committed).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sentrylog/sentrylog/bench/load"
)

type config struct {
	count      int
	benchtime  string
	n          int
	window     int
	outage     time.Duration
	rate       int
	readme     string
	results    string
	skipBench  bool
	skipLoad   bool
	rounds     int
	skipOutage bool
	profile    bool
	args       []string
}

func main() {
	load.ServeIfReceiver()
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchall:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var cfg config
	fs := flag.NewFlagSet("benchall", flag.ContinueOnError)
	fs.IntVar(&cfg.count, "count", 6, "runs of each benchmark (benchstat wants at least 6 for a confidence interval)")
	fs.StringVar(&cfg.benchtime, "benchtime", "200ms", "-benchtime of each run")
	fs.IntVar(&cfg.n, "n", 20000, "events sent in the delivery run")
	fs.IntVar(&cfg.window, "window", 50, "events in flight at most in the delivery run")
	fs.IntVar(&cfg.rounds, "rounds", 5, "interleaved rounds of the delivery run (the -n events are split among them)")
	fs.BoolVar(&cfg.skipOutage, "skip-outage", false, "skip the outage runs (with -skip-bench: the delivery rows only)")
	fs.DurationVar(&cfg.outage, "outage", 30*time.Second, "how long the receiver is down in the outage run")
	fs.IntVar(&cfg.rate, "rate", 1000, "events per second captured during the outage")
	fs.StringVar(&cfg.readme, "readme", "", "a README whose section between the perf markers gets the tables (none by default)")
	fs.StringVar(&cfg.results, "results", "RESULTS.md", "file for the tables and benchstat's full output")
	fs.BoolVar(&cfg.skipBench, "skip-bench", false, "skip the in-process benchmarks")
	fs.BoolVar(&cfg.skipLoad, "skip-load", false, "skip the delivery and outage runs")
	fs.BoolVar(&cfg.profile, "profile", true, "profile the paths whose goal is missed")
	quick := fs.Bool("quick", false, "a short run: -outage=3s -n=2000 -benchtime=50ms unless given")
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *quick {
		if !set["outage"] {
			cfg.outage = 3 * time.Second
		}
		if !set["n"] {
			cfg.n = 2000
		}
		if !set["benchtime"] {
			cfg.benchtime = "50ms"
		}
	}
	cfg.args = args

	if data, err := os.ReadFile("go.mod"); err != nil || !bytes.Contains(data, []byte("module github.com/sentrylog/sentrylog/bench\n")) {
		return errors.New("run me from bench/: go run ./cmd/benchall")
	}
	if err := os.MkdirAll("results", 0o755); err != nil {
		return err
	}

	rep := &report{cfg: cfg, started: time.Now().UTC()}
	if !cfg.skipBench {
		if err := rep.benchmarks(); err != nil {
			return err
		}
	}
	if !cfg.skipLoad {
		if err := rep.load(); err != nil {
			return err
		}
	}
	return rep.write()
}

// gocmd runs the go command in dir and returns its standard output; its
// standard error goes to ours, so progress shows.
func gocmd(dir string, args ...string) ([]byte, error) {
	return gocmdTo(os.Stderr, dir, args...)
}

// gocmdQuiet is gocmd with standard error kept and shown only on failure
// (benchstat warns about every row with fewer than 6 samples).
func gocmdQuiet(dir string, args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	out, err := gocmdTo(&stderr, dir, args...)
	if err != nil {
		os.Stderr.Write(stderr.Bytes())
	}
	return out, err
}

func gocmdTo(stderr io.Writer, dir string, args ...string) ([]byte, error) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, args...)
	cmd.Dir = dir
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("go %s (in %s): %w", strings.Join(args, " "), dir, err)
	}
	return out, nil
}

// moduleVersions reads the required versions of a go.mod file.
func moduleVersions(path string) map[string]string {
	v := map[string]string{}
	data, err := os.ReadFile(path)
	if err != nil {
		return v
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && strings.Contains(f[0], ".") && strings.HasPrefix(f[1], "v") {
			v[f[0]] = f[1]
		}
	}
	return v
}
