// The proxy end to end with real clients (curl, openssl s_client, Node, ws) and real origins on 127.0.0.1:0.
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { describeWithTools } from '../helpers/tools';
import { makeOriginPki, rawText, startHttpOrigin, startHttpsOrigin, type Origin, type TestPki } from '../helpers/origin';
import { connectTunnel, run, startTestTlslab, tlsThroughProxy, type TestTlslab } from '../helpers/tlslab';
import type { TlslabEvent } from '../../src/events/schema';

let pki: TestPki;
let origin: Origin;
let origin12: Origin;
let app: TestTlslab;

beforeAll(async () => {
  pki = makeOriginPki(['localhost']);
  origin = await startHttpsOrigin(pki);
  origin12 = await startHttpsOrigin(pki, { maxVersion: 'TLSv1.2' });
  app = await startTestTlslab({ upstreamCa: [pki.caFile] });
});

afterAll(async () => {
  await app?.close();
  await origin?.close();
  await origin12?.close();
});

const ofConn = (conn: string) => (e: TlslabEvent): boolean => e.conn === conn;

describeWithTools(['curl'], 'curl through tlslab', () => {
  it.each([
    ['TLS 1.3', ['--tlsv1.3'], 'TLSv1.3'],
    ['TLS 1.2 (forced)', ['--tlsv1.2', '--tls-max', '1.2'], 'TLSv1.2'],
  ])('%s: reaches the origin, gets its body, and sees a leaf from the tlslab CA', async (_label, flags, version) => {
    const r = await run('curl', ['-sS', '-v', '--cacert', app.caFile, '-x', app.proxyUrl, ...flags, `https://localhost:${origin.port}/hello`]);
    expect(r.stderr).toContain(`SSL connection using ${version}`);
    expect(r.code).toBe(0);
    // curl offers h2; the client leg offers what the origin chose, so HTTP/2 runs end to end.
    expect(r.stdout).toBe('hello from origin /hello via h2\n');
    expect(r.stderr).toMatch(/issuer: .*tlslab Teaching CA/);
    expect(r.stderr).toMatch(/subject: CN=localhost/);
  });

  it('without --cacert, curl refuses the certificate (unknown CA) and tlslab says why', async () => {
    const r = await run('curl', ['-sS', '-x', app.proxyUrl, `https://localhost:${origin.port}/`]);
    expect(r.code).toBe(60);
    expect(r.stderr).toMatch(/unable to get local issuer certificate|self.signed certificate/);
    const outcome = await app.waitFor((e) => e.type === 'tls:client-outcome' && e.outcome === 'rejected-alert');
    if (outcome.type !== 'tls:client-outcome') throw new Error('unreachable');
    expect(outcome.alert?.description.code).toBe(48);
    expect(outcome.explanation).toMatch(/tlslab Teaching CA/);
  });

  it('plain HTTP goes through the proxy', async () => {
    const plain = await startHttpOrigin();
    try {
      const r = await run('curl', ['-sS', '-x', app.proxyUrl, `http://127.0.0.1:${plain.port}/abc`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('plain hello /abc\n');
      const req = await app.waitFor((e) => e.type === 'http:request' && e.url.includes(`${plain.port}/abc`));
      expect(req.type).toBe('http:request');
    } finally {
      await plain.close();
    }
  });

  it('http://tlslab/ serves the CA page and the CA certificate, never a key', async () => {
    const page = await run('curl', ['-sS', '-x', app.proxyUrl, 'http://tlslab/']);
    expect(page.stdout).toContain(app.ca.fingerprint256);
    expect(page.stdout).toMatch(/Firefox/);
    const pem = await run('curl', ['-sS', '-x', app.proxyUrl, 'http://tlslab/tlslab-ca.pem']);
    expect(pem.stdout).toBe(app.ca.certPem);
    const der = await run('curl', ['-sS', '-x', app.proxyUrl, 'http://tlslab/tlslab-ca.der', '-o', `${app.certsDir}/fetched.der`]);
    expect(der.code).toBe(0);
    expect(new X509Certificate(readFileSync(`${app.certsDir}/fetched.der`)).fingerprint256).toBe(app.ca.fingerprint256);
    const key = await run('curl', ['-sS', '-x', app.proxyUrl, 'http://tlslab/tlslab-ca.key']);
    expect(key.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('https://tlslab/ serves the same CA page over TLS, with a tlslab leaf and no upstream', async () => {
    const r = await run('curl', ['-sS', '-v', '--cacert', app.caFile, '-x', app.proxyUrl, 'https://tlslab/']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(app.ca.fingerprint256);
    expect(r.stderr).toMatch(/subject: CN=tlslab/);
    const pem = await run('curl', ['-sS', '--cacert', app.caFile, '-x', app.proxyUrl, 'https://tlslab/tlslab-ca.pem']);
    expect(pem.stdout).toBe(app.ca.certPem);
    const open = await app.waitFor((e) => e.type === 'conn:open' && e.target.host === 'tlslab' && e.target.port === 443);
    expect(app.events.some((e) => e.conn === open.conn && e.type === 'conn:upstream')).toBe(false);
  });

  it('an upstream that refuses connections gives the 502 teaching page', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await run('curl', ['-sS', '-i', '--cacert', app.caFile, '-x', app.proxyUrl, `https://localhost:${port}/`]);
    expect(r.stdout).toMatch(/^HTTP\/1.1 502 Bad Gateway/m);
    expect(r.stdout).toContain(`localhost:${port}`);
    expect(r.stdout).toMatch(/refused the connection/);
    const err = await app.waitFor((e) => e.type === 'conn:error' && e.cause === 'upstream-refused');
    expect(err.type).toBe('conn:error');
  });
});

describeWithTools(['openssl'], 'openssl s_client through tlslab', () => {
  it('shows the tlslab chain', async () => {
    const r = await run('openssl', ['s_client', '-proxy', `127.0.0.1:${app.proxyPort}`, '-connect', `localhost:${origin.port}`, '-servername', 'localhost', '-CAfile', app.caFile, '-showcerts'], { input: '' });
    expect(r.stdout).toMatch(/i:.*tlslab Teaching CA/);
    expect(r.stdout).toMatch(/Verify return code: 0 \(ok\)/);
  });
});

describe('Node clients through tlslab', () => {
  it('HTTP/2 end to end: the client leg offers what the server chose', async () => {
    const socket = await connectTunnel(app.proxyPort, `localhost:${origin.port}`);
    const session = http2.connect(`https://localhost:${origin.port}`, {
      createConnection: () => tls.connect({ socket, servername: 'localhost', ca: app.ca.certPem, ALPNProtocols: ['h2'] }),
    });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': '/two' });
        let data = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (data += c));
        req.on('end', () => resolve(data));
        req.on('error', reject);
        req.end();
      });
      expect(body).toBe('hello from origin /two via h2\n');
    } finally {
      session.close();
    }
    const est = await app.waitFor((e) => e.type === 'tls:established' && e.leg === 'client' && e.alpn === 'h2');
    expect(est.type).toBe('tls:established');
  });

  it('a wss echo works through the proxy', async () => {
    const socket = await tlsThroughProxy(app.proxyPort, 'localhost', origin.port, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    const ws = new WebSocket(`wss://localhost:${origin.port}/echo`, { createConnection: () => socket });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('ping through tlslab'));
      ws.on('message', (m: WebSocket.RawData) => resolve(rawText(m)));
      ws.on('error', reject);
    });
    ws.close();
    expect(reply).toBe('echo: ping through tlslab');
  });

  it('records both handshakes of one connection: ClientHello on both legs, verdict ok, keys, close', async () => {
    const before = app.events.length;
    const t = await tlsThroughProxy(app.proxyPort, 'localhost', origin.port, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    t.write(`GET /rec HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    const text = await new Promise<string>((resolve) => {
      let d = '';
      t.on('data', (c) => (d += c));
      t.on('end', () => resolve(d));
    });
    expect(text).toContain('hello from origin /rec');
    const open = app.events.slice(before).find((e) => e.type === 'conn:open');
    if (!open) throw new Error('no conn:open');
    const close = await app.waitFor((e) => e.type === 'conn:close' && e.conn === open.conn);
    const mine = app.events.filter(ofConn(open.conn));
    const hellos = mine.filter((e) => e.type === 'tls:handshake' && e.msgType.code === 1);
    expect(hellos.map((e) => (e as { leg: string }).leg).sort()).toEqual(['client', 'upstream']);
    const verdict = mine.find((e) => e.type === 'tls:verdict');
    expect(verdict && verdict.type === 'tls:verdict' && verdict.ok).toBe(true);
    expect(mine.some((e) => e.type === 'tls:keys' && e.leg === 'client')).toBe(true);
    expect(mine.some((e) => e.type === 'tls:keys' && e.leg === 'upstream')).toBe(true);
    expect(mine.some((e) => e.type === 'http:request' && e.url === '/rec')).toBe(true);
    expect(mine.some((e) => e.type === 'tls:client-outcome' && e.outcome === 'accepted')).toBe(true);
    if (close.type !== 'conn:close') throw new Error('unreachable');
    expect(close.bytes.client.fromClient).toBeGreaterThan(0);
    expect(close.bytes.upstream.fromServer).toBeGreaterThan(0);
    // Sequence numbers strictly increase.
    for (let i = 1; i < mine.length; i++) expect(mine[i].seq).toBeGreaterThan(mine[i - 1].seq);
  });

  it('a tunnel carrying non-TLS bytes is relayed raw and flagged', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const port = (echo.address() as net.AddressInfo).port;
    try {
      const socket = await connectTunnel(app.proxyPort, `127.0.0.1:${port}`);
      socket.write('HELLO PLAIN BYTES\n');
      const back = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
      expect(back).toBe('HELLO PLAIN BYTES\n');
      socket.destroy();
      const flag = await app.waitFor((e) => e.type === 'conn:error' && e.cause === 'not-tls');
      if (flag.type !== 'conn:error') throw new Error('unreachable');
      expect(flag.message).toContain('HELLO PLAIN');
    } finally {
      echo.close();
    }
  });

  it('a malformed ClientHello gets a decode_error alert and an event, and the proxy keeps serving', async () => {
    const socket = await connectTunnel(app.proxyPort, `localhost:${origin.port}`);
    // A whole ClientHello of 6 bytes: too short to hold even its 32-byte random.
    socket.write(Buffer.from('160301000a' + '01000006' + '0303' + '00000000', 'hex'));
    const reply = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
    expect(reply.toString('hex')).toBe('15030300020232');
    await app.waitFor((e) => e.type === 'conn:error' && e.cause === 'malformed-client-hello');
    const r = await tlsThroughProxy(app.proxyPort, 'localhost', origin.port, { ca: app.ca.certPem });
    expect(r.authorized).toBe(true);
    r.destroy();
  });
});
