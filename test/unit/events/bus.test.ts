// EventBus: stamping, delivery, subscriber isolation, bounded summaries.
import { EventBus } from '../../../src/events/bus';
import type { TlslabEvent } from '../../../src/events/schema';
import { closeEvent, okConnection, open, record } from '../../helpers/events-drafts';

describe('EventBus.emit', () => {
  it('stamps v, a strictly increasing global seq and a non-decreasing epoch-aligned t', () => {
    const bus = new EventBus();
    const before = Date.now();
    const seen: TlslabEvent[] = [];
    for (let i = 0; i < 2000; i++) seen.push(bus.emit(record(`c${i % 7}`, 'client', 'client', 100)));
    const after = Date.now();
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].seq).toBe(seen[i - 1].seq + 1);
      expect(seen[i].t).toBeGreaterThanOrEqual(seen[i - 1].t);
    }
    expect(seen[0].seq).toBe(1);
    expect(seen[0].v).toBe(1);
    expect(bus.seq).toBe(2000);
    // epoch-aligned milliseconds with sub-ms precision (performance.timeOrigin + now)
    expect(seen[0].t).toBeGreaterThanOrEqual(before - 50);
    expect(seen[seen.length - 1].t).toBeLessThanOrEqual(after + 50);
  });

  it('keeps the draft fields and puts v, type, conn, seq, t first; a draft cannot override the stamp', () => {
    const bus = new EventBus();
    const e = bus.emit({ type: 'conn:open', conn: 'c1', client: { address: '127.0.0.1', port: 5 }, target: { host: 'a.test', port: 443 }, via: 'connect' });
    expect(Object.keys(e).slice(0, 5)).toEqual(['v', 'type', 'conn', 'seq', 't']);
    expect(e).toMatchObject({ type: 'conn:open', conn: 'c1', target: { host: 'a.test', port: 443 }, via: 'connect' });
    const sneaky = { ...record('c1', 'client', 'client'), seq: 999, t: 1 } as unknown as Parameters<EventBus['emit']>[0];
    const s = bus.emit(sneaky);
    expect(s.seq).toBe(2);
    expect(s.t).toBeGreaterThan(1);
  });

  it('delivers every event to every subscriber in seq order; unsubscribe stops delivery', () => {
    const bus = new EventBus();
    const a: number[] = [];
    const b: number[] = [];
    const offA = bus.subscribe((e) => a.push(e.seq));
    bus.subscribe((e) => b.push(e.seq));
    for (const d of okConnection('c1')) bus.emit(d);
    offA();
    bus.emit(open('c2'));
    expect(a).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect(b).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(bus.subscriberCount).toBe(1);
  });

  it('isolates a throwing subscriber: emit returns, others still receive, errors are counted', () => {
    const bus = new EventBus();
    const got: number[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((e) => got.push(e.seq));
    expect(() => bus.emit(open('c1'))).not.toThrow();
    bus.emit(record('c1', 'client', 'client'));
    expect(got).toEqual([1, 2]);
    expect(bus.subscriberErrors).toBe(2);
    expect((bus.lastError as Error).message).toBe('boom');
  });

  it('delivers events emitted from inside a subscriber after the current one, so every subscriber sees seq order', () => {
    const bus = new EventBus();
    const first: number[] = [];
    const second: number[] = [];
    bus.subscribe((e) => {
      first.push(e.seq);
      if (e.type === 'conn:open') bus.emit(record(e.conn, 'client', 'client'));
    });
    bus.subscribe((e) => second.push(e.seq));
    bus.emit(open('c1'));
    expect(first).toEqual([1, 2]);
    expect(second).toEqual([1, 2]);
  });
});

describe('EventBus history and summaries', () => {
  it('records events in history and per connection', () => {
    const bus = new EventBus();
    for (const d of okConnection('c1')) bus.emit(d);
    for (const d of okConnection('c2', 'expired.lab.tlslab')) bus.emit(d);
    expect(bus.history.size).toBe(34);
    expect(bus.eventsFor('c2').map((e) => e.seq)).toEqual(Array.from({ length: 17 }, (_, i) => i + 18));
    expect(bus.eventsFor('nope')).toEqual([]);
    expect(bus.summaries().map((s) => s.id)).toEqual(['c1', 'c2']);
    expect(bus.summary('c2')).toMatchObject({ id: 'c2', status: 'ok', target: { host: 'expired.lab.tlslab', port: 443 }, lab: 'expired', lastSeq: 34 });
  });

  it('bounds history by count, counting evictions', () => {
    const bus = new EventBus({ history: 100 });
    for (let i = 0; i < 1000; i++) bus.emit(record('c1', 'client', 'client', 10));
    expect(bus.history.size).toBe(100);
    expect(bus.history.evicted).toBe(900);
    expect(bus.history.firstSeq).toBe(901);
    expect(bus.history.lastSeq).toBe(1000);
    expect(bus.eventsFor('c1').map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 901 + i));
  });

  it('bounds history by approximate bytes, counting evictions', () => {
    const bus = new EventBus({ history: 1_000_000, historyBytes: 200_000 });
    for (let i = 0; i < 5000; i++) bus.emit(record(`c${i % 10}`, 'client', 'client', 1000));
    expect(bus.history.bytes).toBeLessThanOrEqual(200_000);
    expect(bus.history.size).toBeGreaterThan(100);
    expect(bus.history.size + bus.history.evicted).toBe(5000);
    const kept = bus.history.toArray();
    // what is kept is the newest, contiguous, in order
    expect(kept[kept.length - 1].seq).toBe(5000);
    for (let i = 1; i < kept.length; i++) expect(kept[i].seq).toBe(kept[i - 1].seq + 1);
    // the byte estimate is in the same range as the JSON size
    const json = kept.reduce((n, e) => n + JSON.stringify(e).length, 0);
    expect(bus.history.bytes).toBeGreaterThan(json / 3);
    expect(bus.history.bytes).toBeLessThan(json * 3);
  });

  it('forgets the oldest closed connections beyond maxConnections, never open ones', () => {
    const bus = new EventBus({ maxConnections: 100 });
    bus.emit(open('keep-open'));
    for (let i = 0; i < 300; i++) {
      bus.emit(open(`c${i}`));
      bus.emit(closeEvent(`c${i}`));
    }
    expect(bus.connectionCount).toBeLessThanOrEqual(100);
    expect(bus.summary('keep-open')).toBeDefined();
    expect(bus.summary('c299')).toBeDefined();
    expect(bus.summary('c0')).toBeUndefined();
    expect(bus.forgottenConnections).toBe(301 - bus.connectionCount);
  });

  it('stays within its bounds after 200k events', () => {
    const bus = new EventBus({ history: 20_000, historyBytes: 4 * 1024 * 1024, maxConnections: 2000 });
    for (let i = 0; i < 200_000; i++) {
      const conn = `c${Math.floor(i / 20)}`;
      if (i % 20 === 0) bus.emit(open(conn));
      else if (i % 20 === 19) bus.emit(closeEvent(conn));
      else bus.emit(record(conn, 'upstream', 'server', 300));
    }
    expect(bus.seq).toBe(200_000);
    expect(bus.history.size).toBeLessThanOrEqual(20_000);
    expect(bus.history.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(bus.history.size + bus.history.evicted).toBe(200_000);
    expect(bus.connectionCount).toBeLessThanOrEqual(2000);
    // the per-connection index only holds connections that still have events in history
    expect(bus.history.connections().length).toBeLessThanOrEqual(bus.history.size);
  });
});
