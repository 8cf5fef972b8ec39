// tlslab's own pages through the proxy in classroom mode: http://tlslab/, https://tlslab/ (a CONNECT to tlslab:443),
// plain HTTP and WebSocket upgrades inside a CONNECT to tlslab:80 (how Chromium sends ws:// through a proxy), and
// ws://tlslab/ sent to the proxy. Each asks for the sign-in first, then reaches tlslab itself, never DNS.
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';
import { WebSocketServer } from 'ws';
import type { ConnOpenEvent } from '../../src/events/schema';
import { studentId } from '../../src/classroom';
import { rawExchange, parseReply } from '../helpers/proxy-front';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';

const CODE = 'quartz-meadow-58';
const lookupReal = dns.lookup;
const promisedReal = dns.promises.lookup;
let app: TestTlslab;

const basic = (name: string, code = CODE): string => `Basic ${Buffer.from(`${name}:${code}`).toString('base64')}`;

const UPGRADE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

/** A CONNECT with (or without) credentials; the socket once answered 200, else the status. */
function connect(target: string, auth: string | null): Promise<{ status: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: app.proxyPort, method: 'CONNECT', path: target, headers: auth ? { 'proxy-authorization': auth } : {} });
    req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.on('error', reject);
    req.end();
  });
}

/** Writes `text` on an open tunnel and reads until the other side closes or `waitMs` passes. */
function exchange(socket: net.Socket | tls.TLSSocket, text: string, waitMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const done = (): void => {
      clearTimeout(timer);
      resolve(got);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      done();
    }, waitMs);
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.once('close', done);
    socket.write(text);
  });
}

beforeAll(async () => {
  app = await startTestTlslab({ classroom: true, classCode: CODE, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
});

it('http://tlslab/ asks for the sign-in, then serves tlslab (the CA files for everyone)', async () => {
  const asked = parseReply((await rawExchange(app.proxyPort, 'GET http://tlslab/ HTTP/1.1\r\nHost: tlslab\r\n\r\n')).text);
  expect(asked.status).toBe(407);
  const ca = parseReply((await rawExchange(app.proxyPort, `GET http://tlslab/tlslab-ca.pem HTTP/1.1\r\nHost: tlslab\r\nProxy-Authorization: ${basic('Ada')}\r\nConnection: close\r\n\r\n`)).text);
  expect(ca.status).toBe(200);
  expect(ca.body).toContain('-----BEGIN CERTIFICATE-----');
  const page = parseReply((await rawExchange(app.proxyPort, `GET http://tlslab/ HTTP/1.1\r\nHost: tlslab\r\nProxy-Authorization: ${basic('Ada')}\r\nConnection: close\r\n\r\n`)).text);
  expect(page.status).toBe(200);
});

it('https://tlslab/: the CONNECT carries the student; the page is served inside the tunnel', async () => {
  expect((await connect('tlslab:443', null)).status).toBe(407);
  expect((await connect('tlslab:443', basic('Grace', 'not-the-code'))).status).toBe(407);
  const signedIn = app.bus.seq; // the wrong code above is a refused connection of its own, with no student
  const { status, socket } = await connect('tlslab:443', basic('Grace Hopper'));
  expect(status).toBe(200);
  const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const t = tls.connect({ socket, servername: 'tlslab', ca: fs.readFileSync(app.caFile, 'utf8') });
    t.once('secureConnect', () => resolve(t));
    t.once('error', reject);
  });
  const reply = parseReply(await exchange(secure, 'GET / HTTP/1.1\r\nHost: tlslab\r\nConnection: close\r\n\r\n'));
  expect(reply.status).toBe(200);
  const open = await app.waitFor((e): e is ConnOpenEvent => e.type === 'conn:open' && e.seq > signedIn && e.target.host === 'tlslab' && e.target.port === 443);
  expect(open.student).toEqual({ id: studentId('Grace Hopper'), name: 'Grace Hopper' });
});

it('a CONNECT to tlslab:80 carries plain HTTP and WebSocket upgrades to tlslab itself (not DNS, not a lesson connection)', async () => {
  expect((await connect('tlslab:80', null)).status).toBe(407);
  const before = app.events.length;
  const page = await connect('tlslab:80', basic('Katherine'));
  expect(page.status).toBe(200);
  expect(parseReply(await exchange(page.socket, 'GET /tlslab-ca.pem HTTP/1.1\r\nHost: tlslab\r\nConnection: close\r\n\r\n')).status).toBe(200);
  const ws = await connect('tlslab:80', basic('Katherine'));
  const answer = parseReply(await exchange(ws.socket, `GET /ws HTTP/1.1\r\nHost: tlslab\r\n${UPGRADE}\r\n`, 1500));
  // Tlslab's own answer: the student view's WebSocket where one is wired, else a 400 saying there is none.
  expect([101, 400]).toContain(answer.status);
  expect(app.events.slice(before).filter((e) => e.type === 'conn:open')).toEqual([]);
});

it('ws://tlslab/ sent to the proxy asks for the sign-in, then reaches tlslab itself', async () => {
  const asked = parseReply((await rawExchange(app.proxyPort, `GET ws://tlslab/ws HTTP/1.1\r\nHost: tlslab\r\n${UPGRADE}\r\n`)).text);
  expect(asked.status).toBe(407);
  expect(asked.headers['proxy-authenticate']).toMatch(/^Basic /);
  const reply = parseReply((await rawExchange(app.proxyPort, `GET ws://tlslab/ws HTTP/1.1\r\nHost: tlslab\r\nProxy-Authorization: ${basic('Ada')}\r\n${UPGRADE}\r\n`, { waitMs: 1500 })).text);
  expect([101, 400]).toContain(reply.status);
});

it('built-in names never go to DNS: a lab name no case has, or tlslab on a port it does not serve, fails without a lookup', async () => {
  const asked: string[] = [];
  const lookup = jest.spyOn(dns, 'lookup').mockImplementation(((...args: unknown[]) => {
    asked.push(String(args[0]));
    return (lookupReal as (...a: unknown[]) => unknown)(...args);
  }));
  const promised = jest.spyOn(dns.promises, 'lookup').mockImplementation(((name: string, opts: dns.LookupAllOptions) => {
    asked.push(name);
    return promisedReal(name, opts);
  }) as typeof dns.promises.lookup);
  try {
    const auth = `Proxy-Authorization: ${basic('Ada')}\r\n`;
    const plain = parseReply((await rawExchange(app.proxyPort, `GET http://nosuch.lab.tlslab/ HTTP/1.1\r\nHost: nosuch.lab.tlslab\r\n${auth}Connection: close\r\n\r\n`)).text);
    expect(plain.status).toBe(502);
    const ws = parseReply((await rawExchange(app.proxyPort, `GET ws://nosuch.lab.tlslab/ws HTTP/1.1\r\nHost: nosuch.lab.tlslab\r\n${auth}${UPGRADE}\r\n`)).text);
    expect(ws.status).toBe(502);
    const tunnel = await connect('tlslab:2222', basic('Ada'));
    expect(tunnel.status).toBe(200);
    await exchange(tunnel.socket, 'SSH-2.0-probe\r\n', 2000);
    // The control case: other names are looked up (once, by the gate).
    await rawExchange(app.proxyPort, `GET http://name.invalid/ HTTP/1.1\r\nHost: name.invalid\r\n${auth}Connection: close\r\n\r\n`);
    expect(asked).toEqual(['name.invalid']);
  } finally {
    lookup.mockRestore();
    promised.mockRestore();
  }
});

it('a WebSocket relayed to a server carries the student on its conn:open too', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as net.AddressInfo).port;
  try {
    const reply = await rawExchange(app.proxyPort, `GET ws://127.0.0.1:${port}/chat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nProxy-Authorization: ${basic('Mary Jackson')}\r\n${UPGRADE}\r\n`, { waitMs: 500 });
    expect(parseReply(reply.text).status).toBe(101);
    const open = await app.waitFor((e): e is ConnOpenEvent => e.type === 'conn:open' && e.via === 'websocket' && e.target.port === port);
    expect(open.student).toEqual({ id: studentId('Mary Jackson'), name: 'Mary Jackson' });
  } finally {
    wss.close();
  }
});
