// TimeOrderWindow: packets come out in time order within its bound, and what it holds never exceeds the bound.
import fc from 'fast-check';
import { TimeOrderWindow, type CapturedPacket } from '../../../src/pcap';

const packet = (index: number, ms: number, size = 10): CapturedPacket => ({
  index, offset: index * 100, sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6, interfaceId: 0, linkType: 101, data: new Uint8Array(size), originalLength: size,
});

describe('TimeOrderWindow', () => {
  it('sorts any shuffle that stays within the window, stably for equal times', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 300 }), (jitter) => {
        const w = new TimeOrderWindow<CapturedPacket>({ maxPackets: 16 });
        const out: CapturedPacket[] = [];
        // Each packet is at most 5 places late: within a 16-packet window.
        jitter.forEach((j, i) => out.push(...w.push(packet(i, Math.max(0, i - j) * 10))));
        out.push(...w.flush());
        expect(out).toHaveLength(jitter.length);
        for (let i = 1; i < out.length; i++) {
          const a = out[i - 1];
          const b = out[i];
          expect(a.sec * 1e9 + a.nsec < b.sec * 1e9 + b.nsec || (a.sec === b.sec && a.nsec === b.nsec && a.index < b.index)).toBe(true);
        }
        expect(w.late).toBe(0);
      }),
    );
  });

  it('holds at most its packet and byte bounds, and counts packets later than the window', () => {
    const w = new TimeOrderWindow<CapturedPacket>({ maxPackets: 4, maxBytes: 100 });
    for (let i = 0; i < 50; i++) {
      w.push(packet(i, 1000 + i, 30));
      expect(w.size).toBeLessThanOrEqual(4);
      expect(w.heldBytes).toBeLessThanOrEqual(100);
    }
    const late = w.push(packet(50, 0, 30));
    expect(w.late).toBe(1);
    expect(late.length + w.flush().length).toBeGreaterThan(0);
  });

  it('holds a packet no longer than until one a span later has come, however few are held', () => {
    const w = new TimeOrderWindow<CapturedPacket>({ maxPackets: 1000, maxSpanMs: 1000 });
    expect(w.push(packet(0, 0))).toEqual([]);
    expect(w.push(packet(1, 900))).toEqual([]);
    expect(w.push(packet(2, 1950)).map((p) => p.index)).toEqual([0, 1]);
    expect(w.size).toBe(1);
  });
});
