package core

import "context"

// The package-level functions act on the process-wide client set by Init;
// before Init they do nothing.

// CaptureException captures err with the process-wide client.
func CaptureException(ctx context.Context, err error) EventID {
	return CurrentClient().CaptureException(ctx, err)
}

// CaptureMessage captures a message with the process-wide client.
func CaptureMessage(ctx context.Context, msg string, level Level) EventID {
	return CurrentClient().CaptureMessage(ctx, msg, level)
}

// CaptureEvent captures a hand-built event with the process-wide client.
func CaptureEvent(ctx context.Context, ev *Event) EventID {
	return CurrentClient().CaptureEvent(ctx, ev)
}

// Flush flushes the process-wide client.
func Flush(ctx context.Context) bool { return CurrentClient().Flush(ctx) }

// Close closes the process-wide client.
func Close(ctx context.Context) bool { return CurrentClient().Close(ctx) }

// AddBreadcrumb is [Client.AddBreadcrumb] of the process-wide client.
func AddBreadcrumb(ctx context.Context, b *Breadcrumb) {
	CurrentClient().AddBreadcrumb(ctx, b)
}

// scopeFor returns ctx's isolation scope, or the process-wide client's
// global scope.
func scopeFor(ctx context.Context) *Scope {
	if s := IsolationScope(ctx); s != nil {
		return s
	}
	return CurrentClient().Scope()
}

// requestScopeFor returns ctx's isolation scope for per-request data
// (what = the setter's name). Without one the data goes to the global
// scope, where every event of the process carries it; with Debug on, the
// client says so once, since that is almost always a context that missed
// the middleware or NewIsolationScope.
func requestScopeFor(ctx context.Context, what string) *Scope {
	if s := IsolationScope(ctx); s != nil {
		return s
	}
	c := CurrentClient()
	if c != nil && c.debug != nil {
		c.debug.Once("global:"+what, "%s on a context without an isolation scope: "+
			"the value goes to the global scope and into every event of the process; "+
			"use sentryhttp or NewIsolationScope for per-request data", what)
	}
	return c.Scope()
}

// SetTag sets a tag on ctx's isolation scope (or the global scope).
func SetTag(ctx context.Context, key, value string) {
	requestScopeFor(ctx, "SetTag").SetTag(key, value)
}

// SetTags sets tags on ctx's isolation scope (or the global scope).
func SetTags(ctx context.Context, tags map[string]string) {
	requestScopeFor(ctx, "SetTags").SetTags(tags)
}

// SetUser sets the user on ctx's isolation scope (or the global scope).
func SetUser(ctx context.Context, u *User) { requestScopeFor(ctx, "SetUser").SetUser(u) }

// SetContext sets a context on ctx's isolation scope (or the global scope).
func SetContext(ctx context.Context, name string, value map[string]any) {
	scopeFor(ctx).SetContext(name, value)
}
