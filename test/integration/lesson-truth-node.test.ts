// A client's reset, as browsers do it, judged by what was in flight: a Node TLS client through tlslab that resets its
// TCP connection after every answer came (a normal end: ok, with a note; idle before it) and one that resets with its
// request still unanswered (a failure of the client leg).
import type net from 'node:net';
import tls from 'node:tls';
import { reduceSummaries, SUMMARY_TEXT } from '../../src/events/summary';
import type { ConnectionSummary } from '../../src/events/stream';
import { labHost } from '../helpers/lab-proxy-conns';
import { makeOriginPki, type TestPki } from '../helpers/origin';
import { connectTunnel, startTestTlslab, type TestTlslab } from '../helpers/tlslab';

jest.setTimeout(30_000);

let app: TestTlslab;
let pki: TestPki;
let silent: net.Server;
const held = new Set<net.Socket>();

beforeAll(async () => {
  // An origin that reads the request and never answers it: a request stays in flight for as long as the test likes.
  pki = makeOriginPki(['localhost']);
  silent = tls.createServer({ cert: pki.certPem, key: pki.keyPem }, (s) => {
    held.add(s);
    s.on('error', () => undefined);
    s.resume();
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  app = await startTestTlslab({ lab: true, upstreamCa: [pki.caFile] });
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  await app?.close();
});

/** A TLS client through the proxy, trusting tlslab's CA; `raw` is its TCP socket, to reset. */
async function client(host: string, port: number): Promise<{ tls: tls.TLSSocket; raw: net.Socket; conn: string }> {
  const since = app.events.length;
  const raw = await connectTunnel(app.proxyPort, `${host}:${port}`);
  const t = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: raw, servername: host, ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
  t.on('error', () => undefined);
  const open = app.events.slice(since).find((e) => e.type === 'conn:open' && e.target.host === host);
  if (!open) throw new Error(`no connection to ${host}`);
  return { tls: t, raw, conn: open.conn };
}

function summary(conn: string): ConnectionSummary {
  const s = reduceSummaries(app.events.filter((e) => e.conn === conn)).get(conn);
  if (!s) throw new Error(`no summary for ${conn}`);
  return s;
}

it('a reset after every answer came is a normal end (ok, with a note); before it, the connection is idle', async () => {
  const host = labHost('valid');
  const c = await client(host, 443);
  c.tls.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  await app.waitFor((e) => e.type === 'http:response' && e.conn === c.conn);
  const idle = summary(c.conn);
  expect([idle.status, idle.requests, idle.responses, idle.note]).toEqual(['open', 1, 1, SUMMARY_TEXT.idle]);
  c.raw.resetAndDestroy();
  const close = await app.waitFor((e) => e.type === 'conn:close' && e.conn === c.conn);
  expect(close.type === 'conn:close' && close.cause).toBe('client-reset');
  const s = summary(c.conn);
  expect([s.status, s.failedLeg, s.cause, s.explanation, s.note]).toEqual(['ok', null, 'client-reset', null, SUMMARY_TEXT.resetAfterUse]);
  expect(app.events.find((e) => e.type === 'tls:tcp-end' && e.conn === c.conn && e.leg === 'client')).toMatchObject({ how: 'reset', closeNotify: false });
});

it('a reset with the request still unanswered fails the client leg', async () => {
  const port = (silent.address() as net.AddressInfo).port;
  const c = await client('localhost', port);
  c.tls.write(`GET /never HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
  await app.waitFor((e) => e.type === 'http:request' && e.conn === c.conn);
  expect(summary(c.conn).note).toBeNull();
  c.raw.resetAndDestroy();
  await app.waitFor((e) => e.type === 'conn:close' && e.conn === c.conn);
  const s = summary(c.conn);
  expect([s.status, s.failedLeg, s.cause, s.requests, s.responses, s.note]).toEqual(['failed', 'client', 'client-reset', 1, 0, null]);
});
