package core

import (
	"encoding/json"
	"maps"
	"slices"
)

// After scrubbing: values cut to their limits, the event to its size.

// trimmer cuts an event's strings to their limits and estimates its size.
type trimmer struct {
	level   int   // the size pass's cut for long strings; 0: field limits only
	size    int   // the event's estimated encoded size
	lens    []int // lengths of the strings the size pass may cut
	sizes   bool  // collect crumbSz
	crumbSz []int // estimated size of each breadcrumb
}

// trimEvent cuts ev's values to their limits and, when the event is still
// larger than budget, makes it fit: the longest strings are cut first (all
// strings over a common length, no shorter than minCutLen), then the oldest
// breadcrumbs are dropped, then the largest entries of contexts and extra.
// It reports the estimated size.
func trimEvent(ev *Event, budget int) int {
	var t trimmer
	t.event(ev)
	if t.size <= budget {
		return t.size
	}
	// Second pass: cut to the level, and measure each breadcrumb.
	level := waterLevel(t.lens, t.size-budget)
	t = trimmer{level: level, sizes: true}
	t.event(ev)
	if t.size <= budget {
		return t.size
	}
	t.size = dropCrumbs(ev, t.size, budget, t.crumbSz)
	if t.size > budget {
		t.size = dropEntries(ev, t.size, budget)
	}
	return t.size
}

// str cuts s to limit (and to the size pass's level when cuttable) and
// counts its size.
func (t *trimmer) str(s string, limit int, cuttable bool) string {
	if cuttable && t.level > 0 && t.level < limit {
		limit = t.level
	}
	if len(s) > limit {
		s = cutString(s, limit)
	}
	if cuttable && len(s) > minCutLen {
		t.lens = append(t.lens, len(s))
	}
	t.size += jsonStrLen(s) + 1
	return s
}

// field is str for a named field of a struct: it counts the name too.
func (t *trimmer) field(s string, limit int, cuttable bool) string {
	if s == "" {
		return s
	}
	t.size += 16
	return t.str(s, limit, cuttable)
}

func (t *trimmer) event(ev *Event) {
	t.size = 256 // the fixed fields: ids, timestamp, platform, level
	ev.Logger = t.field(ev.Logger, maxShortField, false)
	ev.Transaction = t.field(ev.Transaction, maxNameField, false)
	ev.ServerName = t.field(ev.ServerName, maxNameField, false)
	ev.Release = t.field(ev.Release, maxNameField, false)
	ev.Dist = t.field(ev.Dist, maxShortField, false)
	ev.Environment = t.field(ev.Environment, maxShortField, false)
	if le := ev.Message; le != nil {
		msg := t.field(le.Message, maxMessageLen, true)
		formatted := t.field(le.Formatted, maxMessageLen, true)
		params, ch := t.slice(le.Params)
		if ch || msg != le.Message || formatted != le.Formatted {
			cp := *le
			cp.Message, cp.Formatted, cp.Params = msg, formatted, params
			ev.Message = &cp
		}
	}
	ev.Tags = t.tags(ev.Tags)
	if ev.Contexts != nil {
		var out map[string]map[string]any
		for name, m := range ev.Contexts {
			t.size += jsonStrLen(name) + 1
			if nm, ch := t.mapAny(m); ch {
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
	if m, ch := t.mapAny(ev.Extra); ch {
		ev.Extra = m
	}
	if u := ev.User; u != nil {
		id := t.field(u.ID, maxUserField, false)
		username := t.field(u.Username, maxUserField, false)
		email := t.field(u.Email, maxEmail, false)
		ip := t.field(u.IPAddress, maxShortField, false)
		name := t.field(u.Name, maxUserField, false)
		data, ch := t.mapAny(u.Data)
		if ch || id != u.ID || username != u.Username || email != u.Email || ip != u.IPAddress || name != u.Name {
			cp := *u
			cp.ID, cp.Username, cp.Email, cp.IPAddress, cp.Name, cp.Data = id, username, email, ip, name, data
			ev.User = &cp
		}
	}
	if r := ev.Request; r != nil {
		method := t.field(r.Method, maxShortField, false)
		url := t.field(r.URL, maxValueLen, true)
		query := t.field(r.QueryString, maxValueLen, true)
		// A request body as text is already bounded by MaxRequestBodySize:
		// only the size pass cuts it.
		var data any
		var ch1 bool
		if body, ok := r.Data.(string); ok {
			data = t.str(body, maxEventSize, true)
			ch1 = len(data.(string)) != len(body)
		} else {
			data, ch1 = t.value(r.Data)
		}
		cookies, ch2 := t.stringMap(r.Cookies)
		headers, ch3 := t.stringMap(r.Headers)
		env, ch4 := t.stringMap(r.Env)
		if ch1 || ch2 || ch3 || ch4 || method != r.Method || url != r.URL || query != r.QueryString {
			cp := *r
			cp.Method, cp.URL, cp.QueryString, cp.Data = method, url, query, data
			cp.Cookies, cp.Headers, cp.Env = cookies, headers, env
			ev.Request = &cp
		}
	}
	if fp := ev.Fingerprint; fp != nil {
		var out []string
		for i, s := range fp {
			if ns := t.str(s, maxFingerprintLen, false); len(ns) != len(s) {
				if out == nil {
					out = slices.Clone(fp)
				}
				out[i] = ns
			}
		}
		if out != nil {
			ev.Fingerprint = out
		}
	}
	t.exceptions(ev)
	t.breadcrumbs(ev)
	if st := ev.Stacktrace; st != nil {
		t.size += framesSize(st.Frames)
	}
	t.size += 64 * len(ev.Modules)
	if ev.SDK != nil {
		t.size += 128 + 64*len(ev.SDK.Packages)
	}
}

func (t *trimmer) exceptions(ev *Event) {
	var out []Exception
	for i := range ev.Exception {
		e := &ev.Exception[i]
		t.size += 64
		typ := t.field(e.Type, maxTypeLen, false)
		mod := t.field(e.Module, maxTypeLen, false)
		val := t.field(e.Value, maxMessageLen, true)
		var mech *Mechanism
		if e.Mechanism != nil {
			t.size += 96
			if data, ch := t.mapAny(e.Mechanism.Data); ch {
				cp := *e.Mechanism
				cp.Data = data
				mech = &cp
			}
		}
		if e.Stacktrace != nil {
			t.size += framesSize(e.Stacktrace.Frames)
		}
		if typ == e.Type && mod == e.Module && val == e.Value && mech == nil {
			continue
		}
		if out == nil {
			out = slices.Clone(ev.Exception)
		}
		out[i].Type, out[i].Module, out[i].Value = typ, mod, val
		if mech != nil {
			out[i].Mechanism = mech
		}
	}
	if out != nil {
		ev.Exception = out
	}
}

func framesSize(frames []Frame) int {
	n := 16
	for i := range frames {
		f := &frames[i]
		n += 64 + len(f.Function) + len(f.Module) + len(f.Filename) + len(f.AbsPath)
	}
	return n
}

func (t *trimmer) breadcrumbs(ev *Event) {
	var out []Breadcrumb
	for i := range ev.Breadcrumbs {
		b := &ev.Breadcrumbs[i]
		before := t.size
		t.size += 96 + len(b.Type) + len(b.Category)
		msg := t.field(b.Message, maxMessageLen, true)
		data, ch := t.mapAny(b.Data)
		if t.sizes {
			t.crumbSz = append(t.crumbSz, t.size-before)
		}
		if msg == b.Message && !ch {
			continue
		}
		if out == nil {
			out = slices.Clone(ev.Breadcrumbs)
		}
		out[i].Message = msg
		if ch {
			out[i].Data = data
		}
	}
	if out != nil {
		ev.Breadcrumbs = out
	}
}

// tags sanitizes and cuts the tags: keys of at most 32 characters from
// [A-Za-z0-9_.:-] (others become '_'), values of at most 200 bytes without
// newlines. Empty keys are dropped.
func (t *trimmer) tags(tags map[string]string) map[string]string {
	if len(tags) == 0 {
		return tags
	}
	var out map[string]string
	for k, v := range tags {
		nk, nv := sanitizeTagKey(k), sanitizeTagValue(v)
		t.size += len(nk) + jsonStrLen(nv) + 4
		if nk == k && nv == v && nk != "" {
			continue
		}
		if out == nil {
			out = maps.Clone(tags)
		}
		delete(out, k)
		if nk != "" {
			out[nk] = nv
		}
	}
	if out == nil {
		return tags
	}
	return out
}

// value cuts the strings of a free-form value (normalized: JSON shapes).
func (t *trimmer) value(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		t.size += 5
	case string:
		if s := t.str(x, maxValueLen, true); len(s) != len(x) {
			return s, true
		}
	case bool:
		t.size += 6
	case map[string]any:
		if m, ch := t.mapAny(x); ch {
			return m, true
		}
	case []any:
		if s, ch := t.slice(x); ch {
			return s, true
		}
	case []string:
		var out []string
		for i, e := range x {
			if s := t.str(e, maxValueLen, true); len(s) != len(e) {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = s
			}
		}
		t.size += 2
		if out != nil {
			return out, true
		}
	case map[string]string:
		if m, ch := t.stringMap(x); ch {
			return m, true
		}
	case json.Number:
		t.size += len(x) + 1
	default: // numbers; anything else was normalized to a JSON shape
		t.size += 24
	}
	return v, false
}

func (t *trimmer) mapAny(m map[string]any) (map[string]any, bool) {
	if m == nil {
		return nil, false
	}
	t.size += 2
	var out map[string]any
	for k, v := range m {
		t.size += jsonStrLen(k) + 1
		nv, ch := t.value(v)
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

func (t *trimmer) slice(a []any) ([]any, bool) {
	if a == nil {
		return nil, false
	}
	t.size += 2
	var out []any
	for i, v := range a {
		nv, ch := t.value(v)
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

func (t *trimmer) stringMap(m map[string]string) (map[string]string, bool) {
	if m == nil {
		return nil, false
	}
	t.size += 2
	var out map[string]string
	for k, v := range m {
		t.size += jsonStrLen(k) + 1
		if s := t.str(v, maxValueLen, true); len(s) != len(v) {
			if out == nil {
				out = maps.Clone(m)
			}
			out[k] = s
		}
	}
	if out == nil {
		return m, false
	}
	return out, true
}
