// Starts Spotlight's sidecar (the receiver only, no UI, no telemetry) on a
// free 127.0.0.1 port and prints {"receiver":"spotlight","port":N} as one
// line on stdout. Run it as: node --require ./loopback.cjs spotlight.mjs
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('./env.cjs');

// Imported after the environment is cleaned. The library API starts the
// server without the command-line program's Sentry instrumentation.
const { setupSpotlight } = await import('@spotlightjs/spotlight');

const log = (level) => (msg) => process.stderr.write(`[spotlight ${level}] ${msg}\n`);
const server = await setupSpotlight({
  port: 0,
  isStandalone: true,
  logger: { info: log('info'), warn: log('warn'), error: log('error'), debug: () => {} },
});
if (!server) {
  process.stderr.write('spotlight: the server did not start\n');
  process.exit(1);
}
const addr = server.address();
if (!addr || addr.address !== '127.0.0.1') {
  process.stderr.write(`spotlight: listening on ${JSON.stringify(addr)}, not 127.0.0.1\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ receiver: 'spotlight', port: addr.port })}\n`);
