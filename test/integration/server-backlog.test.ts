// The /ws stream against viewers that do not read: snapshots wait for a viewer's backlog, filter changes are
// coalesced (only the latest one is answered), and a viewer that stops reading is closed with a code and a reason.
// Real ws clients on 127.0.0.1 whose sockets are paused before the first frame is read.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { EventBus } from '../../src/events/bus';
import type { EventDraft } from '../../src/events/schema';
import type { ServerMessage, StreamFilter } from '../../src/events/stream';
import { matchesFilter } from '../../src/events/filter';
import { startDashboardServer } from '../../src/server';
import type { DashboardServer } from '../../src/server';
import { VIEWER_STALLED } from '../../src/server/stream-hub';
import type { HubStats } from '../../src/server/stream-hub';
import { clientHello, okConnection, open, record } from '../helpers/events-drafts';
import { RecordingClient, rawGet } from '../helpers/server-ws';

type Snapshot = Extract<ServerMessage, { kind: 'snapshot' }>;

const CONNECTIONS = 3000;
const HOSTS = 20;
/** The newest 300 connections (those whose events a snapshot carries) each hold a ~40 KB record: a ~14 MB snapshot. */
const BIG_HEX = 'cd'.repeat(20_000);
const HIGH_WATER = 1024 * 1024;
/**
 * Snapshots far larger than the defaults allow (every summary, the events of the newest 300 connections): these
 * tests are about a viewer that does not read what it is sent, so what it is sent must be far over the mark.
 */
const BIG_SNAPSHOTS = { snapshotSummaries: CONNECTIONS, snapshotConnections: 300, snapshotEventBytes: 64 * 1024 * 1024 } as const;

function fill(bus: EventBus): void {
  for (let i = 0; i < CONNECTIONS; i++) {
    const id = `k${i}`;
    const host = `h${i % HOSTS}.example`;
    bus.emit(open(id, host, 10_000 + i));
    bus.emit(clientHello(id, 'client', host));
    if (i >= CONNECTIONS - 300) {
      const d = record(id, 'upstream', 'server', 16_000) as Extract<EventDraft, { type: 'tls:record' }>;
      bus.emit({ ...d, hex: d.hex + BIG_HEX });
    }
  }
}

/** A ws client whose socket is paused before any frame is read; `sizes` holds each message's length once it reads. */
class PausedViewer extends RecordingClient {
  socket: Socket | null = null;
  readonly sizes: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string) {
    super(url);
    this.ws.on('upgrade', (res: IncomingMessage) => {
      this.socket = res.socket;
      this.socket.pause();
    });
    this.ws.on('message', (data: Buffer) => this.sizes.push(data.length));
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  resume(): void {
    this.socket?.resume();
  }
}

async function stats(server: DashboardServer): Promise<HubStats> {
  const res = await rawGet(server.port, '/api/health');
  return (JSON.parse(res.body) as { streams: HubStats }).streams;
}

/** Polls /api/health until `pred` holds (at most `ms`). */
async function statsUntil(server: DashboardServer, pred: (s: HubStats) => boolean, what: string, ms = 20_000): Promise<HubStats> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await stats(server);
    if (pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('dashboard /ws: viewers that do not read', () => {
  let bus: EventBus;
  let server: DashboardServer;
  const clients: RecordingClient[] = [];

  beforeAll(() => {
    bus = new EventBus();
    fill(bus);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) {
      (c as PausedViewer).resume?.();
      await c.close();
    }
    await server.close();
  });

  it('20 filter changes from a paused viewer build a bounded number of snapshots; on reading it gets the latest filter', async () => {
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, highWater: HIGH_WATER, ...BIG_SNAPSHOTS });
    const viewer = new PausedViewer(`ws://127.0.0.1:${server.port}/ws`);
    clients.push(viewer);
    await viewer.opened();
    const filters: StreamFilter[] = [];
    for (let k = 0; k < 19; k++) filters.push(k % 2 === 0 ? { host: 'example' } : { client: '127.0.0.1' });
    const latest: StreamFilter = { host: 'h7.' };
    filters.push(latest);
    for (const f of filters) viewer.ws.send(JSON.stringify({ kind: 'filter', filter: f }));
    await statsUntil(server, (s) => s.filterMessages === 20, 'the 20 filter messages');

    // While it does not read: no more snapshots than the first one and at most one waiting, bounded bytes.
    let peakBuffered = 0;
    for (let i = 0; i < 5; i++) {
      const s = await stats(server);
      peakBuffered = Math.max(peakBuffered, s.bufferedBytes);
      expect(s.snapshots).toBeLessThanOrEqual(2);
      await new Promise((r) => setTimeout(r, 20));
    }
    const paused = await stats(server);
    expect(paused.filtersCoalesced).toBeGreaterThanOrEqual(18);
    expect(paused.queued).toBe(0); // nothing queued for a filter that is about to be replaced

    // Reading again: the first snapshot, then one for the latest filter.
    viewer.resume();
    await viewer.until((m) => m.some((x) => x.kind === 'snapshot' && x.filter?.host === 'h7.'), 30_000, 'snapshot for the latest filter');
    const snaps = viewer.messages.filter((m): m is Snapshot => m.kind === 'snapshot');
    const after = await stats(server);
    expect(after.snapshots).toBeLessThanOrEqual(3);
    expect(snaps.length).toBe(after.snapshots);
    expect(snaps[snaps.length - 1].filter).toEqual(latest);
    // Every earlier answer was a whole snapshot too; nothing else was sent in between.
    expect(viewer.messages.map((m) => m.kind)).toEqual(['hello', ...snaps.map(() => 'snapshot')]);

    // What was buffered stayed within the high-water mark plus the largest snapshot (plus frame headers).
    const largest = Math.max(...viewer.sizes);
    expect(largest).toBeGreaterThan(4 * HIGH_WATER); // the test is meaningful: a snapshot is far over the mark
    expect(peakBuffered).toBeLessThanOrEqual(HIGH_WATER + largest + 64 * 1024);

    // The latest snapshot is consistent: every matching summary, only matching events, and live events follow it.
    const last = snaps[snaps.length - 1];
    const want = bus.summaries().filter((s) => matchesFilter(latest, s)).map((s) => s.id).sort();
    expect(want).toHaveLength(CONNECTIONS / HOSTS);
    expect(last.summaries.map((s) => s.id).sort()).toEqual(want);
    expect(new Set(last.events.map((e) => e.conn))).toEqual(new Set(want));
    const seqBefore = bus.seq;
    for (const d of okConnection('live-h8', 'h8.example')) bus.emit(d);
    for (const d of okConnection('live-h7', 'h7.example')) bus.emit(d);
    await viewer.until(() => viewer.eventsSinceLastSnapshot().some((e) => e.conn === 'live-h7' && e.type === 'conn:close'), 10_000, 'live-h7');
    const live = viewer.eventsSinceLastSnapshot().filter((e) => e.seq > seqBefore);
    expect(new Set(live.map((e) => e.conn))).toEqual(new Set(['live-h7']));
    expect(live).toHaveLength(17);
  });

  it('a burst of filter changes from a reading viewer is answered once for the latest filter', async () => {
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0 });
    const viewer = new RecordingClient(`ws://127.0.0.1:${server.port}/ws?host=h1.`);
    clients.push(viewer);
    await viewer.until((m) => m.some((x) => x.kind === 'snapshot'), 10_000, 'first snapshot');
    for (let k = 0; k < 20; k++) viewer.ws.send(JSON.stringify({ kind: 'filter', filter: { host: `h${k % HOSTS}.` } }));
    await viewer.until((m) => m.some((x) => x.kind === 'snapshot' && x.filter?.host === 'h19.'), 10_000, 'snapshot for the latest filter');
    const snaps = viewer.messages.filter((m): m is Snapshot => m.kind === 'snapshot');
    // the first, at most one for a change that came when the viewer was idle, and the latest
    expect(snaps.length).toBeLessThanOrEqual(3);
    expect((await stats(server)).filtersCoalesced).toBeGreaterThanOrEqual(18);
  });

  it('a viewer that stops reading is closed with 4008 and a reason; a reading one on the same server is not', async () => {
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, highWater: HIGH_WATER, viewerStallMs: 300, ...BIG_SNAPSHOTS });
    const reader = new RecordingClient(`ws://127.0.0.1:${server.port}/ws?host=h3.`);
    clients.push(reader);
    await reader.until((m) => m.some((x) => x.kind === 'snapshot'), 10_000, 'reader snapshot');
    const stuck = new PausedViewer(`ws://127.0.0.1:${server.port}/ws`);
    clients.push(stuck);
    await stuck.opened();
    const s = await statsUntil(server, (x) => x.stalledDropped === 1, 'the stalled viewer to be dropped');
    expect(s.clients).toBe(1);
    // the one left is the reader, and it still gets live events
    for (const d of okConnection('after-drop', 'h3.example')) bus.emit(d);
    await reader.until(() => reader.events().some((e) => e.conn === 'after-drop' && e.type === 'conn:close'), 10_000, 'reader live');
    expect(reader.ws.readyState).toBe(reader.ws.OPEN);
    // once the stuck viewer reads, it finds the close frame behind its backlog
    stuck.resume();
    const closed = await stuck.closed;
    expect(closed).toEqual({ code: VIEWER_STALLED.code, reason: VIEWER_STALLED.reason });
  });
});
