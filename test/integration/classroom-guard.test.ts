// The address guard with real LAN clients (a network namespace): a student cannot reach the instructor machine
// through the proxy — its loopback dashboard, any loopback port, its LAN address, names resolving to it — and
// nothing leaks; a public client is refused unless --allow-client; in single-user mode the dashboard's own address is
// refused through the proxy too. Also the PAC file and the join page, asked for directly.
import http from 'node:http';
import type net from 'node:net';
import type { ConnErrorEvent, ConnOpenEvent } from '../../src/events/schema';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { LANS } from '../helpers/lan-setups';
import { describeWithNetns, readyLine, useNetns, type Netns } from '../helpers/netns';

const [LAN, PUBLIC_LAN] = LANS.guard;
const HOST = LAN.host;
const STUDENT = LAN.students[0];
const PUBLIC_HOST = PUBLIC_LAN.host;
const PUBLIC_STUDENT = PUBLIC_LAN.students[0];
const ORIGIN_PORT = 8099;
const CODE = 'cedar-harbor-62';
const LOOPBACK_SECRET = 'LOOPBACK-ONLY-5b1d';

/** An origin on this machine (every interface) whose answer must never reach a student. */
let local: http.Server;
let localPort = 0;
let ns: Netns;
let app: TestTlslab;
let caseNo = 0;

interface Reply {
  exit: number;
  connect: number;
  status: number;
  out: string;
}

async function curlIn(n: Netns, args: string[]): Promise<Reply> {
  const r = await n.exec('curl', ['-sS', '-i', '--max-time', '10', '-w', '\n@@%{http_connect} %{http_code}', ...args]);
  const at = r.stdout.lastIndexOf('\n@@');
  const [connect, status] = r.stdout.slice(at + 3).trim().split(' ').map(Number) as [number, number];
  return { exit: r.code, connect, status, out: r.stdout.slice(0, at) };
}

const as = (name: string, port = app.proxyPort, host: string = HOST): string[] => ['-x', `http://${encodeURIComponent(name)}:${CODE}@${host}:${port}`];

function startLocalOrigin(): Promise<void> {
  local = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${LOOPBACK_SECRET} ${req.url}`);
  });
  return new Promise((resolve) => local.listen(0, '::', () => {
    localPort = (local.address() as net.AddressInfo).port;
    resolve();
  }));
}

describe('single-user mode: the dashboard through the proxy is refused', () => {
  let solo: TestTlslab;
  beforeAll(async () => {
    await startLocalOrigin();
    solo = await startTestTlslab({ uiPort: 0 });
  });
  afterAll(async () => {
    await solo?.close();
    local?.close();
  });

  it('plain HTTP and CONNECT to 127.0.0.1:<dashboard port> and to localhost get 403, with events; other loopback ports stay reachable', async () => {
    const ui = new URL(solo.dashboardUrl as string).port;
    const proxy = `http://127.0.0.1:${solo.proxyPort}`;
    const { run } = await import('../helpers/tlslab');
    const plain = await run('curl', ['-sS', '-i', '-x', proxy, `http://127.0.0.1:${ui}/api/connections`]);
    expect(plain.stdout).toMatch(/^HTTP\/1\.1 403 /);
    expect(plain.stdout).toContain('That is tlslab’s own port (its dashboard or its proxy).');
    expect(plain.stdout).not.toContain('"conn"');
    const tunnel = await run('curl', ['-sS', '-p', '-o', '/dev/null', '-w', '%{http_connect}', '-x', proxy, `http://localhost:${ui}/api/connections`]);
    expect(tunnel.stdout).toBe('403');
    const named = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-x', proxy, `http://vm:${ui}/`]);
    expect(named.stdout).toBe('403'); // `vm` resolves to 127.0.0.1 (/etc/hosts): refused after the lookup
    const err = await solo.waitFor((e): e is ConnErrorEvent => e.type === 'conn:error' && e.code === 'TLSLAB_ERR_TARGET_REFUSED');
    expect(err.cause).toBe('guard-refused');
    expect(err.message).toContain('[target-tlslab-port:');
    await solo.waitFor((e) => e.type === 'conn:close' && e.conn === err.conn && e.cause === 'guard-refused');
    const ok = await run('curl', ['-sS', '-x', proxy, `http://127.0.0.1:${localPort}/fine`]);
    expect(ok.stdout).toBe(`${LOOPBACK_SECRET} /fine`);
  });
});

describeWithNetns(['curl'], 'the address guard against LAN students', () => {
  let echo: ReturnType<Netns['spawn']>;
  let exposed: TestTlslab;
  let allowing: TestTlslab;

  beforeAll(async () => {
    ns = useNetns('guard');
    echo = ns.spawn(process.execPath, ['-e', `require('http').createServer((q, s) => s.end('echo ' + q.url)).listen(${ORIGIN_PORT}, '${STUDENT}', () => console.log('ready'))`]);
    await readyLine(echo, 'ready');
    await startLocalOrigin();
    app = await startTestTlslab({ classroom: true, classCode: CODE, uiPort: 0 });
    // A LAN proxy without classroom mode, its dashboard on loopback (--host 0.0.0.0 --ui-host 127.0.0.1).
    exposed = await startTestTlslab({ host: '0.0.0.0', uiHost: '127.0.0.1', uiPort: 0 });
    allowing = await startTestTlslab({ classroom: true, classCode: CODE, uiPort: false, allowClients: [`${PUBLIC_STUDENT}/32`] });
  });

  afterAll(async () => {
    await app?.close();
    await exposed?.close();
    await allowing?.close();
    local?.close();
    ns?.remove();
  });

  it('a signed-in student reaches a server on the LAN (the control case)', async () => {
    const r = await curlIn(ns, [...as('Ada'), `http://${STUDENT}:${ORIGIN_PORT}/hello`]);
    expect(r.status).toBe(200);
    expect(r.out).toContain('echo /hello');
  });

  it.each([
    ['the loopback dashboard', () => `http://127.0.0.1:${new URL(app.dashboardUrl as string).port}/api/connections`, 'target-tlslab-port'],
    ['the dashboard by the LAN address', () => `http://${HOST}:${new URL(app.dashboardUrl as string).port}/api/connections`, 'target-tlslab-port'],
    ['a loopback port', () => `http://127.0.0.1:${localPort}/`, 'target-loopback'],
    ['localhost', () => `http://localhost:${localPort}/`, 'target-loopback'],
    ['127.1', () => `http://127.1:${localPort}/`, 'target-loopback'],
    ['[::1]', () => `http://[::1]:${localPort}/`, 'target-loopback'],
    ['[::ffff:127.0.0.1]', () => `http://[::ffff:127.0.0.1]:${localPort}/`, 'target-loopback'],
    ['0.0.0.0', () => `http://0.0.0.0:${localPort}/`, 'target-unspecified'],
    ['a name that resolves to loopback', () => `http://vm:${localPort}/`, 'target-loopback'],
    ['the LAN address of the instructor machine', () => `http://${HOST}:${localPort}/`, 'target-this-machine'],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/', 'target-link-local'],
  ])('%s: 403 over plain HTTP and CONNECT, nothing of it leaks', async (_what, url, reason) => {
    const target = url();
    const plain = await curlIn(ns, [...as('Grace'), target]);
    expect(plain.status).toBe(403);
    expect(plain.out).toContain(`tlslab did not connect you to`);
    expect(plain.out).not.toContain(LOOPBACK_SECRET);
    expect(plain.out).not.toContain('"conn"');
    const tunnel = await curlIn(ns, ['-p', ...as('Grace'), target]);
    expect([tunnel.connect, tunnel.status]).toEqual([403, 0]);
    expect(tunnel.out).not.toContain(LOOPBACK_SECRET);
    // One student's events, with the reason named.
    const who = `Student ${++caseNo}`;
    await curlIn(ns, [...as(who), target]);
    const open = await app.waitFor((e): e is ConnOpenEvent => e.type === 'conn:open' && e.student?.name === who);
    const err = await app.waitFor((e): e is ConnErrorEvent => e.type === 'conn:error' && e.conn === open.conn);
    expect(err).toMatchObject({ code: 'TLSLAB_ERR_TARGET_REFUSED', cause: 'guard-refused', leg: 'client' });
    expect(err.message).toContain(`[${reason}:`);
    expect(open.client.address).toBe(STUDENT);
  });

  it('a WebSocket upgrade to a loopback port is refused (403) before anything connects', async () => {
    const key = Buffer.from('0123456789abcdef').toString('base64');
    const r = await curlIn(ns, [...as('Grace'), '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', '-H', 'Sec-WebSocket-Version: 13', '-H', `Sec-WebSocket-Key: ${key}`, `http://127.0.0.1:${localPort}/ws`]);
    expect(r.status).toBe(403);
    expect(r.out).not.toContain(LOOPBACK_SECRET);
  });

  it("a CONNECT to the proxy's own port is refused, not looped", async () => {
    const r = await curlIn(ns, ['-p', ...as('Grace'), `http://${HOST}:${app.proxyPort}/`]);
    expect(r.connect).toBe(403);
  });

  it('proxy on 0.0.0.0, dashboard on 127.0.0.1, no classroom mode: a LAN client cannot read the dashboard or any loopback port through the proxy', async () => {
    const ui = new URL(exposed.dashboardUrl as string).port;
    const r = await curlIn(ns, ['-x', `http://${HOST}:${exposed.proxyPort}`, `http://127.0.0.1:${ui}/api/connections`]);
    expect(r.status).toBe(403);
    expect(r.out).not.toContain('"conn"');
    const other = await curlIn(ns, ['-x', `http://${HOST}:${exposed.proxyPort}`, `http://127.0.0.1:${localPort}/`]);
    expect(other.status).toBe(403);
    expect(other.out).not.toContain(LOOPBACK_SECRET);
    const lan = await curlIn(ns, ['-x', `http://${HOST}:${exposed.proxyPort}`, `http://${STUDENT}:${ORIGIN_PORT}/lan`]);
    expect(lan.status).toBe(200);
  });

  it('a client from a public address is refused (403) even with the right code, even for the join page; --allow-client lets it in', async () => {
    const viaProxy = await curlIn(ns, ['--interface', PUBLIC_STUDENT, ...as('Mallory', app.proxyPort, PUBLIC_HOST), `http://${STUDENT}:${ORIGIN_PORT}/`]);
    expect(viaProxy.status).toBe(403);
    expect(viaProxy.out).toContain('Your connection comes from a public internet address');
    const tunnel = await curlIn(ns, ['--interface', PUBLIC_STUDENT, '-p', ...as('Mallory', app.proxyPort, PUBLIC_HOST), `http://${STUDENT}:${ORIGIN_PORT}/`]);
    expect(tunnel.connect).toBe(403);
    const join = await curlIn(ns, ['--interface', PUBLIC_STUDENT, `http://${PUBLIC_HOST}:${app.proxyPort}/`]);
    expect(join.status).toBe(403);
    const err = await app.waitFor((e): e is ConnErrorEvent => e.type === 'conn:error' && e.code === 'TLSLAB_ERR_CLIENT_REFUSED');
    expect(err.message).toContain(`[client-public: ${PUBLIC_STUDENT}]`);
    const allowed = await curlIn(ns, ['--interface', PUBLIC_STUDENT, ...as('Mallory', allowing.proxyPort, PUBLIC_HOST), `http://${STUDENT}:${ORIGIN_PORT}/allowed`]);
    expect(allowed.status).toBe(200);
  });

  it('the PAC file and the join page, asked for directly without sign-in, name the address the student reached', async () => {
    const pac = await curlIn(ns, [`http://${HOST}:${app.proxyPort}/proxy.pac`]);
    expect(pac.status).toBe(200);
    expect(pac.out).toMatch(/content-type: application\/x-ns-proxy-autoconfig/i);
    expect(pac.out).toContain(`return "PROXY ${HOST}:${app.proxyPort}";`);
    expect(pac.out).toContain(`if (h === "${HOST}") return "DIRECT";`);
    // A Host header naming the proxy some other way does not change the address in the file.
    const other = await curlIn(ns, ['-H', `Host: localhost:${app.proxyPort}`, `http://${HOST}:${app.proxyPort}/proxy.pac`]);
    expect(other.out).toContain(`return "PROXY ${HOST}:${app.proxyPort}";`);
    const join = await curlIn(ns, [`http://${HOST}:${app.proxyPort}/`]);
    expect(join.status).toBe(200);
    expect(join.out).toContain('<title>Join the tlslab classroom</title>');
    expect(join.out).toContain(`http://${HOST}:${app.proxyPort}/proxy.pac`);
    expect(join.out).not.toContain(CODE);
    // Through the proxy, http://tlslab/ asks for the sign-in; the CA page is there once signed in.
    expect((await curlIn(ns, ['-x', `http://${HOST}:${app.proxyPort}`, 'http://tlslab/'])).status).toBe(407);
    const ca = await curlIn(ns, [...as('Ada'), 'http://tlslab/tlslab-ca.pem']);
    expect(ca.status).toBe(200);
    expect(ca.out).toContain('-----BEGIN CERTIFICATE-----');
  });
});
