package core

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/sentrylog/sentrylog/core/protocol"
	"log/slog"
	"maps"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// buildEvent turns a capture into an event on the worker. It returns the
// error the event was made from, for ignore rules and the hint.
func (c *Client) buildEvent(p *pending) (*Event, error) {
	var ev *Event
	var err error
	if p.kind == kindEvent {
		ev = p.ev
		if ev.Level == levelUnset {
			ev.Level = LevelError // Sentry's default for an event
		}
	} else if c.recycle != nil {
		c.memo.box = getBox()
		ev = &c.memo.box.ev
		ev.Level = p.level
	} else {
		ev = &Event{Level: p.level}
	}
	if ev.EventID == "" {
		ev.EventID = p.id
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = p.when
	}
	ev.Platform = "go"
	switch p.kind {
	case kindRecord:
		err = c.fromRecord(ev, p)
	case kindException:
		err = p.err
		ev.Exception = c.exceptions(p.err, "generic", true, func() []protocol.Frame {
			return c.framesFromPCs(p.pcs, 0)
		})
	case kindPanic:
		err = p.err
		origin := p.msg
		if origin == "" {
			origin = "panic"
		}
		ev.Exception = c.exceptions(p.err, origin, false, func() []protocol.Frame {
			return c.framesFromPCs(panicFrames(p.pcs), 0)
		})
		if pv, ok := p.err.(*panicValue); ok {
			ev.Exception[len(ev.Exception)-1].Type = "panic"
			ev.Exception[len(ev.Exception)-1].Module = ""
			err = fmt.Errorf("panic: %s", pv.Error())
		}
	case kindMessage:
		ev.Message = c.newLogEntry(p.msg) // cut after scrubbing
		if c.opts.AttachStacktrace {
			if fr := c.framesFromPCs(p.pcs, 0); len(fr) > 0 {
				ev.Stacktrace = &protocol.Stacktrace{Frames: fr}
			}
		}
	}
	c.fillDefaults(ev)
	return ev, err
}

// panicFrames drops the frames of the deferred call that recovered: what
// remains starts at the function that panicked.
func panicFrames(pcs []uintptr) []uintptr {
	for j, pc := range pcs {
		if fn := runtime.FuncForPC(pc - 1); fn != nil && fn.Name() == "runtime.gopanic" {
			return pcs[j+1:]
		}
	}
	return pcs
}

func (c *Client) fromRecord(ev *Event, p *pending) error {
	r := &p.rec
	ev.Level = r.Level
	ev.Logger = r.Logger
	if r.Message != "" {
		ev.Message = c.newLogEntry(r.Message) // cut after scrubbing
	}
	m := attrMapping{tagKeys: r.TagKeys, special: true}
	if b := c.memo.box; b != nil {
		m.log = b.logMap()
	}
	m.mapAttrs(r.Pre, r.Groups, r.Attrs)
	err := m.primaryError()
	if len(m.log) > 0 {
		// Room for the defaults fillDefaults adds: the map does not grow.
		ev.Contexts = c.newContexts(len(c.contexts) + 2)
		ev.Contexts["log"] = m.log
	}
	ev.Tags = m.tags
	ev.User = m.user
	ev.Fingerprint = m.fingerprint
	if m.request != nil {
		ev.Request = newRequest(m.request, c.opts.SendDefaultPII, nil)
	}
	stack := func() []protocol.Frame {
		if len(r.Frames) > 0 {
			return r.Frames
		}
		return c.framesFromPCs(p.pcs, r.PC)
	}
	if err != nil && len(r.Frames) == 0 && c.sealed() {
		ev.Exception = c.recordExceptions(err, r.Origin, fromCallSite(p.pcs, r.PC))
	} else if err != nil {
		ev.Exception = c.exceptions(err, r.Origin, true, stack)
		if len(r.Frames) > 0 {
			ev.Exception[len(ev.Exception)-1].Stacktrace = &protocol.Stacktrace{Frames: r.Frames}
		}
	} else if c.opts.AttachStacktrace {
		if fr := stack(); len(fr) > 0 {
			ev.Stacktrace = &protocol.Stacktrace{Frames: fr}
			if ev.Fingerprint == nil && r.Message != "" {
				// A stack would make Sentry group by the call site; a log
				// message event is grouped by its message.
				ev.Fingerprint = []string{r.Message} // cut after scrubbing
			}
		}
	}
	return err
}

// fillDefaults sets what the client knows and the capture did not say.
func (c *Client) fillDefaults(ev *Event) {
	if ev.Release == "" {
		ev.Release = c.opts.Release
	}
	if ev.Environment == "" {
		ev.Environment = c.opts.Environment
	}
	if ev.ServerName == "" {
		ev.ServerName = c.opts.ServerName
	}
	if ev.Dist == "" {
		ev.Dist = c.opts.Dist
	}
	if ev.SDK == nil {
		if c.shareDefaults { // no user code sees the event: it may share it
			ev.SDK = &c.sdk
		} else {
			sdk := c.sdk
			ev.SDK = &sdk
		}
	}
	if c.sealed() {
		c.deferDefaults()
		return
	}
	if ev.Contexts == nil {
		ev.Contexts = c.newContexts(len(c.contexts) + 2)
	}
	for k, v := range c.contexts {
		if _, ok := ev.Contexts[k]; !ok {
			if !c.shareDefaults {
				v = maps.Clone(v) // user code may change it
			}
			ev.Contexts[k] = v
		}
	}
}

// ownAttrs appends a deep copy of src to dst: group values are copied too,
// since the bridge may reuse their backing arrays after the call, and values
// the program may change after logging them (maps, slices, pointers to
// structs, ...) are converted right away, on the logging goroutine, so the
// worker never reads memory the program writes. Immutable values (strings,
// numbers, times, errors) are kept as they are, at no cost.
func ownAttrs(dst, src []slog.Attr) []slog.Attr {
	dst = slices.Grow(dst, len(src))
	for _, a := range src {
		if mayChange(a.Value) {
			a.Value = ownValue(a.Value)
		}
		dst = append(dst, a)
	}
	return dst
}

// mayChange reports the kinds of value ownValue converts: a group (its slice
// is the program's) and any value of a type slog does not know.
func mayChange(v slog.Value) bool {
	k := v.Kind()
	return k == slog.KindGroup || k == slog.KindAny
}

// ownValue returns v in a form the core may keep (see ownAttrs).
func ownValue(v slog.Value) slog.Value {
	if v.Kind() == slog.KindGroup {
		return slog.GroupValue(ownAttrs(make([]slog.Attr, 0, len(v.Group())), v.Group())...)
	}
	return freeze(v)
}

// freezeAttrs makes attrs, a slice the core was given, its own in place,
// writing only the elements it converts.
func freezeAttrs(attrs []slog.Attr) []slog.Attr {
	for i := range attrs {
		if mayChange(attrs[i].Value) {
			attrs[i].Value = ownValue(attrs[i].Value)
		}
	}
	return attrs
}

// decodeRaw calls a record's Decode, turning a panic into a marked value.
func decodeRaw(decode func(string) []slog.Attr, raw string) (attrs []slog.Attr) {
	defer func() {
		if x := recover(); x != nil {
			attrs = []slog.Attr{{Key: "decode", Value: markPanic("Decode", x)}}
		}
	}()
	return decode(raw)
}

// ownedAttrs implements bridge.OwnAttrs.
func ownedAttrs(attrs []slog.Attr) []slog.Attr {
	if len(attrs) == 0 {
		return nil
	}
	return ownAttrs(make([]slog.Attr, 0, len(attrs)), attrs)
}

// immutable reports whether x's content cannot change: freeze keeps it as
// it is.
func immutable(x any) bool {
	switch x.(type) {
	case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		float32, float64, complex64, complex128, time.Time, time.Duration, json.Number:
		return true
	case error, context.Context:
		return true // errors are values once made; contexts are not read
	}
	return false
}

// freeze returns v when its content cannot change, else a converted copy.
func freeze(v slog.Value) slog.Value {
	if immutable(v.Any()) {
		return v
	}
	switch x := v.Any().(type) {
	case *http.Request:
		if x == nil {
			return v
		}
		// Described now: the request's headers belong to its handler.
		return slog.AnyValue(x.Clone(context.Background()))
	case *User:
		if x == nil {
			return v
		}
		u := *x
		u.Data = maps.Clone(x.Data)
		return slog.AnyValue(u)
	case User:
		x.Data = maps.Clone(x.Data)
		return slog.AnyValue(x)
	case []string:
		return slog.AnyValue(slices.Clone(x))
	}
	return slog.AnyValue(anyToJSON(v.Any(), 0))
}

// crumbData materialises a breadcrumb's data from the record's attributes.
func crumbData(c *crumb) map[string]any {
	attrs := c.attrs
	if c.decode != nil {
		attrs = slices.Concat(decodeRaw(c.decode, c.raw), attrs) // Decode's slice is not ours
	}
	if len(c.pre) == 0 && len(attrs) == 0 {
		return c.b.Data
	}
	m := attrMapping{}
	m.mapAttrs(c.pre, c.groups, attrs)
	if len(m.log) == 0 {
		return c.b.Data
	}
	for k, v := range c.b.Data {
		if _, ok := m.log[k]; !ok {
			m.log[k] = v
		}
	}
	return m.log
}

// sdkPath is the module path reported as the SDK's package.
const sdkPath = "github.com/sentrylog/sentrylog"

func defaultSDK() protocol.SDK {
	return protocol.SDK{
		Name: SDKName, Version: SDKVersion,
		Packages: []protocol.SDKPackage{{Name: "go:" + sdkPath, Version: SDKVersion}},
	}
}

func defaultContexts() map[string]map[string]any {
	return map[string]map[string]any{
		"os":      {"name": runtime.GOOS},
		"runtime": {"name": "go", "version": runtime.Version()},
		"device":  {"arch": runtime.GOARCH, "num_cpu": runtime.NumCPU()},
	}
}

var buildInfo = sync.OnceValue(func() *debug.BuildInfo {
	bi, _ := debug.ReadBuildInfo()
	return bi
})

// buildRelease derives a release from the build: the VCS revision Go
// stamps into binaries built from a checkout, else the main module's
// version.
func buildRelease() string {
	bi := buildInfo()
	if bi == nil {
		return ""
	}
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty, _ = strconv.ParseBool(s.Value)
		}
	}
	if rev != "" {
		if dirty {
			return rev + "-dirty"
		}
		return rev
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return strings.TrimPrefix(bi.Main.Path+"@"+v, "@")
	}
	return ""
}

func mainModule() string {
	if bi := buildInfo(); bi != nil {
		return bi.Main.Path
	}
	return ""
}
