// When step 1 happens on each leg: the browser's ClientHello is recorded when it arrived, though tlslab answers it only
// after the upstream leg's handshake. A Node TLS client through tlslab to the lab origin that holds every ClientHello
// unread for a while (slow-handshake); the order and times of the two legs' first messages, and the recording.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildLadders } from '../../src/dashboard/ladder-model';
import { LADDER_TEXT } from '../../src/events/ladder-text';
import type { TlslabEvent } from '../../src/events/schema';
import { openCapture } from '../../src/replay/open-capture';
import { connTo, labHost, mark, nodeClient } from '../helpers/lab-proxy-conns';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';

jest.setTimeout(30_000);

/** How long the lab origin holds each ClientHello before it answers. */
const HOLD_MS = 400;

let app: TestTlslab;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-step-times-'));
  app = await startTestTlslab({ lab: true, slowHandshakeMs: HOLD_MS, record: path.join(dir, 'session.pcapng') });
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Handshake = Extract<TlslabEvent, { type: 'tls:handshake' }>;

function hello(events: readonly TlslabEvent[], leg: 'client' | 'upstream', name: 'client_hello' | 'server_hello'): Handshake {
  const found = events.filter((e): e is Handshake => e.type === 'tls:handshake' && e.leg === leg && e.msgType.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}

it("the client leg's ClientHello comes when the browser sent it: before the upstream leg starts, and its ServerHello only after the upstream verdict", async () => {
  const since = mark(app);
  const r = await nodeClient(app, 'slow-handshake', { ca: app.ca.certPem });
  expect(r.status).toBe(200);
  const conn = await connTo(app, labHost('slow-handshake'), since);
  const ev = conn.events;
  const clientCh = hello(ev, 'client', 'client_hello');
  const upstreamCh = hello(ev, 'upstream', 'client_hello');
  const upstreamSh = hello(ev, 'upstream', 'server_hello');
  const clientSh = hello(ev, 'client', 'server_hello');
  const verdict = conn.one('tls:verdict');
  // In the stream's order, as on the wire: the browser's hello, tlslab's own to the server, the server's answer, the
  // verdict, and only then tlslab's answer to the browser.
  expect([clientCh.seq < upstreamCh.seq, upstreamCh.seq < upstreamSh.seq, upstreamSh.seq < verdict.seq, verdict.seq < clientSh.seq]).toEqual([true, true, true, true]);
  // The browser waited for the whole upstream handshake (held by the origin): the client leg's step 1 to step 2 spans it.
  expect(clientSh.t - clientCh.t).toBeGreaterThanOrEqual(upstreamSh.t - upstreamCh.t);
  // The ClientHello is decoded once on the client leg, not again when tlslab's TLS socket reads it.
  expect(conn.messages('client', 'client').filter((m) => m === 'client_hello')).toHaveLength(1);
  // The ladder says so on the client leg, right after the ClientHello, with the wait the browser had.
  const items = buildLadders(ev).client.items;
  const at = items.findIndex((i) => i.label === LADDER_TEXT.holdsHello);
  expect([items[at - 1]?.label, items[at]?.step, items[at]?.event]).toEqual(['ClientHello', 1, clientCh]);
  const waited = /waited (\d+(?:\.\d+)?) (ms|s) /.exec(items[at]?.sub ?? '');
  expect(waited).not.toBeNull();
  const ms = Number(waited?.[1]) * (waited?.[2] === 's' ? 1000 : 1);
  expect(Math.abs(ms - (clientSh.t - clientCh.t))).toBeLessThanOrEqual(10);
});

it('the recording has the browser’s ClientHello at the time it arrived, and reopens with the same order', async () => {
  const since = mark(app);
  await nodeClient(app, 'slow-handshake', { ca: app.ca.certPem });
  const live = await connTo(app, labHost('slow-handshake'), since);
  const liveCh = hello(live.events, 'client', 'client_hello');
  await app.close();
  const opened = await openCapture({ file: path.join(dir, 'session.pcapng'), uiPort: 0 });
  try {
    await opened.player.finished;
    const events = opened.bus.eventsFor(live.id);
    const clientCh = hello(events, 'client', 'client_hello');
    const upstreamCh = hello(events, 'upstream', 'client_hello');
    const upstreamSh = hello(events, 'upstream', 'server_hello');
    const clientSh = hello(events, 'client', 'server_hello');
    // The packet's time is when the bytes arrived; the live event's, when they were decoded, just after.
    expect(clientCh.t).toBeLessThanOrEqual(liveCh.t);
    expect([clientCh.t <= upstreamCh.t, upstreamSh.t <= clientSh.t]).toEqual([true, true]);
    expect(clientSh.t - clientCh.t).toBeGreaterThanOrEqual(upstreamSh.t - upstreamCh.t);
  } finally {
    await opened.close();
  }
});
