// A capture of 100,000 packets (about 40 MB: real TLS 1.3 downloads, keys inside) replayed without being loaded:
// the reader holds at most a chunk and one block, the time-order window its bound, and the memory kept alive (after a
// garbage collection) stays a small fraction of the file while every packet goes through decoding and decryption.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ReplaySource } from '../../src/replay/replay-source';
import { RecordWriter } from '../../src/record/record-format';
import { makeCert, tempDir } from '../helpers/capture-tools';
import { recordNodePair } from '../helpers/capture-relay';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(120_000);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Heap and buffers the process keeps alive right now. */
function retained(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const CONNECTIONS = 20;
const PACKETS_PER_CONNECTION = 5000;
const SEGMENT = 300;

describeWithTools(['openssl'], 'a capture of 100,000 packets', () => {
  let tmp: ReturnType<typeof tempDir>;
  let file: string;

  beforeAll(async () => {
    tmp = tempDir('tlslab-large-');
    file = path.join(tmp.dir, 'large.pcapng');
    const cert = makeCert(tmp.dir);
    const fd = fs.openSync(file, 'w');
    // Written as the recordings are, one connection at a time (nothing of the file stays in this process either).
    const w = new RecordWriter((parts) => (parts.forEach((p) => fs.writeSync(fd, p)), true), { t: Date.now(), trust: [] });
    const body = (PACKETS_PER_CONNECTION - 20) * SEGMENT;
    for (let i = 0; i < CONNECTIONS; i++) {
      const c = await recordNodePair({
        key: cert.key, cert: cert.cert, maxVersion: 'TLSv1.3',
        request: Buffer.from('GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n'),
        reply: () => Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body}\r\n\r\n`), Buffer.alloc(body, 0x61)]),
        expectBytes: body,
      });
      w.keyLog(c.keyLog, 0);
      // No leg comment: a capture made elsewhere (single connections), segmented as a network would.
      const leg = w.leg(`x${i}`, 'upstream', { client: { address: '127.0.0.1', port: 40000 + i }, server: { address: '127.0.0.1', port: 443 } }, c.chunks[0]?.timeMs ?? 0, { unnamed: true });
      for (const chunk of c.chunks) for (let o = 0; o < chunk.bytes.length; o += SEGMENT) leg?.data(chunk.from, chunk.bytes.subarray(o, o + SEGMENT), chunk.timeMs);
      leg?.fin('server', Date.now());
      leg?.close('client', Date.now());
    }
    fs.closeSync(fd);
  });

  afterAll(() => tmp?.cleanup());

  it('is read a chunk at a time, every packet decoded, with bounded buffers and memory', async () => {
    const size = fs.statSync(file).size;
    // What making the recording left behind (its sockets close asynchronously, later on a busy machine: 20 downloads of
    // 1.5 MiB) is let go before the baseline: until two readings 250 ms apart agree within 1 MiB (at most 15 s).
    let before = retained();
    for (let i = 0; i < 60; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const now = retained();
      const settled = Math.abs(now - before) < 1024 * 1024;
      before = now;
      if (settled) break;
    }
    let peak = -Infinity;
    let low = Infinity;
    let samples = 0;
    // What is kept alive, after every 2 MiB of the file went through the replay.
    const source = await ReplaySource.open(file, {
      chunkBytes: 1024 * 1024,
      onChunk: (p) => {
        if (p.read % (2 * 1024 * 1024) !== 0) return;
        samples++;
        const r = retained() - before;
        peak = Math.max(peak, r);
        low = Math.min(low, r);
      },
    });
    let events = 0;
    let requests = 0;
    let appdata = 0;
    let closed = 0;
    for (let d = await source.next(); d !== null; d = await source.next()) {
      events++;
      if (d.draft.type === 'http:response') requests++;
      if (d.draft.type === 'conn:close') closed++;
      if (d.draft.type === 'tls:appdata' && d.draft.decrypted) appdata++;
    }
    expect(samples).toBeGreaterThanOrEqual(Math.floor(size / (2 * 1024 * 1024)) - 1);
    const p = source.progress();
    const counts = source.replay.counts;
    expect(counts.packets).toBeGreaterThanOrEqual(CONNECTIONS * PACKETS_PER_CONNECTION * 0.98);
    expect(counts.tcpPackets).toBe(counts.packets);
    expect(counts.single).toBe(CONNECTIONS);
    expect(p).toMatchObject({ read: size, done: true, errors: [] });
    // Every download was decrypted and read as HTTP to its end.
    expect(requests).toBe(CONNECTIONS);
    expect(closed).toBe(CONNECTIONS);
    expect(appdata).toBeGreaterThan(0);
    // The reader never held more than one block beyond a chunk; what stays alive is a small part of the file.
    expect(p.maxBuffered).toBeLessThanOrEqual(64 * 1024);
    // Memory kept alive: above the start by less than half of the file (the time-order window's 8 MiB, a chunk and
    // the connections in flight), and not growing with it (the spread of the samples stays within the window and a
    // chunk, plus noise).
    expect(peak).toBeLessThan(Math.min(64 * 1024 * 1024, size / 2));
    expect(peak - low).toBeLessThan(16 * 1024 * 1024);
    const mib = (n: number): string => (n / 1048576).toFixed(1);
    process.stdout.write(`open-large: ${counts.packets} packets, ${mib(size)} MiB, ${events} events; retained vs start: ${mib(low)} to ${mib(peak)} MiB over ${samples} samples; reader buffer ≤ ${p.maxBuffered} B\n`);
  });
});
