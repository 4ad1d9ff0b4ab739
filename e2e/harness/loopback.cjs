// Preloaded (node --require ./loopback.cjs) by both receivers so that
// whatever they start listens on 127.0.0.1 only and nothing reaches past the
// loopback interface: every server is bound to 127.0.0.1 whatever address
// the library asked for, and outbound connections to other hosts (telemetry,
// update checks) fail.
'use strict';

const net = require('node:net');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function loopbackListen(...args) {
  const cb = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
  const first = args[0];
  let options;
  if (first !== null && typeof first === 'object') {
    if (first.path != null || first._handle != null || first.fd != null) {
      // A Unix socket or an inherited handle: not a TCP address, leave it.
      return cb ? listen.call(this, ...args, cb) : listen.call(this, ...args);
    }
    options = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    // listen(path): a Unix socket.
    return cb ? listen.call(this, ...args, cb) : listen.call(this, ...args);
  } else {
    options = { port: first === undefined || first === null ? 0 : Number(first), host: '127.0.0.1' };
  }
  return cb ? listen.call(this, options, cb) : listen.call(this, options);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function loopbackConnect(...args) {
  // net.connect and friends pass their normalized [options, cb] array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (first !== null && typeof first === 'object') {
    if (first.path == null) host = first.host == null ? 'localhost' : first.host;
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  }
  if (host !== undefined && !LOOPBACK.has(String(host).replace(/^\[|\]$/g, ''))) {
    const err = new Error(`e2e harness: outbound connection to ${host} blocked (loopback only)`);
    process.stderr.write(`${err.message}\n`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};

// Exit when the parent closes our stdin, so that a receiver never outlives
// the test that started it, even if that test is killed.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
