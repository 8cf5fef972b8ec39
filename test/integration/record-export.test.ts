// The session exports of a live tlslab: GET /api/export.har (HAR 1.2, checked against the spec's structure; every
// request with its status, HTTP/1.1 and HTTP/2; credentials masked) and GET /api/export.pcapng (reopened by
// `tlslab open` as the same connections), their filters and refusals; and a student's export holding only their own.
import http from 'node:http';
import http2 from 'node:http2';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { EventBus } from '../../src/events/bus';
import type { HttpRequestEvent, HttpResponseEvent } from '../../src/events/schema';
import { openCapture } from '../../src/replay/open-capture';
import type { Har } from '../../src/record/har';
import { handleSessionRoutes } from '../../src/server/session-routes';
import { studentScope, WHOLE_ROOM, type ViewScope } from '../../src/server/view-scope';
import { requestUrl } from '../../src/server/http-util';
import { run, tempDir } from '../helpers/capture-tools';
import { harProblems } from '../helpers/har-check';
import { makeOriginPki, startHttpsOrigin, type Origin } from '../helpers/origin';
import { comparable } from '../helpers/record-tools';
import { connectTunnel, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';
import fs from 'node:fs';
import path from 'node:path';

jest.setTimeout(60_000);

describeWithTools(['curl'], 'session exports', () => {
  let app: TestTlslab;
  let origin: Origin;
  let base: string;

  beforeAll(async () => {
    const pki = makeOriginPki(['localhost']);
    origin = await startHttpsOrigin(pki);
    app = await startTestTlslab({ lab: true, uiPort: 0, upstreamCa: [pki.caFile] });
    base = app.dashboardUrl as string;
    const curl = (urls: string[], extra: string[] = []) => run('curl', ['-sS', '-w', '%{http_code} ', '--cacert', app.caFile, '-x', app.proxyUrl, ...extra, ...urls.flatMap((u) => ['-o', '/dev/null', u])]);
    // Two requests on one HTTP/1.1 connection, one with a credential; then the expired origin's teaching page.
    expect((await curl(['https://valid.lab.tlslab/one?q=a+b&token=hunter2', 'https://valid.lab.tlslab/two'], ['-H', 'Authorization: Bearer s3cr3t-t0ken'])).stdout).toBe('200 200 ');
    expect((await curl(['https://expired.lab.tlslab/'])).stdout).toBe('502 ');
    // HTTP/2: two streams on one connection.
    const socket = await connectTunnel(app.proxyPort, `localhost:${origin.port}`);
    const session = http2.connect(`https://localhost:${origin.port}`, { createConnection: () => tls.connect({ socket, servername: 'localhost', ca: app.ca.certPem, ALPNProtocols: ['h2'] }) });
    const get = (p: string): Promise<number> => new Promise((resolve, reject) => {
      const req = session.request({ ':path': p });
      req.on('response', (h) => resolve(Number(h[':status'])));
      req.on('error', reject);
      req.resume();
      req.end();
    });
    expect([await get('/h2-a'), await get('/h2-b')]).toEqual([200, 200]);
    await new Promise<void>((r) => session.close(() => r()));
    for (let i = 0; i < 100 && app.bus.summaries().some((s) => s.closedAt === null); i++) await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  const requests = (): HttpRequestEvent[] => app.events.filter((e): e is HttpRequestEvent => e.type === 'http:request');
  const responseOf = (r: HttpRequestEvent): HttpResponseEvent | undefined => app.events.find((e): e is HttpResponseEvent => e.type === 'http:response' && e.conn === r.conn && e.id === r.id);

  it('GET /api/export.har is valid HAR 1.2 and lists every request with its status, masked', async () => {
    const res = await fetch(`${base}api/export.har`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="tlslab-.+\.har"$/);
    const text = await res.text();
    const har = JSON.parse(text) as Har;
    expect(harProblems(har)).toEqual([]);
    expect(har.log.creator.name).toBe('tlslab');
    const expected = requests().map((r) => [r.conn, r.method, r.httpVersion === '2' ? 'HTTP/2' : 'HTTP/1.1', responseOf(r)?.status ?? 0]);
    expect(expected).toHaveLength(5);
    expect(har.log.entries.map((e) => [e.connection, e.request.method, e.request.httpVersion, e.response.status])).toEqual(expected);
    expect(har.log.entries.map((e) => e.request.url)).toEqual([
      'https://valid.lab.tlslab/one?q=a+b&token=[redacted]',
      'https://valid.lab.tlslab/two',
      'https://expired.lab.tlslab/',
      `https://localhost:${origin.port}/h2-a`,
      `https://localhost:${origin.port}/h2-b`,
    ]);
    expect(har.log.entries[0]?.request.queryString).toEqual([{ name: 'q', value: 'a b' }, { name: 'token', value: '[redacted]' }]);
    expect(har.log.entries[0]?.request.headers).toContainEqual({ name: 'Authorization', value: '[redacted]' });
    expect(text).not.toContain('s3cr3t-t0ken');
    expect(text).not.toContain('hunter2');
    // The TLS of each leg, as the connection's summary has it.
    for (const e of har.log.entries) {
      const s = app.bus.summary(e.connection);
      expect(e._tlslab.tls.client.version).toBe(s?.legs.client.version?.name ?? null);
      expect(e._tlslab.tls.upstream.cipherSuite).toBe(s?.legs.upstream.cipherSuite?.name ?? null);
    }
    expect(har.log.entries[2]?.response.content.mimeType).toBe('text/html; charset=utf-8');
  });

  it('takes the filters of /api/connections, and refuses what it does not understand', async () => {
    const failed = (await (await fetch(`${base}api/export.har?failures=1`)).json()) as Har;
    expect(failed.log.entries.map((e) => e.request.url)).toEqual(['https://expired.lab.tlslab/']);
    const h2 = (await (await fetch(`${base}api/export.har?host=localhost`)).json()) as Har;
    expect(h2.log.entries).toHaveLength(2);
    expect((await fetch(`${base}api/export.har?nope=1`)).status).toBe(400);
    expect((await fetch(`${base}api/export.pcapng?conn=c999999`)).status).toBe(404);
    expect((await fetch(`${base}api/export.har`, { method: 'POST' })).status).toBe(405);
    // A live tlslab replays nothing.
    expect((await fetch(`${base}api/replay`)).status).toBe(204);
  });

  it('GET /api/export.pcapng reopens with tlslab open as the same connections', async () => {
    const res = await fetch(`${base}api/export.pcapng`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const tmp = tempDir('tlslab-export-');
    try {
      const file = path.join(tmp.dir, 'session.pcapng');
      fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const opened = await openCapture({ file, uiPort: 0 });
      try {
        await opened.player.finished;
        expect(opened.player.state()).toMatchObject({ done: true, error: null, counts: { single: 0 } });
        expect(opened.bus.summaries().map(comparable)).toEqual(app.bus.summaries().map(comparable));
        // And a reopened session exports the same HAR entries.
        const again = (await (await fetch(`${opened.url}api/export.har`)).json()) as Har;
        const first = (await (await fetch(`${base}api/export.har`)).json()) as Har;
        expect(again.log.entries.map((e) => [e.request.url, e.response.status])).toEqual(first.log.entries.map((e) => [e.request.url, e.response.status]));
      } finally {
        await opened.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});

describe('exports in a student\'s view', () => {
  it('hold only that student\'s connections; the instructor\'s hold everyone\'s', async () => {
    const bus = new EventBus();
    const ada = { id: 's-0000000000000001', name: 'Ada' };
    const bob = { id: 's-0000000000000002', name: 'Bob' };
    for (const [conn, student] of [['c1', ada], ['c2', bob], ['c3', ada]] as const) {
      bus.emit({ type: 'conn:open', conn, client: { address: '10.0.0.7', port: 50000 }, target: { host: 'example.test', port: 443 }, via: 'connect', student });
    }
    const asked: string[][] = [];
    const exportsApi = { pcapng: (ids: readonly string[]) => (asked.push([...ids]), new Uint8Array([1])), har: (ids: readonly string[]) => (asked.push([...ids]), { ids }) };
    let scope: ViewScope = WHOLE_ROOM;
    const server = http.createServer((req, res) => {
      const url = requestUrl(req.url) as URL;
      if (!handleSessionRoutes(req, res, url, { bus, scope, exports: exportsApi })) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      scope = studentScope(ada);
      expect(await (await fetch(`${at}/api/export.har`)).json()).toEqual({ ids: ['c1', 'c3'] });
      expect((await fetch(`${at}/api/export.pcapng?conn=c2`)).status).toBe(404);
      expect((await fetch(`${at}/api/replay`)).status).toBe(403);
      scope = WHOLE_ROOM;
      expect(await (await fetch(`${at}/api/export.har`)).json()).toEqual({ ids: ['c1', 'c2', 'c3'] });
      expect((await fetch(`${at}/api/export.pcapng?conn=c2`)).status).toBe(200);
      expect(asked).toEqual([['c1', 'c3'], ['c1', 'c2', 'c3'], ['c2']]);
    } finally {
      server.close();
    }
  });
});

