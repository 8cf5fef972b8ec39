// Secrets through a real tlslab with its dashboard (token set): random credentials sent over HTTP/1.1 and HTTP/2 in
// TLS, plain HTTP and WebSockets (wss and ws) must not show in any API response or /ws message, in plain text, hex or
// base64; the dashboard token must not show in the pages proxy clients get, in the logs, or twice in the start banner.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { spawn } from 'node:child_process';
import pino from 'pino';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import type { TlslabEvent } from '../../src/events/schema';
import { makeOriginPki, rawText, type TestPki } from '../helpers/origin';
import { connectTunnel, run, startTestTlslab, tlsThroughProxy, type TestTlslab } from '../helpers/tlslab';
import { RecordingClient } from '../helpers/server-ws';
import { BIN, requireBuilt, REPO } from '../helpers/cli';
import { describeWithTools } from '../helpers/tools';

/** A random secret no run of tlslab could produce by chance: letters and digits only, so JSON never escapes it. */
const secret = (tag: string): string => `${tag}${crypto.randomBytes(15).toString('base64').replace(/[^A-Za-z0-9]/g, 'q')}`;

const TOKEN = secret('Tok');
const S = {
  cookie: secret('Ck'),
  authorization: secret('Az'),
  proxyAuthorization: secret('Pa'),
  setCookie: secret('Sc'),
  queryToken: secret('Qt'),
  queryAccessToken: secret('Qa'),
  queryPassword: secret('Qp'),
  formPassword: secret('Fp'),
  wsCookie: secret('Wc'),
  wsSetCookie: secret('Ws'),
};
const QUERY = `token=${S.queryToken}&access_token=${S.queryAccessToken}&password=${S.queryPassword}`;

/** Every form `s` can take inside a larger text: plain, hex (both cases), base64 at each of the three alignments. */
function encodings(s: string): string[] {
  const b = Buffer.from(s, 'latin1');
  const out = [s, b.toString('hex'), b.toString('hex').toUpperCase()];
  for (let pad = 0; pad < 3; pad++) {
    const enc = Buffer.concat([Buffer.alloc(pad, 0x20), b]).toString('base64');
    // Drop the characters that depend on the neighbours: the first one or two (prefix bytes), the last four.
    const inner = enc.slice(pad === 0 ? 0 : pad + 1, -4);
    out.push(inner, inner.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** Labels of `texts` in which any encoding of a secret appears, as "secretName in label (form)". */
function leaks(texts: Map<string, string>, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    for (const form of encodings(value)) {
      for (const [label, text] of texts) if (text.includes(form)) found.push(`${name} in ${label} (${form === value ? 'plain' : form})`);
    }
  }
  return found;
}

interface Origins {
  https: number;
  plain: number;
  close(): Promise<void>;
}

/** An HTTPS origin (HTTP/1.1 + h2, wss) and a plain one (HTTP, ws): each answers with a Set-Cookie, never echoes. */
async function startOrigins(pki: TestPki): Promise<Origins> {
  const answer = (res: http.ServerResponse | http2.Http2ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': `sid=${S.setCookie}; HttpOnly`, 'content-length': '3' });
    res.end('ok\n');
  };
  const secure = http2.createSecureServer({ cert: pki.certPem, key: pki.keyPem, allowHTTP1: true });
  secure.on('request', (req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  const plain = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('headers', (headers) => headers.push(`Set-Cookie: ws=${S.wsSetCookie}`));
  const upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m: RawData) => ws.send(`echo ${rawText(m).length}`)));
  };
  secure.on('upgrade', upgrade);
  plain.on('upgrade', upgrade);
  const sockets = new Set<net.Socket>();
  for (const s of [secure, plain]) {
    s.on('connection', (c: net.Socket) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
    });
  }
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  return {
    https: (secure.address() as AddressInfo).port,
    plain: (plain.address() as AddressInfo).port,
    close: async () => {
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => secure.close(() => r()));
      await new Promise<void>((r) => plain.close(() => r()));
    },
  };
}

/** Sends one text message over `ws` once open and waits for the echo and the close. */
function wsRoundTrip(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    ws.on('open', () => ws.send('hello'));
    ws.on('message', (m: RawData) => {
      reply = rawText(m);
      ws.close();
    });
    ws.on('close', () => resolve(reply));
    ws.on('error', reject);
  });
}

async function getJson(app: TestTlslab, p: string): Promise<string> {
  const res = await fetch(new URL(p, app.dashboardUrl as string), { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect([p, res.status]).toEqual([p, 200]);
  return res.text();
}

describeWithTools(['curl'], 'secrets never reach a dashboard viewer', () => {
  let pki: TestPki;
  let origins: Origins;
  let app: TestTlslab;
  let live: RecordingClient;
  const logLines: string[] = [];

  beforeAll(async () => {
    pki = makeOriginPki(['localhost']);
    origins = await startOrigins(pki);
    const log = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    app = await startTestTlslab({ upstreamCa: [pki.caFile], uiPort: 0, token: TOKEN, log });
    live = new RecordingClient(`ws://127.0.0.1:${new URL(app.dashboardUrl as string).port}/ws`, { Authorization: `Bearer ${TOKEN}` });
    await live.opened();
  }, 30_000);

  afterAll(async () => {
    await live?.close();
    await app?.close();
    await origins?.close();
    fs.rmSync(pki.dir, { recursive: true, force: true });
    fs.rmSync(app.certsDir, { recursive: true, force: true });
  });

  it('sends every secret through the proxy, over every path', async () => {
    const closes = (): number => app.events.filter((e) => e.type === 'conn:close').length;
    // HTTP/1.1 in TLS (curl): credentials in the request head and the form body, the CONNECT's Proxy-Authorization.
    const h1 = await run('curl', ['-sS', '--http1.1', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl,
      '--proxy-header', `Proxy-Authorization: Basic ${S.proxyAuthorization}`,
      '-H', `Cookie: c=${S.cookie}`, '-H', `Authorization: Bearer ${S.authorization}`, '-H', `Proxy-Authorization: Basic ${S.proxyAuthorization}`,
      '--data', `user=bob&password=${S.formPassword}`, `https://localhost:${origins.https}/h1?${QUERY}`]);
    expect(h1).toMatchObject({ code: 0, stdout: 'ok\n' });

    // HTTP/2 in TLS (node:http2 through a CONNECT tunnel).
    const tunnel = await connectTunnel(app.proxyPort, `localhost:${origins.https}`);
    const session = http2.connect(`https://localhost:${origins.https}`, {
      createConnection: () => tls.connect({ socket: tunnel, servername: 'localhost', ca: app.ca.certPem, ALPNProtocols: ['h2'] }),
    });
    const h2body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': `/h2?${QUERY}`, cookie: `c=${S.cookie}`, authorization: `Bearer ${S.authorization}`, 'proxy-authorization': `Basic ${S.proxyAuthorization}`, 'content-type': 'application/x-www-form-urlencoded' });
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => resolve(body));
      req.on('error', reject);
      req.end(`user=bob&password=${S.formPassword}`);
    });
    session.close();
    expect(h2body).toBe('ok\n');

    // Plain HTTP through the proxy.
    const plain = await run('curl', ['-sS', '--max-time', '10', '-x', app.proxyUrl, '--proxy-header', `Proxy-Authorization: Basic ${S.proxyAuthorization}`,
      '-H', `Cookie: c=${S.cookie}`, '-H', `Authorization: Bearer ${S.authorization}`, `http://127.0.0.1:${origins.plain}/plain?${QUERY}`]);
    expect(plain).toMatchObject({ code: 0, stdout: 'ok\n' });

    // WebSockets: wss in a CONNECT tunnel, and ws through the proxy's own relay; the upgrades carry a Cookie.
    const wssSocket = await tlsThroughProxy(app.proxyPort, 'localhost', origins.https, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    const wss = new WebSocket(`wss://localhost:${origins.https}/ws?${QUERY}`, { createConnection: () => wssSocket, headers: { Cookie: `w=${S.wsCookie}`, Authorization: `Bearer ${S.authorization}` } });
    expect(await wsRoundTrip(wss)).toBe('echo 5');
    const ws = new WebSocket(`ws://127.0.0.1:${origins.plain}/ws?${QUERY}`, { createConnection: () => net.connect(app.proxyPort, '127.0.0.1'), headers: { Cookie: `w=${S.wsCookie}`, Authorization: `Bearer ${S.authorization}` } });
    expect(await wsRoundTrip(ws)).toBe('echo 5');

    // Every connection ends (the h2 session and the tunnels close when their clients do).
    const deadline = Date.now() + 10_000;
    while (closes() < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(closes()).toBeGreaterThanOrEqual(5);
  }, 30_000);

  it('the events show that each path was observed, with the secrets taken out', () => {
    const requests = app.events.filter((e): e is Extract<TlslabEvent, { type: 'http:request' }> => e.type === 'http:request');
    const paths = requests.map((r) => `${r.httpVersion} ${r.method} ${r.url}`);
    const redactedQuery = 'token=[redacted]&access_token=[redacted]&password=[redacted]';
    expect(paths).toEqual(expect.arrayContaining([
      `1.1 POST /h1?${redactedQuery}`,
      `2 POST /h2?${redactedQuery}`, // HTTP/2: the :path as sent (the authority is a header)
      `1.1 GET http://127.0.0.1:${origins.plain}/plain?${redactedQuery}`,
      `1.1 GET /ws?${redactedQuery}`,
      `1.1 GET ws://127.0.0.1:${origins.plain}/ws?${redactedQuery}`,
    ]));
    for (const r of requests) {
      const h = new Map(r.headers.map(([n, v]) => [n.toLowerCase(), v]));
      if (h.has('cookie')) expect(h.get('cookie')).toBe('[redacted]');
      if (h.has('authorization')) expect(h.get('authorization')).toBe('[redacted]');
    }
    const responses = app.events.filter((e): e is Extract<TlslabEvent, { type: 'http:response' }> => e.type === 'http:response');
    const setCookies = responses.flatMap((r) => r.headers.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => v));
    expect(setCookies.length).toBeGreaterThanOrEqual(4);
    expect(setCookies.every((v) => v === '[redacted]')).toBe(true);
    // The previews were there, and masked in place.
    const previews = app.events.filter((e): e is Extract<TlslabEvent, { type: 'tls:appdata' }> => e.type === 'tls:appdata' && e.previewHex !== undefined);
    const text = previews.map((p) => Buffer.from(p.previewHex as string, 'hex').toString('latin1'));
    expect(text.some((t) => t.startsWith('POST /h1?token=*') && t.includes('\r\nCookie: ***'))).toBe(true);
    expect(text.some((t) => t.startsWith('GET /ws?token=*') && t.includes('\r\nCookie: ***'))).toBe(true);
    expect(text.some((t) => t.startsWith('PRI * HTTP/2.0'))).toBe(true);
    // HTTP/2: HPACK may Huffman-code a secret (no grep finds that), so the header blocks must be masked whole. Node
    // writes whole frames per record here, so each preview is walked as frames from its start.
    const h2conn = app.events.find((e) => e.type === 'tls:established' && e.alpn === 'h2')?.conn;
    let headerBlocks = 0;
    for (const p of previews.filter((e) => e.conn === h2conn)) {
      const b = Buffer.from(p.previewHex as string, 'hex');
      let at = b.subarray(0, 24).toString('latin1') === 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' ? 24 : 0;
      while (at + 9 <= b.length && b[at + 3] <= 9) {
        const length = b.readUIntBE(at, 3);
        if (b[at + 3] === 0x1) {
          headerBlocks++;
          expect(b.subarray(at + 9, at + 9 + length).every((x) => x === 0x2a)).toBe(true);
        }
        at += 9 + length;
      }
    }
    expect(headerBlocks).toBeGreaterThanOrEqual(4); // request and response, on both legs
    expect(text.some((t) => /\r\nSet-Cookie: \*+\r\n/i.test(t))).toBe(true);
  });

  it('no API response and no /ws message carries a secret, in any encoding', async () => {
    const texts = new Map<string, string>();
    texts.set('/api/health', await getJson(app, '/api/health'));
    texts.set('/api/connections', await getJson(app, '/api/connections'));
    const ids = (JSON.parse(texts.get('/api/connections') as string) as { id: string }[]).map((s) => s.id);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    for (const id of ids) {
      for (const p of [`/api/connections/${id}`, `/api/connections/${id}/events`]) texts.set(p, await getJson(app, p));
    }
    const after = new RecordingClient(`ws://127.0.0.1:${new URL(app.dashboardUrl as string).port}/ws`, { Cookie: `tlslab_token=${TOKEN}` });
    await after.opened();
    await after.until((m) => m.some((x) => x.kind === 'snapshot'), 10_000, 'snapshot');
    await after.close();
    live.messages.forEach((m, i) => texts.set(`/ws live message ${i} (${m.kind})`, JSON.stringify(m)));
    after.messages.forEach((m, i) => texts.set(`/ws snapshot message ${i} (${m.kind})`, JSON.stringify(m)));
    // The streams carried the traffic (this test would prove nothing over empty ones).
    expect(live.events().filter((e) => e.type === 'tls:appdata').length).toBeGreaterThan(10);
    expect(after.events().filter((e) => e.type === 'http:request').length).toBeGreaterThanOrEqual(5);
    expect(leaks(texts, { ...S, TOKEN })).toEqual([]);
  });

  it('the CA page and the teaching page served through the proxy name the dashboard without its token', async () => {
    const caPage = await run('curl', ['-sS', '--max-time', '10', '-x', app.proxyUrl, 'http://tlslab/']);
    const caPageTls = await run('curl', ['-sS', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, 'https://tlslab/']);
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const teaching = await run('curl', ['-sS', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, '-w', '\n%{http_code}', `https://localhost:${closedPort}/`]);
    expect(teaching.stdout.endsWith('\n502')).toBe(true);
    for (const page of [caPage.stdout, caPageTls.stdout, teaching.stdout]) {
      expect(page).toContain(app.dashboardUrl as string);
      expect(page).toContain('access token');
      expect(leaks(new Map([['page', page]]), { TOKEN })).toEqual([]);
    }
  });

  it('the logs carry neither the token nor a secret', () => {
    expect(logLines.length).toBeGreaterThan(5);
    expect(logLines.join('')).toContain('tlslab started');
    expect(leaks(new Map([['logs', logLines.join('')]]), { ...S, TOKEN })).toEqual([]);
  });
});

describe('tlslab start prints the login link once', () => {
  it('carries the token exactly once; the link signs in and drops it; the logs never show it', async () => {
    requireBuilt();
    const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-secrets-cli-'));
    const token = secret('Cli');
    const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--ui-port', '0', '--token', token, '--no-lab', '--certs', certs, '--log-level', 'debug'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      const deadline = Date.now() + 20_000;
      while (!stdout.includes('Ctrl-C to stop') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const line = stdout.split('\n').find((l) => l.includes('Dashboard')) ?? '';
      const url = /(http:\/\/\S+)/.exec(line)?.[1] ?? '';
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect(stdout.split(token).length - 1).toBe(1);
      const login = await fetch(url, { redirect: 'manual' });
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/');
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      expect(cookie).toBe(`tlslab_token=${token}`);
      const page = await fetch(new URL('/', url), { headers: { Cookie: cookie } });
      expect(page.status).toBe(200);
      expect(stderr).toContain('tlslab started');
      expect(stderr).not.toContain(token);
    } finally {
      child.kill('SIGINT');
      await exited;
      fs.rmSync(certs, { recursive: true, force: true });
    }
  }, 60_000);
});
