package core

import (
	"context"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxValueDepth bounds how deep nested values are converted.
const maxValueDepth = 10

// attrMapping is what a record's attributes become (see "Attribute mapping"
// in the package doc). One implementation serves the three bridges.
type attrMapping struct {
	tagKeys []string
	special bool // map user, fingerprint, tags, request, errors

	log         map[string]any
	tags        map[string]string
	user        *User
	fingerprint []string
	request     *http.Request
	// errs are the errors found, the first two in errArr (no allocation
	// for the usual one or two), the rest in errMore: see foundErr.
	errArr  [2]foundError
	errMore []foundError
	nerrs   int
	// maps: a value of the log context is a map (a group or a map value),
	// which pruneEmpty must look into.
	maps bool
}

// errSlot holds the place of the i-th error found (foundErr) in the map it
// was met in until primaryError writes its text there (small: boxed
// without an allocation).
type errSlot int

// foundError is an error value met among the attributes.
type foundError struct {
	err  error
	key  string         // the attribute's own key
	in   map[string]any // the map its text was written to
	path string
}

// mapAttrs maps pre (accumulated attributes, pre-nested), then attrs nested
// under groups.
// m.log, when set, must be empty: it is the map written to.
func (m *attrMapping) mapAttrs(pre []slog.Attr, groups []string, attrs []slog.Attr) {
	if m.log == nil {
		m.log = map[string]any{}
	}
	for _, a := range pre {
		m.attr(m.log, "", a, 0)
	}
	dst, path := m.log, ""
	if len(attrs) > 0 {
		for _, g := range groups {
			sub, ok := dst[g].(map[string]any)
			if !ok {
				sub = map[string]any{}
				dst[g] = sub
			}
			m.maps = true
			dst, path = sub, joinPath(path, g)
		}
		for _, a := range attrs {
			m.attr(dst, path, a, len(groups))
		}
	}
	if m.maps {
		pruneEmpty(m.log)
	}
	if m.maps || len(m.log) > maxBreadth {
		capBreadth(m.log)
	}
}

// capBreadth cuts m, and the maps in it, to maxBreadth keys in place, as
// normalizeMap cuts a map value: the first keys in order and the marker
// key, which says how many there were. The log context is made here,
// attribute by attribute, not from a map value: its own width and that of
// its groups are bounded here.
func capBreadth(m map[string]any) {
	if n := len(m); n > maxBreadth {
		keys := slices.Collect(maps.Keys(m))
		slices.Sort(keys)
		for _, k := range keys[maxBreadth-1:] {
			delete(m, k)
		}
		m[truncatedKey] = "truncated from " + strconv.Itoa(n) + " keys"
	}
	for _, v := range m {
		if sub, ok := v.(map[string]any); ok {
			capBreadth(sub)
		}
	}
}

// pruneEmpty removes groups left empty (an open group with no attributes).
func pruneEmpty(m map[string]any) bool {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok && pruneEmpty(sub) {
			delete(m, k)
		}
	}
	return len(m) == 0
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// resolve resolves LogValuers, turning a panic into a marked value.
func resolve(v slog.Value) (out slog.Value) {
	defer func() {
		if r := recover(); r != nil {
			out = markPanic("LogValue", r)
		}
	}()
	for i := 0; i < 100 && v.Kind() == slog.KindLogValuer; i++ {
		v = v.LogValuer().LogValue()
	}
	if v.Kind() == slog.KindLogValuer {
		return slog.StringValue("!ERROR: LogValue loop")
	}
	return v
}

func (m *attrMapping) attr(dst map[string]any, path string, a slog.Attr, depth int) {
	v := resolve(a.Value)
	key := a.Key
	if key == "" && v.Kind() != slog.KindGroup {
		if v.Kind() == slog.KindAny && v.Any() == nil {
			return
		}
		key = "_"
	}
	full := joinPath(path, key)
	if m.special && depth == 0 && m.topLevel(key, v) {
		return
	}
	if m.special && slices.Contains(m.tagKeys, full) && v.Kind() != slog.KindGroup {
		m.setTag(full, v)
		return
	}
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		if len(g) == 0 {
			return
		}
		if depth >= maxValueDepth {
			dst[key] = "!ERROR: depth limit"
			return
		}
		sub := dst
		if a.Key != "" {
			m.maps = true
			var ok bool
			if sub, ok = dst[key].(map[string]any); !ok {
				sub = map[string]any{}
				dst[key] = sub
			}
		}
		if a.Key == "" {
			// An unnamed group is inlined (slog's rule): its members sit
			// at this level, with this level's meaning (user, tags, ...).
			for _, ga := range g {
				m.attr(dst, path, ga, depth)
			}
			return
		}
		for _, ga := range g {
			m.attr(sub, full, ga, depth+1)
		}
		if a.Key != "" && len(sub) == 0 {
			delete(dst, key)
		}
		return
	case slog.KindAny:
		switch x := v.Any().(type) {
		case context.Context:
			return
		case *http.Request:
			if m.special {
				if m.request == nil {
					m.request = x
				}
				return
			}
		case error:
			if m.special && x != nil && !isNilPointer(x) {
				// Its text is written by primaryError unless it is the
				// primary error, which leaves the log context.
				dst[key] = errSlot(m.nerrs)
				m.addErr(foundError{err: x, key: key, in: dst, path: full})
				return
			}
			dst[key] = safeErrorString(x)
			return
		}
	}
	x := valueToAny(v, depth)
	if _, ok := x.(map[string]any); ok {
		m.maps = true
	}
	dst[key] = x
}

// topLevel handles the keys with a meaning of their own at the top level.
func (m *attrMapping) topLevel(key string, v slog.Value) bool {
	switch {
	case key == "user":
		return m.userValue(v)
	case strings.HasPrefix(key, "user.") && len(key) > 5:
		m.userField(key[5:], v)
		return true
	case key == "fingerprint":
		return m.fingerprintValue(v)
	case key == "tags" && v.Kind() == slog.KindGroup:
		for _, a := range v.Group() {
			m.tagGroup(a.Key, resolve(a.Value))
		}
		return true
	}
	return false
}

func (m *attrMapping) tagGroup(prefix string, v slog.Value) {
	if v.Kind() != slog.KindGroup {
		m.setTag(prefix, v)
		return
	}
	for _, a := range v.Group() {
		m.tagGroup(joinPath(prefix, a.Key), resolve(a.Value))
	}
}

func (m *attrMapping) setTag(key string, v slog.Value) {
	if m.tags == nil {
		m.tags = map[string]string{}
	}
	m.tags[key] = valueString(v)
}

func (m *attrMapping) userValue(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindGroup:
		for _, a := range v.Group() {
			m.userField(a.Key, resolve(a.Value))
		}
		return true
	case slog.KindAny:
		switch u := v.Any().(type) {
		case *User:
			if u != nil {
				cp := *u
				m.user = &cp
			}
			return true
		case User:
			m.user = &u
			return true
		}
	case slog.KindString, slog.KindInt64, slog.KindUint64:
		m.userField("id", v)
		return true
	}
	return false
}

func (m *attrMapping) userField(key string, v slog.Value) {
	if m.user == nil {
		m.user = &User{}
	}
	switch key {
	case "id":
		m.user.ID = valueString(v)
	case "email":
		m.user.Email = valueString(v)
	case "username":
		m.user.Username = valueString(v)
	case "ip_address":
		m.user.IPAddress = valueString(v)
	case "name":
		m.user.Name = valueString(v)
	default:
		if m.user.Data == nil {
			m.user.Data = map[string]any{}
		}
		m.user.Data[key] = valueToAny(v, 1)
	}
}

func (m *attrMapping) fingerprintValue(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		m.fingerprint = []string{v.String()}
		return true
	case slog.KindAny:
		switch x := v.Any().(type) {
		case []string:
			m.fingerprint = slices.Clone(x)
			return true
		case []any:
			fp := make([]string, 0, len(x))
			for _, e := range x {
				fp = append(fp, anyString(e))
			}
			m.fingerprint = fp
			return true
		}
	}
	return false
}

func (m *attrMapping) addErr(e foundError) {
	if m.nerrs < len(m.errArr) {
		m.errArr[m.nerrs] = e
	} else {
		m.errMore = append(m.errMore, e)
	}
	m.nerrs++
}

// foundErr returns the i-th error found.
func (m *attrMapping) foundErr(i int) *foundError {
	if i < len(m.errArr) {
		return &m.errArr[i]
	}
	return &m.errMore[i-len(m.errArr)]
}

// primaryError picks the error the event is about: the first at a key named
// "error" or "err" at any depth, else the first found. It leaves the log
// context (a later value that took its key stays); the others stay there as
// text.
func (m *attrMapping) primaryError() error {
	if m.nerrs == 0 {
		return nil
	}
	pick := 0
	for i := range m.nerrs {
		if e := m.foundErr(i); e.key == "error" || e.key == "err" {
			pick = i
			break
		}
	}
	for i := range m.nerrs {
		// Unless a later attribute took its place.
		e := m.foundErr(i)
		if v, ok := e.in[e.key].(errSlot); ok && int(v) == i && i != pick {
			e.in[e.key] = safeErrorString(e.err)
		}
	}
	e := m.foundErr(pick)
	if v, ok := e.in[e.key].(errSlot); ok && int(v) == pick {
		delete(e.in, e.key) // not a later value that took its key
	}
	if m.maps { // only a group can be left empty
		pruneEmpty(m.log)
	}
	return e.err
}

func isNilPointer(x any) bool {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// valueString renders a value as a tag or user field.
func valueString(v slog.Value) string {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindAny:
		return anyString(v.Any())
	case slog.KindGroup:
		b, _ := json.Marshal(valueToAny(v, 0))
		return string(b)
	default:
		return v.String()
	}
}

func anyString(x any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = panicText("String", r)
		}
	}()
	switch t := x.(type) {
	case string:
		return t
	case error:
		return safeErrorString(t)
	case fmt.Stringer:
		return t.String()
	case nil:
		return ""
	}
	return fmt.Sprint(x)
}

// valueToAny converts a slog value to JSON-ready data: strings, numbers,
// bools, nested map[string]any and []any. It never panics: user code that
// panics (String, MarshalJSON, Error) leaves a marked string.
func valueToAny(v slog.Value, depth int) any {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return v.Uint64()
	case slog.KindFloat64:
		return floatValue(v.Float64())
	case slog.KindBool:
		return v.Bool()
	case slog.KindDuration:
		return v.Duration().String()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	case slog.KindGroup:
		out := make(map[string]any, len(v.Group()))
		if depth >= maxValueDepth {
			return "!ERROR: depth limit"
		}
		for _, a := range v.Group() {
			gv := resolve(a.Value)
			if a.Key == "" && gv.Kind() == slog.KindGroup {
				if sub, ok := valueToAny(gv, depth+1).(map[string]any); ok {
					for k, x := range sub {
						out[k] = x
					}
				}
				continue
			}
			if gv.Kind() == slog.KindGroup && len(gv.Group()) == 0 {
				continue
			}
			out[a.Key] = valueToAny(gv, depth+1)
		}
		return out
	case slog.KindLogValuer:
		return valueToAny(resolve(v), depth)
	default:
		return anyToJSON(v.Any(), depth)
	}
}

func floatValue(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return f
}

// anyToJSON converts an arbitrary Go value.
func anyToJSON(x any, depth int) (out any) {
	defer func() {
		if r := recover(); r != nil {
			out = panicText("conversion", r)
		}
	}()
	if depth > maxValueDepth {
		return "!ERROR: depth limit"
	}
	switch t := x.(type) {
	case nil:
		return nil
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.Number:
		return t
	case float64:
		return floatValue(t)
	case float32:
		return floatValue(float64(t))
	case []byte:
		if utf8.Valid(t) {
			return string(t)
		}
		return base64.StdEncoding.EncodeToString(t)
	case time.Time:
		return t.Format(time.RFC3339Nano)
	case time.Duration:
		return t.String()
	case error:
		if isNilPointer(t) {
			return nil
		}
		return safeErrorString(t)
	case slog.Value:
		return valueToAny(t, depth)
	case json.Marshaler:
		if isNilPointer(t) {
			return nil
		}
		return marshalRoundTrip(t, "MarshalJSON")
	case encoding.TextMarshaler:
		if isNilPointer(t) {
			return nil
		}
		b, err := t.MarshalText()
		if err != nil {
			return "!ERROR: " + err.Error()
		}
		return string(b)
	case fmt.Stringer:
		if isNilPointer(t) {
			return nil
		}
		return t.String()
	case map[string]any:
		if len(t) > maxBreadth {
			m := make(map[string]any, maxBreadth)
			for _, k := range firstKeys(t, maxBreadth-1) {
				m[k] = anyToJSON(t[k], depth+1)
			}
			m[truncatedKey] = "truncated from " + strconv.Itoa(len(t)) + " keys"
			return m
		}
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = anyToJSON(e, depth+1)
		}
		return m
	case []any:
		s := make([]any, min(len(t), maxBreadth))
		for i := range s {
			s[i] = anyToJSON(t[i], depth+1)
		}
		return markItems(s, len(t))
	case []string:
		s := make([]any, min(len(t), maxBreadth))
		for i := range s {
			s[i] = t[i]
		}
		return markItems(s, len(t))
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return anyToJSON(rv.Elem().Interface(), depth+1)
	case reflect.Map:
		if rv.IsNil() {
			return nil
		}
		if rv.Len() > maxBreadth { // the first keys, in order of their text
			type kv struct {
				k string
				v reflect.Value
			}
			all := make([]kv, 0, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				all = append(all, kv{anyString(it.Key().Interface()), it.Value()})
			}
			slices.SortFunc(all, func(a, b kv) int { return strings.Compare(a.k, b.k) })
			m := make(map[string]any, maxBreadth)
			for _, e := range all[:maxBreadth-1] {
				m[e.k] = anyToJSON(e.v.Interface(), depth+1)
			}
			m[truncatedKey] = "truncated from " + strconv.Itoa(rv.Len()) + " keys"
			return m
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[anyString(it.Key().Interface())] = anyToJSON(it.Value().Interface(), depth+1)
		}
		return m
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		s := make([]any, min(rv.Len(), maxBreadth))
		for i := range s {
			s[i] = anyToJSON(rv.Index(i).Interface(), depth+1)
		}
		return markItems(s, rv.Len())
	case reflect.Struct:
		return structToJSON(rv, depth)
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return rv.Type().String()
	case reflect.Complex64, reflect.Complex128:
		return fmt.Sprint(x)
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint()
	case reflect.Float32, reflect.Float64:
		return floatValue(rv.Float())
	}
	return fmt.Sprintf("%+v", x)
}

// markItems puts a marker in the last element of s, a slice cut from n
// elements to maxBreadth, saying how many there were.
func markItems(s []any, n int) []any {
	if n > len(s) {
		s[len(s)-1] = "...[truncated from " + strconv.Itoa(n) + " items]"
	}
	return s
}

// structToJSON converts a struct through its JSON form (struct tags
// honoured), or, when encoding/json refuses one of its values (NaN, ±Inf,
// a channel), field by field as encoding/json would name them, each value
// converted by anyToJSON.
func structToJSON(rv reflect.Value, depth int) any {
	out := marshalRoundTrip(rv.Interface(), "MarshalJSON")
	if s, ok := out.(string); !ok || !strings.HasPrefix(s, "!ERROR: json: unsupported") {
		return out
	}
	m := map[string]any{}
	structFields(m, rv, depth)
	return m
}

func structFields(m map[string]any, rv reflect.Value, depth int) {
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" && opts == "" {
			continue
		}
		fv := rv.Field(i)
		if f.Anonymous && name == "" {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Struct {
				structFields(m, fv, depth)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if strings.Contains(","+opts+",", ",omitempty,") && fv.IsZero() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = anyToJSON(fv.Interface(), depth+1)
	}
}

// marshalRoundTrip turns a value into generic JSON data through
// encoding/json, so struct tags are honoured and the scrubber sees every key.
func marshalRoundTrip(x any, method string) (out any) {
	defer func() {
		if r := recover(); r != nil {
			out = panicText(method, r)
		}
	}()
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprintf("!ERROR: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return string(b)
	}
	return out
}
