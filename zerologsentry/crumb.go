package zerologsentry

import (
	"log/slog"
	"strings"
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
	msg, msgAt := lastMessage(s)
	rec.Message = msg
	if t, ok := timeBefore(s, msgAt); ok {
		rec.Time = t
	} else {
		lf.keepTime = true
	}
	lf.attr[0] = slog.Attr{Value: slog.AnyValue(lf)} // no key: inlined
	rec.Level, rec.Attrs = lvl, lf.attr[:]
	c.AddRecordBreadcrumb(rec)
}

// lastMessage returns the message field's value when it is the line's last
// field, and where its key starts (the line's closing brace without one).
func lastMessage(s string) (string, int) {
	end := strings.LastIndexByte(s, '}')
	if end < 0 {
		return "", len(s)
	}
	i, j := lastKey(s[:end], zerolog.MessageFieldName)
	if i < 0 {
		return "", end
	}
	d := decoder{s: s, i: j}
	d.ws()
	msg, err := d.str()
	d.ws()
	if err != nil || d.i != end {
		return "", end // another field's "message" (in a dict), or none
	}
	return msg, i
}

// timeBefore reads the timestamp field when it is the field right before
// at: `"time":<value>,` ending at at, or at the closing brace.
func timeBefore(s string, at int) (t time.Time, ok bool) {
	head := s[:at]
	if strings.HasSuffix(head, ",") {
		head = head[:len(head)-1]
	}
	i, j := lastKey(head, zerolog.TimestampFieldName)
	if i < 0 {
		return t, false
	}
	js := head[j:]
	if len(js) >= 2 && js[0] == '"' {
		if js[len(js)-1] != '"' || strings.IndexByte(js[1:len(js)-1], '"') >= 0 {
			return t, false // more than one value: the field is not right before
		}
	} else if strings.ContainsAny(js, `",{}[]:`) {
		return t, false
	}
	return parseTime(js)
}

// lastKey finds the last `,"name":` or `{"name":` in s and returns where
// its quote starts and its value begins, or -1.
func lastKey(s, name string) (int, int) {
	for end := len(s); ; {
		i := strings.LastIndex(s[:end], name)
		if i < 0 {
			return -1, -1
		}
		j := i + len(name)
		if i >= 2 && s[i-1] == '"' && (s[i-2] == ',' || s[i-2] == '{') &&
			j+1 < len(s) && s[j] == '"' && s[j+1] == ':' {
			return i - 1, j + 2
		}
		end = i + len(name) - 1 // an earlier match may overlap
		if end <= 0 {
			return -1, -1
		}
	}
}

// lazyFields decodes a breadcrumb's line the first time its data is needed
// (slog.LogValuer: the core resolves it), once.
type lazyFields struct {
	line     string
	keepTime bool // the timestamp was not the breadcrumb's: keep the field
	attr     [1]slog.Attr
	once     sync.Once
	v        slog.Value
}

func (l *lazyFields) LogValue() slog.Value {
	l.once.Do(func() {
		d := &decoder{keepTime: l.keepTime}
		_ = d.decodeLine(l.line) // a syntax error keeps what was read
		attrs := d.attrs
		if d.hasErr {
			attrs = append(attrs, slog.String(zerolog.ErrorFieldName, d.errText))
		}
		l.v = slog.GroupValue(attrs...)
	})
	return l.v
}
