// EventHistory's preference: failed and lab connections' events outlive repetitive OK connections' events when the
// history is full; the bus decides which connections are preferred from their summaries.
import { EventHistory } from '../../../src/events/history';
import { EventBus } from '../../../src/events/bus';
import type { EventDraft, TlslabEvent } from '../../../src/events/schema';
import { closeEvent, okConnection, open, record, rejected, verdict } from '../../helpers/events-drafts';

let seq = 0;
function stamp(d: EventDraft): TlslabEvent {
  seq++;
  return { ...d, v: 1, seq, t: 1000 + seq };
}

describe('EventHistory with a preference', () => {
  beforeEach(() => {
    seq = 0;
  });

  it('keeps a preferred connection whole while plain ones are evicted oldest first, and stays in seq order', () => {
    const h = new EventHistory({ maxEvents: 20, maxConnEvents: 20, prefer: (c) => c === 'fail' });
    for (let i = 0; i < 5; i++) h.push(stamp(record('fail', 'client', 'client')), 1);
    for (let i = 0; i < 100; i++) h.push(stamp(record(`ok${i}`, 'client', 'client')), 1);
    expect(h.forConn('fail').map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(h.size).toBe(20);
    expect(h.preferred).toBe(5);
    // The newest 15 plain events fill the rest.
    expect(h.toArray().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, ...Array.from({ length: 15 }, (_, i) => 91 + i)]);
    expect([h.firstSeq, h.lastSeq]).toEqual([1, 105]);
    expect(h.evicted).toBe(85);
  });

  it('a preferred connection keeps its events in order when it goes on talking after some moved aside', () => {
    const h = new EventHistory({ maxEvents: 10, maxConnEvents: 10, prefer: (c) => c === 'lab' });
    for (let i = 0; i < 3; i++) h.push(stamp(record('lab', 'client', 'client')), 1);
    for (let i = 0; i < 9; i++) h.push(stamp(record(`ok${i}`, 'client', 'client')), 1);
    h.push(stamp(closeEvent('lab')), 1);
    for (let i = 0; i < 20; i++) h.push(stamp(record(`more${i}`, 'client', 'client')), 1);
    const lab = h.forConn('lab').map((e) => e.seq);
    expect(lab).toEqual([1, 2, 3, 13]);
    const all = h.toArray().map((e) => e.seq);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(h.size).toBe(10);
  });

  it('the preferred share is a bound: beyond it the oldest preferred events go first', () => {
    const h = new EventHistory({ maxEvents: 10, maxConnEvents: 10, preferShare: 0.5, prefer: (c) => c.startsWith('fail') });
    for (let i = 0; i < 30; i++) h.push(stamp(record(`fail${i}`, 'client', 'client')), 1);
    expect(h.size).toBe(10);
    expect(h.preferred).toBeLessThanOrEqual(5);
    // Nothing else competes: the newest ten failures are kept.
    expect(h.toArray().map((e) => e.conn)).toEqual(Array.from({ length: 10 }, (_, i) => `fail${20 + i}`));
  });

  it('bounds bytes as well: preferred events never take more than their share of maxBytes', () => {
    const h = new EventHistory({ maxEvents: 1000, maxBytes: 1000, maxConnBytes: 1000, preferShare: 0.3, prefer: (c) => c === 'fail' });
    for (let i = 0; i < 10; i++) h.push(stamp(record('fail', 'client', 'client')), 50);
    for (let i = 0; i < 100; i++) h.push(stamp(record(`ok${i}`, 'client', 'client')), 50);
    expect(h.bytes).toBeLessThanOrEqual(1000);
    expect(h.bytesFor('fail')).toBe(300);
    expect(h.forConn('fail').map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it('clear() empties both stores', () => {
    const h = new EventHistory({ maxEvents: 4, maxConnEvents: 4, prefer: () => true });
    for (let i = 0; i < 6; i++) h.push(stamp(record('a', 'client', 'client')), 1);
    h.clear();
    expect([h.size, h.bytes, h.preferred, h.firstSeq, h.lastSeq]).toEqual([0, 0, 0, null, null]);
    expect(h.forConn('a')).toEqual([]);
  });
});

describe('EventBus history preference', () => {
  it('keeps failed and lab connections\' ladders while 2,000 OK connections to one host cycle through', () => {
    const bus = new EventBus({ history: 600, historyPerConnection: 100 });
    // A failed upstream verdict (not a lab host), and a lab connection that ended fine.
    bus.emit(open('bad', 'expired.example.test'));
    bus.emit(verdict('bad', 'expired.example.test', false, 'block'));
    bus.emit(closeEvent('bad'));
    for (const d of okConnection('lab', 'valid.lab.tlslab')) bus.emit(d);
    bus.emit(open('refused', 'www.example.test'));
    bus.emit(rejected('refused'));
    bus.emit(closeEvent('refused', 'closed'));
    const before = { bad: bus.eventsFor('bad').length, lab: bus.eventsFor('lab').length, refused: bus.eventsFor('refused').length };
    for (let i = 0; i < 2000; i++) for (const d of okConnection(`ok${i}`, 'www.example.test', 40000 + (i % 20000))) bus.emit(d);
    expect({ bad: bus.eventsFor('bad').length, lab: bus.eventsFor('lab').length, refused: bus.eventsFor('refused').length }).toEqual(before);
    expect(bus.eventsFor('bad')[0].type).toBe('conn:open');
    expect(bus.summary('bad')?.status).toBe('failed');
    // A plain OK connection from the start is gone; the newest are whole.
    expect(bus.eventsFor('ok0')).toEqual([]);
    expect(bus.eventsFor('ok1999').map((e) => e.type)).toEqual(okConnection('x').map((d) => d.type));
    expect(bus.history.size).toBeLessThanOrEqual(600);
  });
});
