// EventBus: stamping, delivery, subscriber isolation, bounded summaries.
import { EventBus, OPEN_SHARE } from '../../../src/events/bus';
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
    for (let i = 0; i < 1000; i++) bus.emit(record(`c${i % 20}`, 'client', 'client', 10));
    expect(bus.history.size).toBe(100);
    expect(bus.history.evicted).toBe(900);
    expect(bus.history.capped).toBe(0);
    expect(bus.history.firstSeq).toBe(901);
    expect(bus.history.lastSeq).toBe(1000);
    expect(bus.eventsFor('c1').map((e) => e.seq)).toEqual([902, 922, 942, 962, 982]);
  });

  it('a connection that emits without end keeps its first events and a tenth of the history; the others keep theirs', () => {
    const bus = new EventBus({ history: 10_000 });
    for (const d of okConnection('short')) bus.emit(d);
    bus.emit(open('h2-forever'));
    for (let i = 0; i < 200_000; i++) bus.emit(record('h2-forever', 'upstream', 'server', 100));
    for (const d of okConnection('later')) bus.emit(d);
    expect(bus.eventsFor('h2-forever')).toHaveLength(1000);
    expect(bus.eventsFor('h2-forever')[0].type).toBe('conn:open');
    expect(bus.eventsFor('short')).toHaveLength(17);
    expect(bus.eventsFor('later')).toHaveLength(17);
    expect(bus.history.size).toBe(17 + 1000 + 17);
    expect(bus.history.capped).toBe(200_001 - 1000);
    // its summary still counts every byte: summaries are not bounded by the history
    expect(bus.summary('h2-forever')?.legs.upstream.bytesIn).toBe(200_000 * 105);
  });

  it('bounds history by approximate bytes, counting evictions', () => {
    const bus = new EventBus({ history: 1_000_000, historyBytes: 200_000 });
    for (let i = 0; i < 5000; i++) bus.emit(record(`c${i % 50}`, 'client', 'client', 1000));
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

  it('forgets the oldest closed connections beyond maxConnections while few are open', () => {
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

describe('EventBus summary cap, whatever the connections do', () => {
  it('holds the cap when connections never close; the newest closed ones stay listed', () => {
    const max = 2000;
    const bus = new EventBus({ maxConnections: max });
    let peak = 0;
    const closedOrder: string[] = [];
    // 2,200 connections that never send conn:close, with a closed one every 10th
    for (let i = 0; i < 2200; i++) {
      bus.emit(open(`stuck${i}`));
      bus.emit(record(`stuck${i}`, 'client', 'client'));
      if (i % 10 === 0) {
        for (const d of okConnection(`ok${i}`)) bus.emit(d);
        closedOrder.push(`ok${i}`);
      }
      peak = Math.max(peak, bus.connectionCount);
    }
    expect(peak).toBeLessThanOrEqual(max);
    expect(bus.connectionCount).toBe(max);
    const kept = bus.summaries();
    const open_ = kept.filter((s) => s.closedAt === null);
    const closed = kept.filter((s) => s.closedAt !== null);
    // open connections hold at most their share; the oldest open ones went first
    expect(open_.length).toBe(Math.floor(max * OPEN_SHARE));
    expect(bus.summary('stuck0')).toBeUndefined();
    expect(bus.summary('stuck2199')).toMatchObject({ status: 'open' });
    // the closed connections fill the rest: the newest of them, in the order they closed
    expect(closed.length).toBe(max - open_.length);
    expect(closed.map((s) => s.id)).toEqual(closedOrder.slice(-closed.length));
    expect(bus.forgottenOpenConnections).toBe(2200 - open_.length);
    expect(bus.forgottenConnections).toBe(bus.forgottenOpenConnections + closedOrder.length - closed.length);
  });

  it('with more closed connections than room, forgets the ones that closed longest ago, keeping the open share', () => {
    const max = 1000;
    const bus = new EventBus({ maxConnections: max });
    for (let i = 0; i < 5000; i++) bus.emit(open(`stuck${i}`));
    for (let i = 0; i < 3000; i++) for (const d of okConnection(`ok${i}`)) bus.emit(d);
    expect(bus.connectionCount).toBe(max);
    const closed = bus.summaries().filter((s) => s.closedAt !== null).map((s) => s.id);
    // (the last connection's conn:open took a closed slot, then it closed itself: one more closed, one less open)
    expect(closed.length).toBeGreaterThanOrEqual(max - Math.floor(max * OPEN_SHARE));
    expect(closed).toEqual(Array.from({ length: closed.length }, (_, i) => `ok${3000 - closed.length + i}`));
    // a stuck connection that finally closes moves to the closed side (it closed last: it is kept)
    const lastStuck = 'stuck4999';
    bus.emit(closeEvent(lastStuck));
    bus.emit(open('one-more'));
    expect(bus.summary(lastStuck)).toMatchObject({ status: 'ok' });
    expect(bus.connectionCount).toBe(max);
  });

  it('a forgotten open connection that goes on emitting does not come back, and evicts nobody', () => {
    const bus = new EventBus({ maxConnections: 100 });
    const delivered: string[] = [];
    bus.subscribe((e) => {
      if (e.conn === 'stuck50') delivered.push(e.type);
    });
    // 100 connections fill the cap; 60 more push the oldest open ones out (open ones hold at most 90 slots)
    for (let i = 0; i < 160; i++) bus.emit(open(`stuck${i}`));
    for (const d of okConnection('ok')) bus.emit(d);
    const before = bus.summaries().map((s) => s.id);
    expect(bus.summary('stuck50')).toBeUndefined();
    expect(bus.forgottenOpenConnections).toBe(71);
    // the forgotten ones (all still remembered: at most 100 are) keep talking, then close
    for (let round = 0; round < 5; round++) for (let i = 0; i < 71; i++) bus.emit(record(`stuck${i}`, 'client', 'client'));
    for (let i = 0; i < 71; i++) bus.emit(closeEvent(`stuck${i}`));
    expect(bus.summaries().map((s) => s.id)).toEqual(before);
    expect(bus.summary('stuck50')).toBeUndefined();
    // their events are still in history and were delivered
    const story = ['conn:open', 'tls:record', 'tls:record', 'tls:record', 'tls:record', 'tls:record', 'conn:close'];
    expect(bus.eventsFor('stuck50').map((e) => e.type)).toEqual(story);
    expect(delivered).toEqual(story);
    // the remembered ids are bounded too
    for (let i = 200; i < 1200; i++) bus.emit(open(`stuck${i}`));
    expect(bus.rememberedForgotten).toBeLessThanOrEqual(100);
    expect(bus.connectionCount).toBeLessThanOrEqual(100);
  });

  it('a connection whose only event is not conn:open still gets a summary (never seen, not forgotten)', () => {
    const bus = new EventBus();
    bus.emit(record('late', 'client', 'client'));
    expect(bus.summary('late')).toMatchObject({ id: 'late', status: 'open' });
  });
});

describe('EventBus history share per student (classroom mode)', () => {
  const openAs = (bus: EventBus, conn: string, student: string): void => {
    bus.emit({ type: 'conn:open', conn, client: { address: '10.0.0.2', port: 5 }, target: { host: 'a.test', port: 443 }, via: 'connect', student: { id: `s-${student}`, name: student } });
  };

  it("one student's flood forgets their own oldest connections, never another student's", () => {
    const bus = new EventBus({ maxConnections: 100, maxPerStudent: 10 });
    for (let i = 0; i < 5; i++) openAs(bus, `ada-${i}`, 'ada');
    for (let i = 0; i < 500; i++) {
      openAs(bus, `flood-${i}`, 'mallory');
      bus.emit(closeEvent(`flood-${i}`));
    }
    const byStudent = (name: string): string[] => bus.summaries().filter((s) => s.student?.name === name).map((s) => s.id);
    expect(byStudent('ada')).toEqual(['ada-0', 'ada-1', 'ada-2', 'ada-3', 'ada-4']);
    // The flood keeps its newest ten and no more.
    expect(byStudent('mallory')).toEqual(Array.from({ length: 10 }, (_, i) => `flood-${490 + i}`));
    expect(bus.forgottenForStudentShare).toBe(490);
    // A (recently) forgotten connection's later events do not bring it back.
    bus.emit(record('flood-489', 'client', 'client'));
    expect(bus.summary('flood-489')).toBeUndefined();
  });

  it('defaults to a quarter of the summary cap, and connections without a student are not counted', () => {
    const bus = new EventBus({ maxConnections: 40 });
    for (let i = 0; i < 30; i++) openAs(bus, `b-${i}`, 'bob');
    for (let i = 0; i < 8; i++) bus.emit({ type: 'conn:open', conn: `x-${i}`, client: { address: '127.0.0.1', port: 5 }, target: { host: 'a.test', port: 443 }, via: 'connect' });
    expect(bus.summaries().filter((s) => s.student?.name === 'bob')).toHaveLength(10);
    expect(bus.summaries().filter((s) => s.student === undefined)).toHaveLength(8);
  });
});
