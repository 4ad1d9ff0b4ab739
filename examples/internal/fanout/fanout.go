// Package fanout is a slog.Handler that sends every record to several
// handlers, as slog.NewMultiHandler does from Go 1.26 on; the examples use it
// so that they build with older Go versions too.
package fanout

import (
	"context"
	"errors"
	"log/slog"
)

// Handler sends each record to every handler that is enabled for it.
type Handler []slog.Handler

// Enabled reports whether any handler is enabled for l.
func (f Handler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

// Handle passes a clone of r to each enabled handler.
func (f Handler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

// WithAttrs derives every handler.
func (f Handler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(Handler, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}

// WithGroup derives every handler.
func (f Handler) WithGroup(name string) slog.Handler {
	out := make(Handler, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}
