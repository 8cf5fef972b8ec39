// ClientQueue: drop-oldest with exact gap accounting, batches in order.
import { ClientQueue } from '../../../src/server/client-queue';
import type { TlslabEvent } from '../../../src/events/schema';

const ev = (seq: number): TlslabEvent => ({ v: 1, type: 'conn:upstream', conn: 'c', seq, t: seq, leg: 'upstream', remote: { address: '127.0.0.1', port: 1 }, connectMs: 0 });

describe('ClientQueue', () => {
  it('takes in order, in batches', () => {
    const q = new ClientQueue(10);
    for (let i = 1; i <= 7; i++) q.push(ev(i));
    expect(q.take(3).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(q.take(10).map((e) => e.seq)).toEqual([4, 5, 6, 7]);
    expect(q.hasWork).toBe(false);
    expect(q.takeGap()).toBeNull();
  });

  it('drops the oldest when full and reports one gap covering them; received + missed = pushed', () => {
    const q = new ClientQueue(100);
    for (let i = 1; i <= 1000; i++) q.push(ev(i));
    expect(q.length).toBe(100);
    expect(q.dropped).toBe(900);
    expect(q.takeGap()).toEqual({ missed: 900, fromSeq: 1, toSeq: 900 });
    expect(q.takeGap()).toBeNull();
    const rest = q.take(1000).map((e) => e.seq);
    expect(rest[0]).toBe(901);
    expect(rest.length + 900).toBe(1000);
  });

  it('gaps after a partial drain cover only what was dropped since', () => {
    const q = new ClientQueue(3);
    for (let i = 1; i <= 5; i++) q.push(ev(i)); // drops 1, 2
    expect(q.takeGap()).toEqual({ missed: 2, fromSeq: 1, toSeq: 2 });
    expect(q.take(1).map((e) => e.seq)).toEqual([3]);
    for (let i = 6; i <= 9; i++) q.push(ev(i)); // queue 4,5,6 → drops 4,5,6? capacity 3: [4,5] + 6 → full, 7 drops 4, 8 drops 5, 9 drops 6
    expect(q.takeGap()).toEqual({ missed: 3, fromSeq: 4, toSeq: 6 });
    expect(q.take(10).map((e) => e.seq)).toEqual([7, 8, 9]);
  });

  it('clear forgets queue and gap', () => {
    const q = new ClientQueue(2);
    for (let i = 1; i <= 5; i++) q.push(ev(i));
    q.clear();
    expect([q.length, q.hasWork, q.takeGap()]).toEqual([0, false, null]);
  });
});
