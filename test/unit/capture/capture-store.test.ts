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

  it('once a connection closes, keeps a copy of its legs\' bytes, key logs and ends, not the live legs', () => {
    const store = new CaptureStore();
    const ends = { client: { address: '127.0.0.1', port: 50000 }, server: { address: '127.0.0.1', port: 8080 } };
    const live = {
      raw: [{ from: 'client' as const, t: 1, bytes: Buffer.from('1603010005', 'hex') }, { from: 'server' as const, t: 2, bytes: Buffer.from('16030300', 'hex') }],
      keyLog: ['CLIENT_RANDOM aa bb'], rawBytes: 9, ends, decoder: { big: new Array(1000).fill(0) },
    };
    store.add('e', { client: live, upstream: leg(3, ['SERVER_HANDSHAKE_TRAFFIC_SECRET cc dd']) });
    expect(store.get('e')?.client).toBe(live); // while it runs, the leg itself: its arrays grow
    store.markClosed('e');
    const kept = store.get('e');
    expect(kept?.client).not.toBe(live);
    expect(kept?.client.raw).toEqual(live.raw);
    expect(kept?.client.keyLog).toEqual(live.keyLog);
    expect(kept?.client.rawBytes).toBe(9);
    expect(kept?.client.ends).toEqual(ends);
    expect(kept?.client).not.toHaveProperty('decoder');
    expect(kept?.upstream.keyLog).toEqual(['SERVER_HANDSHAKE_TRAFFIC_SECRET cc dd']);
    // The chunks are views of one buffer now, in order, with their timestamps.
    const [a, b] = kept?.client.raw ?? [];
    expect(a.bytes.buffer).toBe(b.bytes.buffer);
    expect(Buffer.concat([a.bytes, b.bytes]).toString('hex')).toBe('160301000516030300');
    expect(store.bytes).toBe(12);
  });
  it('a closed leg gives back every byte, side and time of every chunk, whatever the bytes (all 256 values, large legs)', () => {
    const store = new CaptureStore();
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + 7) & 0xff;
    const chunks = [
      { from: 'client' as const, t: 1_700_000_000_000.5, bytes: every },
      { from: 'server' as const, t: 1_700_000_000_001.25, bytes: big },
      { from: 'server' as const, t: 1_700_000_000_002, bytes: Buffer.alloc(0) },
      { from: 'client' as const, t: 1_700_000_000_003, bytes: Buffer.from('170303', 'hex') },
    ];
    const total = every.length + big.length + 3;
    store.add('f', { client: { raw: chunks, keyLog: [], rawBytes: total }, upstream: leg(0) });
    store.markClosed('f');
    const kept = store.get('f');
    expect(kept?.client.raw.map((c) => ({ from: c.from, t: c.t, hex: c.bytes.toString('hex') }))).toEqual(chunks.map((c) => ({ from: c.from, t: c.t, hex: c.bytes.toString('hex') })));
    // Asked twice, the same chunks again.
    expect(kept?.client.raw.map((c) => c.bytes.length)).toEqual([256, 300_000, 0, 3]);
    expect(kept?.upstream.raw).toEqual([]);
    expect(kept?.client.keyLog).toEqual([]);
    expect(store.bytes).toBe(total);
  });
});
