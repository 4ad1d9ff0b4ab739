package zerologsentry

import (
	"log/slog"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
)

// addCrumb hands a breadcrumb to the client without decoding its fields: a
// scope keeps only its last breadcrumbs and most are never sent, so the line
// is decoded when an event (or BeforeBreadcrumb) first needs its data. Only
// the message and the timestamp are read now, from where zerolog puts them:
// the message is always the line's last field, and the timestamp of
// With().Timestamp() (a hook, like ours) comes right before it.
func (w *Writer) addCrumb(c *core.Client, lvl core.Level, line []byte, rec *core.Record) {
	s := string(line)
	lf := &lazyFields{line: s}
	msg, msgAt, found := lastMessage(s)
	rec.Message = msg
	lf.keepMsg = !found // a message elsewhere stays in the data
	if t, ok := timeBefore(s, msgAt); ok {
		rec.Time = t
	} else {
		lf.keepTime = true
	}
	lf.attr[0] = slog.Attr{Value: slog.AnyValue(lf)}            // no key: inlined
	rec.Level, rec.Attrs, rec.GiveAttrs = lvl, lf.attr[:], true // lf is this record's alone
	c.AddRecordBreadcrumb(rec)
}

// lastMessage returns the message field's value when it is the line's last
// field (found), and where its key starts, else the line's closing brace.
// It reads backwards from the end, so its cost is the message's length, not
// the line's.
func lastMessage(s string) (msg string, at int, found bool) {
	end := len(s)
	for end > 0 && isSpace(s[end-1]) {
		end--
	}
	if end == 0 || s[end-1] != '}' {
		return "", end, false
	}
	end--
	open := stringStart(s, end)
	if open < 0 {
		return "", end, false
	}
	key := keyBefore(s, open, zerolog.MessageFieldName)
	if key < 0 {
		return "", end, false
	}
	d := decoder{s: s[:end], i: open}
	msg, err := d.str()
	if err != nil {
		return "", end, false
	}
	return msg, key, true
}

// timeBefore reads the timestamp field when it is the field right before
// at: `"time":<value>,` ending at at, or at the closing brace.
func timeBefore(s string, at int) (t time.Time, ok bool) {
	end := at
	if end > 0 && s[end-1] == ',' {
		end--
	}
	var start int
	if end > 0 && s[end-1] == '"' {
		start = stringStart(s, end)
	} else {
		start = end
		for start > 0 && (s[start-1] >= '0' && s[start-1] <= '9' || s[start-1] == '-' || s[start-1] == '.' ||
			s[start-1] == 'e' || s[start-1] == 'E' || s[start-1] == '+') {
			start--
		}
		if start == end {
			start = -1
		}
	}
	if start < 0 || keyBefore(s, start, zerolog.TimestampFieldName) < 0 {
		return t, false
	}
	return parseTime(s[start:end])
}

// stringStart returns where the JSON string ending just before end (its
// closing quote at end-1) opens, or -1.
func stringStart(s string, end int) int {
	if end == 0 || s[end-1] != '"' {
		return -1
	}
	for i := end - 2; i >= 0; i-- {
		if s[i] != '"' {
			continue
		}
		bs := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			bs++
		}
		if bs%2 == 0 {
			return i // an unescaped quote
		}
	}
	return -1
}

// keyBefore checks that `,"name":` or `{"name":` ends at value and returns
// where its quote starts, or -1.
func keyBefore(s string, value int, name string) int {
	k := value - len(name) - 3 // `"name":`
	if k < 1 || s[value-1] != ':' || s[value-2] != '"' || s[k] != '"' ||
		s[k+1:value-2] != name || (s[k-1] != ',' && s[k-1] != '{') {
		return -1
	}
	return k
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// lazyFields decodes a breadcrumb's line the first time its data is needed
// (slog.LogValuer: the core resolves it), once.
type lazyFields struct {
	line     string
	keepTime bool // the timestamp was not the breadcrumb's: keep the field
	keepMsg  bool // nor the message
	attr     [1]slog.Attr
	once     sync.Once
	v        slog.Value
}

func (l *lazyFields) LogValue() slog.Value {
	l.once.Do(func() {
		d := &decoder{keepTime: l.keepTime, keepMsg: l.keepMsg}
		_ = d.decodeLine(l.line) // a syntax error keeps what was read
		attrs := d.attrs
		if d.hasErr {
			attrs = append(attrs, slog.String(zerolog.ErrorFieldName, d.errText))
		}
		l.v = slog.GroupValue(attrs...)
	})
	return l.v
}
