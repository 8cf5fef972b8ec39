// Starts a real tlslab (proxy on 127.0.0.1:0, own CA in a temp dir) for integration tests, and talks through it.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { execFile } from 'node:child_process';
import type net from 'node:net';
import { startTlslab, type RunningTlslab, type TlslabOptions } from '../../src/app';
import type { TlslabEvent } from '../../src/events/schema';

export interface TestTlslab extends RunningTlslab {
  certsDir: string;
  caFile: string;
  events: TlslabEvent[];
  /** Resolves with the first event matching `pred` (already seen or future). */
  waitFor<T extends TlslabEvent>(pred: (e: TlslabEvent) => e is T, timeoutMs?: number): Promise<T>;
  waitFor(pred: (e: TlslabEvent) => boolean, timeoutMs?: number): Promise<TlslabEvent>;
}

export async function startTestTlslab(opts: TlslabOptions = {}): Promise<TestTlslab> {
  const certsDir = opts.certsDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-certs-'));
  const app = await startTlslab({ port: 0, uiPort: false, lab: false, ...opts, certsDir });
  const events: TlslabEvent[] = [];
  const waiters: { pred: (e: TlslabEvent) => boolean; resolve: (e: TlslabEvent) => void }[] = [];
  app.bus.subscribe((e) => {
    events.push(e);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w.pred(e)) {
        waiters.splice(i, 1);
        w.resolve(e);
      }
    }
  });
  const waitFor = (pred: (e: TlslabEvent) => boolean, timeoutMs = 10000): Promise<TlslabEvent> => {
    const seen = events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; saw: ${events.map((e) => e.type).join(', ')}`)), timeoutMs);
      waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e); } });
    });
  };
  const test: TestTlslab = Object.assign(app, { certsDir, caFile: path.join(certsDir, 'tlslab-ca.pem'), events, waitFor });
  return test;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command (no shell), never throwing on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 20000, env: opts.env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Opens a CONNECT tunnel through the proxy and returns the raw socket. */
export function connectTunnel(proxyPort: number, target: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) reject(new Error(`CONNECT answered ${res.statusCode}`));
      else resolve(socket);
    });
    req.on('error', reject);
    req.end();
  });
}

/** TLS through the proxy with Node: resolves once the handshake is done (or fails). */
export async function tlsThroughProxy(proxyPort: number, host: string, port: number, opts: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const socket = await connectTunnel(proxyPort, `${host}:${port}`);
  return new Promise((resolve, reject) => {
    const t = tls.connect({ socket, servername: host, ...opts });
    t.once('secureConnect', () => resolve(t));
    t.once('error', reject);
  });
}
