// What tlslab relies on inside http-mitm-proxy (src/proxy/mitm-adapter.ts), checked on the installed package: the
// pinned version, its CA maker, its error methods, its server and port once listening, its one request handler and its
// WebSocket server. A new version that changes any of these fails here, loudly, before it fails a student.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Proxy } from 'http-mitm-proxy';
import { MITM_CA_MODULE, MITM_PROXY_VERSION, createMitmProxy, listenMitm, takeOverRequests, type MitmCaModule, type RequestListener } from '../../../src/proxy/mitm-adapter';

const REPO = path.join(__dirname, '..', '..', '..');
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

function get(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, headers: { host: new URL(target).host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('http-mitm-proxy as tlslab uses it', () => {
  it('is the pinned version, installed and declared', () => {
    const installed = readJson(path.join(REPO, 'node_modules', 'http-mitm-proxy', 'package.json')).version;
    const declared = (readJson(path.join(REPO, 'package.json')).dependencies as Record<string, string>)['http-mitm-proxy'];
    expect({ installed, declared }).toEqual({ installed: MITM_PROXY_VERSION, declared: MITM_PROXY_VERSION });
  });

  it('has the internals the adapter touches, with the shapes it expects', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the deep CommonJS import the adapter replaces
    const ca = require(MITM_CA_MODULE) as MitmCaModule;
    expect(typeof ca.default.create).toBe('function');
    expect(ca.default.create.length).toBe(2); // (folder, callback)
    const proto = Proxy.prototype as unknown as Record<string, unknown>;
    expect(typeof proto._onError).toBe('function');
    expect((proto._onError as (...a: unknown[]) => void).length).toBe(3); // (kind, ctx, err)
    expect(typeof proto._onSocketError).toBe('function');
    expect((proto._onSocketError as (...a: unknown[]) => void).length).toBe(2); // (description, err)
  });

  it('listens with no CA of its own, hands over its server, port and one request handler, and closes its WebSocket server', async () => {
    const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-mitm-'));
    const cwd = process.cwd();
    const errors: string[] = [];
    const proxy = createMitmProxy({ onError: (kind) => errors.push(kind), onSocketError: (d) => errors.push(d) });
    // Its default CA folder is .http-mitm-proxy in the working directory: run there, and see nothing is written.
    process.chdir(caDir);
    let forward: RequestListener | null = null;
    let seen: { server: http.Server; port: number } | null = null;
    try {
      await listenMitm(proxy, { host: '127.0.0.1', port: 0 }, (server, port) => {
        seen = { server, port };
        expect(server).toBeInstanceOf(http.Server);
        expect(server.listenerCount('upgrade')).toBe(1); // its WebSocket server, before the take-over
        forward = takeOverRequests(proxy, server);
      });
    } finally {
      process.chdir(cwd);
    }
    try {
      const { server, port } = seen as unknown as { server: http.Server; port: number };
      expect(port).toBe((server.address() as { port: number }).port);
      expect(server.listenerCount('request')).toBe(0);
      expect(server.listenerCount('upgrade')).toBe(0);
      expect(fs.readdirSync(caDir)).toEqual([]);
      // Its handler, put back, still forwards a plain request through its own onRequest hooks.
      const origin = http.createServer((_q, s) => s.end('from the origin'));
      await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
      server.on('request', forward as unknown as RequestListener);
      const r = await get(port, `http://127.0.0.1:${(origin.address() as { port: number }).port}/x`);
      origin.close();
      expect(r).toEqual({ status: 200, body: 'from the origin' });
      expect(errors).toEqual([]);
    } finally {
      proxy.close();
    }
  });

  it('routes its errors to the handlers given (no console output, no 504 text of its own)', () => {
    const seen: string[] = [];
    const proxy = createMitmProxy({ onError: (kind, _ctx, err) => seen.push(`${kind}: ${err.message}`), onSocketError: (d, err) => seen.push(`${d}: ${err.code}`) });
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      proxy._onError('ON_REQUEST_ERROR', null, new Error('boom'));
      proxy._onSocketError('CLIENT_TO_PROXY_SOCKET', Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(seen).toEqual(['ON_REQUEST_ERROR: boom', 'CLIENT_TO_PROXY_SOCKET: ECONNRESET']);
  });
});
