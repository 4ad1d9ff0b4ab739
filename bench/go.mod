module github.com/sentrylog/sentrylog/bench

go 1.25.0

replace github.com/sentrylog/sentrylog => ../

require (
	github.com/TheZeroSlave/zapsentry v1.23.0 // indirect
	github.com/buger/jsonparser v1.1.2 // indirect
	github.com/getsentry/sentry-go v0.47.0 // indirect
	github.com/getsentry/sentry-go/slog v0.47.0 // indirect
	github.com/getsentry/sentry-go/zerolog v0.47.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.22 // indirect
	github.com/rs/zerolog v1.33.0 // indirect
	github.com/samber/lo v1.47.0 // indirect
	github.com/samber/slog-common v0.18.1 // indirect
	github.com/samber/slog-sentry/v2 v2.9.3 // indirect
	github.com/sentrylog/sentrylog v0.0.0-00010101000000-000000000000 // indirect
	go.uber.org/atomic v1.7.0 // indirect
	go.uber.org/multierr v1.6.0 // indirect
	go.uber.org/zap v1.24.0 // indirect
	golang.org/x/sys v0.44.0 // indirect
	golang.org/x/text v0.37.0 // indirect
)
