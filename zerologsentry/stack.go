package zerologsentry

import (
	"errors"
	"github.com/sentrylog/sentrylog/core/protocol"
	"github.com/sentrylog/sentrylog/internal/bridge"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

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

// stackErrors hands the errors MarshalStack saw to the Writers.
var stackErrors handoff

// stackMarked says MarshalStack has run: from then on lines below the
// Writers' thresholds are searched for its marker too.
var stackMarked atomic.Bool

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
// and "line" (a number); a marker at its end, which the Writer cuts out,
// ties the line to the error. Lines that reach only other writers
// keep the marker, a string element starting with "\u0000sentrylog#".
func MarshalStack(err error) any {
	if err == nil {
		return nil
	}
	s := &stackValue{}
	if pcs := ownPCs(err); len(pcs) > 0 {
		s.pcs = pcs
	} else {
		var buf [64]uintptr
		n := runtime.Callers(2, buf[:])
		s.pcs = append([]uintptr(nil), buf[:n]...)
	}
	s.id = stackErrors.put(err)
	stackMarked.Store(true)
	return s
}

// stackValue is MarshalStack's result; zerolog writes it with
// json.Marshal.
type stackValue struct {
	pcs []uintptr
	id  uint64
}

// MarshalJSON writes the frames outside zerolog and this package, innermost
// first, then the marker.
func (s *stackValue) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64+96*len(s.pcs))
	b = append(b, '[')
	if len(s.pcs) > 0 {
		frames := runtime.CallersFrames(s.pcs)
		for {
			f, more := frames.Next()
			if f.Function != "" && !isLibrary(f.Function) && f.Function != "runtime.goexit" {
				if len(b) > 1 {
					b = append(b, ',')
				}
				b = append(b, `{"func":`...)
				b = strconv.AppendQuote(b, f.Function)
				b = append(b, `,"source":`...)
				b = strconv.AppendQuote(b, f.File)
				b = append(b, `,"line":`...)
				b = strconv.AppendInt(b, int64(f.Line), 10)
				b = append(b, '}')
			}
			if !more {
				break
			}
		}
	}
	if s.id != 0 {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, markerPrefix+"#"...)
		b = strconv.AppendUint(b, s.id, 10)
		b = append(b, '"')
	}
	return append(b, ']'), nil
}

func isLibrary(function string) bool {
	return strings.HasPrefix(function, "github.com/rs/zerolog") ||
		strings.HasPrefix(function, "github.com/sentrylog/sentrylog/zerologsentry.")
}

// ownPCs returns the stack the innermost error of err's chain that recorded
// one recorded (bridge.ErrorPCs: a Callers method, or a pkg/errors-style
// StackTrace method).
func ownPCs(err error) (pcs []uintptr) {
	defer func() {
		if recover() != nil {
			pcs = nil
		}
	}()
	for e, depth := err, 0; e != nil && depth < 16; e, depth = errors.Unwrap(e), depth+1 {
		if p := bridge.ErrorPCs(e); len(p) > 0 {
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
func parseStack(js string, c *core.Client) []protocol.Frame {
	if js == "" || js[0] != '[' {
		return nil
	}
	d := &decoder{s: js}
	v, err := d.array()
	if err != nil {
		return nil
	}
	var frames []protocol.Frame
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
		frames = append(frames, bridge.Frame(c, fn, file, line))
	}
	return frames
}
