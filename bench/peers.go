// Package bench compares sentrylog's bridges with the peers users would pick
// instead, on one workload, in one run. It is its own module so that the
// peers never enter the library's go.mod.
package bench

import (
	_ "github.com/TheZeroSlave/zapsentry"
	_ "github.com/getsentry/sentry-go"
	_ "github.com/getsentry/sentry-go/slog"
	_ "github.com/getsentry/sentry-go/zerolog"
	_ "github.com/samber/slog-sentry/v2"
	_ "github.com/sentrylog/sentrylog/core"
)
