// "Open this connection in Wireshark": one real request through a running tlslab, then its pcapng from the dashboard
// server. tlslab's own decoder and tshark both read it decrypted (keys in the file's Decryption Secrets Block).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type tls from 'node:tls';
import { describeWithTools } from '../helpers/tools';
import { decodeView, tempDir } from '../helpers/capture-tools';
import { makeOriginPki, startHttpsOrigin, type Origin, type TestPki } from '../helpers/origin';
import { run, startTestTlslab, tlsThroughProxy, type TestTlslab } from '../helpers/tlslab';
import type { ConnOpenEvent } from '../../src/events/schema';
import { EventBus } from '../../src/events/bus';
import { startDashboardServer } from '../../src/server';

jest.setTimeout(60000);

let pki: TestPki;
let origin: Origin;
let app: TestTlslab;
let tmp: ReturnType<typeof tempDir>;
/** The exported file, its connection's id, and the browser's port on the client leg. */
let file: string;
let connId: string;
let browserPort: number;

/** `/api/...` on the dashboard, with `?token=` when it has one. */
function apiUrl(path: string): string {
  const u = new URL(path, app.dashboardUrl ?? 'http://invalid/');
  if (app.token) u.searchParams.set('token', app.token);
  return u.toString();
}

/** One HTTP/1.1 request over a TLS socket through the proxy; resolves with the whole response once the server closes. */
function exchange(t: tls.TLSSocket, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    t.on('data', (d: Buffer) => parts.push(d));
    t.once('end', () => resolve(Buffer.concat(parts).toString('latin1')));
    t.once('error', reject);
    t.write(request);
  });
}

beforeAll(async () => {
  tmp = tempDir('tlslab-pcapng-');
  pki = makeOriginPki(['localhost']);
  origin = await startHttpsOrigin(pki);
  app = await startTestTlslab({ upstreamCa: [pki.caFile], uiPort: 0 });
  const t = await tlsThroughProxy(app.proxyPort, 'localhost', origin.port, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
  browserPort = t.localPort ?? 0;
  const response = await exchange(t, 'GET /wireshark-me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  t.destroy();
  expect(response).toContain('hello from origin /wireshark-me via http/1.1');
  const opened = await app.waitFor((e): e is ConnOpenEvent => e.type === 'conn:open' && e.client.port === browserPort);
  connId = opened.conn;
  await app.waitFor((e) => e.type === 'conn:close' && e.conn === connId);

  const res = await fetch(apiUrl(`/api/connections/${connId}/pcapng`));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/octet-stream');
  expect(res.headers.get('content-disposition')).toBe(`attachment; filename="tlslab-${connId}.pcapng"`);
  file = join(tmp.dir, `tlslab-${connId}.pcapng`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
});

afterAll(async () => {
  await app?.close();
  await origin?.close();
  tmp?.cleanup();
});

describe('GET /api/connections/:id/pcapng', () => {
  it('holds both legs as two TCP connections with the real addresses, decrypted from the file alone', () => {
    const { views, lines } = decodeView(file);
    const conns = lines.filter((l) => l.type === 'decode:connection') as { client: { address: string; port: number }; server: { address: string; port: number } }[];
    expect(conns).toHaveLength(2);
    // The client leg: the browser's real port to the proxy's; the upstream leg: tlslab to the origin.
    const client = conns.find((c) => c.server.port === app.proxyPort);
    const upstream = conns.find((c) => c.server.port === origin.port);
    expect(client).toMatchObject({ client: { address: '127.0.0.1', port: browserPort }, server: { address: '127.0.0.1' } });
    expect(upstream).toMatchObject({ client: { address: '127.0.0.1' }, server: { address: '127.0.0.1' } });
    const summary = lines.at(-1) as { type: string; keyLogLines: { option: number; dsb: number } };
    expect(summary.type).toBe('decode:summary');
    expect(summary.keyLogLines.option).toBe(0);
    expect(summary.keyLogLines.dsb).toBeGreaterThanOrEqual(10); // TLS 1.3: five secrets per leg

    const clientLeg = views.get(browserPort);
    const upstreamLeg = views.get(upstream!.client.port);
    for (const leg of [clientLeg, upstreamLeg]) {
      expect(leg).toBeDefined();
      expect(leg!.client.handshakes[0]?.[0]).toBe(1); // ClientHello
      expect(leg!.server.handshakes[0]?.[0]).toBe(2); // ServerHello
      const request = Buffer.from(leg!.client.appData, 'hex').toString('latin1');
      const response = Buffer.from(leg!.server.appData, 'hex').toString('latin1');
      expect(request).toContain('GET /wireshark-me HTTP/1.1');
      expect(response).toContain('hello from origin /wireshark-me via http/1.1');
    }
  });

  it('answers 404 JSON for a connection whose capture is not kept', async () => {
    const res = await fetch(apiUrl('/api/connections/c999999/pcapng'));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not-found', message: expect.stringContaining('c999999') });
  });
});

describe('pcapng export and the dashboard token', () => {
  it('is refused without the token (the file carries session keys) and served with it', async () => {
    const server = await startDashboardServer({ bus: new EventBus(), port: 0, heartbeatMs: 0, token: 'sekrit-token', pcapng: (id) => (id === 'c1' ? new Uint8Array([1, 2, 3]) : null) });
    try {
      const base = `http://127.0.0.1:${server.port}/api/connections/c1/pcapng`;
      expect((await fetch(base)).status).toBe(401);
      expect((await fetch(`${base}?token=wrong`)).status).toBe(401);
      const ok = await fetch(base, { headers: { Authorization: 'Bearer sekrit-token' } });
      expect(ok.status).toBe(200);
      expect([...new Uint8Array(await ok.arrayBuffer())]).toEqual([1, 2, 3]);
    } finally {
      await server.close();
    }
  });
});

describeWithTools(['tshark'], 'the exported pcapng in tshark', () => {
  it('decrypts both legs with no key options (the keys are in the file)', async () => {
    // Decode-as only names the ports as TLS (tshark's heuristics on random ports can miss); no key log is given.
    const r = await run('tshark', ['-r', file, '-d', `tcp.port==${app.proxyPort},tls`, '-d', `tcp.port==${origin.port},tls`,
      '-Y', 'http.request', '-T', 'fields', '-e', 'tcp.dstport', '-e', 'http.request.uri'], { timeoutMs: 60000 });
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    // The client leg opens with its CONNECT exchange (as on the wire), then the tunnel's TLS.
    expect(rows).toEqual([[String(app.proxyPort), `localhost:${origin.port}`], [String(app.proxyPort), '/wireshark-me'], [String(origin.port), '/wireshark-me']]);
  });
});
