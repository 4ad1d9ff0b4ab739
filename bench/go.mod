module github.com/sentrylog/sentrylog/bench

go 1.26.0

replace github.com/sentrylog/sentrylog => ../

require (
	github.com/getsentry/sentry-go v0.47.0
	github.com/getsentry/sentry-go/logrus v0.47.0
	github.com/getsentry/sentry-go/slog v0.47.0
	github.com/getsentry/sentry-go/zerolog v0.47.0
	github.com/rs/zerolog v1.33.0
	github.com/samber/slog-sentry/v2 v2.9.3
	github.com/sentrylog/sentrylog v0.0.0-00010101000000-000000000000
	github.com/sirupsen/logrus v1.9.3
	github.com/stretchr/testify v1.11.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	github.com/buger/jsonparser v1.1.2 // indirect
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.22 // indirect
	github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2 // indirect
	github.com/samber/lo v1.47.0 // indirect
	github.com/samber/slog-common v0.18.1 // indirect
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

tool golang.org/x/perf/cmd/benchstat
