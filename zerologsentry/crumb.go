package zerologsentry

import (
	"github.com/sentrylog/sentrylog/internal/bridge"
	"log/slog"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/sentrylog/sentrylog/core"
)

// lineRecord fills rec, for a breadcrumb or a Sentry log, from the line s
// (a copy of zerolog's bytes, see Writer.send) with its message as
// lastMessage read it, without decoding its fields: a scope keeps only its
// last breadcrumbs and most are never sent, so the core keeps the line
// (Record.Raw) and decodes it when an event, BeforeBreadcrumb or the log
// worker needs its data (Record.Decode). Only the message and the
// timestamp are read, from where zerolog puts them: the message is always
// the line's last field, and the timestamp of With().Timestamp() (a hook,
// like ours) comes right before it.
func (w *Writer) lineRecord(lvl core.Level, s, msg string, msgAt int, found bool, rec *bridge.Record) {
	rec.Message = msg
	keepMsg, keepTime := !found, false // a message elsewhere stays in the data
	if t, ok := timeBefore(s, msgAt); ok {
		rec.Time = t
	} else {
		keepTime = true
	}
	rec.Level, rec.Raw, rec.Decode = lvl, s, lineDecoders[b2i(keepTime)<<1|b2i(keepMsg)]
}

// lineDecoders decode a breadcrumb's line for the core (Record.Decode),
// indexed by keepTime<<1 | keepMsg: whether the timestamp and the message
// fields were not the breadcrumb's own and so stay among the attributes.
var lineDecoders = [4]func(string) []slog.Attr{
	func(s string) []slog.Attr { return decodeFields(s, false, false) },
	func(s string) []slog.Attr { return decodeFields(s, false, true) },
	func(s string) []slog.Attr { return decodeFields(s, true, false) },
	func(s string) []slog.Attr { return decodeFields(s, true, true) },
}

// decodeFields returns the attributes of a line: its fields but the level
// (and the time and message, unless kept), the error as text.
func decodeFields(line string, keepTime, keepMsg bool) []slog.Attr {
	d := &decoder{keepTime: keepTime, keepMsg: keepMsg}
	_ = d.decodeLine(line) // a syntax error keeps what was read
	attrs := d.attrs
	if d.hasErr {
		attrs = append(attrs, slog.String(zerolog.ErrorFieldName, d.errText))
	}
	return attrs
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
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
	if body := s[open+1 : end-1]; strings.IndexByte(body, '\\') < 0 {
		return body, key, true // no escapes: the text is the message
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
	// Most lines carry the whole second parsed last: its field, key and
	// value, is compared at once.
	if last := lastSecond.Load(); last != nil && last.format == zerolog.TimeFieldFormat &&
		last.key == zerolog.TimestampFieldName {
		if f := last.field; end > len(f) && s[end-len(f):end] == f &&
			(s[end-len(f)-1] == ',' || s[end-len(f)-1] == '{') {
			return refine(last.t, last.unix, time.Second), true
		}
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
