// The dashboard's HTTP API against hostile URLs, sent byte for byte over raw TCP: bad ids, huge or repeated query
// parameters, bad filter values and request targets that are no URL get a JSON 400 — never a 500, never a crash.
import * as net from 'node:net';
import fc from 'fast-check';
import { EventBus } from '../../src/events/bus';
import { startDashboardServer } from '../../src/server';
import type { DashboardServer } from '../../src/server';
import { okConnection } from '../helpers/events-drafts';

interface RawResponse {
  status: number;
  body: string;
}

/** Sends `GET <target>` exactly as given and reads the whole answer (the server closes: Connection: close). */
function rawRequest(port: number, target: string, extraHeaders = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${extraHeaders}\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${target.slice(0, 80)}`)));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('dashboard API: hostile input', () => {
  let bus: EventBus;
  let server: DashboardServer;

  beforeAll(async () => {
    bus = new EventBus();
    for (const d of okConnection('c1', 'valid.lab.tlslab')) bus.emit(d);
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0 });
  });
  afterAll(() => server.close());

  it.each([
    ['limit=0', '/api/connections?limit=0', 'positive integer'],
    ['limit not a number', '/api/connections?limit=abc', 'positive integer'],
    ['limit of 20 digits', '/api/connections?limit=99999999999999999999', 'positive integer'],
    ['limit given twice', '/api/connections?limit=1&limit=2', 'more than once'],
    ['failures=maybe', '/api/connections?failures=maybe', '`failures`'],
    ['host of 300 characters', `/api/connections?host=${'a'.repeat(300)}`, 'at most 256'],
    ['host with a NUL', '/api/connections?host=%00x', 'control characters'],
    ['an unknown parameter', '/api/connections?hosts=x', 'Unknown query parameter'],
    ['__proto__ as a parameter', '/api/connections?__proto__=1', 'Unknown query parameter'],
    ['a 4,000-character query', `/api/connections?${'x=1&'.repeat(1000)}`, 'at most 2048'],
    ['a long query on /api/health', `/api/health?${'a'.repeat(5000)}`, 'at most 2048'],
    ['a bare %', '/api/connections/%', 'percent-encoding'],
    ['a truncated UTF-8 escape', '/api/connections/%E0%A4%A/events', 'percent-encoding'],
    ['an id of 200 characters', `/api/connections/${'c'.repeat(200)}`, 'at most 128'],
    ['an id with CR LF', '/api/connections/c1%0d%0aX-Injected:%201', 'control characters'],
    ['a bad id for pcapng', '/api/connections/%zz/pcapng', 'percent-encoding'],
    ['a request target that is no URL', 'http://[', 'not a valid URL'],
  ])('%s: 400 with a JSON error', async (_name, target, sentence) => {
    const res = await rawRequest(server.port, target);
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body) as { error: string; message: string };
    expect(body.error).toBe('bad-request');
    expect(body.message).toContain(sentence);
  });

  it('well-formed queries still answer', async () => {
    const list = await rawRequest(server.port, '/api/connections?failures=0&host=VALID&client=127.0.0.1&limit=5&token=ignored-when-none-is-set');
    expect(list.status).toBe(200);
    expect((JSON.parse(list.body) as { id: string }[]).map((s) => s.id)).toEqual(['c1']);
    expect((await rawRequest(server.port, '/api/connections?host=%F0%9F%92%A9')).status).toBe(200);
    expect((await rawRequest(server.port, '/api/connections/nope')).status).toBe(404);
    expect((await rawRequest(server.port, '/api/connections/c1/events')).status).toBe(200);
  });

  it('a WebSocket upgrade whose target is no URL is refused with 400 and the server stays up', async () => {
    const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
    const res = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write(`GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\n${upgrade}\r\n`));
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
    });
    expect(res).toMatch(/^HTTP\/1\.1 400 /);
    expect((await rawRequest(server.port, '/api/health')).status).toBe(200);
  });

  it('fuzz: any path segment and query under /api gets 200, 400 or 404 with a JSON body', async () => {
    const urlChar = fc.constantFrom(...'abcXYZ019-._~%/?&=#+:@!$\'()*,;[]'.split(''), '%00', '%0a', '%ff', '%2F', '%25', '%E0%A4', 'é');
    const piece = fc.array(urlChar, { maxLength: 40 }).map((cs) => cs.join(''));
    const target = fc.tuple(fc.constantFrom('/api/connections', '/api/connections/', '/api/health', '/api/'), piece, fc.option(piece, { nil: undefined }))
      .map(([base, p, q]) => `${base}${p}${q === undefined ? '' : `?${q}`}`)
      // the request line itself must stay valid HTTP (no spaces, no raw non-ASCII): those are the parser's business
      .map((t) => t.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)));
    await fc.assert(
      fc.asyncProperty(target, async (t) => {
        const res = await rawRequest(server.port, t);
        expect([200, 400, 404]).toContain(res.status);
        expect(() => JSON.parse(res.body) as unknown).not.toThrow();
      }),
      { numRuns: 150, seed: 20240601 },
    );
    expect((await rawRequest(server.port, '/api/health')).status).toBe(200);
  });
});
