#!/usr/bin/env bash
# Installs the Node receivers (Spotlight, sentry-testkit) that the e2e tests
# start, exactly as pinned by e2e/harness/package-lock.json. Fails loudly if
# node, npm or the install fails: CI must not silently skip the e2e tests.
set -euo pipefail
cd "$(dirname "$0")/../e2e/harness"

command -v node >/dev/null 2>&1 || { echo "install-e2e: node is not installed" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "install-e2e: npm is not installed" >&2; exit 1; }
echo "== e2e harness: npm ci (node $(node --version), npm $(npm --version))"
if ! npm ci --no-audit --no-fund; then
  echo "install-e2e: npm ci failed in e2e/harness" >&2
  exit 1
fi
test -d node_modules/@spotlightjs/spotlight || { echo "install-e2e: Spotlight missing after npm ci" >&2; exit 1; }
test -d node_modules/sentry-testkit || { echo "install-e2e: sentry-testkit missing after npm ci" >&2; exit 1; }
