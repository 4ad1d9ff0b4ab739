package zerologsentry

import (
	"errors"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/sentrylog/sentrylog/core"
)

// LoggedError is the error an event carries when only the error's text is
// known: zerolog writes an error as its message, so without MarshalStack the
// error's Go type and chain are gone by the time the line reaches the Writer.
// Its exception type reads "*zerologsentry.LoggedError".
type LoggedError struct {
	// Text is the error field's value.
	Text string
}

func (e *LoggedError) Error() string { return e.Text }

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

var uintptrKind = reflect.Uintptr

// ownPCs returns the stack the innermost error of err's chain that recorded
// one recorded: a Callers() []uintptr method, or a StackTrace method
// returning a slice of uintptr-based frames (github.com/pkg/errors), read
// through reflection so that no such package is a dependency.
func ownPCs(err error) (pcs []uintptr) {
	defer func() {
		if recover() != nil {
			pcs = nil
		}
	}()
	for e, depth := err, 0; e != nil && depth < 16; e, depth = errors.Unwrap(e), depth+1 {
		if p := errPCs(e); len(p) > 0 {
			pcs = p
		}
	}
	return pcs
}

func errPCs(err error) []uintptr {
	if e, ok := err.(interface{ Callers() []uintptr }); ok {
		return e.Callers()
	}
	m := reflect.ValueOf(err).MethodByName("StackTrace")
	if !m.IsValid() {
		return nil
	}
	t := m.Type()
	if t.NumIn() != 0 || t.NumOut() != 1 || t.Out(0).Kind() != reflect.Slice || t.Out(0).Elem().Kind() != uintptrKind {
		return nil
	}
	res := m.Call(nil)[0]
	pcs := make([]uintptr, res.Len())
	for i := range pcs {
		pcs[i] = uintptr(res.Index(i).Uint())
	}
	return pcs
}

// parseStack reads a stack field's JSON text, an array of frame objects
// innermost first as MarshalStack and zerolog's pkgerrors marshaler write it
// ({"func", "source" or "file", "line" as a number or a string}), into
// Sentry frames, outermost first. Elements that are not frames are skipped;
// nil means the text held no frame.
func parseStack(js string, opts core.Options) []core.Frame {
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
		frames = append(frames, frame(fn, file, line, opts))
	}
	return frames
}

// frame builds a Sentry frame the way the core does for its own stacks:
// module from the function's package path, in_app from the options.
func frame(function, file string, line int, opts core.Options) core.Frame {
	module, fn := "", function
	slash := strings.LastIndexByte(function, '/')
	if dot := strings.IndexByte(function[slash+1:], '.'); dot >= 0 {
		module, fn = function[:slash+1+dot], function[slash+1+dot+1:]
	}
	f := core.Frame{Function: fn, Module: module, Filename: file, Lineno: line, InApp: inApp(module, opts)}
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		f.AbsPath = file
		f.Filename = file[i+1:]
		if module != "" && module != "main" {
			f.Filename = module + "/" + file[i+1:]
		}
	}
	return f
}

func inApp(module string, opts core.Options) bool {
	if module == "" {
		return false
	}
	for _, p := range opts.InAppExclude {
		if hasPathPrefix(module, p) {
			return false
		}
	}
	for _, p := range opts.InAppInclude {
		if hasPathPrefix(module, p) {
			return true
		}
	}
	return module == "main"
}

func hasPathPrefix(path, prefix string) bool {
	return strings.HasPrefix(path, prefix) &&
		(len(path) == len(prefix) || path[len(prefix)] == '/' || strings.HasSuffix(prefix, "/"))
}
