// Package slogsentry sends what a program logs with log/slog to Sentry. Its
// Handler is an ordinary slog.Handler: put it beside the handler you already
// have (slog.NewMultiHandler, or any fan-out) and your log output stays as it
// is.
package slogsentry
