package slogsentry

import (
	"github.com/sentrylog/sentrylog/internal/bridge"
	"log/slog"
	"runtime"
)

// maxLogValues bounds how many times a chain of LogValuers is followed, as
// slog does.
const maxLogValues = 100

// resolve resolves a LogValuer, following chains, on the logging goroutine
// so that the value is the one of the logging call, as with slog's own
// handlers. A panic in LogValue becomes a marked value rather than an error
// value (an error value would become the event's exception).
func resolve(v slog.Value) slog.Value {
	if v.Kind() != slog.KindLogValuer {
		return v
	}
	return resolveSlow(v)
}

func resolveSlow(v slog.Value) (out slog.Value) {
	defer func() {
		if r := recover(); r != nil {
			out = bridge.PanicValue("LogValue", r)
		}
	}()
	for i := 0; i < maxLogValues && v.Kind() == slog.KindLogValuer; i++ {
		v = v.LogValuer().LogValue()
	}
	if v.Kind() == slog.KindLogValuer {
		return slog.StringValue("!ERROR: LogValue called too many times")
	}
	return v
}

// isEmpty reports whether a is the empty Attr that slog says handlers ignore:
// an empty key with the zero value.
func isEmpty(a slog.Attr) bool {
	return a.Key == "" && a.Value.Kind() == slog.KindAny && a.Value.Any() == nil
}

// converter turns attributes into the form the core takes: LogValuers
// resolved, ReplaceAttr applied, empty attributes and empty groups dropped,
// inline groups (empty key) spliced into their parent.
type converter struct {
	replace func(groups []string, a slog.Attr) slog.Attr
	// own forces group values to be copied, so the result shares no memory
	// with the caller's attributes (WithAttrs: Pre must never change).
	own bool
}

// appendAttr appends the converted a to dst. groups are the names of the
// groups a is in; they are only needed, and only maintained, when a
// ReplaceAttr function is set.
func (cv converter) appendAttr(dst []slog.Attr, groups []string, a slog.Attr) []slog.Attr {
	a.Value = resolve(a.Value)
	if cv.replace != nil && a.Value.Kind() != slog.KindGroup {
		a = cv.replaceAttr(groups, a)
		a.Value = resolve(a.Value)
	}
	if isEmpty(a) {
		return dst
	}
	if a.Value.Kind() != slog.KindGroup {
		return append(dst, a)
	}
	g := a.Value.Group()
	if len(g) == 0 {
		return dst // empty groups are omitted
	}
	if !cv.own && cv.replace == nil && !needsWork(g) {
		if a.Key == "" {
			return append(dst, g...)
		}
		return append(dst, a)
	}
	sub := groups
	if cv.replace != nil && a.Key != "" {
		sub = append(groups[:len(groups):len(groups)], a.Key)
	}
	if a.Key == "" {
		for _, ga := range g {
			dst = cv.appendAttr(dst, sub, ga)
		}
		return dst
	}
	members := make([]slog.Attr, 0, len(g))
	for _, ga := range g {
		members = cv.appendAttr(members, sub, ga)
	}
	if len(members) == 0 {
		return dst
	}
	return append(dst, slog.Attr{Key: a.Key, Value: slog.GroupValue(members...)})
}

// needsWork reports whether a group holds something that must be resolved or
// dropped: a LogValuer, an empty attribute or group, an inline group.
func needsWork(g []slog.Attr) bool {
	for _, a := range g {
		switch a.Value.Kind() {
		case slog.KindLogValuer:
			return true
		case slog.KindGroup:
			if a.Key == "" || needsWork(a.Value.Group()) || len(a.Value.Group()) == 0 {
				return true
			}
		case slog.KindAny:
			if isEmpty(a) {
				return true
			}
		}
	}
	return false
}

// replaceAttr calls the user's ReplaceAttr, turning a panic into a marked
// value under the original key.
func (cv converter) replaceAttr(groups []string, a slog.Attr) (out slog.Attr) {
	defer func() {
		if r := recover(); r != nil {
			out = slog.Attr{Key: a.Key, Value: bridge.PanicValue("ReplaceAttr", r)}
		}
	}()
	return cv.replace(groups, a)
}

// sourceAttr returns the "source" attribute for the call site pc, after
// ReplaceAttr; ok is false when it was dropped.
func (cv converter) sourceAttr(pc uintptr) (slog.Attr, bool) {
	fs := runtime.CallersFrames([]uintptr{pc})
	f, _ := fs.Next()
	a := slog.Any(slog.SourceKey, &slog.Source{Function: f.Function, File: f.File, Line: f.Line})
	if cv.replace != nil {
		a = cv.replaceAttr(nil, a)
		a.Value = resolve(a.Value)
	}
	if isEmpty(a) {
		return a, false
	}
	if a.Value.Kind() == slog.KindAny {
		if s, ok := a.Value.Any().(*slog.Source); ok {
			if s == nil {
				return a, false
			}
			a.Value = slog.GroupValue(
				slog.String("function", s.Function),
				slog.String("file", s.File),
				slog.Int("line", s.Line),
			)
		}
	}
	return a, true
}
