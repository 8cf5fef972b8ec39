// EventHistory: the ring buffer's order, bounds (total and per connection), per-connection index and size estimate.
import { EventHistory } from '../../../src/events/history';
import { estimateEventBytes } from '../../../src/events/size';
import type { EventDraft, TlslabEvent } from '../../../src/events/schema';
import { closeEvent, okConnection, record } from '../../helpers/events-drafts';

let seq = 0;
function stamp(d: EventDraft): TlslabEvent {
  seq++;
  return { ...d, v: 1, seq, t: 1000 + seq };
}

describe('EventHistory', () => {
  beforeEach(() => {
    seq = 0;
  });

  it('keeps events oldest first across wrap-around and filters with toArray', () => {
    const h = new EventHistory({ maxEvents: 5, maxConnEvents: 5 });
    expect(h.firstSeq).toBeNull();
    expect(h.lastSeq).toBeNull();
    for (let i = 0; i < 12; i++) h.push(stamp(record(i % 2 === 0 ? 'even' : 'odd', 'client', 'client')), 10);
    expect(h.toArray().map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(h.toArray((e) => e.conn === 'even').map((e) => e.seq)).toEqual([9, 11]);
    expect(h.forConn('odd').map((e) => e.seq)).toEqual([8, 10, 12]);
    expect(h.evicted).toBe(7);
    expect(h.bytes).toBe(50);
    expect([h.firstSeq, h.lastSeq]).toEqual([8, 12]);
  });

  it('evicts by bytes; an event larger than a connection may hold is not kept, and the bound holds', () => {
    const h = new EventHistory({ maxEvents: 100, maxBytes: 1000, maxConnBytes: 1000 });
    for (let i = 0; i < 10; i++) h.push(stamp(record(`c${i}`, 'client', 'client')), 300);
    expect(h.size).toBe(3);
    expect(h.bytes).toBe(900);
    expect(h.push(stamp(record('c', 'client', 'client')), 5000)).toBe(false);
    expect(h.size).toBe(3);
    expect(h.bytes).toBe(900);
    expect(h.lastSeq).toBe(10);
    expect(h.evicted).toBe(7);
    expect(h.capped).toBe(1);
  });

  it('keeps at most maxConnEvents of one connection (its first ones), always its conn:close, and the others untouched', () => {
    const h = new EventHistory({ maxEvents: 1000, maxConnEvents: 50 });
    for (let i = 0; i < 10; i++) h.push(stamp(record('quiet', 'client', 'client')), 10);
    const kept: boolean[] = [];
    for (let i = 0; i < 100_000; i++) kept.push(h.push(stamp(record('chatty', 'upstream', 'server')), 10));
    expect(kept.filter(Boolean)).toHaveLength(50);
    expect(kept.slice(0, 50).every(Boolean)).toBe(true);
    expect(h.forConn('chatty').map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 11 + i));
    expect(h.capped).toBe(100_000 - 50);
    expect(h.push(stamp(closeEvent('chatty')), 10)).toBe(true);
    expect(h.forConn('chatty')).toHaveLength(51);
    expect(h.forConn('chatty')[50].type).toBe('conn:close');
    // the chatty connection pushed nothing else out
    expect(h.forConn('quiet').map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(h.evicted).toBe(0);
    expect(h.size).toBe(61);
  });

  it('bounds one connection by bytes too; once its old events are evicted it may keep new ones', () => {
    const h = new EventHistory({ maxEvents: 40, maxBytes: 100_000, maxConnEvents: 40, maxConnBytes: 1000 });
    for (let i = 0; i < 30; i++) h.push(stamp(record('big', 'client', 'client')), 100);
    expect(h.forConn('big')).toHaveLength(10);
    expect(h.bytesFor('big')).toBe(1000);
    // others fill the ring: big's events are evicted oldest first, and its share frees up
    for (let i = 0; i < 35; i++) h.push(stamp(record(`o${i}`, 'client', 'client')), 1);
    expect(h.forConn('big')).toHaveLength(5);
    expect(h.bytesFor('big')).toBe(500);
    for (let i = 0; i < 10; i++) h.push(stamp(record('big', 'client', 'client')), 100);
    expect(h.bytesFor('big')).toBeLessThanOrEqual(1000);
    expect(h.size).toBeLessThanOrEqual(40);
  });

  it('defaults: one connection may hold a tenth of the history', () => {
    const h = new EventHistory();
    expect(h.maxConnEvents).toBe(5000);
    expect(h.maxConnBytes).toBe(Math.ceil((64 * 1024 * 1024) / 10));
    expect(new EventHistory({ maxEvents: 100, maxConnEvents: 1_000_000 }).maxConnEvents).toBe(100);
  });

  it('drops a connection from the index when its last event is evicted, compacts long slices', () => {
    const h = new EventHistory({ maxEvents: 300, maxConnEvents: 300 });
    for (let i = 0; i < 1000; i++) {
      h.push(stamp(record('big', 'client', 'client')), 1);
      h.push(stamp(record(`f${i}`, 'client', 'client')), 1);
    }
    // the newest 300 of 2,000 (seq 1701–2000): big's are the odd ones
    expect(h.forConn('big')).toHaveLength(150);
    expect(h.forConn('big')[0].seq).toBe(1701);
    expect(h.forConn('f999').map((e) => e.seq)).toEqual([2000]);
    for (let i = 0; i < 300; i++) h.push(stamp(record('other', 'client', 'client')), 1);
    expect(h.forConn('big')).toEqual([]);
    expect(h.connections()).toEqual(['other']);
    h.clear();
    expect(h.size).toBe(0);
    expect(h.evicted).toBe(2300);
  });
});

describe('estimateEventBytes', () => {
  it('stays within a small factor of the JSON size for every event of a connection', () => {
    const events = okConnection('c1').map((d) => stamp(d));
    for (const e of events) {
      const est = estimateEventBytes(e);
      const json = JSON.stringify(e).length;
      expect(est).toBeGreaterThan(json / 3);
      expect(est).toBeLessThan(json * 4);
    }
  });

  it('grows with hex payloads', () => {
    const small = stamp(record('c', 'client', 'client', 10));
    const big = { ...small, hex: 'ab'.repeat(16384) } as TlslabEvent;
    expect(estimateEventBytes(big) - estimateEventBytes(small)).toBeGreaterThan(32000);
  });
});
