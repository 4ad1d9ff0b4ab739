package transport

import (
	"sync/atomic"
)

// Reason is why an item was dropped, as client reports name it.
type Reason uint8

// The client-report reasons.
const (
	ReasonQueueOverflow Reason = iota
	ReasonCacheOverflow
	ReasonRateLimitBackoff
	ReasonNetworkError
	ReasonSampleRate
	ReasonBeforeSend
	ReasonEventProcessor
	ReasonSendError
	ReasonInternalSDKError
	ReasonBufferOverflow
	ReasonIgnored
	ReasonInvalid
	NumReasons
)

var reasonNames = [NumReasons]string{
	"queue_overflow", "cache_overflow", "ratelimit_backoff", "network_error",
	"sample_rate", "before_send", "event_processor", "send_error",
	"internal_sdk_error", "buffer_overflow", "ignored", "invalid",
}

// String returns the reason's wire name.
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "internal_sdk_error"
}

// Category is the data category of a dropped item.
type Category uint8

// The categories this SDK sends.
const (
	CategoryError Category = iota
	CategoryLogItem
	CategoryLogByte
	CategoryAttachment
	CategoryInternal
	NumCategories
)

var categoryNames = [NumCategories]string{"error", "log_item", "log_byte", "attachment", "internal"}

// String returns the category's wire name.
func (c Category) String() string {
	if c < NumCategories {
		return categoryNames[c]
	}
	return "internal"
}

// Outcomes counts what happened to the events and logs handed to a
// transport, for the client's Stats and for client reports. The client
// records its own drops here too. The zero value is ready to use.
type Outcomes struct {
	Discards
	// Delivered counts events a receiver accepted.
	Delivered atomic.Int64
	// Spooled counts events written to the offline spool and not yet sent.
	Spooled atomic.Int64
	// Replayed counts events from the spool that earlier processes wrote
	// and this one delivered.
	Replayed atomic.Int64
	// ForeignDropped counts envelopes other processes spooled that this one
	// dropped (evicted, unreadable, refused): reported to Sentry, but not
	// part of this process's accounting.
	ForeignDropped atomic.Int64
	// ServerRateLimited counts events the server answered 429 to. The server
	// accounts for them itself, so they are not in client reports; Stats
	// lists them as "server_rate_limited:error".
	ServerRateLimited atomic.Int64
	// Logs counts what happened to logs.
	Logs LogOutcomes
}

// Discards counts dropped items per reason and category, without locks, for
// client reports and for Stats. The zero value is ready to use.
type Discards struct {
	pending [NumReasons][NumCategories]atomic.Int64 // not yet reported
	total   [NumReasons][NumCategories]atomic.Int64 // since start
}

// Add records n items of category c dropped for reason r. Safe for
// concurrent use; it never allocates.
func (d *Discards) Add(r Reason, c Category, n int) {
	if d == nil || n <= 0 || r >= NumReasons || c >= NumCategories {
		return
	}
	d.pending[r][c].Add(int64(n))
	d.total[r][c].Add(int64(n))
}

// AddForeign records n items dropped for reason r that another process
// captured (envelopes of a shared spool): they go into the client reports
// but not into the totals, which account for this process's captures.
func (d *Discards) AddForeign(r Reason, c Category, n int) {
	if d == nil || n <= 0 || r >= NumReasons || c >= NumCategories {
		return
	}
	d.pending[r][c].Add(int64(n))
}

// Take returns the counts added since the last Take and resets them; nil
// when nothing was dropped.
func (d *Discards) Take() []discardedItem {
	var out []discardedItem
	for r := range d.pending {
		for c := range d.pending[r] {
			if n := d.pending[r][c].Swap(0); n > 0 {
				out = append(out, discardedItem{Reason: Reason(r).String(), Category: Category(c).String(), Quantity: n})
			}
		}
	}
	return out
}

// Restore puts counts taken by Take back, for a client report that could
// not be sent.
func (d *Discards) Restore(items []discardedItem) {
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
func (d *Discards) Total(r Reason, c Category) int64 {
	if r >= NumReasons || c >= NumCategories {
		return 0
	}
	return d.total[r][c].Load()
}

// Totals returns every non-zero total by "reason:category".
func (d *Discards) Totals() map[string]int64 {
	out := map[string]int64{}
	for r := range d.total {
		for c := range d.total[r] {
			if n := d.total[r][c].Load(); n > 0 {
				out[Reason(r).String()+":"+Category(c).String()] = n
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
