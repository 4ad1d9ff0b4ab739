package core

import (
	"cmp"
	"github.com/sentrylog/sentrylog/core/protocol"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// applyScopes merges the scopes captured with the event into it, global then
// isolation then current (see "Scopes" in the package doc for the rules).
func (c *Client) applyScopes(ev *Event, p *pending) {
	layers := [3]*scopeSnap{&p.global, &p.iso, &p.cur}

	// Tags, contexts and extra: later layers win; the event's own values are
	// the most specific and win over every scope.
	var tags map[string]string
	var ctxs map[string]map[string]any
	var extra map[string]any
	for _, l := range layers {
		d := l.data
		if d == nil {
			continue
		}
		if len(d.tags) > 0 {
			if tags == nil {
				tags = make(map[string]string, len(d.tags)+len(ev.Tags))
			}
			maps.Copy(tags, d.tags)
		}
		if len(d.contexts) > 0 {
			if ctxs == nil {
				ctxs = make(map[string]map[string]any, len(d.contexts))
			}
			maps.Copy(ctxs, d.contexts)
		}
		if len(d.extra) > 0 {
			if extra == nil {
				extra = map[string]any{}
			}
			maps.Copy(extra, d.extra)
		}
	}
	if tags != nil {
		maps.Copy(tags, ev.Tags)
		ev.Tags = tags
	}
	if ctxs != nil {
		if ev.Contexts == nil {
			ev.Contexts = c.newContexts(0)
		}
		for k, v := range ctxs {
			if _, own := ev.Contexts[k]; !own || isDefaultContext(k) {
				ev.Contexts[k] = maps.Clone(v)
			}
		}
	}
	if extra != nil {
		maps.Copy(extra, ev.Extra)
		ev.Extra = extra
	}

	// User, fingerprint, request, transaction: the event's own win, then the
	// innermost scope that has one. Level: the innermost scope's level
	// overrides the event's, as in the reference SDK.
	for i := len(layers) - 1; i >= 0; i-- {
		d := layers[i].data
		if d == nil {
			continue
		}
		if ev.User.IsEmpty() && !d.user.IsEmpty() {
			u := *d.user
			u.Data = maps.Clone(d.user.Data)
			ev.User = &u
		}
		if ev.Fingerprint == nil && d.fingerprint != nil {
			ev.Fingerprint = slices.Clone(d.fingerprint)
		}
		if ev.Request == nil && d.request != nil {
			r := *d.request
			r.Headers = maps.Clone(d.request.Headers)
			r.Cookies = maps.Clone(d.request.Cookies)
			r.Env = maps.Clone(d.request.Env)
			ev.Request = &r
		}
		if ev.Transaction == "" && (d.transaction != "" || d.txFn != nil) {
			if name, source := d.transactionName(); name != "" {
				ev.Transaction = name
				ev.TransactionInfo = &protocol.TransactionInfo{Source: source}
			}
		}
	}
	if ev.Request == nil && p.req != nil {
		ev.Request = p.req
	}
	for i := len(layers) - 1; i >= 0; i-- {
		if d := layers[i].data; d != nil && d.level != nil {
			ev.Level = *d.level
			break
		}
	}
	if !c.opts.SendDefaultPII && ev.User != nil && ev.User.IPAddress == "{{auto}}" {
		ev.User.IPAddress = ""
	}

	c.mergeBreadcrumbs(ev, layers)
	c.applyTrace(ev, p)
}

// isDefaultContext reports contexts the client fills itself, which a scope
// may override.
func isDefaultContext(name string) bool {
	return name == "os" || name == "runtime" || name == "device"
}

// mergeBreadcrumbs collects the layers' breadcrumbs visible at capture time,
// each layer's in the order they were added, merges the layers by time
// (see mergeLayers), keeps the newest MaxBreadcrumbs and appends the event's
// own after them.
func (c *Client) mergeBreadcrumbs(ev *Event, layers [3]*scopeSnap) {
	max := c.opts.MaxBreadcrumbs
	if max <= 0 {
		ev.Breadcrumbs = nil
		return
	}
	if c.memoOn {
		c.mergeMemo(ev, layers, max)
		return
	}
	var crumbs []crumb
	var ends [len(layers)]int
	for i, l := range layers {
		if l.s != nil {
			crumbs = l.s.appendCrumbs(crumbs, l.seq)
		}
		ends[i] = len(crumbs)
	}
	if len(crumbs) == 0 && len(ev.Breadcrumbs) <= max {
		return
	}
	crumbs = mergeLayers(crumbs, ends[:], nil,
		func(c crumb) uint64 { return c.seq },
		func(c crumb) time.Time { return c.b.Timestamp })
	own := ev.Breadcrumbs
	keep := max - len(own)
	if keep < 0 {
		own = own[len(own)-max:]
		keep = 0
	}
	if len(crumbs) > keep {
		crumbs = crumbs[len(crumbs)-keep:]
	}
	out := make([]Breadcrumb, 0, len(crumbs)+len(own))
	for i := range crumbs {
		b := crumbs[i].b
		if cr := &crumbs[i]; len(cr.pre) == 0 && len(cr.attrs) == 0 && cr.decode == nil {
			// Hand-built data (or a BeforeBreadcrumb's): made encodable
			// and bounded. Data mapped from attributes already is.
			if m, ch := normalizeMap(b.Data, 0); ch {
				b.Data = m
			}
		} else {
			b.Data = crumbData(cr)
		}
		out = append(out, b)
	}
	ev.Breadcrumbs = append(out, own...)
}

// The tag limits are the server's (it drops over-long tags rather than
// cutting them); trimEvent applies them after scrubbing.

func sanitizeTagKey(k string) string {
	ok := len(k) <= maxTagKey && k != ""
	for i := 0; ok && i < len(k); i++ {
		ok = tagKeyChar(k[i])
	}
	if ok {
		return k
	}
	var b strings.Builder
	for i := 0; i < len(k) && b.Len() < maxTagKey; i++ {
		if tagKeyChar(k[i]) {
			b.WriteByte(k[i])
		} else if utf8.RuneStart(k[i]) {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func tagKeyChar(ch byte) bool {
	return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
		ch == '_' || ch == '.' || ch == ':' || ch == '-'
}

func sanitizeTagValue(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(v)
	}
	return cutString(v, maxTagValue)
}

// mergeLayers orders the breadcrumbs of the layers of an event: all[:ends[0]]
// is the first layer's, all[ends[0]:ends[1]] the second's, and so on. Each
// layer's are put in the order they were added (by seq: a fork's own ring
// and what it inherited are collected apart), then the layers are merged by
// time, ties by seq, each keeping its own order: a scope's breadcrumbs are
// never reordered by their timestamps, which may be coarser than the
// logging (whole seconds) or set by the program, while a layer's breadcrumb
// goes before another layer's with a later timestamp. The result is all,
// or a merge in scratch's buffers (reused; nil: allocated).
func mergeLayers[T any](all []T, ends []int, scratch *[2][]T, seq func(T) uint64, ts func(T) time.Time) []T {
	bySeq := func(a, b T) int { return cmp.Compare(seq(a), seq(b)) }
	start, runs := 0, 0
	for _, end := range ends {
		if run := all[start:end]; len(run) > 0 {
			runs++
			if !slices.IsSortedFunc(run, bySeq) {
				slices.SortFunc(run, bySeq)
			}
		}
		start = end
	}
	if runs < 2 {
		return all
	}
	var merged []T
	k := 0 // the scratch buffer the next merge goes into: never merged's
	start = 0
	for _, end := range ends {
		run := all[start:end]
		start = end
		if len(run) == 0 {
			continue
		}
		if merged == nil {
			merged = run
			continue
		}
		var out []T
		if scratch != nil {
			out = scratch[k][:0]
		}
		out = slices.Grow(out, len(merged)+len(run))
		i, j := 0, 0
		for i < len(merged) && j < len(run) {
			a, b := merged[i], run[j]
			d := ts(a).Compare(ts(b))
			if d == 0 {
				d = cmp.Compare(seq(a), seq(b))
			}
			if d <= 0 {
				out = append(out, a)
				i++
			} else {
				out = append(out, b)
				j++
			}
		}
		out = append(append(out, merged[i:]...), run[j:]...)
		if scratch != nil {
			scratch[k], k = out, k^1
		}
		merged = out
	}
	return merged
}
