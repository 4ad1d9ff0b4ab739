package probe_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sentrylog/sentrylog/core"
	"github.com/sentrylog/sentrylog/internal/testclient"
)

const probePkg = "github.com/sentrylog/sentrylog/internal/probe_test"

//go:noinline
func logFromSort(log logFn) {
	xs := []int{3, 1, 2}
	done := false
	sort.Slice(xs, func(i, j int) bool {
		if !done {
			done = true
			log(context.Background(), true, "in sort", kv{"error", errors.New("cmp")})
		}
		return xs[i] < xs[j]
	})
}

// inAppOf returns the in-app flags of the event's frames by module.
func inAppOf(t *testing.T, ev *core.Event) (probe, sortPkg, culprit string) {
	t.Helper()
	ex := ev.Exception[len(ev.Exception)-1]
	require.NotNil(t, ex.Stacktrace)
	fr := ex.Stacktrace.Frames
	require.NotEmpty(t, fr)
	flag := func(b bool) string {
		if b {
			return "in"
		}
		return "out"
	}
	for _, f := range fr {
		switch {
		case strings.HasPrefix(f.Module, "sort"):
			sortPkg = flag(f.InApp)
		case f.Module == probePkg:
			probe = flag(f.InApp)
		}
	}
	last := fr[len(fr)-1]
	return probe, sortPkg, last.Module + "." + last.Function
}

// TestProbeInApp: InAppInclude adds to the main module; include wins over
// exclude; through every bridge the culprit stays the user's frame.
func TestProbeInApp(t *testing.T) {
	cases := []struct {
		name             string
		opts             core.Options
		wantProbe, wantS string
	}{
		{"default", core.Options{}, "in", "out"},
		{"include sort", core.Options{InAppInclude: []string{"sort"}}, "in", "in"},
		{"exclude own", core.Options{InAppExclude: []string{probePkg}}, "out", "out"},
		{"include wins", core.Options{InAppInclude: []string{"sort", probePkg}, InAppExclude: []string{"sort", probePkg}}, "in", "in"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachBridge(t, func(t *testing.T, b bridge) {
				c, mt := testclient.New(t, tc.opts)
				logFromSort(b.make(c))
				ev := oneEvent(t, c, mt)
				p, s, culprit := inAppOf(t, ev)
				assert.Equal(t, tc.wantProbe, p, "probe frames")
				assert.Equal(t, tc.wantS, s, "sort frames")
				// The harness's closure makes the logging call.
				assert.True(t, strings.HasPrefix(culprit, probePkg+".init.func"), "the last frame is the user's call: %s", culprit)
			})
		})
	}
}
