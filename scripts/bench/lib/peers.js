// Starts the things the proxy benchmark compares, each proxy in a child process of its own: tlslab
// (run-tlslab.js), stock http-mitm-proxy (run-http-mitm-proxy.js), mitmdump (when on PATH), and the origin.
// I/O: child processes, temp folders, loopback TCP. Every child is stopped by its own pid.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { makeEcLeaf } = require('./pki');

const BENCH = path.resolve(__dirname, '..');
const REPO = path.resolve(BENCH, '..', '..');

/** Full path of `cmd` on PATH, or null. */
function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const f = path.join(dir, cmd);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Spawns a child with stdout piped and stderr into `logFile`; returns the child. Its stdin is a pipe that stays
 * open while this process lives: our Node children exit when it closes, so none outlives a killed benchmark.
 */
function spawnLogged(cmd, args, { cwd, env, logFile }) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', log] });
  child.stdin.on('error', () => undefined);
  fs.closeSync(log);
  return child;
}

/** Resolves the first JSON line the child prints on stdout; rejects when it exits first or after `ms`. */
function firstJsonLine(child, ms, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => done(new Error(`${what} did not start within ${ms} ms`)), ms);
    const onData = (c) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl === -1) return;
      try {
        done(null, JSON.parse(buf.slice(0, nl)));
      } catch (err) {
        done(new Error(`${what} printed "${buf.slice(0, nl)}" instead of its port (${err.message})`));
      }
    };
    const onExit = (code, sig) => done(new Error(`${what} exited (${code ?? sig}) before it listened`));
    function done(err, value) {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.stdout.resume(); // keep draining whatever else it prints
      if (err) reject(err);
      else resolve(value);
    }
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP on 127.0.0.1:port (polling), or rejects after `ms`. */
async function waitForPort(port, ms, child, what) {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it listened`);
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${what} did not listen on port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
function stopChild(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The origin (its own process): returns { port, pid, stop }. */
/**
 * The peer `make` builds from the child's first JSON line; when that line does not come (or `make` fails), the child is
 * stopped and the error carries the end of its log.
 */
async function started(child, ms, what, logFile, make) {
  try {
    return make(await firstJsonLine(child, ms, what));
  } catch (err) {
    await stopChild(child);
    throw new Error(`${err.message}\n${tail(logFile)}`, { cause: err });
  }
}

async function startOrigin(pki, work, smallBytes) {
  const logFile = path.join(work, 'origin.log');
  const child = spawnLogged(process.execPath, [path.join(__dirname, 'origin-server.js'), pki.certFile, pki.keyFile, String(smallBytes)], { logFile });
  const info = await firstJsonLine(child, 15000, 'the origin');
  return { port: info.port, pid: child.pid, stop: () => stopChild(child) };
}

/**
 * A peer: `{ name, proxyPort (null for direct), ca (PEM the client trusts), pid, version, stop() }`, or
 * `{ name, skip: reason }` when it cannot run here.
 */
async function startPeer(name, { pki, work, nodeArgs = [], mitmStream = true, tlslabArgs = [], label = name }) {
  const originCa = fs.readFileSync(pki.caFile, 'utf8');
  if (name === 'direct') return { name, proxyPort: null, ca: originCa, pid: null, version: `node ${process.version}`, stop: async () => undefined };
  const dir = fs.mkdtempSync(path.join(work, `${name}-`));
  const logFile = path.join(dir, 'stderr.log');
  if (name === 'tlslab') {
    if (!fs.existsSync(path.join(REPO, 'dist', 'app.js'))) return { name, skip: 'dist/app.js is missing: run `npx tsc -p tsconfig.json` first' };
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const child = spawnLogged(process.execPath, [...nodeArgs, path.join(BENCH, 'run-tlslab.js'), '--parent-pipe', '--certs', path.join(dir, 'certs'), '--upstream-ca', pki.caFile, ...tlslabArgs], { env, logFile, cwd: dir });
    const extra = tlslabArgs.length ? ` ${tlslabArgs.join(' ')}` : '';
    return started(child, 60000, 'tlslab', logFile, (info) => ({ name: label, proxyPort: info.port, ca: fs.readFileSync(info.ca, 'utf8'), pid: child.pid, version: `tlslab ${require(path.join(REPO, 'package.json')).version}${extra}`, stop: () => stopChild(child), logFile }));
  }
  if (name === 'http-mitm-proxy') {
    let version;
    try {
      version = require(require.resolve('http-mitm-proxy/package.json', { paths: [REPO] })).version;
    } catch {
      return { name, skip: 'http-mitm-proxy is not installed (node_modules)' };
    }
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: pki.caFile };
    const child = spawnLogged(process.execPath, [...nodeArgs, path.join(BENCH, 'run-http-mitm-proxy.js'), '--parent-pipe'], { env, logFile, cwd: dir });
    return started(child, 60000, 'http-mitm-proxy', logFile, (info) => ({ name, proxyPort: info.port, ca: fs.readFileSync(info.ca, 'utf8'), pid: child.pid, version: `http-mitm-proxy ${version} (default options)`, stop: () => stopChild(child), logFile }));
  }
  if (name === 'node-relay' || name === 'node-relay-tap' || name === 'node-relay-ec') {
    // The floor: a bare Node CONNECT + two-TLS-legs relay (optionally over tees); it presents the origin's own
    // RSA-2048 certificate, or (node-relay-ec) an ECDSA P-256 one from the same root.
    const leaf = name === 'node-relay-ec' ? makeEcLeaf(pki) : pki;
    const args = [...nodeArgs, path.join(BENCH, 'run-node-relay.js'), '--parent-pipe', '--cert', leaf.certFile, '--key', leaf.keyFile, '--upstream-ca', pki.caFile, ...(name === 'node-relay-tap' ? ['--tap'] : [])];
    const child = spawnLogged(process.execPath, args, { logFile, cwd: dir });
    return started(child, 30000, name, logFile, (info) => ({ name, proxyPort: info.port, ca: originCa, pid: child.pid, version: `${name} (reference: bare Node relay${name === 'node-relay-tap' ? ' over JS tees' : name === 'node-relay-ec' ? ', ECDSA P-256 leaf' : ''})`, stop: () => stopChild(child), logFile }));
  }
  if (name === 'mitmdump') {
    const bin = which('mitmdump');
    if (!bin) return { name, skip: 'mitmdump is not on PATH (Debian: apt-get install mitmproxy)' };
    let version = '?';
    try {
      version = /Mitmproxy:\s*(\S+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 20000 }))?.[1] ?? '?';
    } catch {
      // keep '?'
    }
    const port = await freePort();
    const confdir = path.join(dir, 'conf');
    const child = spawnLogged(bin, ['--listen-host', '127.0.0.1', '--listen-port', String(port), '--set', `confdir=${confdir}`,
      '--set', `ssl_verify_upstream_trusted_ca=${pki.caFile}`, ...(mitmStream ? ['--set', 'stream_large_bodies=1m'] : []), '-q'], { logFile, cwd: dir });
    try {
      await waitForPort(port, 60000, child, 'mitmdump');
      const caFile = path.join(confdir, 'mitmproxy-ca-cert.pem');
      return { name, proxyPort: port, ca: fs.readFileSync(caFile, 'utf8'), pid: child.pid, version: `mitmdump ${version} (defaults${mitmStream ? ' + stream_large_bodies=1m' : ''}, -q)`, stop: () => stopChild(child), logFile };
    } catch (err) {
      await stopChild(child);
      throw new Error(`${err.message}\n${tail(logFile)}`, { cause: err });
    }
  }
  return { name, skip: `unknown peer "${name}"` };
}

function makeWorkDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-bench-proxy-'));
}

module.exports = { startOrigin, startPeer, makeWorkDir, stopChild, which, tail };
