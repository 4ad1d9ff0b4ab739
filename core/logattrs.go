package core

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The conversion of a record into a Sentry log's typed, flat attributes
// (Sentry's developer docs on logs, "Attribute type system"), on the log
// worker.

// logSrc is a call site resolved once per program counter, with its
// code.* attributes as a block.
type logSrc struct {
	file, function string
	line           int64
	block          *logBlock
}

// logBlock is a run of attributes the SDK adds to many logs alike (the
// source attributes of a call site, the client's default attributes),
// encoded once: the worker copies the encoding into each payload rather
// than encoding the attributes again (see appendLog).
type logBlock struct {
	attrs  []slog.Attr
	json   []byte    // the attributes' members, comma-separated
	size   int       // their log_byte share (logSize)
	firsts [4]uint64 // the first bytes of their keys, as a set
}

// newLogBlock returns a block of attrs, their strings cut as cutLog cuts
// them, or nil for none.
func newLogBlock(attrs []slog.Attr) *logBlock {
	if len(attrs) == 0 {
		return nil
	}
	l := Log{Attributes: attrs}
	cutLog(&l)
	b := &logBlock{attrs: attrs, size: logSize(&l)}
	for i, a := range attrs {
		if a.Key != "" {
			b.firsts[a.Key[0]>>6] |= 1 << (a.Key[0] & 63)
		}
		if i > 0 {
			b.json = append(b.json, ',')
		}
		b.json = appendJSONString(b.json, a.Key)
		b.json = append(b.json, ':')
		b.json = appendLogValue(b.json, a.Value)
	}
	return b
}

// defaultLogBlock returns the client's default attributes as a block.
func defaultLogBlock(c *Client) *logBlock {
	o := &c.opts
	var attrs []slog.Attr
	attrs = addAttr(attrs, "sentry.environment", o.Environment)
	attrs = addAttr(attrs, "sentry.release", o.Release)
	attrs = addAttr(attrs, "sentry.sdk.name", c.sdk.Name)
	attrs = addAttr(attrs, "sentry.sdk.version", c.sdk.Version)
	attrs = addAttr(attrs, "server.address", o.ServerName)
	return newLogBlock(attrs)
}

// appendBlock appends b's attributes to attrs when none of them has a key
// of b, and reports whether it did; the log then records where b is.
func appendBlock(attrs []slog.Attr, b *logBlock) ([]slog.Attr, bool) {
	for _, a := range attrs {
		if a.Key == "" || b.firsts[a.Key[0]>>6]&(1<<(a.Key[0]&63)) == 0 {
			continue // no key of b starts so
		}
		for _, d := range b.attrs {
			if a.Key == d.Key {
				return attrs, false
			}
		}
	}
	return append(attrs, b.attrs...), true
}

// maxLogSrcCache bounds the call sites the log worker remembers.
const maxLogSrcCache = 4096

// convert turns an entry into a log. Its attributes are, in order: the
// record's (the logger's accumulated ones first, groups flattened with
// dots, a later key replacing an earlier one) and the exception, which
// the scrubber sees (Log.scrubN counts them), then the logger, source,
// sentry.origin, the default attributes and the user.
//
// Logs and their attributes are cut from slabs the worker allocates a
// batch at a time: a log costs the garbage collector a share of two
// allocations rather than two of its own.
func (lp *logPipe) convert(e *logEntry, x *logExtra, own []slog.Attr) *Log {
	if len(lp.logSlab) == 0 {
		lp.logSlab = make([]Log, maxLogsPerEnvelope)
		lp.logBase = lp.logSlab
	}
	l := &lp.logSlab[0]
	lp.logSlab = lp.logSlab[1:]
	*l = Log{Timestamp: e.time(x), Level: e.level, Body: e.msg}
	lp.traceFor(l, e.ctx)
	// Built in place in the free tail of the attribute slab; an unusually
	// long list outgrows it into an array of its own.
	if len(lp.attrSlab) < 64 {
		lp.attrSlab = make([]slog.Attr, 16*maxLogsPerEnvelope)
		lp.attrBase = lp.attrSlab
	}
	fl := flattener{dst: lp.attrSlab[:0], text: &lp.text}
	for _, a := range e.preAttrs() {
		fl.attr("", a, 0)
	}
	prefix := strings.Join(e.groupNames(), ".")
	if x.decode != nil {
		for _, a := range decodeRaw(x.decode, x.raw) {
			fl.attr(prefix, a, 0)
		}
	}
	for _, a := range own {
		fl.attr(prefix, a, 0)
	}
	attrs := dedupe(fl.dst)
	if fl.err != nil {
		typ, _ := errorType(unwrapFmt(fl.err))
		attrs = setAttr(attrs, "exception.type", slog.StringValue(typ))
		attrs = setAttr(attrs, "exception.message", slog.StringValue(safeErrorString(fl.err)))
	}
	l.scrubN = len(attrs)
	o := &lp.c.opts
	if e.logger != "" {
		attrs = setAttr(attrs, "logger.name", slog.StringValue(e.logger))
	}
	// The source and the defaults go in as blocks (encoded once) when no
	// attribute of the record has one of their keys, and BeforeSendLog,
	// which may change any attribute, is not set.
	blocks := o.BeforeSendLog == nil
	if e.pc != 0 {
		if src, ok := lp.source(e.pc); ok {
			n := len(attrs)
			var ok bool
			if blocks {
				attrs, ok = appendBlock(attrs, src.block)
			}
			if ok {
				l.src, l.srcAt = src.block, n
			} else {
				attrs = setAttr(attrs, "code.file.path", slog.StringValue(src.file))
				attrs = setAttr(attrs, "code.line.number", slog.Int64Value(src.line))
				attrs = setAttr(attrs, "code.function.name", slog.StringValue(src.function))
			}
		}
	}
	if e.origin != "" {
		attrs = setAttr(attrs, "sentry.origin", slog.StringValue(e.origin))
	}
	if lp.defaults == nil {
		lp.defaults = defaultLogBlock(lp.c)
	}
	n, ok := len(attrs), false
	if blocks && lp.defaults != nil {
		attrs, ok = appendBlock(attrs, lp.defaults)
	}
	if ok {
		l.defs, l.defsAt = lp.defaults, n
	} else {
		attrs = addAttr(attrs, "sentry.environment", o.Environment)
		attrs = addAttr(attrs, "sentry.release", o.Release)
		attrs = addAttr(attrs, "sentry.sdk.name", lp.c.sdk.Name)
		attrs = addAttr(attrs, "sentry.sdk.version", lp.c.sdk.Version)
		attrs = addAttr(attrs, "server.address", o.ServerName)
	}
	if o.SendDefaultPII {
		if u := logUser(x); u != nil {
			attrs = addAttr(attrs, "user.id", u.ID)
			attrs = addAttr(attrs, "user.name", u.Username)
			attrs = addAttr(attrs, "user.email", u.Email)
		}
	}
	l.Attributes = attrs[:len(attrs):len(attrs)] // an append copies
	if len(attrs) > 0 && len(lp.attrSlab) > 0 && &attrs[0] == &lp.attrSlab[0] {
		lp.attrSlab = lp.attrSlab[len(attrs):]
	}
	return l
}

// logUser returns the user of the innermost scope that has one.
func logUser(x *logExtra) *User {
	for _, d := range [3]*scopeData{x.cur, x.iso, x.global} {
		if d != nil && d.user != nil {
			return d.user
		}
	}
	return nil
}

// unwrapFmt skips the wrappers fmt.Errorf makes, so that the exception's
// type is the error's own.
func unwrapFmt(err error) error {
	for i := 0; i < 16; i++ {
		w, ok := err.(interface{ Unwrap() error })
		if !ok || !strings.HasPrefix(fmt.Sprintf("%T", err), "*fmt.wrap") {
			return err
		}
		next := w.Unwrap()
		if next == nil {
			return err
		}
		err = next
	}
	return err
}

// source resolves a call site, remembering it.
func (lp *logPipe) source(pc uintptr) (logSrc, bool) {
	if s, ok := lp.srcs[pc]; ok {
		return s, s.file != ""
	}
	fr, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	s := logSrc{file: fr.File, function: fr.Function, line: int64(fr.Line)}
	s.block = newLogBlock([]slog.Attr{
		slog.String("code.file.path", s.file),
		slog.Int64("code.line.number", s.line),
		slog.String("code.function.name", s.function),
	})
	if lp.srcs == nil || len(lp.srcs) >= maxLogSrcCache {
		lp.srcs = make(map[uintptr]logSrc)
	}
	lp.srcs[pc] = s
	return s, s.file != ""
}

// setAttr sets key, replacing an attribute of the same key.
func setAttr(attrs []slog.Attr, key string, v slog.Value) []slog.Attr {
	for i := range attrs {
		if attrs[i].Key == key {
			attrs[i].Value = v
			return attrs
		}
	}
	return append(attrs, slog.Attr{Key: key, Value: v})
}

// addAttr adds a non-empty string unless the record set key itself: the
// record's attributes win over the defaults.
func addAttr(attrs []slog.Attr, key, s string) []slog.Attr {
	if s == "" {
		return attrs
	}
	for i := range attrs {
		if attrs[i].Key == key {
			return attrs
		}
	}
	return append(attrs, slog.String(key, s))
}

func intAttr(key string, n int64) slog.Attr { return slog.Int64(key, n) }

// dedupe removes earlier attributes of a key that comes again: the later
// one wins, as a later With or record attribute overrides an earlier one.
func dedupe(attrs []slog.Attr) []slog.Attr {
	if len(attrs) < 2 {
		return attrs
	}
	var seen map[string]int
	if len(attrs) > 16 {
		seen = make(map[string]int, len(attrs))
	}
	out := attrs[:0]
	for _, a := range attrs {
		i := -1
		if seen != nil {
			if j, ok := seen[a.Key]; ok {
				i = j
			}
		} else {
			for j := range out {
				if out[j].Key == a.Key {
					i = j
					break
				}
			}
		}
		if i >= 0 {
			out[i].Value = a.Value
			continue
		}
		if seen != nil {
			seen[a.Key] = len(out)
		}
		out = append(out, a)
	}
	clear(attrs[len(out):])
	return out
}

// flattener appends a record's attributes as flat, typed log attributes.
// The first error value becomes the exception; it is not an attribute.
type flattener struct {
	dst  []slog.Attr
	err  error
	text *logText // where durations are written, or nil
}

func (f *flattener) attr(prefix string, a slog.Attr, depth int) {
	switch a.Value.Kind() {
	case slog.KindString, slog.KindInt64, slog.KindBool:
		if a.Key != "" { // the common case: a log type already
			f.dst = append(f.dst, slog.Attr{Key: joinPath(prefix, a.Key), Value: a.Value})
			return
		}
	case slog.KindDuration:
		if a.Key != "" && f.text != nil { // as logValue converts it
			f.dst = append(f.dst, slog.String(joinPath(prefix, a.Key), f.text.duration(a.Value.Duration())))
			return
		}
	}
	v := resolve(a.Value)
	key := a.Key
	if v.Kind() == slog.KindGroup {
		g := v.Group()
		if depth >= maxValueDepth {
			f.dst = append(f.dst, slog.String(joinPath(prefix, key), "!ERROR: depth limit"))
			return
		}
		p := prefix
		if key != "" {
			p = joinPath(prefix, key)
		}
		for _, ga := range g {
			f.attr(p, ga, depth+1)
		}
		return
	}
	if key == "" {
		if v.Kind() == slog.KindAny && v.Any() == nil {
			return
		}
		key = "_"
	}
	if v.Kind() == slog.KindAny {
		if err, ok := v.Any().(error); ok && !isNilPointer(err) && f.err == nil {
			f.err = err
			return
		}
	}
	f.dst = append(f.dst, slog.Attr{Key: joinPath(prefix, key), Value: logValue(v)})
}

// logValue returns v as one of the log attribute types: string, bool,
// int64, float64, or a homogeneous []string, []bool, []int64, []float64.
// Unsigned integers beyond int64, NaN and infinities become strings; other
// values their JSON text.
func logValue(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString, slog.KindInt64, slog.KindBool:
		return v
	case slog.KindUint64:
		u := v.Uint64()
		if u > math.MaxInt64 {
			return slog.StringValue(strconv.FormatUint(u, 10))
		}
		return slog.Int64Value(int64(u))
	case slog.KindFloat64:
		return floatLogValue(v.Float64())
	case slog.KindDuration:
		return slog.StringValue(v.Duration().String())
	case slog.KindTime:
		return slog.StringValue(v.Time().Format(time.RFC3339Nano))
	case slog.KindAny:
		return anyLogValue(v.Any())
	}
	return slog.StringValue(valueString(v))
}

func floatLogValue(f float64) slog.Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return slog.StringValue(strconv.FormatFloat(f, 'g', -1, 64))
	}
	return slog.Float64Value(f)
}

// anyLogValue converts a value slog does not know.
func anyLogValue(x any) slog.Value {
	switch t := x.(type) {
	case nil:
		return slog.StringValue("null")
	case string:
		return slog.StringValue(t)
	case bool:
		return slog.BoolValue(t)
	case int64:
		return slog.Int64Value(t)
	case uint64:
		return logValue(slog.Uint64Value(t))
	case float64:
		return floatLogValue(t)
	case int:
		return slog.Int64Value(int64(t))
	case int8:
		return slog.Int64Value(int64(t))
	case int16:
		return slog.Int64Value(int64(t))
	case int32:
		return slog.Int64Value(int64(t))
	case uint:
		return logValue(slog.Uint64Value(uint64(t)))
	case uint8:
		return slog.Int64Value(int64(t))
	case uint16:
		return slog.Int64Value(int64(t))
	case uint32:
		return slog.Int64Value(int64(t))
	case float32:
		return floatLogValue(float64(t))
	case error:
		if isNilPointer(t) {
			return slog.StringValue("null")
		}
		return slog.StringValue(safeErrorString(t))
	case *http.Request:
		if t != nil { // described as on events, without personal data
			return jsonText(newRequest(t, false, nil))
		}
	case []string:
		return slog.AnyValue(append([]string(nil), t...))
	case []bool:
		return slog.AnyValue(append([]bool(nil), t...))
	case []int64:
		return slog.AnyValue(append([]int64(nil), t...))
	case []float64:
		for _, f := range t {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return jsonText(anyToJSON(t, 0))
			}
		}
		return slog.AnyValue(append([]float64(nil), t...))
	}
	j := anyToJSON(x, 0)
	switch t := j.(type) {
	case string:
		return slog.StringValue(t)
	case bool:
		return slog.BoolValue(t)
	case int64, int, int8, int16, int32, uint, uint8, uint16, uint32, uint64, float64, float32:
		return anyLogValue(t)
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return slog.Int64Value(n)
		}
		if f, err := t.Float64(); err == nil {
			return floatLogValue(f)
		}
		return slog.StringValue(t.String())
	case []any:
		if a, ok := homogeneous(t); ok {
			return a
		}
	}
	return jsonText(j)
}

// homogeneous returns a list of strings, bools, integers or finite floats
// as a typed array.
func homogeneous(xs []any) (slog.Value, bool) {
	if len(xs) == 0 {
		return slog.Value{}, false
	}
	switch xs[0].(type) {
	case string:
		out := make([]string, len(xs))
		for i, x := range xs {
			s, ok := x.(string)
			if !ok {
				return slog.Value{}, false
			}
			out[i] = s
		}
		return slog.AnyValue(out), true
	case bool:
		out := make([]bool, len(xs))
		for i, x := range xs {
			b, ok := x.(bool)
			if !ok {
				return slog.Value{}, false
			}
			out[i] = b
		}
		return slog.AnyValue(out), true
	case int64:
		out := make([]int64, len(xs))
		for i, x := range xs {
			n, ok := x.(int64)
			if !ok {
				return slog.Value{}, false
			}
			out[i] = n
		}
		return slog.AnyValue(out), true
	case float64:
		out := make([]float64, len(xs))
		for i, x := range xs {
			f, ok := x.(float64)
			if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
				return slog.Value{}, false
			}
			out[i] = f
		}
		return slog.AnyValue(out), true
	}
	return slog.Value{}, false
}

// jsonText returns JSON-ready data as its JSON text.
func jsonText(x any) slog.Value {
	b, err := json.Marshal(x)
	if err != nil {
		return slog.StringValue("!ERROR: " + err.Error())
	}
	return slog.StringValue(string(b))
}
