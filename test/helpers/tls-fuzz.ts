// Test helper: seeded mutations of real TLS handshakes for fuzzing the decoder (RFC 8448 §3; Node TLS 1.2 GCM and CBC;
// Node resumed handshakes: TLS 1.3 PSK and TLS 1.2 abbreviated, made by fixtures/tls/fuzz-seeds/make-node-captures.js):
// bit flips, inserted/deleted bytes, truncation, corrupted length fields, key logs early/late/broken, random chunk
// splits. A case is a number: the same number is the same input. I/O: reads the fixtures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Dir = 'client' | 'server';
export interface Seed {
  name: string;
  streams: Record<Dir, Buffer>;
  keyLog: string;
  /** The chunks as they crossed the wire: [from, length]. */
  order: [Dir, number][];
}

const FIX = join(__dirname, '../fixtures/tls');

export function loadSeeds(): Seed[] {
  const rfc = (ext: string) => readFileSync(join(FIX, 'rfc8448', `rfc8448-simple-1rtt.${ext}`));
  const c2s = rfc('c2s.bin');
  const s2c = rfc('s2c.bin');
  const hello = 5 + c2s.readUInt16BE(3);
  const seeds: Seed[] = [{
    name: 'rfc8448',
    streams: { client: c2s, server: s2c },
    keyLog: rfc('keylog').toString(),
    order: [['client', hello], ['server', s2c.length], ['client', c2s.length - hello]],
  }];
  for (const name of ['node-tls12-gcm', 'node-tls12-cbc', 'node-tls13-psk', 'node-tls12-resumed']) {
    const f = (ext: string) => readFileSync(join(FIX, 'fuzz-seeds', `${name}.${ext}`));
    seeds.push({ name, streams: { client: f('c2s.bin'), server: f('s2c.bin') }, keyLog: f('keylog').toString(), order: JSON.parse(f('order.json').toString()) });
  }
  return seeds;
}

/** mulberry32: small, fast, seeded. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}
type Rng = ReturnType<typeof rng>;

/** Offsets of record headers, walking the framing as a decoder would. */
function recordStarts(b: Buffer): number[] {
  const out: number[] = [];
  for (let o = 0; o + 5 <= b.length; o += 5 + b.readUInt16BE(o + 3)) out.push(o);
  return out;
}

const MUTATIONS = ['bitflip', 'byteset', 'insert', 'delete', 'truncate', 'record-length', 'handshake-length', 'duplicate', 'swap-records'] as const;
type Mutation = (typeof MUTATIONS)[number];

function mutate(b: Buffer, m: Mutation, r: Rng): Buffer {
  if (b.length === 0) return b;
  const at = r.int(b.length);
  switch (m) {
    case 'bitflip': {
      const c = Buffer.from(b);
      for (let i = 1 + r.int(4); i > 0; i--) c[r.int(c.length)] ^= 1 << r.int(8);
      return c;
    }
    case 'byteset': {
      const c = Buffer.from(b);
      c[at] = r.pick([0, 0xff, 0x7f, 0x80, 1, r.int(256)]);
      return c;
    }
    case 'insert':
      return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + r.int(8) }, () => r.int(256))), b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + r.int(8))]);
    case 'truncate':
      return b.subarray(0, at);
    case 'record-length':
    case 'handshake-length': {
      const starts = recordStarts(b);
      if (starts.length === 0) return b;
      const s = r.pick(starts);
      const c = Buffer.from(b);
      const v = r.pick([0, 1, 0xffff, 0x4000, 0x4801, r.int(0x10000)]);
      if (m === 'record-length') c.writeUInt16BE(v, s + 3);
      else if (s + 9 <= c.length) c.writeUIntBE(r.pick([0, 1, 0xffffff, 0x10000, r.int(0x1000000), v]), s + 6, 3);
      return c;
    }
    case 'duplicate': {
      const len = 1 + r.int(64);
      return Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
    }
    case 'swap-records': {
      const starts = recordStarts(b);
      if (starts.length < 2) return b;
      const i = r.int(starts.length - 1);
      const a = starts[i];
      const mid = starts[i + 1];
      const end = i + 2 < starts.length ? starts[i + 2] : b.length;
      return Buffer.concat([b.subarray(0, a), b.subarray(mid, end), b.subarray(a, mid), b.subarray(end)]);
    }
  }
}

/** The chunks to feed, in wire order, each direction split further at random. */
export function schedule(seed: Seed, streams: Record<Dir, Buffer>, r: Rng, maxChunk: number): [Dir, Buffer][] {
  const pos: Record<Dir, number> = { client: 0, server: 0 };
  const out: [Dir, Buffer][] = [];
  seed.order.forEach(([from, len], i) => {
    const last = !seed.order.slice(i + 1).some(([f]) => f === from);
    const end = last ? streams[from].length : Math.min(streams[from].length, pos[from] + len);
    while (pos[from] < end) {
      const n = Math.min(end - pos[from], 1 + r.int(maxChunk));
      out.push([from, streams[from].subarray(pos[from], pos[from] + n)]);
      pos[from] += n;
    }
  });
  return out;
}

function mutateKeyLog(text: string, r: Rng): string {
  const lines = text.trim().split('\n');
  switch (r.int(4)) {
    case 0:
      lines.splice(r.int(lines.length), 1);
      return lines.join('\n');
    case 1: {
      const i = r.int(lines.length);
      const l = lines[i];
      const at = r.int(l.length);
      lines[i] = l.slice(0, at) + r.pick(['0', 'z', ' ', '', '\r']) + l.slice(at + 1);
      return lines.join('\n');
    }
    case 2:
      return text.slice(0, r.int(text.length));
    default:
      return '';
  }
}

/** Indexes into loadSeeds(): rfc8448 ×2, node-tls12-gcm, node-tls12-cbc, node-tls13-psk ×2, node-tls12-resumed ×2. */
const SEED_WEIGHTS = [0, 0, 1, 2, 3, 3, 4, 4] as const;

/** One fuzz input: the chunks to feed in order, and the key log with when it comes. */
export interface FuzzCase {
  seed: Seed;
  streams: Record<Dir, Buffer>;
  chunks: [Dir, Buffer][];
  /** 0–6: the key log before the bytes, 7–8: after them, 9: a broken key log before them. */
  keyWhen: number;
  keyText: string;
}

/** Case `n` of the run seeded with `base`. */
export function fuzzCase(seeds: Seed[], n: number, base: number): FuzzCase {
  const r = rng((base ^ Math.imul(n, 0x9e3779b1)) >>> 0);
  // Weighted: full handshakes parse a certificate (X509Certificate, the costliest step); resumed ones don't.
  const seed = seeds[r.pick(SEED_WEIGHTS)];
  const streams = { ...seed.streams };
  const pristine = r.int(50) === 0;
  if (!pristine) {
    for (let k = 1 + r.int(3); k > 0; k--) {
      const d: Dir = r.next() < 0.5 ? 'client' : 'server';
      streams[d] = mutate(streams[d], r.pick(MUTATIONS), r);
    }
  }
  const chunks = schedule(seed, streams, r, r.next() < 0.1 ? r.pick([1, 7]) : r.pick([64, 600, 5000]));
  const keyWhen = r.int(10);
  const keyText = keyWhen === 9 ? mutateKeyLog(seed.keyLog, r) : seed.keyLog;
  return { seed, streams, chunks, keyWhen, keyText };
}
