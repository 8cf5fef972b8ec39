// Classroom sign-in with a real LAN student: a network namespace runs curl through tlslab (started with classroom
// mode), against an echo origin inside the namespace. 407, wrong code, two names behind one address, the roster,
// the failure limit (429), Proxy-Authorization never forwarded, and no credential or cookie in any event, log or export.
import http from 'node:http';
import pino from 'pino';
import type { ChildProcess } from 'node:child_process';
import type { ConnOpenEvent, TlslabEvent } from '../../src/events/schema';
import { studentId } from '../../src/classroom';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { LANS } from '../helpers/lan-setups';
import { describeWithNetns, readyLine, useNetns, type Netns } from '../helpers/netns';

const [LAN] = LANS.signin;
const HOST = LAN.host;
const [STUDENT, SECOND_PC, GUESSER] = LAN.students;
const ORIGIN_PORT = 8099;
const CODE = 'maple-rocket-47';
const COOKIE_SECRET = 'SECRETc00kie7f3e91';

/** An origin inside the namespace that answers every request with the URL and headers it received. */
const ECHO = `require('http').createServer((q, s) => {
  const b = JSON.stringify({ url: q.url, headers: q.headers });
  s.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
  s.end(b);
}).listen(${ORIGIN_PORT}, '${STUDENT}', () => console.log('ready'));`;

interface CurlResult {
  exit: number;
  /** The CONNECT answer's status (0 without a CONNECT). */
  connect: number;
  /** The last response's status (0 when none). */
  status: number;
  headers: Record<string, string>;
  body: string;
  stderr: string;
}

let ns: Netns;
let app: TestTlslab;
let echo: ChildProcess;
const logLines: string[] = [];

/** curl inside the namespace; `-i` so the headers of the last response can be read. */
async function curl(args: string[]): Promise<CurlResult> {
  const r = await ns.exec('curl', ['-sS', '-i', '--max-time', '10', '-w', '\n@@%{http_connect} %{http_code}', ...args]);
  const at = r.stdout.lastIndexOf('\n@@');
  const [connect, status] = r.stdout.slice(at + 3).trim().split(' ').map(Number) as [number, number];
  const out = r.stdout.slice(0, at);
  // With -p, the CONNECT answer comes first: read the last head.
  const heads = [...out.matchAll(/HTTP\/1\.[01] \d{3}[^\r\n]*\r\n([\s\S]*?)\r\n\r\n/g)];
  const last = heads[heads.length - 1];
  const headers: Record<string, string> = {};
  for (const line of (last?.[1] ?? '').split('\r\n')) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
  }
  const body = last ? out.slice((last.index ?? 0) + last[0].length) : out;
  return { exit: r.code, connect, status, headers, body, stderr: r.stderr };
}

const proxy = (user?: string, code = CODE): string => (user === undefined ? `http://${HOST}:${app.proxyPort}` : `http://${encodeURIComponent(user)}:${encodeURIComponent(code)}@${HOST}:${app.proxyPort}`);

const opens = (): ConnOpenEvent[] => app.events.filter((e): e is ConnOpenEvent => e.type === 'conn:open');

describeWithNetns(['curl'], 'classroom sign-in from a LAN student', () => {
  beforeAll(async () => {
    ns = useNetns('signin');
    echo = ns.spawn(process.execPath, ['-e', ECHO]);
    await readyLine(echo, 'ready');
    const log = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
    app = await startTestTlslab({ classroom: true, classCode: CODE, lab: true, uiPort: 0, log });
  });

  afterAll(async () => {
    await app?.close();
    ns?.remove();
  });

  it('listens on every interface (dual stack) and reports its class code', () => {
    expect(app.proxyHost).toBe('::');
    expect(app.classroom).toEqual({ code: CODE });
  });

  it('a request without credentials gets 407 with a Basic challenge and what to type (plain HTTP and CONNECT)', async () => {
    const before = app.bus.seq;
    const plain = await curl(['-x', proxy(), `http://${STUDENT}:${ORIGIN_PORT}/`]);
    expect(plain.status).toBe(407);
    expect(plain.headers['proxy-authenticate']).toMatch(/^Basic realm="tlslab classroom: [^"]+", charset="UTF-8"$/);
    expect(plain.body).toContain('Your browser has not sent a name and class code yet.');
    expect(plain.body).toContain(`curl -x "http://YOUR-NAME:CLASS-CODE@${HOST}:${app.proxyPort}"`);
    const tunnel = await curl(['-p', '-x', proxy(), `http://${STUDENT}:${ORIGIN_PORT}/`]);
    expect(tunnel.connect).toBe(407);
    expect(tunnel.status).toBe(0);
    // Every browser asks without credentials first: that is no refusal to show the instructor.
    expect(app.events.filter((e) => e.seq > before && e.type === 'conn:error')).toEqual([]);
  });

  it('a wrong class code is a 407 that says so; an unreadable header is a 407 too, never a crash', async () => {
    const wrong = await curl(['-x', proxy('Ada', 'wrong-code-11'), `http://${STUDENT}:${ORIGIN_PORT}/`]);
    expect(wrong.status).toBe(407);
    expect(wrong.body).toContain('That class code is not right.');
    for (const header of ['Basic', 'Basic !!!!', 'Bearer abc', `Basic ${Buffer.from('no colon').toString('base64')}`, `Basic ${'A'.repeat(5000)}`]) {
      const r = await curl(['--interface', SECOND_PC, '-x', proxy(), '--proxy-header', `Proxy-Authorization: ${header}`, `http://${STUDENT}:${ORIGIN_PORT}/`]);
      expect([header.slice(0, 12), r.status]).toEqual([header.slice(0, 12), 407]);
    }
    const ok = await curl(['-x', proxy('Ada', 'Maple Rocket 47'), `http://${STUDENT}:${ORIGIN_PORT}/ok`]);
    expect(ok.status).toBe(200);
    // The instructor sees each refused sign-in as a refused connection, with why, and never what was typed.
    const refusals = app.events.filter((e) => e.type === 'conn:error' && e.code === 'TLSLAB_ERR_SIGN_IN');
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    const wrongCode = refusals.find((e) => e.type === 'conn:error' && e.message.includes('[wrong-code]'));
    expect(wrongCode).toMatchObject({ leg: 'client', cause: 'sign-in-refused' });
    expect(wrongCode?.type === 'conn:error' && wrongCode.message).toBe(`A proxy sign-in from ${STUDENT} was refused (407): the class code was wrong. [wrong-code]`);
    expect(JSON.stringify(refusals)).not.toMatch(/wrong-code-11|Ada/);
    const close = await app.waitFor((e) => e.type === 'conn:close' && e.conn === wrongCode?.conn);
    expect(close).toMatchObject({ cause: 'sign-in-refused' });
    expect(app.bus.summary(wrongCode?.conn ?? '')).toMatchObject({ status: 'failed', failedLeg: 'client', cause: 'sign-in-refused' });
  });

  it('two names from one address are two students, on every conn:open (plain HTTP and CONNECT)', async () => {
    const ada = await curl(['-x', proxy('Ada Lovelace'), `http://${STUDENT}:${ORIGIN_PORT}/ada`]);
    const grace = await curl(['-p', '-x', proxy('Grace Hopper'), `http://${STUDENT}:${ORIGIN_PORT}/grace`]);
    expect([ada.status, grace.connect, grace.status]).toEqual([200, 200, 200]);
    const byStudent = (name: string): ConnOpenEvent[] => opens().filter((e) => e.student?.name === name);
    await app.waitFor((e) => e.type === 'conn:open' && e.student?.name === 'Grace Hopper');
    const [a] = byStudent('Ada Lovelace');
    const [g] = byStudent('Grace Hopper');
    expect(a).toMatchObject({ via: 'http', client: { address: STUDENT }, student: { id: studentId('Ada Lovelace'), name: 'Ada Lovelace' } });
    expect(g).toMatchObject({ via: 'connect', client: { address: STUDENT }, target: { host: STUDENT, port: ORIGIN_PORT }, student: { id: studentId('Grace Hopper') } });
    expect(a?.student?.id).not.toBe(g?.student?.id);
  });

  it('the roster: a name signed in from one computer is refused from another (407), the same name in other case too', async () => {
    const other = await curl(['--interface', SECOND_PC, '-x', proxy('ADA LOVELACE'), `http://${STUDENT}:${ORIGIN_PORT}/`]);
    expect(other.status).toBe(407);
    expect(other.body).toContain('That name is already signed in from another computer.');
    const refused = await app.waitFor((e) => e.type === 'conn:error' && e.code === 'TLSLAB_ERR_SIGN_IN' && e.message.includes('[name-in-use]'));
    expect(refused.type === 'conn:error' && refused.message).toBe(`A proxy sign-in from ${SECOND_PC} was refused (407): the name "ADA LOVELACE" is already signed in from another address. [name-in-use]`);
    const own = await curl(['--interface', SECOND_PC, '-x', proxy('Katherine'), `http://${STUDENT}:${ORIGIN_PORT}/`]);
    expect(own.status).toBe(200);
  });

  it('ten wrong codes from one address, then 429 with Retry-After: even the right code is not checked', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await curl(['--interface', GUESSER, '-x', proxy('Eve', `guess-code-${10 + i}`), `http://${STUDENT}:${ORIGIN_PORT}/`]);
      expect([i, r.status]).toEqual([i, 407]);
    }
    const limited = await curl(['--interface', GUESSER, '-x', proxy('Eve', 'guess-code-99'), `http://${STUDENT}:${ORIGIN_PORT}/`]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toMatch(/Too many wrong sign-ins came from your network address/);
    const right = await curl(['-p', '--interface', GUESSER, '-x', proxy('Eve'), `http://${STUDENT}:${ORIGIN_PORT}/`]);
    expect(right.connect).toBe(429);
    const err = await app.waitFor((e) => e.type === 'conn:error' && e.code === 'TLSLAB_ERR_SIGN_IN_LIMIT');
    expect(err).toMatchObject({ cause: 'limit-exceeded', leg: 'client' });
    // Another address is not held back by it.
    expect((await curl(['-x', proxy('Ada Lovelace'), `http://${STUDENT}:${ORIGIN_PORT}/`])).status).toBe(200);
  });

  it('Proxy-Authorization and Proxy-Connection are never forwarded to the server', async () => {
    const r = await curl(['-x', proxy('Ada Lovelace'), '--proxy-header', 'Proxy-Connection: keep-alive', `http://${STUDENT}:${ORIGIN_PORT}/echo`]);
    const seen = JSON.parse(r.body) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/echo');
    expect(Object.keys(seen.headers).filter((h) => h.startsWith('proxy-'))).toEqual([]);
    expect(seen.headers.via).toMatch(/^1\.1 tlslab-/);
  });

  it('the class code, the credentials and a cookie appear in no event, log line or pcapng export', async () => {
    const mark = app.events.length;
    const cookie = `Cookie: session=${COOKIE_SECRET}; theme=dark`;
    const plain = await curl(['-x', proxy('Ada Lovelace'), '-H', cookie, `http://${STUDENT}:${ORIGIN_PORT}/secret?code=${COOKIE_SECRET}`]);
    expect(plain.status).toBe(200);
    const caFile = `${app.certsDir}/tlslab-ca.pem`;
    const tls = await curl(['--cacert', caFile, '-x', proxy('Ada Lovelace'), '-H', cookie, 'https://valid.lab.tlslab/']);
    expect(tls.status).toBe(200);
    const labOpen = await app.waitFor((e) => e.type === 'conn:open' && e.seq > (app.events[mark - 1]?.seq ?? 0) && e.target.host === 'valid.lab.tlslab');
    await app.waitFor((e) => e.type === 'conn:close' && e.conn === labOpen.conn);
    expect((labOpen as ConnOpenEvent).student?.name).toBe('Ada Lovelace');
    // The request reached the lab with its cookie (so the secret was there to be leaked).
    await app.waitFor((e) => e.type === 'http:request' && e.conn === labOpen.conn);
    const pcapng = await getBytes(`${app.dashboardUrl}api/connections/${labOpen.conn}/pcapng`);
    expect(pcapng.length).toBeGreaterThan(1000);

    const events = JSON.stringify(app.events);
    const logs = logLines.join('\n');
    const creds = Buffer.from(`Ada Lovelace:${CODE}`).toString('base64');
    const forms = (s: string): string[] => [s, Buffer.from(s).toString('hex'), Buffer.from(s).toString('base64').slice(0, 16)];
    for (const secret of [...forms(CODE), ...forms(COOKIE_SECRET), creds, 'maplerocket47']) {
      expect([secret, events.includes(secret)]).toEqual([secret, false]);
      expect([secret, logs.includes(secret)]).toEqual([secret, false]);
    }
    for (const secret of [CODE, creds]) expect([secret, pcapng.includes(Buffer.from(secret))]).toEqual([secret, false]);
    // What was there is shown as redacted, not dropped.
    const requests = app.events.filter((e): e is Extract<TlslabEvent, { type: 'http:request' }> => e.type === 'http:request' && e.seq > (app.events[mark - 1]?.seq ?? 0));
    const proxyAuth = requests.flatMap((e) => e.headers.filter(([k]) => k.toLowerCase() === 'proxy-authorization'));
    expect(proxyAuth.length).toBeGreaterThan(0);
    expect(proxyAuth.every(([, v]) => v === '[redacted]')).toBe(true);
  });
});

function getBytes(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    }).on('error', reject);
  });
}
