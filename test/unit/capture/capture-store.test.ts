// The capture store's bounds (count and bytes, oldest evicted first) and its pcapng export of both legs.
import { CaptureStore, capturePcapng, type KeptLeg } from '../../../src/capture/capture-store';
import { readCapture, reassembleCapture } from '../../../src/pcap';

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

  it('exports nothing for an unknown connection or one without bytes', () => {
    const store = new CaptureStore();
    store.add('empty', { client: leg(0), upstream: leg(0) });
    expect(store.pcapng('nope')).toBeNull();
    expect(store.pcapng('empty')).toBeNull();
  });

  it('exports both legs as two TCP connections with both key logs in the file, falling back to loopback ends', () => {
    const store = new CaptureStore();
    store.add('x', { client: leg(300, ['CLIENT_RANDOM aa bb']), upstream: leg(200, ['CLIENT_RANDOM cc dd']) }, {
      browser: { address: '::ffff:127.0.0.1', port: 51000 },
      proxy: { address: '::ffff:127.0.0.1', port: 8080 },
    });
    store.setEndpoints('x', { server: { address: '127.0.0.1', port: 8443 } });
    store.markClosed('x');
    const bytes = capturePcapng(store.get('x')!);
    expect(bytes).not.toBeNull();
    const cap = readCapture(bytes!);
    if (!cap.ok) throw new Error(cap.error.message);
    expect(cap.value.keyLogs.join('\n')).toBe('CLIENT_RANDOM aa bb\nCLIENT_RANDOM cc dd\n');
    const streams = reassembleCapture(cap.value);
    const ends = streams.connections.map((c) => `${c.client.address}:${c.client.port}>${c.server.address}:${c.server.port}`);
    expect(ends).toHaveLength(2);
    expect(ends).toContain('127.0.0.1:51000>127.0.0.1:8080');
    expect(ends.find((e) => e.endsWith('8443'))).toMatch(/^127\.0\.0\.1:4\d{4}>127\.0\.0\.1:8443$/);
  });
});
