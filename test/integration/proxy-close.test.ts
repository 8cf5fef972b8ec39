// An origin that closes right after its last byte (`Connection: close`): every byte must reach the client.
// (Regression: the upstream tap used to destroy the TLS socket on the raw close, losing the decrypted tail.)
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeOriginPki, type TestPki } from '../helpers/origin';
import { startTestTlslab, tlsThroughProxy, type TestTlslab } from '../helpers/tlslab';

const SIZE = 24 * 1024 * 1024;
let pki: TestPki;
let origin: https.Server;
let port: number;
let app: TestTlslab;

beforeAll(async () => {
  pki = makeOriginPki(['localhost']);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  origin = https.createServer({ cert: pki.certPem, key: pki.keyPem }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(SIZE), connection: 'close' });
    let left = SIZE;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  port = (origin.address() as AddressInfo).port;
  app = await startTestTlslab({ upstreamCa: [pki.caFile] });
});

afterAll(async () => {
  await app?.close();
  origin?.closeAllConnections();
  await new Promise<void>((r) => origin.close(() => r()));
});

async function download(readSlowly: boolean): Promise<number> {
  const t = await tlsThroughProxy(app.proxyPort, 'localhost', port, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
  t.write('GET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  return new Promise((resolve, reject) => {
    let total = 0;
    let head = true;
    let resumeTimer: NodeJS.Timeout | undefined;
    t.on('data', (c: Buffer) => {
      if (head) {
        const end = c.indexOf('\r\n\r\n');
        if (end === -1) return reject(new Error('head split across chunks: not expected from this origin'));
        head = false;
        total += c.length - end - 4;
      } else total += c.length;
      if (readSlowly && total % (4 * 1024 * 1024) < c.length) {
        t.pause();
        resumeTimer = setTimeout(() => t.resume(), 500);
      }
    });
    // The last pause may outlast the socket: its timer would hold the jest worker after the file.
    t.once('close', () => clearTimeout(resumeTimer));
    t.on('end', () => resolve(total));
    t.on('error', reject);
  });
}

describe('an origin that closes right after its last byte', () => {
  it('delivers every byte to a fast reader, and step 8 shows on both legs', async () => {
    const since = app.events.length;
    expect(await download(false)).toBe(SIZE);
    const open = app.events.slice(since).find((e) => e.type === 'conn:open');
    if (!open) throw new Error('no conn:open');
    await app.waitFor((e) => e.type === 'conn:close' && e.conn === open.conn);
    const alerts = app.events.filter((e) => e.conn === open.conn && e.type === 'tls:alert' && e.description.name === 'close_notify');
    const who = alerts.map((e) => (e.type === 'tls:alert' ? `${e.leg}:${e.from}` : '')).sort();
    // The server ends the upstream leg; tlslab ends the client leg the same way, in order after the data.
    expect(who).toEqual(expect.arrayContaining(['upstream:server', 'client:server']));
  });

  it('delivers every byte to a reader that pauses for seconds (backpressure across the close)', async () => {
    expect(await download(true)).toBe(SIZE);
  });
});
