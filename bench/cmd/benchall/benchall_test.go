package main

import (
	"strings"
	"testing"
	"time"

	"github.com/sentrylog/sentrylog/bench/load"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const benchstatCSV = `goos: linux
goarch: amd64
pkg: github.com/sentrylog/sentrylog/bench
cpu: AMD EPYC
,results/bench.txt,
,sec/op,CI
Slog/path=Disabled/impl=baseline-discard-2,1e-08,3%
Slog/path=Disabled/impl=sentrylog-2,1.2e-08,2%
Slog/path=Breadcrumb/impl=sentrylog-2,5e-07,1%
Slog/path=Breadcrumb/impl=sentry-go-2,1e-05,4%
Slog/path=Event/impl=sentrylog-2,5e-06,∞
Slog/path=Event/impl=sentry-go-2,4e-05,2%
Slog/path=Event/impl=samber-2,2e-05,2%
geomean,5e-07,

,results/bench.txt,
,allocs/op,CI
Slog/path=Disabled/impl=baseline-discard-2,0,∞
Slog/path=Disabled/impl=sentrylog-2,0,∞
Slog/path=Breadcrumb/impl=sentrylog-2,1,∞
Slog/path=Breadcrumb/impl=sentry-go-2,37,∞
Slog/path=Event/impl=sentrylog-2,14,∞
Slog/path=Event/impl=sentry-go-2,58,∞
Slog/path=Event/impl=samber-2,58,∞

,results/bench.txt,
,cpu-ns/op,CI
Slog/path=Event/impl=sentrylog-2,7500,4%

,results/bench.txt,
,caller-cpu-sec/op,CI
Slog/path=Breadcrumb/impl=sentrylog-2,4e-07,1%
Slog/path=Breadcrumb/impl=sentry-go-2,1e-06,1%

,results/bench.txt,
,drop/op,CI
Slog/path=Event/impl=sentrylog-2,0.25,∞
`

func TestParseBenchstat(t *testing.T) {
	cells, err := parseBenchstat(strings.NewReader(benchstatCSV))
	require.NoError(t, err)
	require.Len(t, cells, 7)
	ev := cells[key{"Slog", "Event", "sentrylog"}]
	require.NotNil(t, ev)
	assert.InDelta(t, 5000, ev.ns, 1e-6)
	assert.EqualValues(t, 14, ev.allocs)
	assert.InDelta(t, 0.25, ev.drop, 1e-9)
	assert.InDelta(t, 7500, ev.cpu, 1e-9)
	assert.InDelta(t, 400, cells[key{"Slog", "Breadcrumb", "sentrylog"}].callerCPU, 1e-9)
	assert.Equal(t, "∞", ev.ci)
	assert.Negative(t, cells[key{"Slog", "Event", "samber"}].drop, "no drop/op reported")
	assert.EqualValues(t, 37, cells[key{"Slog", "Breadcrumb", "sentry-go"}].allocs)
}

func TestJudge(t *testing.T) {
	cells, err := parseBenchstat(strings.NewReader(benchstatCSV))
	require.NoError(t, err)
	spec := loggerSpecs()[0]

	v := judge(spec, "Disabled", cells)
	assert.True(t, v.ok)
	assert.True(t, v.met, "1.2× the baseline, no allocations: %s", v.ratio)

	v = judge(spec, "Breadcrumb", cells)
	assert.True(t, v.met, "20× faster, 1 of 37 allocations: %s", v.ratio)
	assert.Equal(t, "sentry-go: 20× faster (caller CPU 2.5×), 0.03× the allocs", v.ratio)
	assert.True(t, v.hasCPU)
	assert.False(t, v.cpuMet, "2.5× on the caller's CPU is short of 5×")
	assert.Equal(t, "≥ 5× faster, ≤ ⅕ allocs: met (caller CPU: **missed**)", v.goalCell())

	// The best peer is samber at 20µs: 4× is short of 5×.
	v = judge(spec, "Event", cells)
	assert.True(t, v.ok)
	assert.False(t, v.met, v.ratio)
	assert.Equal(t, "sentry-go: 8.0× faster; samber: 4.0× faster", v.ratio)

	cells[key{"Slog", "Disabled", "sentrylog"}].allocs = 1
	assert.False(t, judge(spec, "Disabled", cells).met, "an allocation on the disabled path")

	assert.False(t, judge(spec, "ReqEvent", cells).ok, "no cells")
}

func TestTablesMarkMissedGoals(t *testing.T) {
	cells, err := parseBenchstat(strings.NewReader(benchstatCSV))
	require.NoError(t, err)
	var b strings.Builder
	miss := inProcessTables(&b, cells, titles{})
	require.Len(t, miss, 2)
	assert.Equal(t, key{"Slog", "Breadcrumb", "sentrylog"}, miss[0].k, "missed on the caller's CPU")
	assert.Equal(t, key{"Slog", "Event", "sentrylog"}, miss[1].k)
	assert.Contains(t, b.String(), "≥ 5× faster: **missed** |")
	assert.Contains(t, b.String(), "| 5.00 µs · all 7.50 µs · 14 allocs · 25% queue drops |")
	assert.Contains(t, b.String(), "| 500 ns ±1% · caller 400 ns · 1 allocs |")
}

func TestReplaceBetween(t *testing.T) {
	doc := "# x\n\n<!-- perf:begin -->\nold\n<!-- perf:end -->\ntail\n"
	got, ok := replaceBetween([]byte(doc), "\nnew\n")
	require.True(t, ok)
	assert.Equal(t, "# x\n\n<!-- perf:begin -->\nnew\n<!-- perf:end -->\ntail\n", string(got))

	_, ok = replaceBetween([]byte("<!-- perf:end --> <!-- perf:begin -->"), "x")
	assert.False(t, ok, "markers out of order")
	_, ok = replaceBetween([]byte("no markers"), "x")
	assert.False(t, ok)
}

func TestParsePprofTop(t *testing.T) {
	out := `File: x.test
Type: cpu
      flat  flat%   sum%        cum   cum%
     140ms 13.73% 13.73%      140ms 13.73%  runtime.asyncPreempt
      40ms  3.92% 17.65%      890ms 87.25%  github.com/sentrylog/sentrylog/bench/zapbench.BenchmarkZap.func2
      30ms  2.94% 20.59%       30ms  2.94%  log/slog.Value.Kind (inline)
      20ms  1.96% 22.55%      190ms 18.63%  github.com/sentrylog/sentrylog/core.(*Client).AddRecordBreadcrumb
      10ms  0.98% 23.53%      290ms 28.43%  github.com/sentrylog/sentrylog/zapsentry.(*Core).Write
`
	s := parsePprofTop([]byte(out))
	assert.NotContains(t, s, "asyncPreempt")
	assert.Contains(t, s, "`log/slog.Value.Kind` 2.94%")
	assert.Contains(t, s, "sentrylog with callees: `zapsentry.(*Core).Write` 28.43%, `core.(*Client).AddRecordBreadcrumb` 18.63%")
	assert.Empty(t, parsePprofTop([]byte("nothing")))
}

func TestCommandLeavesOutPaths(t *testing.T) {
	r := report{cfg: config{args: []string{"-count=6", "-readme", "/x/README.md", "-results=/y", "-quick"}}}
	assert.Equal(t, "cd bench && go run ./cmd/benchall -count=6 -quick", r.command())
}

func TestLoadTables(t *testing.T) {
	del := []load.DeliveryResult{
		{SDK: "sentrylog", Sent: 100, Delivered: 100, Elapsed: time.Second, CPU: 10 * time.Millisecond},
		{SDK: "sentry-go", Sent: 100, Delivered: 100, Elapsed: 2 * time.Second, CPU: 30 * time.Millisecond},
	}
	out := []load.OutageResult{{SDK: "sentrylog", Duration: 3 * time.Second, Rate: 1000, Sent: 3000,
		BaseHeap: 1 << 20, MaxHeap: 3 << 20, BaseGoroutines: 8, MaxGoroutines: 9, DeliveredAfter: 1000,
		Recovery: 1500 * time.Millisecond,
		Dropped:  map[string]int64{"queue_overflow:error": 2000, "ratelimit_backoff:error": 0}}}
	var b strings.Builder
	met, summary := loadTables(&b, del, out)
	assert.True(t, met, "2× the rate at a third of the CPU")
	assert.Equal(t, "delivery: 2.00× the events per second at 0.33× the CPU per event", summary)
	s := b.String()
	assert.Contains(t, s, "| Events per second | 100 | 50 | 2.00× | ≥ 2×: met |")
	assert.Contains(t, s, "| CPU per delivered event | 100.00 µs | 300.00 µs | 0.33× | ≤ 0.5×: met |")
	assert.Contains(t, s, "| Heap before → max during | 1.0 MiB → 3.0 MiB |")
	assert.Contains(t, s, "| Lost (captured, never delivered) | 2000 |")
	assert.Contains(t, s, "| First delivery after the receiver came back | 1.5 s |")
	assert.Contains(t, s, "| Dropped, by reason (the client's own count) | queue_overflow:error 2000 |")

	del[0].CPU = 20 * time.Millisecond
	b.Reset()
	met, _ = loadTables(&b, del, nil)
	assert.False(t, met)
	assert.Contains(t, b.String(), "≤ 0.5×: **missed**")
}
