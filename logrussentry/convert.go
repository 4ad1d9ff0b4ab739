package logrussentry

import (
	"log/slog"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"
)

// maxDepth bounds how deep nested logrus.Fields become groups; deeper ones
// are passed as they are, and the core limits them.
const maxDepth = 10

// appendFields appends the fields of data to attrs as typed attributes,
// sorted by key, except that the field at logrus.ErrorKey comes first when
// the program renamed that key (so that its error is the primary one).
// Nested logrus.Fields and map[string]any values become groups. Only map
// reads and type switches run here: no method of a value is called, so
// nothing here can panic; the core converts the values and recovers from
// their methods.
func appendFields(attrs []slog.Attr, data logrus.Fields, depth int) []slog.Attr {
	start := len(attrs)
	for k, v := range data {
		attrs = append(attrs, slog.Attr{Key: k, Value: fieldValue(v, depth)})
	}
	sortAttrs(attrs[start:], depth)
	return attrs
}

// fieldValue is the attribute value of a field's value.
func fieldValue(v any, depth int) slog.Value {
	if depth < maxDepth {
		switch m := v.(type) {
		case logrus.Fields:
			return slog.GroupValue(appendFields(make([]slog.Attr, 0, len(m)), m, depth+1)...)
		case map[string]any:
			return slog.GroupValue(appendFields(make([]slog.Attr, 0, len(m)), m, depth+1)...)
		}
	}
	return slog.AnyValue(v)
}

// scalarFields appends the fields of data to attrs when none of them is a
// group, and reports whether none was. It allocates nothing, so attrs may
// be an array on the caller's stack.
func scalarFields(attrs []slog.Attr, data logrus.Fields) (_ []slog.Attr, ok bool) {
	for k, v := range data {
		switch v.(type) {
		case logrus.Fields, map[string]any:
			return attrs, false
		}
		a := slog.Attr{Key: k, Value: slog.AnyValue(v)}
		if a.Value.Kind() == slog.KindGroup { // a []slog.Attr value
			return attrs, false
		}
		attrs = append(attrs, a)
	}
	sortAttrs(attrs, 0)
	return attrs, true
}

// sortAttrs sorts a by key, so that a record converts the same way every
// time (Go's maps have no order); at the top level a field at a renamed
// logrus.ErrorKey moves to the front.
func sortAttrs(a []slog.Attr, depth int) {
	if len(a) <= 12 {
		// Insertion sort: no call through a func value, nothing escapes.
		for i := 1; i < len(a); i++ {
			for j := i; j > 0 && a[j].Key < a[j-1].Key; j-- {
				a[j], a[j-1] = a[j-1], a[j]
			}
		}
	} else {
		slices.SortFunc(a, func(x, y slog.Attr) int { return strings.Compare(x.Key, y.Key) })
	}
	if ek := logrus.ErrorKey; depth == 0 && ek != "error" && ek != "err" {
		for i := range a {
			if a[i].Key == ek {
				e := a[i]
				copy(a[1:i+1], a[:i])
				a[0] = e
				break
			}
		}
	}
}

// callSite returns the user's call into logrus as the core takes it, or 0:
// logrus's caller when the logger reports it (ReportCaller) and it is not a
// frame of logrus itself (logrus before v1.5.0 skips a fixed number of
// frames and may report its own Logger.Log or Entry.Error). With 0 the core
// finds the call itself: it drops the frames of logrus and of this package
// from the stack and takes the first other one.
func callSite(e *logrus.Entry) uintptr {
	if f := e.Caller; f != nil && f.PC != 0 && !ownFrame(f.Function, f.File) {
		return f.PC + 1 // a frame's PC is the call instruction
	}
	return 0
}

// ownFrame reports whether a frame is logrus's or this package's (outside
// its tests).
func ownFrame(function, file string) bool {
	switch {
	case strings.HasPrefix(function, "github.com/sirupsen/logrus."),
		strings.HasPrefix(function, "github.com/sirupsen/logrus/"):
		return true
	case strings.HasPrefix(function, "github.com/sentrylog/sentrylog/logrussentry."):
		return !strings.HasSuffix(file, "_test.go")
	}
	return false
}
