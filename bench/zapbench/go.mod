module github.com/sentrylog/sentrylog/bench/zapbench

go 1.25.0

replace github.com/sentrylog/sentrylog => ../../

require (
	github.com/TheZeroSlave/zapsentry v1.23.0
	github.com/getsentry/sentry-go v0.45.1
	github.com/sentrylog/sentrylog v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.11.1
	go.uber.org/goleak v1.3.0
	go.uber.org/zap v1.24.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	go.uber.org/atomic v1.7.0 // indirect
	go.uber.org/multierr v1.6.0 // indirect
	golang.org/x/sys v0.18.0 // indirect
	golang.org/x/text v0.14.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
