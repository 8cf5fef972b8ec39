// Fuzzes the proxy front over real sockets: request lines, methods, targets, header names and values, upgrades,
// bodies and garbage bytes, sent to one running tlslab; then the answers of a server that does not speak HTTP properly.
// After each case no exception may have escaped; every 50 cases a good plain request and a WebSocket through the proxy
// must still work; at the end every connection has closed.
// Cases: TLSLAB_FRONT_FUZZ_RUNS (default 800 requests, and half as many server answers); TLSLAB_FRONT_FUZZ_SEED
// replays a run (fast-check prints the seed of a failure).
import net from 'node:net';
import fc from 'fast-check';
import WebSocket, { type RawData } from 'ws';
import { rawText } from '../helpers/origin';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import type { ConnCloseEvent } from '../../src/events/schema';
import { getThroughProxy, rawExchange, startFrontOrigin, startRawOrigin, upgradeRequest, type FrontOrigin } from '../helpers/proxy-front';

const RUNS = Number(process.env.TLSLAB_FRONT_FUZZ_RUNS ?? 800);
const SEED = process.env.TLSLAB_FRONT_FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.TLSLAB_FRONT_FUZZ_SEED);
/** Each test's budget: about 25 ms a case on this kind of machine, with room to spare. */
const TIMEOUT_MS = 120_000 + RUNS * 60;
const CHECK_EVERY = 50;

let app: TestTlslab;
let origin: FrontOrigin;
let raw: FrontOrigin;
/** What the raw origin answers next (set by each server-side case). */
let nextAnswer = Buffer.alloc(0);
let closedPort: number;
const escaped: unknown[] = [];
const onUncaught = (err: unknown): void => {
  escaped.push(err);
};

beforeAll(async () => {
  origin = await startFrontOrigin();
  raw = await startRawOrigin(() => nextAnswer);
  closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  // Short timeouts, so a case that leaves something waiting (a CONNECT with no bytes, a silent path) ends quickly.
  app = await startTestTlslab({ timeouts: { firstBytesMs: 300, upstreamConnectMs: 1500, upstreamHandshakeMs: 1500, clientHandshakeMs: 1500, plainIdleMs: 1500 } });
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  await app?.close();
  await origin?.close();
  await raw?.close();
});

// --- What a client may send -------------------------------------------------------------------------------------

const text = (max: number): fc.Arbitrary<string> => fc.oneof(fc.string({ maxLength: max }), fc.string({ unit: 'binary-ascii', maxLength: max }), fc.string({ unit: 'binary', maxLength: max }));

const host = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('127.0.0.1', 'localhost', '[::1]', 'tlslab', '127.1', '[::ffff:127.0.0.1]') },
    { weight: 2, arbitrary: fc.constantFrom('', 'a b', 'x.invalid', '-a', 'a..b', '[::1', '::1', 'é.test', 'user:pw@127.0.0.1', '%31%32%37.0.0.1') },
    { weight: 1, arbitrary: text(30) },
  );

const port = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant('ORIGIN') },
    { weight: 1, arbitrary: fc.constant('CLOSED') },
    { weight: 1, arbitrary: fc.constant('PROXY') },
    { weight: 3, arbitrary: fc.constantFrom('', '0', '-5', '65536', '70000', '99999', '080', '1e3', '0x50', ' 80', '4294967377') },
    { weight: 1, arbitrary: fc.integer({ min: -100000, max: 200000 }).map(String) },
    { weight: 1, arbitrary: text(8) },
  );

const authority = (): fc.Arbitrary<string> => fc.tuple(host(), fc.boolean(), port()).map(([h, withPort, p]) => (withPort ? `${h}:${p}` : h));

const path = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom('/', '/echo', '/ws', '/a?b=c&token=t', '/#frag', '//x', '/%00', '/a b', '/\u00e9', '*', '') },
    { weight: 2, arbitrary: text(40).map((s) => `/${s}`) },
    { weight: 1, arbitrary: text(40) },
  );

const target = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: path() },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom('http', 'HTTP', 'ws', 'wss', 'https', 'ftp', '', 'h\u00e9'), authority(), path()).map(([s, a, p]) => `${s}://${a}${p}`) },
    { weight: 1, arbitrary: authority() },
    { weight: 1, arbitrary: text(60) },
  );

const method = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE') },
    { weight: 1, arbitrary: fc.constantFrom('CONNECT', 'get', 'G ET', '', 'PRI', 'M-SEARCH') },
    { weight: 1, arbitrary: text(10) },
  );

const header = (): fc.Arbitrary<[string, string]> =>
  fc.oneof(
    { weight: 8, arbitrary: authority().map((a): [string, string] => ['Host', a]) },
    { weight: 2, arbitrary: fc.constantFrom<[string, string]>(['Connection', 'Upgrade'], ['Upgrade', 'websocket'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']) },
    { weight: 1, arbitrary: fc.constantFrom<[string, string]>(['Upgrade', 'h2c'], ['Connection', 'close'], ['Connection', 'keep-alive, x-drop'], ['Proxy-Connection', 'keep-alive'], ['Expect', '100-continue'], ['Via', '1.1 tlslab-00000000'], ['Proxy-Authorization', 'Basic eDp5']) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('Content-Length', 'Transfer-Encoding'), fc.constantFrom('0', '5', '-1', '99999999999999999999', 'chunked', 'gzip, chunked', 'x')).map(([n, v]): [string, string] => [n, v]) },
    { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/), fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }))) },
    { weight: 1, arbitrary: fc.tuple(text(20), text(40)) },
  );

interface Case {
  bytes: Buffer;
  /** How the client ends: half-close at once, or a reset after a moment. */
  ending: 'fin' | 'reset';
}

interface Sane {
  method: string;
  absolute: boolean;
  path: string;
  port: string;
  websocket: boolean;
  body: string;
}

/** A request a proxy client could well send: to the local origin, plain or as a WebSocket upgrade. */
const sane: fc.Arbitrary<Sane> = fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'),
  absolute: fc.boolean(),
  path: fc.constantFrom('/', '/echo', '/ws', '/x?token=t&a=1', '/reset', '/a/b/c'),
  port: fc.constantFrom('ORIGIN', 'ORIGIN', 'ORIGIN', 'CLOSED'),
  websocket: fc.boolean(),
  body: fc.constantFrom('', 'a=1', '{"password":"x"}'),
});

/** What a careless or hostile client changes in it. */
type TextKind = 'method' | 'target' | 'version' | 'host' | 'eol';
type Mutation =
  | { [K in TextKind]: { kind: K; value: string } }[TextKind]
  | { kind: 'header'; value: [string, string] }
  | { kind: 'cut'; at: number }
  | { kind: 'garbage'; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  method().map((value): Mutation => ({ kind: 'method', value })),
  { weight: 3, arbitrary: target().map((value): Mutation => ({ kind: 'target', value })) },
  fc.constantFrom('HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 x', '', 'http/1.1', 'HTTP/1.2').map((value): Mutation => ({ kind: 'version', value })),
  { weight: 3, arbitrary: authority().map((value): Mutation => ({ kind: 'host', value })) },
  { weight: 3, arbitrary: header().map((value): Mutation => ({ kind: 'header', value })) },
  fc.constantFrom('\n', '\r', '\r\r\n').map((value): Mutation => ({ kind: 'eol', value })),
  fc.nat().map((at): Mutation => ({ kind: 'cut', at })),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes): Mutation => ({ kind: 'garbage', bytes })),
);

function build(r: Sane, mutations: Mutation[]): Buffer {
  const get = <K extends Mutation['kind']>(k: K): Extract<Mutation, { kind: K }> | undefined => mutations.find((m): m is Extract<Mutation, { kind: K }> => m.kind === k);
  const authority = get('host')?.value ?? `127.0.0.1:${r.port}`;
  const target = get('target')?.value ?? (r.absolute ? `${r.websocket ? 'ws' : 'http'}://127.0.0.1:${r.port}${r.path}` : r.path);
  const headers: [string, string][] = [['Host', authority]];
  if (r.websocket) headers.push(['Connection', 'Upgrade'], ['Upgrade', 'websocket'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']);
  if (r.body) headers.push(['Content-Length', String(r.body.length)]);
  for (const m of mutations) if (m.kind === 'header') headers.push(m.value);
  const eol = get('eol')?.value ?? '\r\n';
  const head = [`${get('method')?.value ?? r.method} ${target} ${get('version')?.value ?? 'HTTP/1.1'}`, ...headers.map(([n, v]) => `${n}: ${v}`), '', ''].join(eol);
  const garbage = get('garbage');
  const bytes = Buffer.concat([Buffer.from(head + r.body, 'latin1'), garbage ? Buffer.from(garbage.bytes) : Buffer.alloc(0)]);
  const cut = get('cut');
  return cut ? bytes.subarray(0, cut.at % (bytes.length + 1)) : bytes;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  bytes: fc.oneof(
    { weight: 12, arbitrary: fc.tuple(sane, fc.array(mutation, { maxLength: 3 })).map(([r, m]) => build(r, m)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => Buffer.from(b)) },
  ),
  ending: fc.constantFrom<Case['ending']>('fin', 'fin', 'fin', 'reset'),
});

/** Placeholders stand for the ports of this run, so cases stay replayable from the seed. */
function withPorts(bytes: Buffer): Buffer {
  const s = bytes.toString('latin1').replace(/ORIGIN/g, String(origin.port)).replace(/CLOSED/g, String(closedPort)).replace(/PROXY/g, String(app.proxyPort));
  return Buffer.from(s, 'latin1');
}

/** What each connection was opened by, to name the case when an end-of-run check fails. */
const caseOf = new Map<string, string>();

/** Runs one case and notes which connections it opened. */
async function traced(label: Buffer | string, run: () => Promise<void>): Promise<void> {
  const from = app.events.length;
  await run();
  const text = JSON.stringify(Buffer.from(label).toString('latin1').slice(0, 600));
  for (const e of app.events.slice(from)) if (e.type === 'conn:open') caseOf.set(e.conn, text);
}

async function send(c: Case): Promise<void> {
  const bytes = withPorts(c.bytes);
  if (c.ending === 'fin') {
    await rawExchange(app.proxyPort, bytes, { end: true, waitMs: 4000 });
    return;
  }
  await new Promise<void>((resolve) => {
    const s = net.connect(app.proxyPort, '127.0.0.1', () => {
      s.write(bytes);
      setTimeout(() => s.resetAndDestroy(), 20);
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve());
  });
}

/** A plain request and a WebSocket through the proxy, both to the local origin. */
async function stillServes(): Promise<void> {
  const r = await getThroughProxy(app.proxyPort, `http://127.0.0.1:${origin.port}/alive`);
  expect(r.body).toBe('hello /alive\n');
  const ws = new WebSocket(`ws://127.0.0.1:${origin.port}/ws`, { createConnection: () => net.connect(app.proxyPort, '127.0.0.1') });
  const reply = await new Promise<string>((resolve, reject) => {
    ws.once('open', () => ws.send('still there?'));
    ws.once('message', (m: RawData) => resolve(rawText(m)));
    ws.once('error', reject);
  });
  ws.close();
  expect(reply).toBe('echo: still there?');
}

/** No connection on the plain front is left open, none needed a timeout to end, every error has a stable code. */
async function allClosed(): Promise<void> {
  const deadline = Date.now() + 15000;
  const unclosed = (): string[] => {
    const closed = new Set(app.events.filter((e) => e.type === 'conn:close').map((e) => e.conn));
    return app.events.filter((e) => e.type === 'conn:open' && !closed.has(e.conn)).map((e) => e.conn);
  };
  while (unclosed().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect({ seed: SEED, unclosed: unclosed().map((c) => caseOf.get(c)) }).toEqual({ seed: SEED, unclosed: [] });
  // The origins answer every path the cases use at once: on the plain front, no exchange may have needed a timeout.
  const front = new Set(app.events.filter((e) => e.type === 'conn:open' && e.via !== 'connect').map((e) => e.conn));
  const timedOut = app.events.filter((e): e is ConnCloseEvent => e.type === 'conn:close' && front.has(e.conn) && (e.cause === 'idle-timeout' || e.cause === 'upstream-timeout'));
  expect({ seed: SEED, timedOut: timedOut.map((e) => `${e.cause}: ${caseOf.get(e.conn)}`) }).toEqual({ seed: SEED, timedOut: [] });
  for (const e of app.events) if (e.type === 'conn:error') expect(e.code).toMatch(/^TLSLAB_ERR_[A-Z0-9_]+$/);
}

it(`${RUNS} fuzzed requests: nothing escapes, the proxy keeps serving, every connection closes`, async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      await traced(withPorts(c.bytes), () => send(c));
      expect(escaped).toEqual([]);
      n += 1;
      if (n % CHECK_EVERY === 0) await stillServes();
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  await stillServes();
  expect(escaped).toEqual([]);
  await allClosed();
  expect(app.events.filter((e) => e.type === 'conn:open').length).toBeGreaterThan(RUNS / 4);
}, TIMEOUT_MS);

// --- What a server may answer ------------------------------------------------------------------------------------

const responseHead = fc
  .record({
    version: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('HTTP/1.1', 'HTTP/1.0') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/2', 'HTTP/1.1x', 'ICY', '') }),
    status: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('200', '204', '304', '101', '404', '502') }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0')) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 10000 }).map(String) }, { weight: 1, arbitrary: text(5) }),
    reason: fc.oneof(fc.constantFrom('OK', '', 'Switching Protocols'), text(20)),
    headers: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<[string, string]>(['Content-Length', '5'], ['Content-Length', '0'], ['Transfer-Encoding', 'chunked'], ['Connection', 'close'], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Set-Cookie', 'a=1'], ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=']) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom('Content-Length', 'Transfer-Encoding', 'Content-Type'), text(12)) },
        { weight: 1, arbitrary: fc.tuple(text(15), text(30)) },
      ),
      { maxLength: 5 },
    ),
    body: fc.oneof(fc.constantFrom('', 'hello', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\n'), text(60)),
    garbage: fc.option(fc.uint8Array({ maxLength: 100 }), { freq: 3 }),
    cut: fc.option(fc.nat(), { freq: 5 }),
  })
  .map((r) => {
    const head = [`${r.version} ${r.status} ${r.reason}`, ...r.headers.map(([n, v]) => `${n}: ${v}`), '', ''].join('\r\n');
    const bytes = Buffer.concat([Buffer.from(head + r.body, 'latin1'), Buffer.from(r.garbage ?? [])]);
    // fc.option gives null for "none" one time in freq: a cut, like the garbage, is the rarer case.
    return r.cut === null ? bytes : bytes.subarray(0, r.cut % (bytes.length + 1));
  });

const answerCase = fc.record({
  answer: fc.oneof({ weight: 8, arbitrary: responseHead }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) }),
  websocket: fc.boolean(),
  absolute: fc.boolean(),
});

it(`${Math.ceil(RUNS / 2)} fuzzed server answers, to plain requests and WebSocket upgrades: nothing escapes, every connection closes`, async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(answerCase, async (c) => {
      nextAnswer = c.answer;
      const authority = `127.0.0.1:${raw.port}`;
      const request = c.websocket ? upgradeRequest(c.absolute ? `ws://${authority}/a` : '/a', authority) : `GET ${c.absolute ? `http://${authority}/a` : '/a'} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`;
      await traced(`${request} => ${c.answer.toString('latin1')}`, async () => void (await rawExchange(app.proxyPort, request, { end: true, waitMs: 4000 })));
      expect(escaped).toEqual([]);
      n += 1;
      if (n % CHECK_EVERY === 0) await stillServes();
    }),
    { numRuns: Math.ceil(RUNS / 2), seed: SEED, endOnFailure: true },
  );
  await stillServes();
  expect(escaped).toEqual([]);
  await allClosed();
}, TIMEOUT_MS);
