package zerologsentry

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/sentrylog/sentrylog/core"
)

// LoggedError is the error an event carries when only the error's text is
// known: zerolog writes an error as its message, so without MarshalStack the
// error's Go type and chain are gone by the time the line reaches the Writer.
// Its exception type reads "error" (core.TypedError): the type is unknown,
// and the stand-in's own name would only mislead.
type LoggedError struct {
	// Text is the error field's value.
	Text string
}

func (e *LoggedError) Error() string { return e.Text }

// ExceptionType implements core.TypedError.
func (e *LoggedError) ExceptionType() (typ, module string) { return "error", "" }

// stackErrors hands the errors MarshalStack saw to the Writers, keyed by
// the goroutine (see handoff).
var stackErrors handoff[*stackValue]

// stackMarshaled says MarshalStack has run: only then do the Writers look
// in stackErrors.
var stackMarshaled atomic.Bool

// MarshalStack is a zerolog.ErrorStackMarshaler that keeps the error for
// Sentry. Set it once, and ask for stacks on the logger or the event:
//
//	zerolog.ErrorStackMarshaler = zerologsentry.MarshalStack
//	logger := zerolog.New(w).Hook(w).With().Stack().Logger()
//
// The error then reaches Sentry whole: its Go types, its wrapped and joined
// errors, and its own stack (a StackTrace or Callers method, as
// github.com/pkg/errors and github.com/go-errors/errors provide) or else
// the stack of the logging call. In the output the stack field is an array
// of frames, innermost first, with the keys of zerolog's pkgerrors
// marshaler: "func" (the function's full name), "source" (the file's path)
// and "line" (a number), and nothing else, whichever writer receives it.
//
// The error reaches a Writer that receives the line on the goroutine that
// logged it (the error waits there, outside the line); a line written on
// another goroutine, by an asynchronous writer in front of the Writer, has
// the stack's frames and the error's text only.
func MarshalStack(err error) any {
	if err == nil {
		return nil
	}
	s := &stackValue{err: err}
	pcs := ownPCs(err)
	if len(pcs) == 0 {
		var buf [64]uintptr
		n := runtime.Callers(2, buf[:])
		pcs = buf[:n]
	}
	s.json = appendFrames(make([]byte, 0, 64+96*len(pcs)), pcs)
	stackErrors.put(curg(), s)
	if !stackMarshaled.Load() {
		stackMarshaled.Store(true)
	}
	return s
}

// stackValue is MarshalStack's result; zerolog writes it with
// json.Marshal (zerolog.InterfaceMarshalFunc).
type stackValue struct {
	err  error
	json []byte // the frames, as MarshalJSON writes them; not changed
}

// MarshalJSON writes the frames outside zerolog and this package, innermost
// first.
func (s *stackValue) MarshalJSON() ([]byte, error) {
	return append([]byte(nil), s.json...), nil
}

// appendFrames appends the frames of pcs outside zerolog and this package,
// innermost first, as a JSON array.
func appendFrames(b []byte, pcs []uintptr) []byte {
	b = append(b, '[')
	first := true
	frames := runtime.CallersFrames(pcs)
	for len(pcs) > 0 {
		f, more := frames.Next()
		if f.Function != "" && !isLibrary(f.Function) && f.Function != "runtime.goexit" {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, `{"func":`...)
			b = appendJSONString(b, f.Function)
			b = append(b, `,"source":`...)
			b = appendJSONString(b, f.File)
			b = append(b, `,"line":`...)
			b = strconv.AppendInt(b, int64(f.Line), 10)
			b = append(b, '}')
		}
		if !more {
			break
		}
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string escaped as encoding/json
// escapes it (<, > and & too, invalid UTF-8 as U+FFFD), so that
// zerolog.InterfaceMarshalFunc, json.Marshal or an encoder without HTML
// escaping, writes MarshalJSON's bytes unchanged and the Writer can
// recognise them (linkedError).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// linkedError returns the error MarshalStack left on this goroutine for the
// line d decoded, or nil. The error is this line's when the line's stack
// field is the frames MarshalStack wrote for it and its error field the
// error's text: a value a goroutine left for a line that never reached a
// Writer (another logger's, a discarded one) matches no other line, unless
// it is the same error logged from the same place.
func linkedError(d *decoder) error {
	if !stackMarshaled.Load() || d.stack == "" || !d.hasErr {
		return nil
	}
	s, ok := stackErrors.take(curg(), func(s **stackValue) bool {
		return string((*s).json) == d.stack && safeText((*s).err) == d.errText
	})
	if !ok {
		return nil
	}
	return s.err
}

// safeText is err.Error(), or "" when it panics.
func safeText(err error) (s string) {
	defer func() {
		if recover() != nil {
			s = ""
		}
	}()
	return err.Error()
}

func isLibrary(function string) bool {
	return strings.HasPrefix(function, "github.com/rs/zerolog") ||
		strings.HasPrefix(function, "github.com/sentrylog/sentrylog/zerologsentry.")
}

// ownPCs returns the stack the innermost error of err's chain that recorded
// one recorded (core.ErrorPCs: a Callers method, or a pkg/errors-style
// StackTrace method).
func ownPCs(err error) (pcs []uintptr) {
	defer func() {
		if recover() != nil {
			pcs = nil
		}
	}()
	for e, depth := err, 0; e != nil && depth < 16; e, depth = errors.Unwrap(e), depth+1 {
		if p := core.ErrorPCs(e); len(p) > 0 {
			pcs = p
		}
	}
	return pcs
}

// parseStack reads a stack field's JSON text, an array of frame objects
// innermost first as MarshalStack and zerolog's pkgerrors marshaler write it
// ({"func", "source" or "file", "line" as a number or a string}), into
// Sentry frames, outermost first. Elements that are not frames are skipped;
// nil means the text held no frame.
func parseStack(js string, c *core.Client) []core.Frame {
	if js == "" || js[0] != '[' {
		return nil
	}
	d := &decoder{s: js}
	v, err := d.array()
	if err != nil {
		return nil
	}
	var frames []core.Frame
	for i := len(v) - 1; i >= 0; i-- {
		m, ok := v[i].(map[string]any)
		if !ok {
			continue
		}
		fn, _ := m["func"].(string)
		file, _ := m["source"].(string)
		if file == "" {
			file, _ = m["file"].(string)
		}
		var line int
		switch l := m["line"].(type) {
		case int64:
			line = int(l)
		case float64:
			line = int(l)
		case string:
			line, _ = strconv.Atoi(l)
		}
		if fn == "" && file == "" {
			continue
		}
		if isLibrary(fn) {
			continue
		}
		frames = append(frames, c.Frame(fn, file, line))
	}
	return frames
}
