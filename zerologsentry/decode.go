package zerologsentry

import (
	"errors"
	"log/slog"
	"math"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// maxDepth bounds how deep dicts and arrays are decoded; deeper values are
// kept as their JSON text.
const maxDepth = 32

var errSyntax = errors.New("zerologsentry: line is not a JSON object")

// decoder reads one zerolog JSON line into typed attributes. It is not safe
// for concurrent use; Writers keep them in a pool.
type decoder struct {
	s        string
	i        int
	depth    int
	tmp      []slog.Attr // attributes being built; the top level's come first
	keepTime bool        // keep the timestamp field among the attributes
	keepMsg  bool        // and the message field

	// What the line's top-level fields said.
	msg     string
	time    time.Time
	errText string // the error field's text, when it is a string
	hasErr  bool
	stack   string // the stack field's JSON text, when present
	attrs   []slog.Attr
}

func (d *decoder) reset(s string) {
	clear(d.tmp) // drop references to the last line
	*d = decoder{s: s, tmp: d.tmp[:0], keepTime: d.keepTime, keepMsg: d.keepMsg}
}

// decodeLine reads s, a zerolog line. The field names are read from zerolog's
// globals, so a program that renames them is followed. On a syntax error the
// fields read so far are kept.
func (d *decoder) decodeLine(s string) error {
	d.reset(s)
	d.ws()
	if !d.eat('{') {
		return errSyntax
	}
	err := d.members(true)
	d.attrs = d.tmp
	return err
}

// members reads an object's members after its '{' through its '}'. At the
// top level, zerolog's own fields are taken out.
func (d *decoder) members(top bool) error {
	d.ws()
	if d.eat('}') {
		return nil
	}
	for {
		d.ws()
		key, err := d.str()
		if err != nil {
			return err
		}
		d.ws()
		if !d.eat(':') {
			return errSyntax
		}
		d.ws()
		if top {
			done, err := d.special(key)
			if err != nil {
				return err
			}
			if done {
				goto next
			}
		}
		{
			v, err := d.value()
			if err != nil {
				return err
			}
			d.tmp = append(d.tmp, slog.Attr{Key: key, Value: v})
		}
	next:
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			return nil
		}
		return errSyntax
	}
}

// special takes zerolog's own top-level fields: level (dropped, the writer
// has it), message, timestamp, error and stack. It reports whether it took
// the value.
func (d *decoder) special(key string) (bool, error) {
	switch key {
	case zerolog.LevelFieldName:
		return true, d.skip()
	case zerolog.MessageFieldName:
		if !d.keepMsg && d.peek() == '"' {
			s, err := d.str()
			d.msg = s
			return true, err
		}
	case zerolog.TimestampFieldName:
		if d.keepTime {
			break
		}
		start := d.i
		if err := d.skip(); err != nil {
			return true, err
		}
		if t, ok := parseTime(d.s[start:d.i]); ok {
			d.time = t
			return true, nil
		}
		d.i = start // not a time after all: keep it as a field
	case zerolog.ErrorFieldName:
		if d.peek() == '"' {
			s, err := d.str()
			d.errText, d.hasErr = s, true
			return true, err
		}
	case zerolog.ErrorStackFieldName:
		start := d.i
		err := d.skip()
		d.stack = d.s[start:d.i]
		return true, err
	}
	return false, nil
}

func (d *decoder) peek() byte {
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

func (d *decoder) eat(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *decoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value reads one JSON value as a slog.Value: strings, booleans and numbers
// keep their type (integers as Int64, or Uint64 above its range; others as
// Float64), objects become groups, arrays []any, null a nil Any.
func (d *decoder) value() (slog.Value, error) {
	switch c := d.peek(); {
	case c == '"':
		s, err := d.str()
		return slog.StringValue(s), err
	case c == '{':
		if d.depth >= maxDepth {
			return d.raw()
		}
		d.i++
		d.depth++
		start := len(d.tmp)
		err := d.members(false)
		d.depth--
		g := make([]slog.Attr, len(d.tmp)-start)
		copy(g, d.tmp[start:])
		clear(d.tmp[start:])
		d.tmp = d.tmp[:start]
		return slog.GroupValue(g...), err
	case c == '[':
		if d.depth >= maxDepth {
			return d.raw()
		}
		a, err := d.array()
		return slog.AnyValue(a), err
	default:
		return d.scalar()
	}
}

// raw keeps a value too deep to decode as its JSON text.
func (d *decoder) raw() (slog.Value, error) {
	start := d.i
	err := d.skip()
	return slog.StringValue(d.s[start:d.i]), err
}

// anyValue reads one JSON value as plain Go data (inside arrays).
func (d *decoder) anyValue() (any, error) {
	switch d.peek() {
	case '"':
		return d.str()
	case '{':
		if d.depth >= maxDepth {
			v, err := d.raw()
			return v.String(), err
		}
		d.i++
		d.depth++
		defer func() { d.depth-- }()
		m := map[string]any{}
		d.ws()
		if d.eat('}') {
			return m, nil
		}
		for {
			d.ws()
			k, err := d.str()
			if err != nil {
				return m, err
			}
			d.ws()
			if !d.eat(':') {
				return m, errSyntax
			}
			d.ws()
			v, err := d.anyValue()
			m[k] = v
			if err != nil {
				return m, err
			}
			d.ws()
			if d.eat(',') {
				continue
			}
			if d.eat('}') {
				return m, nil
			}
			return m, errSyntax
		}
	case '[':
		if d.depth >= maxDepth {
			v, err := d.raw()
			return v.String(), err
		}
		return d.array()
	}
	v, err := d.scalar()
	return v.Any(), err
}

func (d *decoder) array() ([]any, error) {
	d.i++ // '['
	d.depth++
	defer func() { d.depth-- }()
	a := []any{}
	d.ws()
	if d.eat(']') {
		return a, nil
	}
	for {
		d.ws()
		v, err := d.anyValue()
		a = append(a, v)
		if err != nil {
			return a, err
		}
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat(']') {
			return a, nil
		}
		return a, errSyntax
	}
}

// scalar reads a number, true, false or null. Numbers without a fraction or
// exponent are integers: Int64, or Uint64 above its range.
func (d *decoder) scalar() (slog.Value, error) {
	rest := d.s[d.i:]
	switch {
	case len(rest) >= 4 && rest[:4] == "true":
		d.i += 4
		return slog.BoolValue(true), nil
	case len(rest) >= 5 && rest[:5] == "false":
		d.i += 5
		return slog.BoolValue(false), nil
	case len(rest) >= 4 && rest[:4] == "null":
		d.i += 4
		return slog.AnyValue(nil), nil
	}
	start, float := d.i, false
	for d.i < len(d.s) {
		c := d.s[d.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' {
			d.i++
		} else if c == '.' || c == 'e' || c == 'E' {
			float = true
			d.i++
		} else {
			break
		}
	}
	num := d.s[start:d.i]
	if num == "" {
		return slog.Value{}, errSyntax
	}
	if !float {
		if n, err := strconv.ParseInt(num, 10, 64); err == nil {
			return slog.Int64Value(n), nil
		}
		if n, err := strconv.ParseUint(num, 10, 64); err == nil {
			return slog.Uint64Value(n), nil
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return slog.StringValue(num), errSyntax
	}
	return slog.Float64Value(f), nil
}

// skip moves past one value.
func (d *decoder) skip() error {
	switch d.peek() {
	case '"':
		_, end, _, err := d.scanStr()
		d.i = end
		return err
	case '{', '[':
		depth := 0
		for d.i < len(d.s) {
			switch d.s[d.i] {
			case '"':
				_, end, _, err := d.scanStr()
				if err != nil {
					return err
				}
				d.i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					d.i++
					return nil
				}
			}
			d.i++
		}
		return errSyntax
	}
	_, err := d.scalar()
	return err
}

// scanStr finds the string starting at d.i: its contents are s[start:end-1];
// escaped says whether they hold escapes.
func (d *decoder) scanStr() (start, end int, escaped bool, err error) {
	if d.peek() != '"' {
		return d.i, d.i, false, errSyntax
	}
	start = d.i + 1
	for j := start; j < len(d.s); j++ {
		switch d.s[j] {
		case '"':
			return start, j + 1, escaped, nil
		case '\\':
			escaped = true
			j++
		}
	}
	return start, len(d.s), escaped, errSyntax
}

// str reads a string. Without escapes it is a substring of the line, so it
// costs no allocation.
func (d *decoder) str() (string, error) {
	start, end, escaped, err := d.scanStr()
	if err != nil {
		return "", err
	}
	d.i = end
	if !escaped {
		return d.s[start : end-1], nil
	}
	return unescape(d.s[start : end-1]), nil
}

// unescape decodes JSON string escapes; malformed ones become U+FFFD.
func unescape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case 'r':
			b = append(b, '\r')
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'u':
			r, n := hex4(s[i+1:])
			i += n
			if utf16.IsSurrogate(r) && n == 4 && i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				r2, n2 := hex4(s[i+3:])
				if n2 == 4 {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						i += 2 + n2
					}
				}
			}
			if utf16.IsSurrogate(r) || n < 4 {
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
		default: // '"', '\\', '/' and anything else stand for themselves
			b = append(b, s[i])
		}
	}
	return string(b)
}

// hex4 reads up to four hex digits and reports how many it read.
func hex4(s string) (rune, int) {
	var r rune
	n := 0
	for n < 4 && n < len(s) {
		c := s[n]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return r, n
		}
		r = r<<4 | rune(c)
		n++
	}
	return r, n
}

// timeSlack is how long after its unit a whole-unit timestamp is still
// taken to be the clock's reading at the time the Writer reads it.
const timeSlack = 50 * time.Millisecond

// lastSecond is the last whole-second timestamp parsed: lines logged in the
// same second share it, and parsing it again is most of the cost of a
// breadcrumb's timestamp.
var lastSecond atomic.Pointer[parsedTime]

type parsedTime struct {
	text, format string
	t            time.Time
	unix         int64 // t in Unix nanoseconds
	// field is the whole timestamp field as zerolog writes it, key and
	// value (`"time":"<text>"`), for timeBefore to compare at once; key is
	// zerolog.TimestampFieldName then.
	field, key string
}

// procStart is a clock reading with a monotonic part: time.Since(procStart)
// reads only the monotonic clock.
var procStart = time.Now()

// clockAnchor is a reading of the wall clock that wallNow counts from.
var clockAnchor atomic.Pointer[clockReading]

type clockReading struct {
	mono time.Duration // time.Since(procStart) at the reading
	wall int64         // the wall clock then, in Unix nanoseconds
}

// wallNow returns the wall clock now, in Unix nanoseconds, with one read of
// the monotonic clock instead of time.Now's two reads: the wall clock read
// at most a second ago plus the monotonic time since. Within that second the
// wall clock's adjustments (NTP's slewing, at most 0.5 ms a second) are not
// followed; for a timestamp's finer digits that is nothing.
func wallNow() int64 {
	mono := time.Since(procStart)
	if a := clockAnchor.Load(); a != nil {
		if d := mono - a.mono; d >= 0 && d < time.Second {
			return a.wall + int64(d)
		}
	}
	t := time.Now()
	clockAnchor.Store(&clockReading{mono: t.Sub(procStart), wall: t.UnixNano()})
	return t.UnixNano()
}

// parseTime reads the timestamp field's JSON text as zerolog.TimeFieldFormat
// wrote it. Formats with whole seconds (RFC 3339, the default) lose what
// finer reading the clock had; when the timestamp agrees with the clock to
// its own precision (or within timeSlack after), the clock's reading is
// used, so breadcrumbs of the same second keep their order and spacing.
func parseTime(js string) (time.Time, bool) {
	var t time.Time
	var prec time.Duration
	unix := int64(math.MinInt64) // t.UnixNano(), when known
	if len(js) > 1 && js[0] == '"' {
		s := js[1 : len(js)-1]
		if last := lastSecond.Load(); last != nil && last.text == s && last.format == zerolog.TimeFieldFormat {
			t, prec, unix = last.t, time.Second, last.unix
		} else {
			var err error
			if t, err = time.Parse(zerolog.TimeFieldFormat, s); err != nil {
				return time.Time{}, false
			}
			if t.Nanosecond() == 0 && nanosFit(t) {
				prec = time.Second
				key := zerolog.TimestampFieldName
				lastSecond.Store(&parsedTime{text: s, format: zerolog.TimeFieldFormat, t: t, unix: t.UnixNano(),
					field: `"` + key + `":"` + s + `"`, key: key})
			}
		}
	} else {
		n, err := strconv.ParseInt(js, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(js, 64)
			if ferr != nil {
				return time.Time{}, false
			}
			n, prec = int64(f), 0
		}
		switch zerolog.TimeFieldFormat {
		case zerolog.TimeFormatUnix:
			t, prec = time.Unix(n, 0), time.Second
		case zerolog.TimeFormatUnixMs:
			t, prec = time.UnixMilli(n), time.Millisecond
		case zerolog.TimeFormatUnixMicro:
			t, prec = time.UnixMicro(n), time.Microsecond
		case zerolog.TimeFormatUnixNano:
			t = time.Unix(0, n)
		default:
			return time.Time{}, false
		}
	}
	if prec > 0 && (unix != math.MinInt64 || nanosFit(t)) { // a cached second fits
		if unix == math.MinInt64 {
			unix = t.UnixNano()
		}
		t = refine(t, unix, prec)
	}
	return t, true
}

// The times whose Unix nanoseconds fit in an int64 (years 1678 to 2262).
var minNanos, maxNanos = time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)

// nanosFit reports whether t.UnixNano is defined.
func nanosFit(t time.Time) bool { return !t.Before(minNanos) && !t.After(maxNanos) }

// refine returns the clock's reading instead of t, a timestamp of precision
// prec (unix: t in Unix nanoseconds), when the two agree to that precision.
// The clock may have ticked into the next unit since the line was stamped:
// a little slack past it is allowed.
func refine(t time.Time, unix int64, prec time.Duration) time.Time {
	if d := time.Duration(wallNow() - unix); d >= 0 && d < prec+timeSlack {
		return t.Add(d)
	}
	return t
}
