// The snapshot stays small: every matching summary, but the events of only the newest connections.
import { EventBus } from '../../src/events/bus';
import { startDashboardServer } from '../../src/server';
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
});
