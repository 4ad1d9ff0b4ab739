// Package zapbench compares sentrylog's zap core with TheZeroSlave/zapsentry
// and zap's own JSON core, on the workload of package bench.
//
// It is a module of its own because zapsentry v1.23.0, its latest release,
// sets sentry.Event.Extra, a field sentry-go removed in v0.46.0; Go builds one
// version of a module per build, so zapsentry is measured with sentry-go
// v0.45.1 (the last release it compiles with) while the rest of bench uses
// v0.47.0. The workload is repeated here rather than imported, so that this
// module does not depend on the other one.
package zapbench
