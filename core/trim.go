package core

import (
	"cmp"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sentrylog/sentrylog/scrub"
)

// The event-size limits (see "Event size" in the package doc). Field limits
// follow Relay's (tag values 200, logger 64, e-mail 75, ...) and Sentry's
// message limit; a value in a context, extra, breadcrumb data or user data
// is cut at 8 KiB, the size of the largest context the server keeps.
const (
	maxMessageLen     = 8192 // logentry, exception values, breadcrumb messages
	maxValueLen       = 8192 // a string inside a context, extra, data, user data or request
	maxTagValue       = 200
	maxTagKey         = 32
	maxShortField     = 64 // logger, environment, dist, user.ip_address
	maxUserField      = 128
	maxEmail          = 75
	maxNameField      = 200 // transaction, release, server_name
	maxTypeLen        = 256 // exception type and module
	maxFingerprintLen = 512 // one fingerprint entry
	maxFingerprint    = 64  // fingerprint entries
	maxBreadth        = 1000
	// minCutLen is as short as the size pass cuts a string.
	minCutLen = 256
	// eventBudget leaves room for what the size estimate does not see
	// exactly (number widths, escapes beyond the common ones).
	eventBudget = maxEventSize - 32<<10
)

// truncatedKey is the key added to a map that lost keys to maxBreadth.
const truncatedKey = "..."

// cutMarker is appended to a cut string: it gives the original length.
func cutMarker(orig int) string { return "...[truncated from " + strconv.Itoa(orig) + " bytes]" }

// cutString returns s cut to at most n bytes including the marker, at a
// rune boundary and never inside a "[Filtered]" marker. A string cut before
// (an event trimmed again) keeps the length its marker gives.
func cutString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	orig := len(s)
	if body, was, ok := markedLength(s); ok {
		s, orig = body, was
	}
	m := cutMarker(orig)
	return s[:cutIndex(s, n-len(m))] + m
}

// markedLength splits a string that ends in a cut marker into what was kept
// and the original length.
func markedLength(s string) (body string, orig int, ok bool) {
	const prefix, suffix = "...[truncated from ", " bytes]"
	if !strings.HasSuffix(s, suffix) {
		return "", 0, false
	}
	i := strings.LastIndex(s, prefix)
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+len(prefix) : len(s)-len(suffix)])
	if err != nil || n <= len(s) {
		return "", 0, false
	}
	return s[:i], n, true
}

// cutIndex returns where to cut s to keep at most n bytes: the start of the
// rune at n (so the rune before it stays whole), moved back before a
// "[Filtered]" marker the cut would split.
func cutIndex(s string, n int) int {
	if n <= 0 {
		return 0
	}
	if n >= len(s) {
		return len(s)
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	from := max(0, i-len(scrub.Filtered)+1)
	if j := strings.LastIndexByte(s[from:i], '['); j >= 0 && strings.HasPrefix(s[from+j:], scrub.Filtered) {
		i = from + j
	}
	return i
}

// jsonStrLen estimates the encoded size of s: quotes, and the escapes
// encoding/json writes for quotes, backslashes, control and HTML characters.
func jsonStrLen(s string) int {
	n := len(s) + 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n++
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			n += 5
		}
	}
	return n
}

// ---- before scrubbing: values made encodable ----

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
	if ev.Contexts != nil {
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
	var excs []Exception
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

// ---- after scrubbing: values cut to size ----

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

// waterLevel returns the length L (at least minCutLen) such that cutting
// every string longer than L to L saves at least excess bytes, the largest
// such L; minCutLen when even that does not save enough; 0 when nothing is
// longer than minCutLen.
func waterLevel(lens []int, excess int) int {
	slices.SortFunc(lens, func(a, b int) int { return cmp.Compare(b, a) })
	sum := 0
	for k := 1; k <= len(lens); k++ {
		sum += lens[k-1]
		next := minCutLen
		if k < len(lens) {
			next = max(lens[k], minCutLen)
		}
		// Cutting the k longest to L saves sum - k*L.
		if l := (sum - excess) / k; l >= next {
			return min(l, lens[k-1])
		}
	}
	if len(lens) == 0 {
		return 0
	}
	return minCutLen
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
		data, ch1 := t.value(r.Data)
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

// dropCrumbs drops the oldest breadcrumbs until the event fits budget, and
// puts a breadcrumb saying how many in their place. It returns the new size.
func dropCrumbs(ev *Event, size, budget int, sizes []int) int {
	if len(ev.Breadcrumbs) == 0 || len(sizes) != len(ev.Breadcrumbs) {
		return size
	}
	n := 0
	for n < len(sizes) && size > budget {
		size -= sizes[n]
		n++
	}
	note := Breadcrumb{
		Timestamp: ev.Breadcrumbs[n-1].Timestamp, Type: "default", Category: "sentrylog",
		Level:   LevelWarning,
		Message: strconv.Itoa(n) + " older breadcrumbs dropped: the event was over the size limit",
	}
	ev.Breadcrumbs = append([]Breadcrumb{note}, ev.Breadcrumbs[n:]...)
	return size + 160
}

// dropEntries replaces the largest entries of the contexts (other than the
// client's own) and of extra with a marker until the event fits budget. It
// returns the new size.
func dropEntries(ev *Event, size, budget int) int {
	type entry struct {
		ctx, key string // ctx "": extra
		size     int
	}
	var entries []entry
	for name, m := range ev.Contexts {
		if isDefaultContext(name) || name == "trace" {
			continue
		}
		for k, v := range m {
			entries = append(entries, entry{name, k, valueSize(v)})
		}
	}
	for k, v := range ev.Extra {
		entries = append(entries, entry{"", k, valueSize(v)})
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(b.size, a.size) })
	ctxsCloned, extraCloned := false, false
	clonedCtx := map[string]bool{}
	for _, e := range entries {
		if size <= budget {
			break
		}
		marker := "[dropped: " + strconv.Itoa(e.size) + " bytes over the event size limit]"
		if e.ctx == "" {
			if !extraCloned {
				ev.Extra, extraCloned = maps.Clone(ev.Extra), true
			}
			ev.Extra[e.key] = marker
		} else {
			if !ctxsCloned {
				ev.Contexts, ctxsCloned = maps.Clone(ev.Contexts), true
			}
			if !clonedCtx[e.ctx] {
				ev.Contexts[e.ctx], clonedCtx[e.ctx] = maps.Clone(ev.Contexts[e.ctx]), true
			}
			ev.Contexts[e.ctx][e.key] = marker
		}
		size -= e.size - len(marker)
	}
	return size
}

// valueSize estimates the encoded size of a normalized value.
func valueSize(v any) int {
	var t trimmer
	t.value(v)
	return t.size
}
