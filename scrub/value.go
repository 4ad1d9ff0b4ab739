package scrub

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds the descent into nested values; anything deeper is
// replaced whole, so no unscanned value is sent and a cyclic map ends.
const maxDepth = 64

func (s *Scrubber) allowed(key string) bool {
	return s.allow != nil && s.allow.match(key)
}

// denied reports whether the value under key is replaced whole. It is
// classify's verdict, cached: text repeats the same keys (status=200).
func (s *Scrubber) denied(key string) bool {
	return s.classify(key) == keyDenied
}

// mode returns how a value under a key of class c is scanned.
func (c keyClass) mode() scanMode {
	if c == keyCard {
		return scanCard
	}
	return scanAll
}

// stringMap scrubs a map of strings; keys are checked when keys is true.
func (s *Scrubber) stringMap(m map[string]string, keys bool) (map[string]string, bool) {
	var out map[string]string
	for k, v := range m {
		class := s.classify(k)
		if class == keyAllowed {
			continue
		}
		nv := v
		if keys && class == keyDenied {
			nv = Filtered
		} else {
			nv, _ = s.text(v, class.mode())
		}
		if nv == v {
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

// mapAny scrubs a map; its keys are checked when keys is true.
func (s *Scrubber) mapAny(m map[string]any, depth int, keys bool) (map[string]any, bool) {
	var out map[string]any
	for k, v := range m {
		class := s.classify(k)
		if class == keyAllowed {
			continue
		}
		var nv any
		var ch bool
		if keys && class == keyDenied {
			if str, ok := v.(string); ok && str == Filtered {
				continue
			}
			nv, ch = Filtered, true
		} else {
			nv, ch = s.value(v, depth+1, class.mode())
		}
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

func (s *Scrubber) slice(a []any, depth int, m scanMode) ([]any, bool) {
	var out []any
	for i, v := range a {
		nv, ch := s.value(v, depth+1, m)
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

// value scrubs one nested value and reports whether the result differs.
// Strings are scanned, numbers checked for card numbers, maps and slices of
// the JSON shapes walked, []byte read as text when it is UTF-8. Any other
// type (struct, pointer, typed map or slice) is scrubbed in its JSON form,
// the form it would be sent in, which replaces it when something was
// filtered; a value that cannot be encoded becomes an "!ERROR: …" text so
// that the event can still be sent.
func (s *Scrubber) value(v any, depth int, m scanMode) (any, bool) {
	if depth > maxDepth {
		if str, ok := v.(string); ok && str == Filtered {
			return v, false
		}
		return Filtered, true
	}
	keys := !s.shallow
	switch t := v.(type) {
	case nil, bool:
		return v, false
	// Each case returns v itself when nothing changed: converting the
	// result back to an interface would allocate for strings and slices.
	case string:
		if ns, ch := s.text(t, m); ch {
			return ns, true
		}
		return v, false
	case map[string]any:
		if nm, ch := s.mapAny(t, depth, keys); ch {
			return nm, true
		}
		return v, false
	case []any:
		if na, ch := s.slice(t, depth, m); ch {
			return na, true
		}
		return v, false
	case map[string]string:
		if nm, ch := s.stringMap(t, keys); ch {
			return nm, true
		}
		return v, false
	case []string:
		if out, ch := s.strings(t, m); ch {
			return out, true
		}
		return v, false
	case int:
		return s.integer(v, uint64(max(t, -t)), m)
	case int64:
		return s.integer(v, uint64(max(t, -t)), m)
	case uint64:
		return s.integer(v, t, m)
	case uint:
		return s.integer(v, uint64(t), m)
	case int8, int16, int32, uint8, uint16, uint32, float32:
		return v, false
	case float64:
		if t >= 1e12 && t < 1e19 && t == math.Trunc(t) {
			return s.integer(v, uint64(t), m)
		}
		return v, false
	case json.Number:
		if m&scanCard != 0 && s.det.cardNumbers && len(t) >= minCardDigits && len(t) <= maxCardDigits {
			if isCard(string(t)) {
				return Filtered, true
			}
		}
		return v, false
	case []byte:
		if utf8.Valid(t) {
			if ns, ch := s.text(string(t), m); ch {
				return ns, true
			}
		}
		return v, false
	}
	form, ok := jsonForm(v)
	if !ok {
		return form, true
	}
	if nv, ch := s.value(form, depth, m); ch {
		return nv, true
	}
	// Unchanged: the value is sent as it is, in the same JSON form.
	return v, false
}

// integer filters whole numbers that are card numbers, under a key naming a
// card (m has scanCard): elsewhere a number is as likely an id.
func (s *Scrubber) integer(v any, u uint64, m scanMode) (any, bool) {
	if m&scanCard == 0 || !s.det.cardNumbers || u < 1e12 {
		return v, false
	}
	var buf [20]byte
	if isCard(string(strconv.AppendUint(buf[:0], u, 10))) {
		return Filtered, true
	}
	return v, false
}

// jsonForm returns v as encoding/json writes it, read back into the JSON
// shapes (map[string]any, []any, string, json.Number, bool, nil), and true.
// For a value that cannot be encoded, or whose MarshalJSON panics, it
// returns an error text and false.
func jsonForm(v any) (out any, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			out, ok = "!ERROR: value could not be encoded", false
		}
	}()
	b, err := json.Marshal(v)
	if err != nil {
		return "!ERROR: " + err.Error(), false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		return "!ERROR: " + err.Error(), false
	}
	return out, true
}

// body applies the request body rules: the size limit, then scrubbing. A
// text body holding a JSON object or array is parsed so that its keys are
// checked.
func (s *Scrubber) body(d any) (any, bool) {
	if d == nil {
		return nil, false
	}
	if s.bodyLimit == 0 {
		return nil, true
	}
	switch t := d.(type) {
	case string:
		if s.bodyLimit > 0 && len(t) > s.bodyLimit {
			return nil, true
		}
		if parsed, ok := parseJSONBody(t); ok {
			nv, _ := s.value(parsed, 0, scanAll)
			return nv, true
		}
		if ns, ch := s.text(t, scanAll); ch {
			return ns, true
		}
		return d, false
	case []byte:
		if nb, ch := s.body(string(t)); ch {
			return nb, true
		}
		return d, false
	}
	changed := false
	switch d.(type) {
	case map[string]any, []any, map[string]string, []string, bool, float64, json.Number:
	default:
		// Measure and scrub what would be sent: the JSON form.
		d, _ = jsonForm(d)
		changed = true
	}
	nv, ch := s.value(d, 0, scanAll)
	if s.bodyLimit > 0 && jsonSize(nv, s.bodyLimit) > s.bodyLimit {
		return nil, true
	}
	return nv, ch || changed
}

func parseJSONBody(t string) (any, bool) {
	i := 0
	for i < len(t) && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n') {
		i++
	}
	if i == len(t) || (t[i] != '{' && t[i] != '[') {
		return nil, false
	}
	d := json.NewDecoder(strings.NewReader(t))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, false
	}
	return v, true
}

// jsonSize estimates the encoded size of v, stopping once it passes limit.
func jsonSize(v any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		switch t := v.(type) {
		case string:
			n += len(t) + 2
		case json.Number:
			n += len(t)
		case map[string]any:
			n += 2
			for k, e := range t {
				n += len(k) + 4
				walk(e)
			}
		case []any:
			n += 2
			for _, e := range t {
				n++
				walk(e)
			}
		case map[string]string:
			n += 2
			for k, e := range t {
				n += len(k) + len(e) + 6
			}
		case []string:
			n += 2
			for _, e := range t {
				n += len(e) + 3
			}
		default:
			n += 8
		}
	}
	walk(v)
	return n
}
