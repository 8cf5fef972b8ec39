// The snapshot stays small: the summaries within its window, but the events of only the newest connections, within
// a byte budget (and of no forgotten ones, unless asked for by id).
import { EventBus } from '../../src/events/bus';
import { startDashboardServer } from '../../src/server';
import type { ServerMessage } from '../../src/events/stream';
import { RecordingClient, rawGet } from '../helpers/server-ws';
import { clientHello, open, record } from '../helpers/events-drafts';

describe('snapshot size', () => {
  it('carries the summaries within its window and the events of the newest `snapshotConnections` connections only', async () => {
    const bus = new EventBus();
    for (let i = 1; i <= 50; i++) {
      bus.emit(open(`k${i}`, `h${i}.example`));
      bus.emit(clientHello(`k${i}`, 'client', `h${i}.example`));
    }
    const server = await startDashboardServer({ bus, port: 0, snapshotConnections: 10 });
    const ws = new RecordingClient(`ws://127.0.0.1:${server.port}/ws`);
    try {
      await ws.until((m) => m.some((x) => x.kind === 'snapshot'), 10_000, 'snapshot');
      const snap = ws.messages.find((m) => m.kind === 'snapshot');
      if (!snap || snap.kind !== 'snapshot') throw new Error('no snapshot');
      expect(snap.summaries).toHaveLength(50);
      const conns = new Set(snap.events.map((e) => e.conn));
      expect([...conns].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${41 + i}`).sort());
      expect(snap.events).toHaveLength(20);
      // An older connection's events are one request away.
      const older = await rawGet(server.port, '/api/connections/k3/events');
      expect(older.status).toBe(200);
      expect((JSON.parse(older.body) as { type: string }[]).map((e) => e.type)).toEqual(['conn:open', 'tls:handshake']);
    } finally {
      await ws.close();
      await server.close();
    }
  });

  it('carries whole connections\' events within `snapshotEventBytes`: one that does not fit is left out', async () => {
    const bus = new EventBus();
    for (let i = 1; i <= 6; i++) {
      bus.emit(open(`b${i}`, `h${i}.example`));
      bus.emit(clientHello(`b${i}`, 'client', `h${i}.example`));
    }
    for (let k = 0; k < 40; k++) bus.emit(record('b6', 'client', 'client', 512, k * 517)); // the newest is big
    const size = (id: string): number => bus.eventsFor(id).reduce((n, e) => n + JSON.stringify(e).length + 1, 0);
    expect(size('b6')).toBeGreaterThan(3 * size('b5'));
    const budget = size('b5') + size('b4') + size('b3') + 10;
    const server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, snapshotConnections: 5, snapshotEventBytes: budget });
    const ws = new RecordingClient(`ws://127.0.0.1:${server.port}/ws`);
    try {
      await ws.until((m) => m.some((x) => x.kind === 'snapshot'), 10_000, 'snapshot');
      const snap = ws.messages.find((m) => m.kind === 'snapshot');
      if (!snap || snap.kind !== 'snapshot') throw new Error('no snapshot');
      expect(snap.summaries.map((s) => s.id)).toEqual(['b6', 'b5', 'b4', 'b3', 'b2', 'b1']);
      expect(snap.total).toBe(6);
      expect([...new Set(snap.events.map((e) => e.conn))]).toEqual(['b3', 'b4', 'b5']);
      expect(snap.events.map((e) => e.type)).toEqual(Array.from({ length: 3 }, () => ['conn:open', 'tls:handshake']).flat());
    } finally {
      await ws.close();
      await server.close();
    }
  });

  it('events of forgotten connections stay out of a snapshot unless it asks for that connection by id', async () => {
    const bus = new EventBus({ maxConnections: 100 });
    for (let i = 0; i < 1000; i++) {
      bus.emit(open(`stuck${i}`, `h${i}.example`));
      bus.emit(clientHello(`stuck${i}`, 'client', `h${i}.example`));
    }
    expect(bus.history.size).toBe(2000); // every event is still kept, though 900+ summaries are gone
    const server = await startDashboardServer({ bus, port: 0, heartbeatMs: 0, snapshotConnections: 50 });
    const all = new RecordingClient(`ws://127.0.0.1:${server.port}/ws`);
    const one = new RecordingClient(`ws://127.0.0.1:${server.port}/ws?conn=stuck3`);
    try {
      const snapOf = async (c: RecordingClient): Promise<Extract<ServerMessage, { kind: 'snapshot' }>> => {
        await c.until((m) => m.some((x) => x.kind === 'snapshot'), 10_000, 'snapshot');
        return c.messages.find((m) => m.kind === 'snapshot') as Extract<ServerMessage, { kind: 'snapshot' }>;
      };
      const snap = await snapOf(all);
      expect(snap.summaries.length).toBeLessThanOrEqual(100);
      const conns = new Set(snap.events.map((e) => e.conn));
      expect(conns.size).toBe(50);
      const listed = new Set(snap.summaries.map((s) => s.id));
      expect([...conns].every((id) => listed.has(id))).toBe(true);
      const byId = await snapOf(one);
      expect(byId.summaries).toEqual([]);
      expect(byId.events.map((e) => e.type)).toEqual(['conn:open', 'tls:handshake']);
    } finally {
      await all.close();
      await one.close();
      await server.close();
    }
  });
});

