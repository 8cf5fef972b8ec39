// The windowed snapshot over real sockets: after more connections than the window holds, a new view's snapshot has
// exactly the newest `snapshotSummaries` summaries and the right `total`, the events of the newest few only (within
// the byte budget), and `GET /api/connections?before=` pages through the rest without gaps or repeats — with
// filters, and in a student's own view (served by the dashboard's studentView, as the proxy hands it a signed-in
// student's http://tlslab/), where another student's connections never appear.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventBus } from '../../src/events/bus';
import type { EventDraft, Student } from '../../src/events/schema';
import { STREAM_PROTOCOL_VERSION, type ConnectionSummary, type ServerMessage } from '../../src/events/stream';
import { startDashboardServer, type DashboardServer } from '../../src/server';
import { RecordingClient, rawGet } from '../helpers/server-ws';
import { clientHello, closeEvent, okConnection, open, verdict } from '../helpers/events-drafts';

type Snapshot = Extract<ServerMessage, { kind: 'snapshot' }>;

const ADA: Student = { id: 's-ada', name: 'Ada Lovelace' };
const GRACE: Student = { id: 's-grace', name: 'Grace Hopper' };

/** Connection `n` of the fill: every fifth to expired.lab.tlslab, failed upstream; the others ok. Odd ones are Ada's. */
function connection(n: number, students: boolean): EventDraft[] {
  const id = `w${n}`;
  const who = n % 2 === 1 ? ADA : GRACE;
  const failing = n % 5 === 0;
  const host = failing ? 'expired.lab.tlslab' : 'valid.lab.tlslab';
  const events = failing
    ? [open(id, host, 40000 + n), clientHello(id, 'client', host), verdict(id, host, false, 'block'), closeEvent(id)]
    : okConnection(id, host, 40000 + n);
  if (students) events[0] = { ...events[0], student: who } as EventDraft;
  return events;
}

async function snapshotOf(url: string): Promise<{ hello: ServerMessage; snap: Snapshot }> {
  const ws = new RecordingClient(url);
  try {
    await ws.until((m) => m.some((x) => x.kind === 'snapshot'), 10_000, 'snapshot');
    return { hello: ws.messages[0], snap: ws.messages.find((m): m is Snapshot => m.kind === 'snapshot') as Snapshot };
  } finally {
    await ws.close();
  }
}

/** Every page of `GET {base}?{query}&before=…&limit=` from the newest, concatenated. */
async function pageAll(get: (path: string) => Promise<{ status: number; body: string }>, query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  for (;;) {
    const before = ids.length === 0 ? '' : `&before=${encodeURIComponent(ids[ids.length - 1])}`;
    const r = await get(`/api/connections?limit=${limit}${query}${before}`);
    expect(r.status).toBe(200);
    const page = JSON.parse(r.body) as ConnectionSummary[];
    pages++;
    ids.push(...page.map((s) => s.id));
    if (page.length < limit) return { ids, pages };
  }
}

describe('windowed snapshot and paging', () => {
  let server: DashboardServer;
  let bus: EventBus;
  const N = 230;

  beforeAll(async () => {
    bus = new EventBus();
    for (let n = 1; n <= N; n++) for (const d of connection(n, false)) bus.emit(d);
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, snapshotSummaries: 100, snapshotConnections: 5 });
  });
  afterAll(() => server.close());

  /** The kept connections newest first, as the server orders them (they opened in the order of their numbers). */
  const newestIds = (keep: (n: number) => boolean = () => true): string[] => Array.from({ length: N }, (_, i) => N - i).filter(keep).map((n) => `w${n}`);

  it('the snapshot holds exactly the window of newest summaries, the total, and the events of the newest few', async () => {
    const { hello, snap } = await snapshotOf(`ws://127.0.0.1:${server.port}/ws`);
    expect(hello).toMatchObject({ kind: 'hello', protocol: STREAM_PROTOCOL_VERSION });
    expect(STREAM_PROTOCOL_VERSION).toBe(3);
    expect(snap.total).toBe(N);
    expect(snap.summaries.map((s) => s.id)).toEqual(newestIds().slice(0, 100));
    expect(new Set(snap.events.map((e) => e.conn))).toEqual(new Set(newestIds().slice(0, 5)));
    const seqs = snap.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('a filter change answers with the window of the filtered list and its total', async () => {
    const { snap } = await snapshotOf(`ws://127.0.0.1:${server.port}/ws?failures=1`);
    const failed = newestIds((n) => n % 5 === 0);
    expect(snap.total).toBe(failed.length);
    expect(failed.length).toBe(46);
    expect(snap.summaries.map((s) => s.id)).toEqual(failed);
    const ws = new RecordingClient(`ws://127.0.0.1:${server.port}/ws`);
    try {
      await ws.until((m) => m.some((x) => x.kind === 'snapshot'), 10_000, 'first snapshot');
      ws.ws.send(JSON.stringify({ kind: 'filter', filter: { host: 'valid.lab' } }));
      await ws.until((m) => m.filter((x) => x.kind === 'snapshot').length === 2, 10_000, 'second snapshot');
      const second = ws.messages.filter((m): m is Snapshot => m.kind === 'snapshot')[1];
      expect(second.filter).toEqual({ host: 'valid.lab' });
      expect(second.total).toBe(N - 46);
      expect(second.summaries.map((s) => s.id)).toEqual(newestIds((n) => n % 5 !== 0).slice(0, 100));
    } finally {
      await ws.close();
    }
  });

  it('GET /api/connections?before= pages through every kept connection, without gaps or repeats, filters too', async () => {
    const get = (p: string): ReturnType<typeof rawGet> => rawGet(server.port, p);
    const all = await pageAll(get, '', 37);
    expect(all.ids).toEqual(newestIds());
    expect(all.pages).toBe(Math.floor(N / 37) + 1);
    // From the snapshot's last row on, as the dashboard does.
    const rest = JSON.parse((await get(`/api/connections?before=w${N - 99}&limit=1000`)).body) as ConnectionSummary[];
    expect(rest.map((s) => s.id)).toEqual(newestIds().slice(100));
    const failed = await pageAll(get, '&failures=1', 10);
    expect(failed.ids).toEqual(newestIds((n) => n % 5 === 0));
    // A cursor that no longer matches the filter still pages on, from where it opened.
    const afterOk = JSON.parse((await get(`/api/connections?failures=1&before=w101&limit=3`)).body) as ConnectionSummary[];
    expect(afterOk.map((s) => s.id)).toEqual(['w100', 'w95', 'w90']);
  });

  it('a cursor that is unknown answers 404, a malformed one 400', async () => {
    const unknown = await rawGet(server.port, '/api/connections?before=nope');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'not-found' });
    for (const bad of ['before=', `before=${'x'.repeat(129)}`, 'before=a%01b', 'before=w1&before=w2']) {
      const r = await rawGet(server.port, `/api/connections?${bad}`);
      expect([bad, r.status]).toEqual([bad, 400]);
    }
  });
});

describe('windowed snapshot and paging in a student\'s own view', () => {
  let server: DashboardServer;
  let front: http.Server;
  let frontPort = 0;
  const N = 120;
  /** Who the front signs each request in as (the proxy would read it from the sign-in). */
  let as: Student = ADA;

  beforeAll(async () => {
    const bus = new EventBus();
    for (let n = 1; n <= N; n++) for (const d of connection(n, true)) bus.emit(d);
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, snapshotSummaries: 20, snapshotConnections: 3 });
    front = http.createServer((req, res) => server.studentView(req, res, as));
    front.on('upgrade', (req, socket, head) => server.studentViewUpgrade(req, socket as Socket, head, as));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    frontPort = (front.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => front.close(() => r()));
    await server.close();
  });

  const owned = (who: Student, keep: (n: number) => boolean = () => true): string[] =>
    Array.from({ length: N }, (_, i) => N - i).filter((n) => (n % 2 === 1) === (who === ADA) && keep(n)).map((n) => `w${n}`);
  const get = (p: string): ReturnType<typeof rawGet> => rawGet(frontPort, p, { Host: 'tlslab' });

  it('the snapshot is the window of the student\'s own connections, with their total', async () => {
    as = ADA;
    const { hello, snap } = await snapshotOf(`ws://127.0.0.1:${frontPort}/ws`);
    expect(hello).toMatchObject({ kind: 'hello', student: { id: ADA.id }, protocol: STREAM_PROTOCOL_VERSION });
    expect(snap.total).toBe(60);
    expect(snap.summaries.map((s) => s.id)).toEqual(owned(ADA).slice(0, 20));
    expect(snap.events.every((e) => owned(ADA).includes(e.conn))).toBe(true);
    expect(new Set(snap.events.map((e) => e.conn))).toEqual(new Set(owned(ADA).slice(0, 3)));
  });

  it('paging gives all of the student\'s own connections and none of another\'s, whatever the cursor or filter', async () => {
    as = ADA;
    const all = await pageAll(get, '', 7);
    expect(all.ids).toEqual(owned(ADA));
    const failed = await pageAll(get, '&failures=1', 4);
    expect(failed.ids).toEqual(owned(ADA, (n) => n % 5 === 0));
    // Naming another student, by filter or by cursor, widens nothing: their cursor is unknown here.
    const byName = await pageAll(get, `&student=${encodeURIComponent(GRACE.name)}`, 5);
    expect(byName.ids).toEqual([]);
    const graceCursor = await get(`/api/connections?before=${owned(GRACE)[0]}`);
    expect(graceCursor.status).toBe(404);
    as = GRACE;
    const hers = await pageAll(get, '', 9);
    expect(hers.ids).toEqual(owned(GRACE));
  });
});
