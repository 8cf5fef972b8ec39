// The real dashboard server (src/server) on 127.0.0.1 port 0 with a real EventBus, fed with fixture events, for
// the browser tests. I/O: one listening socket; events go in through EventBus.emit, exactly as the proxy's do.
import { EventBus, type EventBusOptions } from '../../src/events/bus';
import type { EventDraft, TlslabEvent } from '../../src/events/schema';
import { startDashboardServer, type DashboardServer, type DashboardServerOptions } from '../../src/server';

export interface RealDashboard {
  bus: EventBus;
  server: DashboardServer;
  url: string;
  /** Emits fixture events (their `v`, `seq` and `t` are dropped: the bus stamps its own). */
  emit(events: readonly TlslabEvent[]): void;
  /** Emits them with the fixture's own pacing, sped up so the whole list takes at most `maxMs`. */
  emitPaced(events: readonly TlslabEvent[], maxMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function toDraft(e: TlslabEvent): EventDraft {
  const { v: _v, seq: _seq, t: _t, ...draft } = e;
  return draft;
}

export async function startRealDashboard(opts: { bus?: EventBusOptions; server?: Omit<DashboardServerOptions, 'bus'> } = {}): Promise<RealDashboard> {
  const bus = new EventBus(opts.bus);
  const server = await startDashboardServer({ port: 0, heartbeatMs: 0, ...opts.server, bus });
  const emit = (events: readonly TlslabEvent[]): void => {
    for (const e of events) bus.emit(toDraft(e));
  };
  return {
    bus,
    server,
    url: server.url,
    emit,
    async emitPaced(events, maxMs = 400) {
      if (events.length === 0) return;
      const first = events[0].t;
      const span = Math.max(1, events[events.length - 1].t - first);
      const scale = Math.min(1, maxMs / span);
      const start = Date.now();
      for (const e of events) {
        const due = start + (e.t - first) * scale;
        const wait = due - Date.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        bus.emit(toDraft(e));
      }
    },
    close: () => server.close(),
  };
}
