// The snapshot stays small: every matching summary, but the events of only the newest connections (and of no
// forgotten ones, unless asked for by id).
import { EventBus } from '../../src/events/bus';
import { startDashboardServer } from '../../src/server';
import type { ServerMessage } from '../../src/events/stream';
import { RecordingClient, rawGet } from '../helpers/server-ws';
import { clientHello, open } from '../helpers/events-drafts';

describe('snapshot size', () => {
  it('carries all summaries and the events of the newest `snapshotConnections` connections only', async () => {
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

