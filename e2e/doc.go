// Package e2e holds the end-to-end tests: clients of this module send
// through the real HTTP transport to real Sentry-protocol receivers from npm
// (Spotlight and sentry-testkit, pinned in harness/package.json), started
// on 127.0.0.1 by the tests and
// stopped by PID.
//
// Install the receivers once with `bash .ci/install-e2e.sh`. Without node
// or without harness/node_modules the tests skip with a message saying so;
// with SENTRYLOG_REQUIRE_SHARED=1 (set by .ci/run) they fail instead.
package e2e
