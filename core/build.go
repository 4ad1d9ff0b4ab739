package core

// STUB(owner: events helper) — replaced by the real event building.

import (
	"log/slog"
	"runtime"
	"runtime/debug"
)

func (c *Client) buildEvent(p *pending) (*Event, error) {
	ev := &Event{EventID: p.id, Timestamp: p.when, Platform: "go", Level: p.level}
	switch p.kind {
	case kindRecord:
		ev.Level = p.rec.Level
		ev.Message = &LogEntry{Message: p.rec.Message, Formatted: p.rec.Message}
		return ev, nil
	case kindException:
		return ev, p.err
	case kindMessage:
		ev.Message = &LogEntry{Message: p.msg, Formatted: p.msg}
	case kindEvent:
		ev = p.ev
	}
	return ev, nil
}

func ownAttrs(dst, src []slog.Attr) []slog.Attr { return append(dst, src...) }

func crumbData(c *crumb) map[string]any { return nil }

func safeErrorString(err error) string { return err.Error() }

type inAppMatcher struct{}

func newInAppMatcher(include, exclude []string) inAppMatcher { return inAppMatcher{} }

func defaultSDK() SDK { return SDK{Name: SDKName, Version: SDKVersion} }

func defaultContexts() map[string]map[string]any {
	return map[string]map[string]any{"runtime": {"name": "go", "version": runtime.Version()}}
}

func buildRelease() string { return "" }

func mainModule() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Main.Path
	}
	return ""
}
