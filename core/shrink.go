package core

import (
	"maps"
	"strings"

	"github.com/sentrylog/sentrylog/core/internal/transport"
)

// maxEventSize is Sentry's limit for one event item, uncompressed.
const maxEventSize = transport.MaxEventSize

// marshalEvent serializes ev, turning a panic in user values into an error.
func marshalEvent(ev *Event) ([]byte, error) { return transport.MarshalEvent(ev) }

// shrinkSteps drop, in order, what matters least in an event that is too
// large. Each replaces the event's own fields; none writes into a map or
// slice the event may share with a scope.
// droppedTag names, on an event that needed the last-resort steps, what
// they dropped (shrinkNames).
const droppedTag = "sentrylog.dropped"

var shrinkNames = []string{"breadcrumbs", "extra", "request_body", "contexts"}

var shrinkSteps = []func(ev *Event) bool{
	func(ev *Event) bool { // the older half of the breadcrumbs
		if len(ev.Breadcrumbs) == 0 {
			return false
		}
		ev.Breadcrumbs = ev.Breadcrumbs[len(ev.Breadcrumbs)/2+len(ev.Breadcrumbs)%2:]
		return true
	},
	func(ev *Event) bool {
		if ev.Extra == nil {
			return false
		}
		ev.Extra = nil
		return true
	},
	func(ev *Event) bool {
		if ev.Request == nil || ev.Request.Data == nil && ev.Request.Cookies == nil {
			return false
		}
		r := *ev.Request
		r.Data, r.Cookies = nil, nil
		ev.Request = &r
		return true
	},
	func(ev *Event) bool { // contexts other than the well-known ones
		kept := map[string]map[string]any{}
		for _, k := range []string{"os", "runtime", "device", "trace"} {
			if c, ok := ev.Contexts[k]; ok {
				kept[k] = c
			}
		}
		if len(kept) == len(ev.Contexts) {
			return false
		}
		ev.Contexts = kept
		return true
	},
}

// shrinkEvent makes an event whose payload is over maxEventSize fit. The
// pipeline has trimmed it to an estimated size; the estimate was short (a
// value with many escaped characters, say), so it is trimmed again to a
// budget scaled down by what was missed, then, as a last resort, by the
// steps above, re-encoding after each. It returns the new payload, or nil
// when the event cannot be made to fit or to encode.
func shrinkEvent(ev *Event, size int) []byte {
	budget := eventBudget
	for range 3 {
		budget = int(float64(budget) * float64(maxEventSize) / float64(size) * 0.95)
		trimEvent(ev, budget)
		b, err := marshalEvent(ev)
		if err != nil {
			return nil
		}
		if len(b) <= maxEventSize {
			return b
		}
		size = len(b)
	}
	for i, step := range shrinkSteps {
		for step(ev) {
			// Visible on the event: what the last resort dropped.
			tags := maps.Clone(ev.Tags)
			if tags == nil {
				tags = map[string]string{}
			}
			if !strings.Contains(tags[droppedTag], shrinkNames[i]) {
				tags[droppedTag] = strings.TrimPrefix(tags[droppedTag]+","+shrinkNames[i], ",")
			}
			ev.Tags = tags
			b, err := marshalEvent(ev)
			if err != nil {
				return nil
			}
			if len(b) <= maxEventSize {
				return b
			}
		}
	}
	return nil
}
