// Every timeout of a CONNECT tunnel ends the connection: a conn:error naming the cause, conn:close, sockets closed.
// Short timeouts (300 ms) against real loopback servers and clients.
import https from 'node:https';
import net from 'node:net';
import { makeOriginPki, type TestPki } from '../helpers/origin';
import { captureClientHello } from '../helpers/client-hello';
import { connectTunnel, startTestTlslab, tlsThroughProxy, type TestTlslab } from '../helpers/tlslab';
import type { TlslabEvent } from '../../src/events/schema';

/** Handshakes and first bytes get SHORT; idleness IDLE, so that a stalled handshake is the handshake timeout's. */
const SHORT = 200;
const IDLE = 500;
let pki: TestPki;
let app: TestTlslab;
let httpsOrigin: https.Server;
let httpsPort: number;
/** Accepts TCP and never says a word (nor answers a ClientHello). */
let mute: net.Server;
let mutePort: number;
const muteSockets: net.Socket[] = [];
/** A line-echo server that does not speak TLS. */
let echo: net.Server;
let echoPort: number;

function listen(server: net.Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
}

beforeAll(async () => {
  pki = makeOriginPki(['localhost']);
  httpsOrigin = https.createServer({ cert: pki.certPem, key: pki.keyPem }, (_req, res) => res.end('hello'));
  httpsPort = await listen(httpsOrigin);
  mute = net.createServer((s) => {
    muteSockets.push(s);
    s.on('error', () => undefined);
    s.resume(); // reads (and drops) what it gets, so it sees tlslab's FIN
  });
  mutePort = await listen(mute);
  echo = net.createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  echoPort = await listen(echo);
  app = await startTestTlslab({
    upstreamCa: [pki.caFile],
    timeouts: { firstBytesMs: SHORT, tunnelIdleMs: IDLE, clientHandshakeMs: SHORT, upstreamHandshakeMs: SHORT },
  });
});

afterAll(async () => {
  await app?.close();
  httpsOrigin.closeAllConnections();
  for (const s of muteSockets) s.destroy();
  await Promise.all([httpsOrigin, mute, echo].map((s) => new Promise<void>((r) => s.close(() => r()))));
});

let since = 0;
beforeEach(() => {
  since = app.events.length;
});

/** The events of the first connection (opened during this test) with an event matching `pred`, once it closed. */
async function connection(pred: (e: TlslabEvent) => boolean): Promise<TlslabEvent[]> {
  const marker = await app.waitFor((e) => e.seq > (app.events[since - 1]?.seq ?? 0) && pred(e));
  await app.waitFor((e) => e.type === 'conn:close' && e.conn === marker.conn);
  return app.events.filter((e) => e.conn === marker.conn);
}

/** Resolves when `s` has closed; it reads (and drops) what is left, so that the peer's FIN is seen. */
function closed(s: net.Socket): Promise<void> {
  if (s.destroyed) return Promise.resolve();
  s.resume();
  return new Promise((r) => s.once('close', () => r()));
}

describe('tunnel timeouts', () => {
  it('a CONNECT followed by silence is relayed raw after firstBytesMs, then closed by the idle timeout', async () => {
    const before = muteSockets.length;
    const raw = await connectTunnel(app.proxyPort, `127.0.0.1:${mutePort}`);
    raw.on('error', () => undefined);
    const events = await connection((e) => e.type === 'conn:open' && e.target.port === mutePort);
    expect(events.filter((e) => e.type === 'conn:error').map((e) => (e.type === 'conn:error' ? e.cause : ''))).toEqual(['not-tls', 'idle-timeout']);
    expect(events.find((e) => e.type === 'conn:error' && e.cause === 'idle-timeout')).toMatchObject({ code: 'TLSLAB_ERR_IDLE_TIMEOUT' });
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'idle-timeout' });
    await closed(raw);
    // The upstream socket tlslab opened for the raw relay is closed too.
    expect(muteSockets.length).toBe(before + 1);
    await closed(muteSockets[before]);
  });

  it('a raw (not TLS) relay that goes quiet after an exchange is closed by the idle timeout', async () => {
    const raw = await connectTunnel(app.proxyPort, `127.0.0.1:${echoPort}`);
    raw.on('error', () => undefined);
    raw.write('ping\n');
    await new Promise<void>((r) => raw.once('data', () => r()));
    const events = await connection((e) => e.type === 'conn:open' && e.target.port === echoPort);
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'idle-timeout', bytes: { client: { fromClient: 5, toClient: 5 } } });
    await closed(raw);
  });

  it('a client that sends its ClientHello and then nothing is ended by the handshake timeout', async () => {
    const hello = await captureClientHello({ servername: 'localhost' });
    const raw = await connectTunnel(app.proxyPort, `localhost:${httpsPort}`);
    raw.on('error', () => undefined);
    raw.write(hello);
    const events = await connection((e) => e.type === 'tls:client-outcome' && e.outcome === 'timeout');
    expect(events.find((e) => e.type === 'conn:error')).toMatchObject({ leg: 'client', code: 'TLSLAB_ERR_CLIENT_TIMEOUT', cause: 'client-timeout' });
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'client-timeout' });
    await closed(raw);
  });

  it('an established TLS relay with nothing moving either way is closed by the idle timeout, with close_notify', async () => {
    const t = await tlsThroughProxy(app.proxyPort, 'localhost', httpsPort, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    t.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await new Promise<void>((r) => t.once('data', () => r()));
    const ended = new Promise<void>((r) => t.once('end', () => r()));
    const events = await connection((e) => e.type === 'http:response' && e.status === 200);
    expect(events.filter((e) => e.type === 'conn:error')).toEqual([expect.objectContaining({ code: 'TLSLAB_ERR_IDLE_TIMEOUT', cause: 'idle-timeout' })]);
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'idle-timeout' });
    await ended; // the client read tlslab's close_notify and FIN
    const notify = events.find((e) => e.type === 'tls:alert' && e.leg === 'client' && e.from === 'server');
    expect(notify).toMatchObject({ description: { name: 'close_notify' } });
    t.destroy();
  });

  it('an upstream that accepts TCP but never answers the ClientHello: upstream-timeout, the teaching page, conn:close', async () => {
    const before = muteSockets.length;
    const t = await tlsThroughProxy(app.proxyPort, 'localhost', mutePort, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    t.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const page = await new Promise<string>((resolve) => {
      let text = '';
      t.on('data', (c: Buffer) => (text += c.toString()));
      t.on('end', () => resolve(text));
    });
    expect(page).toMatch(/^HTTP\/1\.1 502 /);
    expect(page).toContain('X-Tlslab-Error: TLSLAB_ERR_UPSTREAM_TIMEOUT');
    const events = await connection((e) => e.type === 'conn:error' && e.cause === 'upstream-timeout');
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'upstream-timeout' });
    // tlslab gave up on the silent server and closed its connection to it.
    await closed(muteSockets[before]);
    t.destroy();
  });

  it('a client that completes the handshake to the teaching page but sends no request is closed by the idle timeout', async () => {
    const t = await tlsThroughProxy(app.proxyPort, 'localhost', mutePort, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    const ended = new Promise<void>((r) => t.once('end', () => r()));
    const events = await connection((e) => e.type === 'conn:error' && e.cause === 'idle-timeout');
    expect(events.filter((e) => e.type === 'conn:error').map((e) => (e.type === 'conn:error' ? e.cause : ''))).toEqual(['upstream-timeout', 'idle-timeout']);
    expect(events.at(-1)).toMatchObject({ type: 'conn:close', cause: 'upstream-timeout' });
    await ended;
    t.destroy();
  });
});
