package testclient

import (
	"testing"

	"github.com/sentrylog/sentrylog/core"
)

// Outputs counts what a bridge made of one Info record and one Error record
// carrying an error, logged without a context: breadcrumbs on the global
// scope, events and logs delivered, and the mechanism type of the event's
// exception.
type Outputs struct {
	Crumbs, Events, Logs int
	Mechanism            string
}

// Collect flushes c and counts what it holds as [Outputs].
func Collect(t testing.TB, c *core.Client, mt *core.MemoryTransport) Outputs {
	t.Helper()
	var o Outputs
	o.Logs = len(Logs(t, c, mt))
	evs := Events(t, c, mt)
	o.Events = len(evs)
	o.Crumbs = len(c.Scope().Breadcrumbs())
	for _, ev := range evs {
		if n := len(ev.Exception); n > 0 && ev.Exception[n-1].Mechanism != nil {
			o.Mechanism = ev.Exception[n-1].Mechanism.Type
		}
	}
	return o
}

// Levels returns the levels of breadcrumbs, events and logs for
// [CheckLevelOff]: from info, err and info, except off's, which is levelOff.
func Levels[L any](off string, info, err, levelOff L) (crumbs, events, logs L) {
	crumbs, events, logs = info, err, info
	switch off {
	case "breadcrumbs":
		crumbs = levelOff
	case "events":
		events = levelOff
	case "logs":
		logs = levelOff
	}
	return crumbs, events, logs
}

// CheckLevelOff checks a bridge's LevelOff. For each output off
// ("breadcrumbs", "events", "logs", or "" for none) log, given a client and
// off, builds the bridge with the [Levels] of off and logs the two records
// of [Outputs]. Each output switched off yields nothing, the others what
// they yield with none off; events carry the bridge's origin as their
// mechanism.
func CheckLevelOff(t *testing.T, origin string, log func(c *core.Client, off string)) {
	want := map[string]Outputs{
		"":            {Crumbs: 1, Events: 1, Logs: 2, Mechanism: origin},
		"breadcrumbs": {Crumbs: 0, Events: 1, Logs: 2, Mechanism: origin},
		// With events off, the Error record is a breadcrumb like the Info one.
		"events": {Crumbs: 2, Events: 0, Logs: 2},
		"logs":   {Crumbs: 1, Events: 1, Logs: 0, Mechanism: origin},
	}
	for _, off := range []string{"", "breadcrumbs", "events", "logs"} {
		t.Run("off="+off, func(t *testing.T) {
			c, mt := New(t, core.Options{})
			log(c, off)
			if got := Collect(t, c, mt); got != want[off] {
				t.Errorf("with %q off: got %+v, want %+v", off, got, want[off])
			}
		})
	}
}
