// The dashboard server's HTTP side with real requests on port 0: /api shapes, static files (MIME types,
// traversal refused, certs/ never served), and token auth on HTTP and on the WebSocket upgrade.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EventBus } from '../../src/events/bus';
import type { TlslabEvent } from '../../src/events/schema';
import type { ConnectionSummary } from '../../src/events/stream';
import { startDashboardServer } from '../../src/server';
import type { DashboardServer } from '../../src/server';
import { closeEvent, okConnection, open, verdict } from '../helpers/events-drafts';
import { RecordingClient, rawGet, upgradeStatus } from '../helpers/server-ws';

let tmp: string;
let roots: { staticDir: string; jsDir: string; forbiddenDir: string };

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'tlslab-server-'));
  roots = { staticDir: path.join(tmp, 'static'), jsDir: path.join(tmp, 'js'), forbiddenDir: path.join(tmp, 'certs') };
  mkdirSync(roots.staticDir);
  mkdirSync(path.join(roots.jsDir, 'dashboard'), { recursive: true });
  mkdirSync(roots.forbiddenDir);
  writeFileSync(path.join(roots.staticDir, 'index.html'), '<!doctype html><title>tlslab</title>');
  writeFileSync(path.join(roots.staticDir, 'app.css'), 'body{}');
  writeFileSync(path.join(roots.staticDir, '.hidden'), 'HIDDEN-CONTENT');
  writeFileSync(path.join(roots.jsDir, 'dashboard', 'main.js'), 'export {};');
  writeFileSync(path.join(roots.jsDir, 'dashboard', 'main.js.map'), '{}');
  // Not a key: only its header, split so no scanner mistakes this file for one holding a key.
  writeFileSync(path.join(roots.forbiddenDir, 'ca.key'), '-----BEGIN ' + 'PRIVATE KEY-----');
  writeFileSync(path.join(tmp, 'outside.txt'), 'OUTSIDE-CONTENT');
  // a symlink inside the static root pointing at the CA key, and one pointing out of the root
  symlinkSync(path.join(roots.forbiddenDir, 'ca.key'), path.join(roots.staticDir, 'key.txt'));
  symlinkSync(path.join(tmp, 'outside.txt'), path.join(roots.staticDir, 'out.txt'));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('dashboard HTTP', () => {
  let bus: EventBus;
  let server: DashboardServer;

  beforeEach(async () => {
    bus = new EventBus();
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, staticRoots: roots });
  });
  afterEach(() => server.close());

  it('reports its URL on 127.0.0.1', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('GET /api/connections: summaries newest first, ?limit, ?failures=1, ?host=', async () => {
    for (const d of okConnection('c1', 'valid.lab.tlslab', 1)) bus.emit(d);
    await new Promise((r) => setTimeout(r, 2));
    for (const d of [open('c2', 'expired.lab.tlslab', 2), verdict('c2', 'expired.lab.tlslab', false, 'block'), closeEvent('c2')]) bus.emit(d);
    await new Promise((r) => setTimeout(r, 2));
    bus.emit(open('c3', 'www.example.test', 3));
    const res = await rawGet(server.port, '/api/connections');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    const list = JSON.parse(res.body) as ConnectionSummary[];
    expect(list.map((s) => s.id)).toEqual(['c3', 'c2', 'c1']);
    const c2 = list[1];
    expect(Object.keys(c2).sort()).toEqual(
      ['cause', 'client', 'clientOutcome', 'closedAt', 'explanation', 'failedLeg', 'id', 'lab', 'lastSeq', 'legs', 'note', 'openedAt', 'policy', 'requests', 'responses', 'sni', 'status', 'target'].sort(),
    );
    expect(c2).toMatchObject({
      id: 'c2', client: { address: '127.0.0.1', port: 2 }, target: { host: 'expired.lab.tlslab', port: 443 }, status: 'failed', failedLeg: 'upstream',
      cause: 'upstream-cert-invalid', policy: 'block', legs: { upstream: { verdict: { ok: false, codes: ['CERT_EXPIRED'] } } },
    });
    expect(typeof c2.openedAt).toBe('number');
    expect(list[0]).toMatchObject({ status: 'open', closedAt: null });
    const limited = JSON.parse((await rawGet(server.port, '/api/connections?limit=1')).body) as ConnectionSummary[];
    expect(limited.map((s) => s.id)).toEqual(['c3']);
    const failures = JSON.parse((await rawGet(server.port, '/api/connections?failures=1')).body) as ConnectionSummary[];
    expect(failures.map((s) => s.id)).toEqual(['c2']);
    const host = JSON.parse((await rawGet(server.port, '/api/connections?host=example')).body) as ConnectionSummary[];
    expect(host.map((s) => s.id)).toEqual(['c3']);
    expect((await rawGet(server.port, '/api/connections?limit=-3')).status).toBe(400);
  });

  it('GET /api/connections/:id and /:id/events; unknown ids are 404 with a code', async () => {
    for (const d of okConnection('c1')) bus.emit(d);
    const one = await rawGet(server.port, '/api/connections/c1');
    expect(JSON.parse(one.body)).toMatchObject({ id: 'c1', status: 'ok', requests: 1 });
    const events = JSON.parse((await rawGet(server.port, '/api/connections/c1/events')).body) as TlslabEvent[];
    expect(events.map((e) => e.type)).toEqual(okConnection('c1').map((d) => d.type));
    expect(events.every((e) => e.conn === 'c1' && e.v === 1)).toBe(true);
    const missing = await rawGet(server.port, '/api/connections/nope/events');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: 'not-found' });
    expect((await rawGet(server.port, '/api/connections/c1', {}, 'POST')).status).toBe(405);
  });

  it('GET /api/health', async () => {
    bus.emit(open('c1'));
    const h = JSON.parse((await rawGet(server.port, '/api/health')).body);
    expect(h).toMatchObject({ ok: true, schema: 1, seq: 1, history: { events: 1, evicted: 0, maxEvents: 50_000 }, connections: 1, streams: { clients: 0, queued: 0 } });
  });

  it('serves the page, /static and /js with their MIME types and no-cache', async () => {
    const index = await rawGet(server.port, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body).toContain('<title>tlslab</title>');
    expect((await rawGet(server.port, '/static/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const js = await rawGet(server.port, '/js/dashboard/main.js');
    expect([js.status, js.headers['content-type'], js.body]).toEqual([200, 'text/javascript; charset=utf-8', 'export {};']);
    expect((await rawGet(server.port, '/js/dashboard/main.js.map')).headers['content-type']).toBe('application/json; charset=utf-8');
    const head = await rawGet(server.port, '/static/app.css', {}, 'HEAD');
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, '6', '']);
    expect((await rawGet(server.port, '/js/dashboard/nope.js')).status).toBe(404);
  });

  it.each([
    '/static/../certs/ca.key',
    '/static/..%2fcerts%2fca.key',
    '/static/%2e%2e/%2e%2e/outside.txt',
    '/static/..%5c..%5coutside.txt',
    '/static/%2e%2e%2f%2e%2e%2foutside.txt',
    '/js/../../certs/ca.key',
    '/js/..%2f..%2fcerts/ca.key',
    '/static/.hidden',
    '/static/key.txt', // symlink to certs/ca.key
    '/static/out.txt', // symlink out of the root
    '/static/%00index.html',
    '/static/%E0%A4%A',
    '/static/',
    '/certs/ca.key',
    '//etc/passwd',
    '/static//etc/passwd',
  ])('refuses %s', async (p) => {
    const res = await rawGet(server.port, p);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body).not.toContain('PRIVATE KEY');
    expect(res.body).not.toContain('OUTSIDE-CONTENT');
    expect(res.body).not.toContain('HIDDEN-CONTENT');
    expect(res.body).not.toContain('root:');
  });

  it('refuses other methods on files', async () => {
    expect((await rawGet(server.port, '/', {}, 'DELETE')).status).toBe(405);
  });

  it('refuses requests whose Host is not a loopback name (DNS rebinding) and cross-origin WebSockets', async () => {
    const r = await rawGet(server.port, '/api/connections', { Host: 'attacker.example:8081' });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'TLSLAB_ERR_AUTH' });
    expect((await rawGet(server.port, '/api/health', { Host: `localhost:${server.port}` })).status).toBe(200);
    const ws = `ws://127.0.0.1:${server.port}/ws`;
    expect(await upgradeStatus(ws, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(ws, { Origin: `http://127.0.0.1:${server.port}` })).toBe(101);
    expect(await upgradeStatus(ws)).toBe(101);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/other`)).toBe(404);
  });
});

describe('dashboard token auth', () => {
  const TOKEN = 'k3Jd9-secret-token';
  let bus: EventBus;
  let server: DashboardServer;

  beforeEach(async () => {
    bus = new EventBus();
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, token: TOKEN, staticRoots: roots });
  });
  afterEach(() => server.close());

  it('keeps the token out of its address; only the login link carries it, once', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.loginUrl).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
  });

  it('trades /?token=… for the cookie with a 303 to the same page without the token', async () => {
    const res = await rawGet(server.port, `/?conn=c2&token=${TOKEN}&theme=light`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/?conn=c2&theme=light');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toBe(`tlslab_token=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`);
    expect((await rawGet(server.port, `/?token=${TOKEN}`)).headers.location).toBe('/');
    const page = await rawGet(server.port, '/?conn=c2&theme=light', { Cookie: cookie.split(';')[0] });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(TOKEN);
    expect(page.headers['set-cookie']).toBeUndefined();
    // A wrong token is refused, not redirected; the API still takes ?token= (scripts) without a redirect.
    expect((await rawGet(server.port, '/?token=wrong')).status).toBe(401);
    expect((await rawGet(server.port, `/api/health?token=${TOKEN}`)).status).toBe(200);
  });

  it('401 with TLSLAB_ERR_AUTH without the token or with a wrong one; 200 with it (query, bearer, cookie)', async () => {
    for (const p of ['/', '/api/connections', '/api/health', '/static/app.css', '/js/dashboard/main.js']) {
      const res = await rawGet(server.port, p);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'TLSLAB_ERR_AUTH' });
    }
    expect((await rawGet(server.port, '/api/health?token=wrong')).status).toBe(401);
    expect((await rawGet(server.port, '/api/health', { Authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    expect((await rawGet(server.port, `/api/health?token=${TOKEN}`)).status).toBe(200);
    expect((await rawGet(server.port, '/api/health', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const page = await rawGet(server.port, `/?token=${TOKEN}`);
    expect(page.status).toBe(303);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const pair = cookie.split(';')[0];
    expect((await rawGet(server.port, '/js/dashboard/main.js', { Cookie: `other=1; ${pair}` })).status).toBe(200);
    // any Host is fine once the token is presented (the token, not the name, protects a non-loopback bind)
    expect((await rawGet(server.port, '/api/health', { Authorization: `Bearer ${TOKEN}`, Host: 'lab-pc.example:8081' })).status).toBe(200);
  });

  it('refuses the WebSocket upgrade without the token; accepts it with the token', async () => {
    const ws = `ws://127.0.0.1:${server.port}/ws`;
    expect(await upgradeStatus(ws)).toBe(401);
    expect(await upgradeStatus(`${ws}?token=nope`)).toBe(401);
    expect(await upgradeStatus(`${ws}?token=${TOKEN}`)).toBe(101);
    expect(await upgradeStatus(ws, { Authorization: `Bearer ${TOKEN}` })).toBe(101);
    const c = new RecordingClient(ws, { Cookie: `tlslab_token=${TOKEN}` });
    await c.opened();
    await c.until((m) => m.length >= 2, 5000, 'snapshot');
    expect(c.messages[0].kind).toBe('hello');
    await c.close();
  });

  it('refuses to listen on a non-loopback address without a token', async () => {
    await expect(startDashboardServer({ bus, host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'TLSLAB_ERR_USAGE' });
  });
});
