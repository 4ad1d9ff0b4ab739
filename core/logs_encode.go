package core

import (
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/sentrylog/sentrylog/scrub"
)

// maxLogString bounds a log's body and each string attribute after
// scrubbing; a longer one is cut at a rune boundary and ends with the
// events' cut marker, which gives its original length.
const maxLogString = 8192

// logScrubBuf is the log worker's reusable input to the scrubber.
type logScrubBuf struct {
	crumbs []Breadcrumb
	maps   []map[string]any
	// same marks, per log, the attributes (bit j for attribute j < 64)
	// that are those of the previous log at j, which a scrubber of package
	// scrub would scrub alike: they are not presented again.
	same []uint64
	// crumbOf is, per log, the index of its breadcrumb, or -1 for a log
	// that repeats the previous one and is not presented.
	crumbOf []int
	// held says that maps hold the values of the last logs scrubbed.
	held bool
}

// release empties the maps, so that they keep no value of the program's
// alive while no logs come.
func (sc *logScrubBuf) release() {
	if sc.held {
		for _, m := range sc.maps {
			clear(m)
		}
		sc.held = false
	}
}

// scrub runs the client's scrubber on the logs' bodies and record
// attributes, the same scrubber as for events: the logs are presented to
// it as the breadcrumbs of one event (message = body, data = attributes).
// It reports false when the scrubber panicked: nothing must then be sent.
func (lp *logPipe) scrub(logs []*Log) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			lp.c.debug.Printf("dropping %d logs: the scrubber panicked: %v", len(logs), r)
			ok = false
		}
	}()
	if lp.c.opts.Scrubber == NoScrubber {
		return true
	}
	sc := &lp.sc
	crumbs := sc.crumbs[:0]
	// An attribute that is the previous log's at the same place is not
	// presented again (pure scrubbers only). The string values presented
	// are boxed from one array of the batch's (see boxString), which
	// nothing writes to afterwards.
	_, pure := lp.c.opts.Scrubber.(*scrub.Scrubber)
	sc.same = append(sc.same[:0], make([]uint64, len(logs))...)
	sc.crumbOf = append(sc.crumbOf[:0], make([]int, len(logs))...)
	n := 0
	for i, l := range logs {
		var prev []slog.Attr
		if pure && i > 0 {
			prev = logs[i-1].Attributes[:logs[i-1].scrubN]
		}
		for j, a := range l.Attributes[:l.scrubN] {
			if j < min(len(prev), 64) && sameScalar(a, prev[j]) {
				sc.same[i] |= 1 << j
			} else if a.Value.Kind() == slog.KindString {
				n++
			}
		}
		// A log that is the previous one in its body and every attribute
		// is not presented at all.
		sc.crumbOf[i] = 0
		if prev != nil && l.scrubN == len(prev) && l.scrubN <= 64 && l.Body == logs[i-1].Body &&
			sc.same[i] == 1<<l.scrubN-1 {
			sc.crumbOf[i] = -1
		}
	}
	var strs []string
	if n > 0 {
		strs = make([]string, n)
	}
	for i, l := range logs {
		if sc.crumbOf[i] < 0 {
			continue
		}
		ci := len(crumbs)
		sc.crumbOf[i] = ci
		if ci >= len(sc.maps) {
			sc.maps = append(sc.maps, make(map[string]any))
		}
		m := sc.maps[ci]
		clear(m)
		for j, a := range l.Attributes[:l.scrubN] {
			if j < 64 && sc.same[i]&(1<<j) != 0 {
				continue
			}
			if a.Value.Kind() == slog.KindString {
				strs[0] = a.Value.String()
				m[a.Key] = boxString(&strs[0])
				strs = strs[1:]
				continue
			}
			m[a.Key] = scrubForm(a.Value)
		}
		crumbs = append(crumbs, Breadcrumb{Message: l.Body, Data: m})
	}
	sc.crumbs = crumbs
	sc.held = true
	defer clear(crumbs)
	ev := Event{Breadcrumbs: crumbs}
	lp.c.opts.Scrubber.Scrub(&ev)
	if len(ev.Breadcrumbs) != len(crumbs) {
		return false
	}
	// Package scrub's scrubber never writes into what the event points to:
	// a list or map it hands back unchanged holds what it was given. Any
	// other scrubber may change them in place (the Scrubber contract), so
	// its every breadcrumb is read back and compared with the log.
	if pure && reflect.ValueOf(ev.Breadcrumbs).UnsafePointer() == reflect.ValueOf(crumbs).UnsafePointer() {
		return true // nothing changed
	}
	for i, l := range logs {
		ci := sc.crumbOf[i]
		if ci < 0 { // the previous log's, scrubbed already
			p := logs[i-1]
			l.Body = p.Body
			copy(l.Attributes[:l.scrubN], p.Attributes[:p.scrubN])
			continue
		}
		b := &ev.Breadcrumbs[ci]
		l.Body = b.Message
		for j := range l.Attributes[:l.scrubN] {
			if sc.same[i]&(1<<j) != 0 {
				l.Attributes[j].Value = logs[i-1].Attributes[j].Value // scrubbed already
			}
		}
		if pure && reflect.ValueOf(b.Data).UnsafePointer() == reflect.ValueOf(sc.maps[ci]).UnsafePointer() {
			continue
		}
		for j := range l.Attributes[:l.scrubN] {
			if j < 64 && sc.same[i]&(1<<j) != 0 {
				continue
			}
			a := &l.Attributes[j]
			x, ok := b.Data[a.Key]
			if !ok {
				a.Value = slog.StringValue(scrub.Filtered)
				continue
			}
			if !unchanged(x, a.Value) {
				a.Value = anyLogValue(x)
			}
		}
	}
	return true
}

// boxString returns *p as an interface value without copying the string
// header into an allocation of its own, as converting a string does: the
// value points to *p, which must not change afterwards. The scrubber is
// given a batch's strings this way, one allocation for all of them.
func boxString(p *string) any {
	var x any
	e := (*eface)(unsafe.Pointer(&x))
	e.typ, e.data = stringType, unsafe.Pointer(p)
	return x
}

// eface is the layout of an interface value without methods.
type eface struct {
	typ, data unsafe.Pointer
}

// stringType is the type word of an interface value holding a string.
var stringType = func() unsafe.Pointer {
	var x any = ""
	return (*eface)(unsafe.Pointer(&x)).typ
}()

// sameScalar reports whether a and b have the same key and the same
// string, number or boolean value.
func sameScalar(a, b slog.Attr) bool {
	if a.Key != b.Key || a.Value.Kind() != b.Value.Kind() {
		return false
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return a.Value.String() == b.Value.String()
	case slog.KindInt64:
		return a.Value.Int64() == b.Value.Int64()
	case slog.KindFloat64:
		return a.Value.Float64() == b.Value.Float64()
	case slog.KindBool:
		return a.Value.Bool() == b.Value.Bool()
	}
	return false
}

// unchanged reports whether x, a value the scrubber handed back, is v as
// scrubForm presented it: the same string, number or boolean, or nil for
// nil. Other values are taken as changed (and converted again).
func unchanged(x any, v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		s, ok := x.(string)
		return ok && s == v.String()
	case slog.KindInt64:
		n, ok := x.(int64)
		return ok && n == v.Int64()
	case slog.KindFloat64:
		f, ok := x.(float64)
		return ok && f == v.Float64()
	case slog.KindBool:
		b, ok := x.(bool)
		return ok && b == v.Bool()
	case slog.KindAny:
		return x == nil && v.Any() == nil
	}
	return false
}

// scrubForm returns a log attribute value in the form the scrubber reads.
func scrubForm(v slog.Value) any {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindInt64:
		return v.Int64()
	case slog.KindFloat64:
		return v.Float64()
	case slog.KindBool:
		return v.Bool()
	case slog.KindAny:
		switch t := v.Any().(type) {
		case []string:
			out := make([]any, len(t))
			for i, s := range t {
				out[i] = s
			}
			return out
		case []int64:
			out := make([]any, len(t))
			for i, n := range t {
				out[i] = n
			}
			return out
		}
		return v.Any()
	}
	return v.Any()
}

// blockAt returns the block of attributes that starts at index i of the
// log's attributes, or nil.
func (l *Log) blockAt(i int) *logBlock {
	switch {
	case l.src != nil && i == l.srcAt:
		return l.src
	case l.defs != nil && i == l.defsAt:
		return l.defs
	}
	return nil
}

// cutLog cuts a body or string attribute that is too long, with a marker.
func cutLog(l *Log) {
	if len(l.Body) > maxLogString {
		l.Body = cutString(l.Body, maxLogString)
	}
	for i := range l.Attributes {
		a := &l.Attributes[i]
		if a.Value.Kind() == slog.KindString && len(a.Value.String()) > maxLogString {
			a.Value = slog.StringValue(cutString(a.Value.String(), maxLogString))
		}
	}
}

// logSize is a log's size as Relay counts it for log_byte: the body, and
// per attribute its key and its value (a string's bytes, 1 for a bool, 8
// for a number, an array's elements summed).
func logSize(l *Log) int {
	n := len(l.Body)
	attrs := l.Attributes
	for i := 0; i < len(attrs); i++ {
		if b := l.blockAt(i); b != nil {
			n += b.size
			i += len(b.attrs) - 1
			continue
		}
		n += len(attrs[i].Key) + logValueSize(attrs[i].Value)
	}
	return n
}

// logValueSize is a value's share of logSize.
func logValueSize(v slog.Value) int {
	switch v.Kind() {
	case slog.KindString:
		return len(v.String())
	case slog.KindBool:
		return 1
	case slog.KindAny:
		switch t := v.Any().(type) {
		case []string:
			n := 0
			for _, s := range t {
				n += len(s)
			}
			return n
		case []bool:
			return len(t)
		case []int64:
			return 8 * len(t)
		case []float64:
			return 8 * len(t)
		}
	}
	return 8
}

// appendLogs appends the payload of a log item, {"version":2,"items":[...]},
// to b and returns it with the logs' log_byte size.
func appendLogs(b []byte, logs []*Log) ([]byte, int) {
	size := 0
	b = append(b, `{"version":2,"items":[`...)
	for i, l := range logs {
		if i > 0 {
			b = append(b, ',')
		}
		var n int
		b, n = appendLog(b, l)
		size += n
	}
	b = append(b, "]}"...)
	return b, size
}

// maxKeptEncodeBuf keeps a rare huge batch's buffer from staying around.
const maxKeptEncodeBuf = 1 << 20

// appendLog writes one log object and returns its logSize. A body or
// string attribute still too long is written cut, as cutLog cuts it.
func appendLog(b []byte, l *Log) ([]byte, int) {
	ts := l.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	b = append(b, `{"timestamp":`...)
	b = appendUnixSeconds(b, ts)
	b = append(b, `,"trace_id":`...)
	b = appendJSONString(b, l.TraceID)
	if l.SpanID != "" {
		b = append(b, `,"span_id":`...)
		b = appendJSONString(b, l.SpanID)
	}
	b = append(b, `,"level":"`...)
	b = append(b, l.Level.String()...)
	b = append(b, `","severity_number":`...)
	b = strconv.AppendInt(b, int64(l.Level.SeverityNumber()), 10)
	body := l.Body
	if len(body) > maxLogString {
		body = cutString(body, maxLogString)
	}
	size := len(body)
	b = append(b, `,"body":`...)
	b = appendJSONString(b, body)
	b = append(b, `,"attributes":{`...)
	first := true
	attrs := l.Attributes
	for i := 0; i < len(attrs); i++ {
		if blk := l.blockAt(i); blk != nil {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, blk.json...)
			size += blk.size
			i += len(blk.attrs) - 1
			continue
		}
		a := attrs[i]
		v := a.Value
		k := v.Kind()
		if k == slog.KindString && len(v.String()) > maxLogString {
			v = slog.StringValue(cutString(v.String(), maxLogString))
		}
		switch k {
		case slog.KindString:
			size += len(a.Key) + len(v.String())
		case slog.KindBool:
			size += len(a.Key) + 1
		case slog.KindInt64:
			size += len(a.Key) + 8
		default:
			size += len(a.Key) + logValueSize(v)
		}
		if a.Key == "" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, a.Key)
		switch k {
		case slog.KindString:
			b = append(b, `:{"value":`...)
			b = appendJSONString(b, v.String())
			b = append(b, `,"type":"string"}`...)
		case slog.KindInt64:
			b = append(b, `:{"value":`...)
			b = strconv.AppendInt(b, v.Int64(), 10)
			b = append(b, `,"type":"integer"}`...)
		default:
			b = append(b, ':')
			b = appendLogValue(b, v)
		}
	}
	return append(b, "}}"...), size
}

// appendUnixSeconds writes t as seconds since the epoch with nanosecond
// digits: a JSON number, as Sentry's logs want it.
func appendUnixSeconds(b []byte, t time.Time) []byte {
	sec, ns := t.Unix(), t.Nanosecond()
	if sec < 0 {
		return append(b, '0')
	}
	b = strconv.AppendInt(b, sec, 10)
	b = append(b, '.')
	var d [9]byte
	for i := 8; i >= 0; i-- {
		d[i] = byte('0' + ns%10)
		ns /= 10
	}
	return append(b, d[:]...)
}

// appendLogValue writes {"value":...,"type":...} for one attribute value,
// converting a value of another type (set by BeforeSendLog) first.
func appendLogValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString, slog.KindBool, slog.KindInt64, slog.KindFloat64:
	case slog.KindAny:
		switch v.Any().(type) {
		case []string, []bool, []int64, []float64:
		default:
			v = logValue(v)
		}
	default:
		v = logValue(v)
	}
	b = append(b, `{"value":`...)
	typ := "string"
	switch v.Kind() {
	case slog.KindString:
		b = appendJSONString(b, v.String())
	case slog.KindBool:
		b = strconv.AppendBool(b, v.Bool())
		typ = "boolean"
	case slog.KindInt64:
		b = strconv.AppendInt(b, v.Int64(), 10)
		typ = "integer"
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			b = appendJSONString(b, strconv.FormatFloat(f, 'g', -1, 64))
		} else {
			b = appendFloat(b, f)
			typ = "double"
		}
	default:
		typ = "array"
		b = append(b, '[')
		switch t := v.Any().(type) {
		case []string:
			for i, s := range t {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, s)
			}
		case []bool:
			for i, x := range t {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendBool(b, x)
			}
		case []int64:
			for i, n := range t {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendInt(b, n, 10)
			}
		case []float64:
			for i, f := range t {
				if i > 0 {
					b = append(b, ',')
				}
				if math.IsNaN(f) || math.IsInf(f, 0) {
					f = 0 // logValue turns such arrays into text; only a hand-set one gets here
				}
				b = appendFloat(b, f)
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"type":"`...)
	b = append(b, typ...)
	return append(b, `"}`...)
}

// appendFloat writes a finite float so that it reads back as a double
// (with a fraction or an exponent).
func appendFloat(b []byte, f float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' || c == 'E' {
			return b
		}
	}
	return append(b, ".0"...)
}

const hexDigits = "0123456789abcdef"

// jsonSafe tells the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if jsonSafe[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
