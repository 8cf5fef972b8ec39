// What a hostile or careless client sends into a CONNECT tunnel costs bounded work and always ends with conn:close:
// a ClientHello in 1-byte records, a chunk-size line that never ends, a server name no certificate can carry.
import http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';
import { makeOriginPki, type TestPki } from '../helpers/origin';
import { captureClientHello, records, reframingSocket } from '../helpers/client-hello';
import { connectTunnel, startTestTlslab, tlsThroughProxy, type TestTlslab } from '../helpers/tlslab';
import type { TlslabEvent } from '../../src/events/schema';

let pki: TestPki;
let app: TestTlslab;
let origin: tls.Server;
let originPort: number;
const BODY = 16 * 1024 * 1024;

beforeAll(async () => {
  pki = makeOriginPki(['localhost']);
  // An origin that answers any request with a chunked response whose first chunk-size line never ends.
  origin = tls.createServer({ cert: pki.certPem, key: pki.keyPem, ALPNProtocols: ['http/1.1'] }, (s) => {
    s.on('error', () => undefined);
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
      const ones = Buffer.alloc(64 * 1024, 0x31);
      let left = BODY / ones.length;
      const pump = (): void => {
        while (left > 0) {
          left -= 1;
          if (!s.write(ones)) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  originPort = (origin.address() as net.AddressInfo).port;
  app = await startTestTlslab({ upstreamCa: [pki.caFile] });
});

afterAll(async () => {
  await app?.close();
  await new Promise<void>((r) => origin.close(() => r()));
});

/** The events of the first connection with an event matching `pred`, once its conn:close is in. */
async function connection(pred: (e: TlslabEvent) => boolean): Promise<TlslabEvent[]> {
  const marker = await app.waitFor(pred);
  await app.waitFor((e) => e.type === 'conn:close' && e.conn === marker.conn);
  return app.events.filter((e) => e.conn === marker.conn);
}

/** Everything the proxy sends back on `socket` until it closes it. */
function readUntilClosed(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(Buffer.concat(got)));
  });
}

describe('a ClientHello split into 1-byte records', () => {
  it('is refused at the 65th record with decode_error; the decoder sees only those records; the tunnel closes', async () => {
    // A ClientHello header announcing 60 KiB, then its body, every byte in its own 6-byte record (61,440 records).
    const msg = Buffer.alloc(60 * 1024);
    msg[0] = 1;
    msg.writeUIntBE(msg.length - 4, 1, 3);
    const flight = records(msg, 1);
    const raw = await connectTunnel(app.proxyPort, `localhost:${originPort}`);
    const answer = readUntilClosed(raw);
    raw.write(flight);
    expect((await answer).toString('hex')).toBe('15030300020232'); // fatal decode_error
    const events = await connection((e) => e.type === 'conn:error' && e.cause === 'malformed-client-hello');
    const error = events.find((e) => e.type === 'conn:error');
    expect(error).toMatchObject({ leg: 'client', message: expect.stringContaining('more than 64 TLS records') });
    // Bounded work: the decoder was given the 64 records and the header of the 65th, not the 61,440 records sent.
    const shown = events.filter((e) => e.type === 'tls:record').length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(65);
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'malformed-client-hello' });
  });

  it('a real ClientHello cut into 40-byte records (fewer than 64) is read, and the handshake completes', async () => {
    const raw = await connectTunnel(app.proxyPort, `localhost:${originPort}`);
    const t = tls.connect({ socket: reframingSocket(raw, 40), servername: 'localhost', ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    await new Promise<void>((resolve, reject) => {
      t.once('secureConnect', () => resolve());
      t.once('error', reject);
    });
    t.destroy();
    const events = await connection((e) => e.type === 'tls:established' && e.leg === 'client');
    const hello = events.filter((e) => e.type === 'tls:record' && e.leg === 'client' && e.from === 'client' && e.contentType.code === 22);
    expect(hello.length).toBeGreaterThan(3);
    expect(hello.length).toBeLessThanOrEqual(64);
    expect(events.find((e) => e.type === 'tls:handshake' && e.leg === 'client' && e.details?.kind === 'client_hello')).toMatchObject({ details: { sni: 'localhost' } });
  });
});

describe('a chunk-size line that never ends', () => {
  it('is bounded by the observer (one http-limit event) while the relay delivers every byte', async () => {
    const t = await tlsThroughProxy(app.proxyPort, 'localhost', originPort, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    t.write('GET /never-ending HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const got = await new Promise<number>((resolve, reject) => {
      let n = 0;
      t.on('data', (c: Buffer) => (n += c.length));
      t.on('end', () => resolve(n));
      t.on('error', reject);
    });
    const headLength = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'.length;
    expect(got).toBe(headLength + BODY);
    const events = await connection((e) => e.type === 'http:request' && e.url === '/never-ending');
    expect(events.filter((e) => e.type === 'conn:error')).toEqual([
      expect.objectContaining({ leg: 'upstream', code: 'TLSLAB_ERR_HTTP_LIMIT', cause: 'http-limit', message: expect.stringContaining('chunk-size line') }),
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'closed' });
  });
});

describe('a server name that cannot go in a certificate', () => {
  it('CONNECT a!b:443 with a ClientHello without SNI: refused at CONNECT, or ended with an alert and conn:close', async () => {
    const hello = await captureClientHello({ servername: '' });
    const res = await new Promise<{ status: number; socket: net.Socket; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: app.proxyPort, method: 'CONNECT', path: 'a!b:443' });
      req.on('connect', (r, socket) => resolve({ status: r.statusCode ?? 0, socket, body: '' }));
      req.on('response', (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, socket: r.socket, body }));
      });
      req.on('error', reject);
      req.end();
    });
    if (res.status === 400) {
      // Refused before any tunnel exists: the answer says why.
      expect(res.body).toContain('TLSLAB_ERR_BAD_CONNECT');
      return;
    }
    expect(res.status).toBe(200);
    const answer = readUntilClosed(res.socket);
    res.socket.write(hello);
    expect((await answer).toString('hex')).toBe('15030300020270'); // fatal unrecognized_name
    const events = await connection((e) => e.type === 'conn:open' && e.target.host === 'a!b');
    expect(events.find((e) => e.type === 'conn:error' && e.code === 'TLSLAB_ERR_LEAF_ISSUE')).toMatchObject({ leg: 'client', cause: 'client-tls-failed' });
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'client-tls-failed' });
  });

  it('an SNI of a!b to a real origin: an unrecognized_name alert, conn:error, conn:close, the socket closed', async () => {
    const hello = await captureClientHello({ servername: 'a!b' });
    const raw = await connectTunnel(app.proxyPort, `127.0.0.1:${originPort}`);
    const answer = readUntilClosed(raw);
    raw.write(hello);
    expect((await answer).toString('hex')).toBe('15030300020270');
    const events = await connection((e) => e.type === 'conn:open' && e.target.host === '127.0.0.1' && e.target.port === originPort);
    const alert = events.find((e) => e.type === 'tls:alert' && e.leg === 'client');
    expect(alert).toMatchObject({ from: 'server', description: { code: 112 } });
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'client-tls-failed' });
  });
});
