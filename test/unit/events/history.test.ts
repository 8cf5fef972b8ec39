// EventHistory: the ring buffer's order, bounds, per-connection index and size estimate.
import { EventHistory } from '../../../src/events/history';
import { estimateEventBytes } from '../../../src/events/size';
import type { TlslabEvent } from '../../../src/events/schema';
import { okConnection, record } from '../../helpers/events-drafts';

let seq = 0;
function stamp(d: ReturnType<typeof record>): TlslabEvent {
  seq++;
  return { ...d, v: 1, seq, t: 1000 + seq } as TlslabEvent;
}

describe('EventHistory', () => {
  beforeEach(() => {
    seq = 0;
  });

  it('keeps events oldest first across wrap-around and filters with toArray', () => {
    const h = new EventHistory({ maxEvents: 5 });
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

  it('evicts by bytes, always keeps the newest event even if it alone is over the bound', () => {
    const h = new EventHistory({ maxEvents: 100, maxBytes: 1000 });
    for (let i = 0; i < 10; i++) h.push(stamp(record('c', 'client', 'client')), 300);
    expect(h.size).toBe(3);
    expect(h.bytes).toBe(900);
    h.push(stamp(record('c', 'client', 'client')), 5000);
    expect(h.size).toBe(1);
    expect(h.lastSeq).toBe(11);
    expect(h.evicted).toBe(10);
  });

  it('drops a connection from the index when its last event is evicted, compacts long slices', () => {
    const h = new EventHistory({ maxEvents: 300 });
    for (let i = 0; i < 1000; i++) h.push(stamp(record('big', 'client', 'client')), 1);
    expect(h.forConn('big')).toHaveLength(300);
    expect(h.forConn('big')[0].seq).toBe(701);
    for (let i = 0; i < 300; i++) h.push(stamp(record('other', 'client', 'client')), 1);
    expect(h.forConn('big')).toEqual([]);
    expect(h.connections()).toEqual(['other']);
    h.clear();
    expect(h.size).toBe(0);
    expect(h.evicted).toBe(1300);
  });
});

describe('estimateEventBytes', () => {
  it('stays within a small factor of the JSON size for every event of a connection', () => {
    const events = okConnection('c1').map((d) => stamp(d as ReturnType<typeof record>));
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
