package transport

import (
	"encoding/json"
	"time"
)

// maxReportLines keeps one client_report item under Sentry's 4 KiB limit:
// a line is at most about 90 bytes.
const maxReportLines = 40

// clientReportItems turns counts taken from Discards into client_report
// items, more than one when needed to keep each under 4 KiB.
func clientReportItems(discarded []discardedItem, now time.Time) []envelopeItem {
	if len(discarded) == 0 {
		return nil
	}
	items := make([]envelopeItem, 0, (len(discarded)+maxReportLines-1)/maxReportLines)
	for len(discarded) > 0 {
		n := min(len(discarded), maxReportLines)
		b, err := json.Marshal(clientReport{Timestamp: now.UTC(), DiscardedEvents: discarded[:n]})
		if err == nil { // cannot fail: strings and integers only
			items = append(items, envelopeItem{Header: itemHeader{Type: itemTypeClientReport}, Payload: b})
		}
		discarded = discarded[n:]
	}
	return items
}

// sendReport sends the pending client report on its own, unless there is
// none, no DSN, or all categories are rate limited. Counts that could not
// be sent (network error, 429, 5xx) are restored for the next report;
// a report the server refuses otherwise is dropped, not retried forever.
func (t *HTTP) sendReport() {
	now := t.now()
	if t.url == "" || t.limits.limited(CategoryInternal, now) {
		return
	}
	report := t.cfg.Outcomes.Take()
	if len(report) == 0 {
		return
	}
	env := &envelope{
		Header: envelopeHeader{DSN: t.dsnPublic, SDK: t.sdk},
		Items:  clientReportItems(report, now),
	}
	status, err := t.post(env, !t.gate.down.Load())
	if err != nil || status == 429 || status >= 500 {
		t.cfg.Outcomes.Restore(report)
	}
}
