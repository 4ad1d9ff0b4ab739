package core

import (
	"encoding/json"
	"github.com/sentrylog/sentrylog/core/protocol"
	"maps"
	"math"
	"slices"
	"strconv"
)

// Before scrubbing: every free-form value made encodable and bounded.

// normalizeEvent makes every free-form value of ev encodable as JSON and
// bounded in breadth and depth, before the scrubber sees it: NaN and ±Inf
// become "NaN", "+Inf" and "-Inf"; values of other types (structs, typed
// maps and slices) their JSON form; collections over maxBreadth keep their
// first elements (maps: their first keys in order) and a marker; nesting
// deeper than maxValueDepth a marker. Dropping elements before scrubbing
// sends nothing unscrubbed. Containers are copied, never written.
//
// What the client converted itself is normalized already and skipped: the
// log context of an event made from a record (own), and the breadcrumbs
// the scope merge added (mergeBreadcrumbs normalizes hand-built data), that
// is every breadcrumb of an event not built by the program (!handBuilt).
func normalizeEvent(ev *Event, own, handBuilt bool) {
	// The record's own log context alone (the defaults are final): nothing
	// to look at, and no iteration to start.
	onlyOwn := own && len(ev.Contexts) == 1 && ev.Contexts["log"] != nil
	if ev.Contexts != nil && !onlyOwn {
		var out map[string]map[string]any
		for name, m := range ev.Contexts {
			if own && name == "log" {
				continue
			}
			if nm, ch := normalizeMap(m, 0); ch {
				if out == nil {
					out = maps.Clone(ev.Contexts)
				}
				out[name] = nm
			}
		}
		if out != nil {
			ev.Contexts = out
		}
	}
	if m, ch := normalizeMap(ev.Extra, 0); ch {
		ev.Extra = m
	}
	if u := ev.User; u != nil {
		if m, ch := normalizeMap(u.Data, 0); ch {
			cp := *u
			cp.Data = m
			ev.User = &cp
		}
	}
	if r := ev.Request; r != nil && r.Data != nil {
		if d, ch := normalizeValue(r.Data, 0); ch {
			cp := *r
			cp.Data = d
			ev.Request = &cp
		}
	}
	if le := ev.Message; le != nil && le.Params != nil {
		if p, ch := normalizeSlice(le.Params, 0); ch {
			cp := *le
			cp.Params = p
			ev.Message = &cp
		}
	}
	var crumbs []Breadcrumb
	for i := 0; handBuilt && i < len(ev.Breadcrumbs); i++ {
		if m, ch := normalizeMap(ev.Breadcrumbs[i].Data, 0); ch {
			if crumbs == nil {
				crumbs = slices.Clone(ev.Breadcrumbs)
			}
			crumbs[i].Data = m
		}
	}
	if crumbs != nil {
		ev.Breadcrumbs = crumbs
	}
	var excs []protocol.Exception
	for i := range ev.Exception {
		mech := ev.Exception[i].Mechanism
		if mech == nil {
			continue
		}
		if m, ch := normalizeMap(mech.Data, 0); ch {
			if excs == nil {
				excs = slices.Clone(ev.Exception)
			}
			cp := *mech
			cp.Data = m
			excs[i].Mechanism = &cp
		}
	}
	if excs != nil {
		ev.Exception = excs
	}
	if len(ev.Fingerprint) > maxFingerprint {
		n := len(ev.Fingerprint)
		ev.Fingerprint = append(slices.Clip(ev.Fingerprint[:maxFingerprint-1]), "...[truncated from "+strconv.Itoa(n)+" entries]")
	}
}

// normalizeValue returns v in an encodable, bounded form, and whether that
// differs from v. depth counts the containers above v, as anyToJSON does.
func normalizeValue(v any, depth int) (any, bool) {
	switch t := v.(type) {
	case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.Number:
		return v, false
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return floatValue(t), true
		}
		return v, false
	case float32:
		if f := float64(t); math.IsNaN(f) || math.IsInf(f, 0) {
			return floatValue(f), true
		}
		return v, false
	}
	if depth > maxValueDepth {
		return "!ERROR: depth limit", true
	}
	switch t := v.(type) {
	case map[string]any:
		if m, ch := normalizeMap(t, depth+1); ch {
			return m, true
		}
		return v, false
	case []any:
		if s, ch := normalizeSlice(t, depth+1); ch {
			return s, true
		}
		return v, false
	case []string:
		if len(t) <= maxBreadth {
			return v, false
		}
	case map[string]string:
		if len(t) <= maxBreadth {
			return v, false
		}
	}
	return anyToJSON(v, depth), true
}

// normalizeMap is normalizeValue for a map's entries.
func normalizeMap(m map[string]any, depth int) (map[string]any, bool) {
	var out map[string]any
	if len(m) > maxBreadth {
		out = make(map[string]any, maxBreadth)
		for _, k := range firstKeys(m, maxBreadth-1) {
			out[k] = m[k]
		}
		out[truncatedKey] = "truncated from " + strconv.Itoa(len(m)) + " keys"
		m = out
	}
	for k, v := range m {
		nv, ch := normalizeValue(v, depth)
		if !ch {
			continue
		}
		if out == nil {
			out = maps.Clone(m)
		}
		out[k] = nv
	}
	if out == nil {
		return m, false
	}
	return out, true
}

// firstKeys returns m's n first keys in order.
func firstKeys[V any](m map[string]V, n int) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return keys[:min(n, len(keys))]
}

// normalizeSlice is normalizeValue for a slice's elements.
func normalizeSlice(a []any, depth int) ([]any, bool) {
	var out []any
	if len(a) > maxBreadth {
		out = make([]any, maxBreadth)
		copy(out, a[:maxBreadth-1])
		out[maxBreadth-1] = "...[truncated from " + strconv.Itoa(len(a)) + " items]"
		a = out
	}
	for i, v := range a {
		nv, ch := normalizeValue(v, depth)
		if !ch {
			continue
		}
		if out == nil {
			out = slices.Clone(a)
		}
		out[i] = nv
	}
	if out == nil {
		return a, false
	}
	return out, true
}
