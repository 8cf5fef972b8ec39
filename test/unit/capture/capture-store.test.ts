// The capture store's bounds (count and bytes, oldest evicted first). Its export is test/unit/record/session-export.test.ts.
import { CaptureStore, type KeptLeg } from '../../../src/capture/capture-store';

const leg = (bytes: number, keyLog: string[] = []): KeptLeg => ({ raw: bytes ? [{ from: 'client', t: 1_700_000_000_000, bytes: Buffer.alloc(bytes, 0x16) }] : [], keyLog });

describe('CaptureStore', () => {
  it('keeps at most maxConnections, evicting the oldest', () => {
    const store = new CaptureStore({ maxConnections: 3 });
    for (let i = 1; i <= 5; i++) store.add(`c${i}`, { client: leg(10), upstream: leg(10) });
    expect(store.size).toBe(3);
    expect(store.evicted).toBe(2);
    expect(['c1', 'c2', 'c3', 'c4', 'c5'].map((id) => store.get(id) !== undefined)).toEqual([false, false, true, true, true]);
  });

  it('keeps at most maxBytes of raw bytes over both legs, and counts legs that grew before closing', () => {
    const store = new CaptureStore({ maxConnections: 100, maxBytes: 1000 });
    store.add('a', { client: leg(200), upstream: leg(200) });
    store.add('b', { client: leg(200), upstream: leg(200) });
    expect(store.bytes).toBe(800);
    expect(store.size).toBe(2);
    store.add('c', { client: leg(150), upstream: leg(150) });
    expect(store.get('a')).toBeUndefined();
    expect(store.bytes).toBe(700);
    // A kept leg keeps growing while its connection runs: the bound is checked again when it closes.
    const growing = { raw: [] as { from: 'client' | 'server'; t: number; bytes: Buffer }[], keyLog: [] };
    store.add('d', { client: growing, upstream: leg(0) });
    growing.raw.push({ from: 'server', t: 1, bytes: Buffer.alloc(500) });
    expect(store.bytes).toBe(1200);
    store.markClosed('d');
    expect(store.bytes).toBe(800);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('d')?.closed).toBe(true);
  });
});
