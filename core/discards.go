package core

import (
	"sync/atomic"
)

// dropReason is why an item was dropped, as client reports name it.
type dropReason uint8

// The client-report reasons.
const (
	reasonQueueOverflow dropReason = iota
	reasonCacheOverflow
	reasonRateLimitBackoff
	reasonNetworkError
	reasonSampleRate
	reasonBeforeSend
	reasonEventProcessor
	reasonSendError
	reasonInternalSDKError
	reasonBufferOverflow
	reasonIgnored
	reasonInvalid
	numReasons
)

var reasonNames = [numReasons]string{
	"queue_overflow", "cache_overflow", "ratelimit_backoff", "network_error",
	"sample_rate", "before_send", "event_processor", "send_error",
	"internal_sdk_error", "buffer_overflow", "ignored", "invalid",
}

// String returns the reason's wire name.
func (r dropReason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return "internal_sdk_error"
}

// dataCategory is the data category of a dropped item.
type dataCategory uint8

// The categories this SDK sends.
const (
	categoryError dataCategory = iota
	categoryLogItem
	categoryLogByte
	categoryAttachment
	categoryInternal
	numCategories
)

var categoryNames = [numCategories]string{"error", "log_item", "log_byte", "attachment", "internal"}

// String returns the category's wire name.
func (c dataCategory) String() string {
	if c < numCategories {
		return categoryNames[c]
	}
	return "internal"
}

// discardCounts counts dropped items per reason and category, without locks, for
// client reports and for Stats. The zero value is ready to use.
type discardCounts struct {
	pending [numReasons][numCategories]atomic.Int64 // not yet reported
	total   [numReasons][numCategories]atomic.Int64 // since start
}

// Add records n items of category c dropped for reason r. Safe for
// concurrent use; it never allocates.
func (d *discardCounts) Add(r dropReason, c dataCategory, n int) {
	if d == nil || n <= 0 || r >= numReasons || c >= numCategories {
		return
	}
	d.pending[r][c].Add(int64(n))
	d.total[r][c].Add(int64(n))
}

// AddForeign records n items dropped for reason r that another process
// captured (envelopes of a shared spool): they go into the client reports
// but not into the totals, which account for this process's captures.
func (d *discardCounts) AddForeign(r dropReason, c dataCategory, n int) {
	if d == nil || n <= 0 || r >= numReasons || c >= numCategories {
		return
	}
	d.pending[r][c].Add(int64(n))
}

// Take returns the counts added since the last Take and resets them; nil
// when nothing was dropped.
func (d *discardCounts) Take() []discardedItem {
	var out []discardedItem
	for r := range d.pending {
		for c := range d.pending[r] {
			if n := d.pending[r][c].Swap(0); n > 0 {
				out = append(out, discardedItem{Reason: dropReason(r).String(), Category: dataCategory(c).String(), Quantity: n})
			}
		}
	}
	return out
}

// Restore puts counts taken by Take back, for a client report that could
// not be sent.
func (d *discardCounts) Restore(items []discardedItem) {
	for _, it := range items {
		r, ok1 := lookup(reasonNames[:], it.Reason)
		c, ok2 := lookup(categoryNames[:], it.Category)
		if ok1 && ok2 {
			d.pending[r][c].Add(it.Quantity)
		}
	}
}

// Total returns how many items of category c were dropped for reason r since
// the client started.
func (d *discardCounts) Total(r dropReason, c dataCategory) int64 {
	if r >= numReasons || c >= numCategories {
		return 0
	}
	return d.total[r][c].Load()
}

// Totals returns every non-zero total by "reason:category".
func (d *discardCounts) Totals() map[string]int64 {
	out := map[string]int64{}
	for r := range d.total {
		for c := range d.total[r] {
			if n := d.total[r][c].Load(); n > 0 {
				out[dropReason(r).String()+":"+dataCategory(c).String()] = n
			}
		}
	}
	return out
}

func lookup(names []string, s string) (int, bool) {
	for i, n := range names {
		if n == s {
			return i, true
		}
	}
	return 0, false
}
