package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// cell is one benchmark's medians, as benchstat computed them.
type cell struct {
	ns, bytes, allocs float64
	// cpu is the process's CPU time per operation, every goroutine
	// included; 0 when not reported.
	cpu float64
	// callerCPU is the CPU time per operation of the goroutine that logs;
	// 0 when not reported.
	callerCPU float64
	// drop is our event paths' share of captures dropped by the worker's
	// queue; negative when not reported.
	drop float64
	// ci is benchstat's confidence interval of sec/op ("±3%", "∞").
	ci string
}

// key names a cell: logger (Slog, Zap, Zerolog, Logrus, LogrusHook), path and impl.
type key struct{ logger, path, impl string }

var nameRE = regexp.MustCompile(`^([A-Za-z]+)/path=([A-Za-z]+)/impl=([A-Za-z0-9-]+?)(?:-\d+)?$`)

// parseBenchstat reads benchstat's CSV output (one input file, no -col) and
// returns the cells it holds. Sections begin with a line ",<file>,", then
// ",<unit>,CI", then rows "<name>,<median>,<ci>" until a blank line.
func parseBenchstat(r io.Reader) (map[key]*cell, error) {
	cells := map[key]*cell{}
	unit := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			unit = ""
			continue
		}
		f := strings.Split(line, ",")
		if f[0] == "" {
			if len(f) >= 3 && f[2] == "CI" {
				unit = f[1]
			}
			continue
		}
		if unit == "" || len(f) < 2 {
			continue
		}
		m := nameRE.FindStringSubmatch(f[0])
		if m == nil {
			continue // geomean and anything else
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return nil, fmt.Errorf("benchstat row %q: %w", line, err)
		}
		k := key{m[1], m[2], m[3]}
		c := cells[k]
		if c == nil {
			c = &cell{drop: -1}
			cells[k] = c
		}
		switch unit {
		case "sec/op":
			c.ns = v * 1e9
			if len(f) >= 3 {
				c.ci = f[2]
			}
		case "B/op":
			c.bytes = v
		case "allocs/op":
			c.allocs = v
		// benchstat turns a metric in ns/op into sec/op, in seconds.
		case "caller-cpu-sec/op":
			c.callerCPU = v * 1e9
		case "caller-cpu-ns/op":
			c.callerCPU = v
		case "cpu-sec/op":
			c.cpu = v * 1e9
		case "cpu-ns/op":
			c.cpu = v
		case "drop/op":
			c.drop = v
		}
	}
	return cells, sc.Err()
}
