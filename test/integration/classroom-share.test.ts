// Fair share in classroom mode, over real sockets: a student's open tunnels and new connections a second are
// limited (429 with Retry-After and a limit-exceeded event naming the student), other students are untouched, and a
// closed connection gives its share back. Clients on this machine sign in like everyone else.
import http from 'node:http';
import type net from 'node:net';
import type { ConnErrorEvent, ConnOpenEvent } from '../../src/events/schema';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';

const CODE = 'amber-falcon-31';
let app: TestTlslab;
let origin: http.Server;
let originPort = 0;

const auth = (name: string): string => `Basic ${Buffer.from(`${name}:${CODE}`).toString('base64')}`;

/** A CONNECT as `name`: the status, and the socket while it stays open (null when refused). */
function connect(name: string): Promise<{ status: number; retryAfter: string | undefined; body: string; socket: net.Socket | null }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: app.proxyPort, method: 'CONNECT', path: `127.0.0.1:${originPort}`, headers: { 'proxy-authorization': auth(name) } });
    req.on('connect', (res, socket, head: Buffer) => {
      if (res.statusCode === 200) return resolve({ status: 200, retryAfter: undefined, body: '', socket });
      // A refusal's body comes after its head, partly or wholly read with it.
      let body = head.toString();
      socket.on('data', (d: Buffer) => (body += d.toString()));
      socket.on('close', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body, socket: null }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A plain-HTTP request through the proxy as `name`. */
function get(name: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: app.proxyPort, path: `http://127.0.0.1:${originPort}${path}`, headers: { 'proxy-authorization': auth(name) }, agent: false });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  origin = http.createServer((req, res) => res.end(`ok ${req.url}`));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originPort = (origin.address() as net.AddressInfo).port;
  app = await startTestTlslab({ classroom: true, classCode: CODE, host: '127.0.0.1', shareLimits: { maxTunnels: 2, connections: { capacity: 6, perSecond: 0.1 } } });
});

afterAll(async () => {
  await app?.close();
  origin?.close();
});

it('open tunnels: the third at once is refused with 429 and an event; closing one gives its place back', async () => {
  const a = await connect('Ada');
  const b = await connect('Ada');
  expect([a.status, b.status]).toEqual([200, 200]);
  const c = await connect('Ada');
  expect(c.status).toBe(429);
  expect(Number(c.retryAfter)).toBeGreaterThan(0);
  expect(c.body).toContain('You have 2 connections open through tlslab, the most one student may have at once.');
  const err = await app.waitFor((e): e is ConnErrorEvent => e.type === 'conn:error' && e.code === 'TLSLAB_ERR_FAIR_SHARE');
  expect(err).toMatchObject({ cause: 'limit-exceeded', leg: 'client' });
  expect(err.message).toContain('Ada has 2 connections open');
  const open = app.events.find((e): e is ConnOpenEvent => e.type === 'conn:open' && e.conn === err.conn);
  expect(open?.student?.name).toBe('Ada');
  // Another student is not held back.
  const grace = await connect('Grace');
  expect(grace.status).toBe(200);
  grace.socket?.destroy();
  // A closed tunnel is given back.
  const closed = new Promise((resolve) => a.socket?.once('close', resolve));
  a.socket?.destroy();
  await closed;
  let again = await connect('Ada');
  for (let i = 0; i < 50 && again.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 20));
    again = await connect('Ada');
  }
  expect(again.status).toBe(200);
  again.socket?.destroy();
  b.socket?.destroy();
});

it('plain-HTTP requests give their share back when they end (five in a row under a limit of two open)', async () => {
  for (let i = 0; i < 5; i++) expect(await get('Katherine', `/k${i}`)).toEqual({ status: 200, body: `ok /k${i}` });
});

it('new connections a second: past the burst, 429 naming the rate; tlslab itself (http://tlslab/) is never counted', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await get('Dorothy', `/d${i}`)).status);
  expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
  const refused = await get('Dorothy', '/again');
  expect(refused.body).toContain('You are opening new connections faster than tlslab allows one student (0.1 a second).');
  const page = await new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: app.proxyPort, path: 'http://tlslab/tlslab-ca.pem', headers: { 'proxy-authorization': auth('Dorothy') } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
  expect(page).toBe(200);
});
