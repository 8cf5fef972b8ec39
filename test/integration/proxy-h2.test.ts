// HTTP/2 through the real proxy: a Node http2 client makes two requests on one connection; tlslab reports both.
import http2 from 'node:http2';
import tls from 'node:tls';
import { makeOriginPki, startHttpsOrigin, type Origin, type TestPki } from '../helpers/origin';
import { connectTunnel, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import type { HttpRequestEvent, HttpResponseEvent, TlslabEvent } from '../../src/events/schema';

let pki: TestPki;
let origin: Origin;
let app: TestTlslab;

beforeAll(async () => {
  pki = makeOriginPki(['localhost']);
  origin = await startHttpsOrigin(pki);
  app = await startTestTlslab({ upstreamCa: [pki.caFile] });
});

afterAll(async () => {
  await app?.close();
  await origin?.close();
});

const isRequest = (e: TlslabEvent): e is HttpRequestEvent => e.type === 'http:request';
const isResponse = (e: TlslabEvent): e is HttpResponseEvent => e.type === 'http:response';

it('two HTTP/2 requests on one connection appear as http:request (version 2) and http:response with body sizes', async () => {
  const socket = await connectTunnel(app.proxyPort, `localhost:${origin.port}`);
  const session = http2.connect(`https://localhost:${origin.port}`, {
    createConnection: () => tls.connect({ socket, servername: 'localhost', ca: app.ca.certPem, ALPNProtocols: ['h2'] }),
  });
  const get = (path: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = session.request({ ':path': path, cookie: 'session=very-secret' });
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (data += c));
      req.on('end', () => resolve(data));
      req.on('error', reject);
      req.end();
    });
  let bodies: string[];
  try {
    bodies = [await get('/h2-first'), await get('/h2-second?x=1')];
  } finally {
    session.close();
  }
  expect(bodies).toEqual(['hello from origin /h2-first via h2\n', 'hello from origin /h2-second?x=1 via h2\n']);

  const first = await app.waitFor((e): e is HttpRequestEvent => isRequest(e) && e.url.endsWith('/h2-first'));
  const second = await app.waitFor((e): e is HttpRequestEvent => isRequest(e) && e.url.endsWith('/h2-second?x=1'));
  expect(second.conn).toBe(first.conn);
  for (const [req, path] of [[first, '/h2-first'], [second, '/h2-second?x=1']] as const) {
    expect(req.httpVersion).toBe('2');
    expect(req.method).toBe('GET');
    expect(req.url).toBe(path); // the request target as sent (:path); the authority is a header
    expect(req.headers).toContainEqual([':authority', `localhost:${origin.port}`]);
    expect(req.headers).toContainEqual(['cookie', '[redacted]']);
  }
  expect([first.id, second.id, first.stream, second.stream]).toEqual([1, 2, 1, 3]); // numbered from 1; client-initiated stream ids

  const responses = await Promise.all(
    [first, second].map((req) => app.waitFor((e): e is HttpResponseEvent => isResponse(e) && e.conn === req.conn && e.id === req.id)),
  );
  expect(responses.map((r) => [r.status, r.bodyBytes])).toEqual(bodies.map((b) => [200, Buffer.byteLength(b)]));
  expect(responses[0]?.headers).toContainEqual(['content-type', 'text/plain']);
});
