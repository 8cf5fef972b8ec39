// The /ws stream with real `ws` clients on port 0: hello → snapshot → live in seq order, filters,
// the slow-consumer gap, heartbeat, bounded memory.
import { EventBus } from '../../src/events/bus';
import type { EventDraft, TlslabEvent } from '../../src/events/schema';
import type { ServerMessage } from '../../src/events/stream';
import { startDashboardServer } from '../../src/server';
import type { DashboardServer } from '../../src/server';
import { alert, closeEvent, okConnection, open, record, rejected, verdict } from '../helpers/events-drafts';
import { RecordingClient, rawGet } from '../helpers/server-ws';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function seqs(events: TlslabEvent[]): number[] {
  return events.map((e) => e.seq);
}

function expectStrictlyIncreasing(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) if (xs[i] <= xs[i - 1]) throw new Error(`not increasing at ${i}: ${xs[i - 1]} then ${xs[i]}`);
}

describe('dashboard /ws stream', () => {
  let bus: EventBus;
  let server: DashboardServer;
  const clients: RecordingClient[] = [];
  const connect = async (query = '', port = server.port): Promise<RecordingClient> => {
    const c = new RecordingClient(`ws://127.0.0.1:${port}/ws${query}`);
    clients.push(c);
    await c.opened();
    return c;
  };

  beforeEach(async () => {
    bus = new EventBus();
    // A budget above anything these tests emit: they check the snapshot/live boundary, not the snapshot's size.
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, snapshotEventBytes: 64 * 1024 * 1024 });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  it('sends hello, then one snapshot of history and summaries, then live batches', async () => {
    for (const d of okConnection('c1')) bus.emit(d);
    const c = await connect();
    await c.until((m) => m.length >= 2, 5000, 'hello + snapshot');
    const [hello, snap] = c.messages;
    expect(hello).toMatchObject({ kind: 'hello', schema: 1, historySize: 17, filter: {} });
    if (snap.kind !== 'snapshot') throw new Error(`expected snapshot, got ${snap.kind}`);
    expect(seqs(snap.events)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect(snap.summaries).toHaveLength(1);
    expect(snap.summaries[0]).toMatchObject({ id: 'c1', status: 'ok' });
    expect(snap.evicted).toBe(0);
    for (const d of okConnection('c2')) bus.emit(d);
    await c.until(() => c.events().length >= 34, 5000, 'live events');
    const live = c.messages.slice(2);
    expect(live.every((m) => m.kind === 'events')).toBe(true);
    // emitted in one tick: delivered as one batch
    expect(live).toHaveLength(1);
    expect(seqs(c.events())).toEqual(Array.from({ length: 34 }, (_, i) => i + 1));
  });

  it('no gap and no duplicate across the snapshot/live boundary while events are emitted concurrently', async () => {
    let emitting = true;
    let n = 0;
    const pump = (async () => {
      while (emitting) {
        for (let i = 0; i < 50; i++) bus.emit(record(`c${n++ % 13}`, 'client', 'client', 40));
        await tick();
      }
    })();
    const joined: RecordingClient[] = [];
    for (let i = 0; i < 8; i++) {
      joined.push(await connect());
      for (let k = 0; k < 3; k++) await tick();
    }
    emitting = false;
    await pump;
    const last = bus.seq;
    expect(last).toBeGreaterThan(400);
    for (const c of joined) {
      await c.until(() => { const ev = c.events(); return ev.length > 0 && ev[ev.length - 1].seq === last; }, 10_000, `seq ${last}`);
      const got = seqs(c.events());
      expect(got[0]).toBe(1); // history holds everything: the snapshot starts at the first event
      expect(got).toEqual(Array.from({ length: last }, (_, i) => i + 1)); // every seq exactly once, in order
      expect(c.gaps()).toEqual([]);
    }
    // clients that joined late got a bigger snapshot: the boundary really moved
    const snapSizes = joined.map((c) => (c.messages[1] as Extract<ServerMessage, { kind: 'snapshot' }>).events.length);
    expect(snapSizes[snapSizes.length - 1]).toBeGreaterThan(snapSizes[0]);
  });

  it('clients with the same filter joining at different times each get exactly their events (shared batches)', async () => {
    let n = 0;
    let emitting = true;
    const pump = (async () => {
      while (emitting) {
        for (let i = 0; i < 40; i++) {
          const k = n++;
          bus.emit(k % 40 === 0 ? open(`c${k}`, k % 80 === 0 ? 'valid.lab.tlslab' : 'expired.lab.tlslab') : record(`c${k - (k % 40)}`, 'client', 'client', 30));
        }
        await tick();
      }
    })();
    const early = await connect('?host=valid');
    const all = await connect();
    for (let k = 0; k < 5; k++) await tick();
    const late = await connect('?host=valid');
    for (let k = 0; k < 5; k++) await tick();
    emitting = false;
    await pump;
    const last = bus.seq;
    const history = bus.history.toArray();
    const validSeqs = history.filter((e) => bus.summary(e.conn)?.target.host === 'valid.lab.tlslab').map((e) => e.seq);
    const lastValid = validSeqs[validSeqs.length - 1];
    await all.until(() => all.events().some((e) => e.seq === last), 10_000, 'all: last');
    await early.until(() => early.events().some((e) => e.seq === lastValid), 10_000, 'early: last valid');
    await late.until(() => late.events().some((e) => e.seq === lastValid), 10_000, 'late: last valid');
    expect(seqs(all.events())).toEqual(history.map((e) => e.seq));
    expect(seqs(early.events())).toEqual(validSeqs);
    expect(seqs(late.events())).toEqual(validSeqs);
    expect((late.messages[1] as Extract<ServerMessage, { kind: 'snapshot' }>).events.length).toBeGreaterThan(
      (early.messages[1] as Extract<ServerMessage, { kind: 'snapshot' }>).events.length,
    );
  });

  it('filters by connection, host, client address and failures (query string)', async () => {
    const emitAll = (ds: EventDraft[]): void => ds.forEach((d) => bus.emit(d));
    emitAll(okConnection('a', 'valid.lab.tlslab', 1001));
    emitAll([open('b', 'expired.lab.tlslab', 1002), verdict('b', 'expired.lab.tlslab', false, 'block'), closeEvent('b')]);
    const byConn = await connect('?conn=a');
    const byHost = await connect('?host=EXPIRED');
    const byClient = await connect('?client=127.0.0.1:1002');
    const failures = await connect('?failures=1');
    for (const c of [byConn, byHost, byClient, failures]) await c.until((m) => m.length >= 2, 5000, 'snapshot');
    const snap = (c: RecordingClient): Extract<ServerMessage, { kind: 'snapshot' }> => c.messages[1] as Extract<ServerMessage, { kind: 'snapshot' }>;
    expect(byConn.messages[0]).toMatchObject({ kind: 'hello', filter: { conn: 'a' } });
    expect(new Set(snap(byConn).events.map((e) => e.conn))).toEqual(new Set(['a']));
    expect(snap(byConn).summaries.map((s) => s.id)).toEqual(['a']);
    expect(new Set(snap(byHost).events.map((e) => e.conn))).toEqual(new Set(['b']));
    expect(snap(byClient).summaries.map((s) => s.id)).toEqual(['b']);
    expect(snap(failures).summaries.map((s) => s.id)).toEqual(['b']);
    expect(snap(failures).events).toHaveLength(3);

    // live: a new ok connection to valid.* and one that fails only at its end
    emitAll(okConnection('c', 'other.lab.tlslab', 1003));
    const failing = [open('d', 'valid.lab.tlslab', 1004), record('d', 'client', 'client'), alert('d', 'client', 'client', 48, 'unknown_ca'), rejected('d'), closeEvent('d', 'client-reset')];
    emitAll(failing);
    emitAll([record('a', 'client', 'client')]);
    const lastSeq = bus.seq;
    await byConn.until(() => byConn.events().some((e) => e.seq === lastSeq), 5000, 'a live');
    await failures.until(() => failures.events().some((e) => e.conn === 'd' && e.type === 'conn:close'), 5000, 'd in failures');
    await tick();
    await tick();
    expect(new Set(byConn.events().map((e) => e.conn))).toEqual(new Set(['a']));
    expect(new Set(byHost.events().map((e) => e.conn))).toEqual(new Set(['b']));
    expect(new Set(byClient.events().map((e) => e.conn))).toEqual(new Set(['b']));
    // failures-only: d's earlier events (open, record — before it failed) are backfilled, nothing of a or c
    const dEvents = failures.events().filter((e) => e.conn === 'd');
    expect(dEvents.map((e) => e.type)).toEqual(['conn:open', 'tls:record', 'tls:alert', 'tls:client-outcome', 'conn:close']);
    expectStrictlyIncreasing(seqs(dEvents));
    expect(failures.events().some((e) => e.conn === 'a' || e.conn === 'c')).toBe(false);
  });

  it('a filter message is answered with a fresh snapshot and changes the live stream', async () => {
    for (const d of okConnection('a')) bus.emit(d);
    for (const d of okConnection('b', 'expired.lab.tlslab')) bus.emit(d);
    const c = await connect();
    await c.until((m) => m.length >= 2, 5000, 'snapshot');
    c.ws.send(JSON.stringify({ kind: 'filter', filter: { conn: 'b', bogus: 1 } }));
    await c.until((m) => m.filter((x) => x.kind === 'snapshot').length === 2, 5000, 'second snapshot');
    const s2 = c.messages.filter((m) => m.kind === 'snapshot')[1];
    expect(new Set(s2.events.map((e) => e.conn))).toEqual(new Set(['b']));
    expect(s2.events).toHaveLength(17);
    bus.emit(record('a', 'client', 'client'));
    bus.emit(record('b', 'client', 'client'));
    await c.until(() => c.eventsSinceLastSnapshot().length === 18, 5000, 'live b');
    expect(c.eventsSinceLastSnapshot().every((e) => e.conn === 'b')).toBe(true);
    // malformed messages are ignored, the stream goes on
    c.ws.send('not json');
    c.ws.send(JSON.stringify({ kind: 'ping' }));
    await c.until((m) => m.some((x) => x.kind === 'heartbeat'), 5000, 'heartbeat reply to ping');
  });

  it('a slow client gets a gap with exact counts; it never blocks emit or the other clients', async () => {
    await server.close();
    bus = new EventBus({ history: 20_000 });
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, clientQueue: 2000 });
    const fast = await connect();
    const slow = await connect();
    await fast.until((m) => m.length >= 2, 5000, 'fast snapshot');
    await slow.until((m) => m.length >= 2, 5000, 'slow snapshot');
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const TOTAL = 60_000;
    const pad = 'ab'.repeat(200);
    for (let i = 0; i < TOTAL; i += 500) {
      for (let k = 0; k < 500; k++) {
        const d = record(`c${(i + k) % 50}`, 'upstream', 'server', 400) as Extract<EventDraft, { type: 'tls:record' }>;
        bus.emit({ ...d, hex: d.hex + pad });
      }
      // emit ran 500 times without waiting on any socket; let the server flush
      await tick();
    }
    expect(bus.seq).toBe(TOTAL);
    // the fast client receives everything while the slow one is still paused
    await fast.until(() => fast.events().length === TOTAL, 30_000, 'fast client catches up');
    expect(fast.gaps()).toEqual([]);
    expectStrictlyIncreasing(seqs(fast.events()));
    const health = JSON.parse((await rawGet(server.port, '/api/health')).body) as { streams: { queued: number; dropped: number } };
    expect(health.streams.queued).toBeLessThanOrEqual(2000);
    expect(health.streams.dropped).toBeGreaterThan(0);
    socket.resume();
    await slow.until(() => { const ev = slow.events(); return ev.length > 0 && ev[ev.length - 1].seq === TOTAL; }, 30_000, 'slow client reaches the last event');
    const gaps = slow.gaps();
    expect(gaps.length).toBeGreaterThan(0);
    const received = slow.events();
    const missed = gaps.reduce((n, g) => n + g.missed, 0);
    expect(received.length + missed).toBe(TOTAL);
    expectStrictlyIncreasing(seqs(received));
    // each gap names exactly the seqs that are absent between what came before and after it
    const all = new Set(seqs(received));
    for (const g of gaps) {
      expect(g.reason).toBe('slow-consumer');
      expect(g.toSeq - g.fromSeq + 1).toBe(g.missed);
      for (let s = g.fromSeq; s <= g.toSeq; s++) if (all.has(s)) throw new Error(`seq ${s} inside gap was also received`);
    }
    // the gap notice comes right before the events that follow the hole
    const idx = slow.messages.findIndex((m) => m.kind === 'gap');
    const after = slow.messages[idx + 1];
    if (after.kind !== 'events') throw new Error('gap not followed by events');
    expect(after.events[0].seq).toBe((slow.messages[idx] as { toSeq: number }).toSeq + 1);
  });

  it('bounded memory: history and client queues stay within bounds after 200k events', async () => {
    await server.close();
    bus = new EventBus({ history: 10_000, historyBytes: 2 * 1024 * 1024 });
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, clientQueue: 1000 });
    const slow = await connect();
    await slow.until((m) => m.length >= 2, 5000, 'snapshot');
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 200_000; i++) {
      bus.emit(record(`c${i % 100}`, 'client', 'client', 200));
      if (i % 5000 === 0) await tick();
    }
    await tick();
    const res = await rawGet(server.port, '/api/health');
    const h = JSON.parse(res.body) as { seq: number; history: { events: number; bytes: number; evicted: number }; streams: { queued: number; clients: number } };
    expect(h.seq).toBe(200_000);
    expect(h.history.events).toBeLessThanOrEqual(10_000);
    expect(h.history.bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(h.history.events + h.history.evicted).toBe(200_000);
    expect(h.streams.clients).toBe(1);
    expect(h.streams.queued).toBeLessThanOrEqual(1000);
  });

  it('heartbeat: sends heartbeat messages and terminates a client that stops answering pings', async () => {
    await server.close();
    server = await startDashboardServer({ bus, port: 0, heartbeatMs: 100 });
    const alive = await connect();
    await alive.until((m) => m.some((x) => x.kind === 'heartbeat'), 5000, 'heartbeat');
    const hb = alive.messages.find((m) => m.kind === 'heartbeat') as { t: number };
    expect(hb.t).toBeGreaterThan(1_600_000_000_000);
    const WebSocket = (await import('ws')).default;
    const dead = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { autoPong: false });
    const closed = new Promise<void>((resolve) => dead.on('close', () => resolve()));
    await closed; // the server terminates it after a missed pong (test timeout guards a failure)
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
  });
});
