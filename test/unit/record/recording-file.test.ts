// The `--record` file on disk: packets encoded straight into its slabs, a flow's consecutive data chunks joined into
// one packet with the sequence numbers of the bytes, a slab that fills slowly still written a flush or two after its
// blocks, key logs ahead of the packets, and a full backlog dropping packets (a gap, counted) rather than growing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CaptureReader, decodeTcpPacket, type CaptureItem, type TcpSegment } from '../../../src/pcap';
import { RecordWriter, type LegStream } from '../../../src/record/record-format';
import { RecordingFile } from '../../../src/record/recording-file';

const T = 1_700_000_000_000;
const ENDS = { client: { address: '127.0.0.1', port: 51000 }, server: { address: '127.0.0.1', port: 8443 } };

interface Rig {
  file: RecordingFile;
  writer: RecordWriter;
  leg: (conn: string) => LegStream;
  /** What is in the file so far: packets as TCP segments (and their times), key logs, in file order. */
  read: () => { segments: (TcpSegment & { t: number })[]; order: string[] };
  /** Sets the clock the file reads. */
  at: (t: number) => void;
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-recording-file-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const open: RecordingFile[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

/** A recording whose flushes happen only when the test calls them (the timer's period is an hour). */
function rig(name: string, opts: { maxBacklog?: number } = {}): Rig {
  let now = T;
  const p = path.join(dir, name);
  const file = new RecordingFile(p, { flushMs: 3_600_000, holdMs: 50, clock: () => now, ...opts });
  open.push(file);
  const writer = new RecordWriter(file.sink, { t: T, trust: [], segments: file.segment });
  return {
    file,
    writer,
    leg: (conn) => writer.leg(conn, 'upstream', ENDS, now) as LegStream,
    at: (t) => {
      now = t;
    },
    read: () => {
      const reader = new CaptureReader({ copy: true });
      const items: CaptureItem[] = [...reader.push(fs.readFileSync(p)), ...reader.end()];
      expect(reader.fatal).toBeNull();
      const segments: (TcpSegment & { t: number })[] = [];
      const order: string[] = [];
      for (const i of items) {
        if (i.kind === 'key-log') order.push('keys');
        if (i.kind !== 'packet') continue;
        const d = decodeTcpPacket(i.packet.linkType, i.packet.data);
        if (!d.ok) throw new Error('a packet that is not TCP');
        segments.push({ ...d.segment, t: i.packet.sec * 1000 + i.packet.nsec / 1e6 });
        order.push(d.segment.payload.length > 0 ? 'data' : 'control');
      }
      return { segments, order };
    },
  };
}

/** Waits until the file stream has written what was handed to it. */
async function settle(f: RecordingFile): Promise<void> {
  for (let i = 0; i < 200 && fs.statSync(f.path).size < f.written; i++) await new Promise((r) => setTimeout(r, 5));
}

const bytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);
const payloads = (segs: TcpSegment[]): number[] => segs.filter((s) => s.payload.length > 0).map((s) => s.payload.length);

describe('RecordingFile', () => {
  it('joins a flow\'s chunks read close together into one packet, with the sequence numbers of the bytes', async () => {
    const r = rig('join.pcapng');
    const leg = r.leg('c1');
    leg.data('server', bytes(16_384, 1), T);
    leg.data('server', bytes(16_384, 2), T + 0.2);
    leg.data('server', bytes(16_384, 3), T + 0.4);
    leg.data('client', bytes(100, 4), T + 0.5); // the other direction: a packet of its own, and no join across it
    leg.data('server', bytes(200, 5), T + 0.6);
    leg.data('server', bytes(300, 6), T + 5); // more than a millisecond later: a packet of its own
    r.file.flush(true);
    await settle(r.file);
    const segs = r.read().segments;
    expect(payloads(segs)).toEqual([3 * 16_384, 100, 200, 300]);
    const server = segs.filter((s) => s.src.port === ENDS.server.port && s.payload.length > 0);
    // Each packet starts where the last one ended, and the joined one holds the chunks in order.
    expect(server[1].seq).toBe((server[0].seq + 3 * 16_384) >>> 0);
    expect(server[2].seq).toBe((server[1].seq + 200) >>> 0);
    expect([server[0].payload[0], server[0].payload[16_384], server[0].payload[2 * 16_384], server[0].payload[3 * 16_384 - 1]]).toEqual([1, 2, 3, 3]);
    // The joined packet keeps its first chunk's time.
    expect(server.map((s) => Math.round((s.t - T) * 10) / 10)).toEqual([0, 0.6, 5]);
  });

  it('joins no further than one IP packet can carry (65,495 bytes of TCP payload over IPv4)', async () => {
    const r = rig('big.pcapng');
    const leg = r.leg('c1');
    for (let i = 0; i < 5; i++) leg.data('server', bytes(30_000, i + 1), T);
    r.file.flush(true);
    await settle(r.file);
    const got = payloads(r.read().segments);
    expect(got.every((n) => n <= 65_495)).toBe(true);
    expect(got.reduce((a, b) => a + b, 0)).toBe(150_000);
    expect(got.length).toBe(3);
  });

  it('writes a slab that fills slowly a flush or two after its blocks came, not once it is full', async () => {
    const r = rig('slow.pcapng');
    const leg = r.leg('c1');
    // A packet every 30 ms: the slab's last block is always younger than the hold time when a flush comes.
    let t = T;
    const flushes: number[] = [];
    for (let i = 0; i < 10; i++) {
      t += 30;
      r.at(t);
      leg.data('client', bytes(10, i), t);
      if (i % 2 === 1) {
        r.file.flush(false);
        await settle(r.file);
        flushes.push(payloads(r.read().segments).length);
      }
    }
    // Flushes at +60, +120, … ms: each writes what the slab held at the one before (its blocks now older than 50 ms).
    expect(flushes).toEqual([0, 2, 4, 6, 8]);
  });

  it('writes key-log lines before the packets that came before them', async () => {
    const r = rig('keys.pcapng');
    const leg = r.leg('c1');
    r.at(T + 10);
    leg.data('server', bytes(50, 1), T + 10);
    r.writer.keyLog('CLIENT_TRAFFIC_SECRET_0 00 11\n', T + 11);
    r.at(T + 100);
    r.file.flush(false);
    await settle(r.file);
    expect(r.read().order).toEqual(['keys', 'control', 'control', 'control', 'data']);
  });

  it('drops packets when the backlog is full, counts them, and joins nothing across the gap', async () => {
    const r = rig('full.pcapng', { maxBacklog: 64 * 1024 });
    const leg = r.leg('c1');
    leg.data('server', bytes(30_000, 1), T);
    leg.data('server', bytes(30_000, 2), T); // joined to the first
    leg.data('server', bytes(30_000, 3), T); // no room: dropped
    leg.data('server', bytes(1_000, 4), T); // room again, but after a gap: a packet of its own
    expect([r.file.dropped, r.writer.lostBytes]).toEqual([1, 30_000]);
    r.file.flush(true);
    await settle(r.file);
    const server = r.read().segments.filter((s) => s.src.port === ENDS.server.port && s.payload.length > 0);
    // What made it keeps its place in the stream: a reader sees the gap where the dropped bytes were.
    expect(server.map((s) => [s.payload.length, s.payload[0], (s.seq - server[0].seq) >>> 0])).toEqual([[60_000, 1, 0], [1_000, 4, 90_000]]);
  });
  it('writes a settled leg\'s packets at the next flush, without the hold, while a leg in its handshake still waits', async () => {
    const r = rig('settled.pcapng');
    const young = r.leg('c1');
    const done = r.leg('c2');
    r.at(T + 100);
    r.file.flush(false); // both legs' SYN exchanges are older than the hold: written
    done.settled = true;
    young.data('server', bytes(500, 1), T + 100);
    done.data('server', bytes(700, 2), T + 100);
    r.file.flush(false); // nothing is 50 ms old: only the settled leg's packet is in the file
    await settle(r.file);
    expect(payloads(r.read().segments)).toEqual([700]);
    r.at(T + 200);
    r.file.flush(false);
    await settle(r.file);
    expect(payloads(r.read().segments)).toEqual([700, 500]);
  });

  it('keeps a flow in order when its leg settles while some of its packets still wait', async () => {
    const r = rig('order.pcapng');
    const leg = r.leg('c1');
    r.at(T + 10);
    leg.data('server', bytes(100, 1), T + 10); // held
    leg.settled = true;
    leg.data('server', bytes(200, 2), T + 12); // settled, but its flow still has a packet waiting: held behind it
    r.file.flush(false);
    await settle(r.file);
    expect(payloads(r.read().segments)).toEqual([]);
    r.at(T + 100);
    r.file.flush(false); // both written, in order; the flow goes straight to the file from now on
    leg.data('server', bytes(300, 3), T + 100);
    r.file.flush(false);
    await settle(r.file);
    const server = r.read().segments.filter((x) => x.src.port === ENDS.server.port && x.payload.length > 0);
    expect(server.map((x) => [x.payload[0], x.payload.length, (x.seq - server[0].seq) >>> 0])).toEqual([[1, 100, 0], [2, 200, 100], [3, 300, 300]]);
  });

  it('keeps a leg\'s two directions in one order: the other side\'s packets wait behind it too', async () => {
    const r = rig('both-ways.pcapng');
    const leg = r.leg('c1');
    r.at(T + 10);
    leg.data('server', bytes(100, 1), T + 10); // held: the leg is in its handshake
    leg.settled = true;
    leg.data('client', bytes(50, 2), T + 11); // the client's answer, acknowledging those bytes: it may not go first
    leg.data('server', bytes(70, 3), T + 12);
    r.file.flush(false);
    await settle(r.file);
    expect(payloads(r.read().segments)).toEqual([]);
    r.at(T + 100);
    r.file.flush(false);
    await settle(r.file);
    expect(payloads(r.read().segments)).toEqual([100, 50, 70]);
  });

  it('keeps the file in the order things happened: what a waiting settled leg sent stays before what came later', async () => {
    const r = rig('time-order.pcapng');
    const a = r.leg('c1');
    const b = r.leg('c2');
    r.at(T + 10);
    a.data('server', bytes(100, 1), T + 10); // held: c1 in its handshake
    a.settled = true;
    a.data('server', bytes(200, 2), T + 12); // c1 settled, behind its own held packet
    b.data('server', bytes(300, 3), T + 14); // c2, later, still in its handshake
    r.at(T + 100);
    r.file.flush(false);
    await settle(r.file);
    // A file cut after c1's packets holds all of them: nothing of c1 comes after c2's later packet.
    expect(payloads(r.read().segments)).toEqual([100, 200, 300]);
  });

  it.each([
    ['straight into the file', false],
    ['first in the slab behind its packets still waiting there, then straight into the file', true],
  ])('joins a settled flow\'s chunks and keeps every byte in order: %s', async (_how, waiting) => {
    const r = rig(`settled-bulk-${String(waiting)}.pcapng`);
    const leg = r.leg('c1');
    r.at(T + 100);
    if (!waiting) r.file.flush(false); // else its SYN exchange is still in the slab when it settles
    leg.settled = true;
    // 5 MiB in 30,000-byte chunks: pairs close together are joined; the rest are packets of their own, some of them
    // straddling the end of one of the appender's 2 MiB buffers.
    const sent: Buffer[] = [];
    let t = T + 100;
    for (let i = 0; sent.length * 30_000 < 5 * 1024 * 1024; i++) {
      t += i % 2 === 0 ? 5 : 0.1;
      const b = Buffer.alloc(30_000, i & 0xff);
      b.writeUInt32BE(i, 0);
      sent.push(b);
      leg.data('server', b, t);
    }
    r.at(t + 100);
    r.file.flush(false);
    await settle(r.file);
    const server = r.read().segments.filter((x) => x.src.port === ENDS.server.port && x.payload.length > 0);
    expect(Buffer.concat(server.map((x) => x.payload)).equals(Buffer.concat(sent))).toBe(true);
    // Pairs are joined, except where a pair would have passed the end of one of the buffers they are encoded into.
    expect(server.length).toBeGreaterThanOrEqual(Math.ceil(sent.length / 2));
    expect(server.length).toBeLessThanOrEqual(Math.ceil(sent.length / 2) + 3);
    let seq = server[0].seq;
    for (const x of server) {
      expect(x.seq).toBe(seq);
      seq = (seq + x.payload.length) >>> 0;
    }
    expect(r.file.dropped).toBe(0);
  });
});
