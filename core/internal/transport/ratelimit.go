package transport

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// rateLimits holds, per category and for all categories, the time until
// which the server asked not to send (Sentry's developer docs,
// "Rate limits"). The zero value limits nothing. It is owned by the
// transport's worker goroutine and needs no lock.
type rateLimits struct {
	all time.Time
	cat [NumCategories]time.Time
}

// defaultRetryAfter is the limit for a 429 that says nothing more.
const defaultRetryAfter = 60 * time.Second

// maxRetryAfter caps a single limit, so that a garbled header cannot
// silence the SDK for years (or overflow a time.Duration).
const maxRetryAfter = 24 * time.Hour

// limited reports whether items of category c must not be sent at now.
// Client reports (CategoryInternal) obey only the limit on all categories.
func (l *rateLimits) limited(c Category, now time.Time) bool {
	if now.Before(l.all) {
		return true
	}
	return c < CategoryInternal && now.Before(l.cat[c])
}

// until returns when category c is free again; the zero time when it is.
func (l *rateLimits) until(c Category) time.Time {
	u := l.all
	if c < CategoryInternal && l.cat[c].After(u) {
		u = l.cat[c]
	}
	return u
}

// merge applies o over l: for each category the longer limit wins.
func (l *rateLimits) merge(o rateLimits) {
	if o.all.After(l.all) {
		l.all = o.all
	}
	for i := range l.cat {
		if o.cat[i].After(l.cat[i]) {
			l.cat[i] = o.cat[i]
		}
	}
}

// isZero reports whether l limits nothing at all.
func (l *rateLimits) isZero() bool { return *l == rateLimits{} }

// headerCategory maps a category name of X-Sentry-Rate-Limits to the
// category it limits here. "default" is the category of events without an
// exception, which this SDK sends as event items, so it limits them too.
// Categories this SDK never sends, and "internal" (client reports obey only
// the limit on all categories), are unknown: ok is false.
func headerCategory(name string) (c Category, ok bool) {
	switch name {
	case "error", "default":
		return CategoryError, true
	case "log_item":
		return CategoryLogItem, true
	case "log_byte":
		return CategoryLogByte, true
	case "attachment":
		return CategoryAttachment, true
	}
	return 0, false
}

// parseRateLimitHeader parses an X-Sentry-Rate-Limits value:
//
//	<retry_after>:<categories>:<scope>:<reason>[:...], ...
//
// retry_after is seconds (integer or float, at most maxRetryAfter);
// categories is ';'-separated, empty meaning all. Scope, reason, extra
// fields and spaces are ignored, as are unknown categories and a limit
// whose categories are all unknown, and malformed limits. Where limits
// overlap the longest wins. It is pure and never panics.
func parseRateLimitHeader(h string, now time.Time) rateLimits {
	var l rateLimits
	for limit := range strings.SplitSeq(h, ",") {
		secs, rest, _ := strings.Cut(limit, ":")
		d, ok := parseSeconds(strings.TrimSpace(secs))
		if !ok {
			continue
		}
		until := now.Add(d)
		cats, _, _ := strings.Cut(rest, ":")
		if strings.TrimSpace(cats) == "" {
			if until.After(l.all) {
				l.all = until
			}
			continue
		}
		for name := range strings.SplitSeq(cats, ";") {
			c, ok := headerCategory(strings.TrimSpace(name))
			if ok && until.After(l.cat[c]) {
				l.cat[c] = until
			}
		}
	}
	return l
}

// parseSeconds parses a non-negative number of seconds, capped at
// maxRetryAfter.
func parseSeconds(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 {
		return 0, false
	}
	if f >= maxRetryAfter.Seconds() {
		return maxRetryAfter, true
	}
	return time.Duration(f * float64(time.Second)), true
}

// parseRetryAfter parses a Retry-After value: seconds or an HTTP date. A
// date in the past gives 0.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if d, ok := parseSeconds(v); ok {
		return d, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}

// responseLimits returns the limits a response sets. X-Sentry-Rate-Limits
// is read on every response; a 429 without it falls back to Retry-After,
// then to 60 seconds, for all categories.
func responseLimits(status int, h http.Header, now time.Time) rateLimits {
	if v := h.Get("X-Sentry-Rate-Limits"); v != "" {
		return parseRateLimitHeader(v, now)
	}
	var l rateLimits
	if status == http.StatusTooManyRequests {
		d, ok := parseRetryAfter(h.Get("Retry-After"), now)
		if !ok {
			d = defaultRetryAfter
		}
		l.all = now.Add(d)
	}
	return l
}

// sharedLimits is rateLimits for the transport's workers: each deadline is
// an atomic Unix-nanosecond time, so the check on every event takes no
// lock, and merge keeps the longer limit under concurrent updates.
type sharedLimits struct {
	all atomic.Int64
	cat [NumCategories]atomic.Int64
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// limited reports whether items of category c must not be sent at now.
func (l *sharedLimits) limited(c Category, now time.Time) bool {
	n := now.UnixNano()
	if n < l.all.Load() {
		return true
	}
	return c < CategoryInternal && n < l.cat[c].Load()
}

// until returns when category c is free again; the zero time when it is.
func (l *sharedLimits) until(c Category) time.Time {
	u := l.all.Load()
	if c < CategoryInternal {
		u = max(u, l.cat[c].Load())
	}
	return fromUnixNano(u)
}

// merge applies o: for each category the longer limit wins.
func (l *sharedLimits) merge(o rateLimits) {
	raise(&l.all, unixNano(o.all))
	for i := range l.cat {
		raise(&l.cat[i], unixNano(o.cat[i]))
	}
}

// raise sets v to n unless it is already later.
func raise(v *atomic.Int64, n int64) {
	for {
		old := v.Load()
		if n <= old || v.CompareAndSwap(old, n) {
			return
		}
	}
}
