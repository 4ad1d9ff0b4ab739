// Starts sentry-testkit's local receiver on a free 127.0.0.1 port for the
// project of the DSN given as the first argument (or $TESTKIT_DSN), and a
// read-back API on a second port:
//   GET /reports, GET /client-reports, GET /logs
//                                      the arrays testkit keeps, as JSON
//   DELETE /reset                      empties them
//   GET /health                        "ok"
// Prints {"receiver":"sentry-testkit","port":N,"api_port":M,"dsn":...} as one
// line on stdout. Run it as: node --require ./loopback.cjs testkit.js <dsn>
'use strict';

require('./env.cjs');
const http = require('node:http');
const sentryTestkit = require('sentry-testkit');

async function main() {
  const dsn = process.argv[2] || process.env.TESTKIT_DSN;
  if (!dsn) throw new Error('usage: testkit.js <dsn>');
  const { testkit, localServer } = sentryTestkit();
  await localServer.start(dsn);
  const local = new URL(localServer.getDsn());

  const api = http.createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    if (req.method === 'GET' && path === '/reports') return send(200, testkit.reports());
    if (req.method === 'GET' && path === '/client-reports') return send(200, testkit.clientReports());
    if (req.method === 'GET' && path === '/logs') return send(200, testkit.logs());
    if (req.method === 'GET' && path === '/health') return send(200, 'ok');
    if (req.method === 'DELETE' && path === '/reset') {
      testkit.reset();
      return send(200, 'ok');
    }
    return send(404, { error: `no route ${req.method} ${path}` });
  });
  await new Promise((resolve, reject) => {
    api.once('error', reject);
    api.listen(0, '127.0.0.1', resolve);
  });

  const port = Number(local.port);
  const key = new URL(dsn).username || 'public';
  const project = local.pathname.replace(/^\//, '');
  process.stdout.write(`${JSON.stringify({
    receiver: 'sentry-testkit',
    port,
    api_port: api.address().port,
    dsn: `http://${key}@127.0.0.1:${port}/${project}`,
  })}\n`);
}

main().catch((err) => {
  process.stderr.write(`sentry-testkit: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
