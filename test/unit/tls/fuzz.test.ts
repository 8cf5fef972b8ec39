// Fuzzing the TLS decoder with seeded mutations of real handshakes (test/helpers/tls-fuzz.ts: RFC 8448 §3, Node TLS
// 1.2 and 1.3, full and resumed; bit flips, inserted/deleted bytes, truncation, corrupted length fields, key logs
// early/late/broken, random chunk splits). Nothing may escape as an exception, work per input stays bounded, memory
// stays bounded. Cases: TLSLAB_FUZZ_CASES (default 50,000); a failure prints the case number to replay with
// TLSLAB_FUZZ_ONLY.
import v8 from 'node:v8';
import vm from 'node:vm';
import { TlsDecoder, type TlsEvent } from '../../../src/tls';
import { fuzzCase, loadSeeds, rng, schedule, type Seed } from '../../helpers/tls-fuzz';

const CASES = Number(process.env.TLSLAB_FUZZ_CASES ?? 50_000);
const ONLY = process.env.TLSLAB_FUZZ_ONLY === undefined ? null : Number(process.env.TLSLAB_FUZZ_ONLY);
const SEED = Number(process.env.TLSLAB_FUZZ_SEED ?? 0x7151ab);
jest.setTimeout(120_000 + CASES * 2);

/** A real garbage collection, so heap figures measure what is retained (V8's documented --expose-gc, set at run time). */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** JS heap plus Buffer/ArrayBuffer memory: the decoder could retain either. */
function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const TYPES = new Set(['tls:record', 'tls:handshake', 'tls:ccs', 'tls:alert', 'tls:appdata', 'tls:keys', 'tls:undecryptable', 'tls:decode-error', 'tls:established']);

interface CaseOutcome {
  events: number;
  decrypted: boolean;
  problem: string | null;
}

function runCase(seeds: Seed[], n: number): CaseOutcome {
  const { seed, streams, chunks, keyWhen, keyText } = fuzzCase(seeds, n, SEED);
  const total = streams.client.length + streams.server.length;
  // Work bound: a record is ≥ 5 bytes and a handshake message ≥ 4, so events stay well under one per 2 bytes.
  const cap = Math.ceil(total / 2) + 64;
  let count = 0;
  let decrypted = false;
  const check = (evs: TlsEvent[], where: string): string | null => {
    if (!Array.isArray(evs)) return `${where} returned ${typeof evs}`;
    count += evs.length;
    for (const e of evs) {
      if (!TYPES.has(e.type)) return `${where} returned an event of type ${String(e.type)}`;
      if (e.type === 'tls:decode-error' && (!e.code.startsWith('TLSLAB_ERR_DECODE_') || !Number.isInteger(e.offset))) return `${where}: malformed decode-error ${JSON.stringify(e)}`;
      if ((e.type === 'tls:handshake' && e.encrypted) || (e.type === 'tls:appdata' && e.decrypted)) decrypted = true;
    }
    return count > cap ? `${count} events for ${total} bytes (cap ${cap})` : null;
  };
  const d = new TlsDecoder({ decrypt: true, maxRecordHex: 256, appDataPreview: 32, maxBuffered: 64 * 1024 });
  const describeCase = () => `case ${n} (seed ${seed.name}, ${chunks.length} chunks, key log ${keyWhen})`;
  try {
    let p: string | null = null;
    if (keyWhen <= 6 || keyWhen === 9) p ??= check(d.addKeyLog(keyText), 'addKeyLog');
    for (const [from, bytes] of chunks) p ??= check(d.feed(from, bytes), `feed(${from})`);
    if (keyWhen === 7 || keyWhen === 8) p ??= check(d.addKeyLog(keyText), 'late addKeyLog');
    p ??= check(d.end('client'), 'end(client)');
    p ??= check(d.end('server'), 'end(server)');
    p ??= check(d.finish(), 'finish');
    void d.state;
    void d.clientRandom;
    return { events: count, decrypted, problem: p && `${describeCase()}: ${p}` };
  } catch (e) {
    return { events: count, decrypted, problem: `${describeCase()}: threw ${e instanceof Error ? e.stack : String(e)}` };
  }
}

describe('TLS decoder fuzz', () => {
  const seeds = loadSeeds();

  it('decodes the unmutated seeds cleanly (so the mutations start from meaningful streams)', () => {
    for (const seed of seeds) {
      const d = new TlsDecoder({ decrypt: true });
      const evs = [...d.addKeyLog(seed.keyLog)];
      for (const [from, bytes] of schedule(seed, seed.streams, rng(1), 100000)) evs.push(...d.feed(from, bytes));
      evs.push(...d.end('client'), ...d.end('server'), ...d.finish());
      expect({ seed: seed.name, errors: evs.filter((e) => e.type === 'tls:decode-error' || e.type === 'tls:undecryptable') }).toEqual({ seed: seed.name, errors: [] });
      expect(evs.some((e) => e.type === 'tls:established')).toBe(true);
      expect(evs.some((e) => e.type === 'tls:appdata' && e.decrypted)).toBe(true);
    }
  });

  it(`survives ${ONLY === null ? CASES.toLocaleString('en') : `case ${ONLY}`} mutated cases: no throw, bounded events, bounded memory`, () => {
    collectGarbage();
    const heapBefore = memory();
    const failures: string[] = [];
    let events = 0;
    let decrypted = 0;
    let heapPeak = heapBefore;
    const started = Date.now();
    const range = ONLY === null ? [0, CASES] : [ONLY, ONLY + 1];
    for (let n = range[0]; n < range[1]; n++) {
      const o = runCase(seeds, n);
      events += o.events;
      if (o.decrypted) decrypted++;
      if (o.problem && failures.length < 10) failures.push(o.problem);
      if (n % 5000 === 4999) heapPeak = Math.max(heapPeak, memory());
    }
    collectGarbage();
    const heapAfter = memory();
    heapPeak = Math.max(heapPeak, heapAfter);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `fuzz: ${range[1] - range[0]} cases in ${seconds.toFixed(1)} s, ${events} events, ${decrypted} cases reached decryption, ` +
        `${failures.length} failures; heap ${(heapBefore / 2 ** 20).toFixed(0)} → peak ${(heapPeak / 2 ** 20).toFixed(0)} → ${(heapAfter / 2 ** 20).toFixed(0)} MiB\n`,
    );
    expect(failures).toEqual([]);
    // Generous: the decoder keeps nothing between cases, so growth means a leak, not a working set.
    expect(heapAfter - heapBefore).toBeLessThan(256 * 2 ** 20);
    if (ONLY === null && CASES >= 1000) expect(decrypted).toBeGreaterThan(CASES / 10);
  });

  it('keeps one decoder bounded when a peer streams endless bytes that never complete a message', () => {
    const d = new TlsDecoder({ decrypt: true, maxBuffered: 256 * 1024 });
    collectGarbage();
    const before = memory();
    // A ClientHello whose handshake header claims 16 MiB − 1, then 32 MiB of handshake records continuing it,
    // each in a fresh buffer (so keeping any of them would show).
    const first = Buffer.concat([Buffer.from('1603014000' + '01ffffff', 'hex'), Buffer.alloc(0x4000 - 4)]);
    let events = d.feed('client', first).length;
    for (let i = 0; i < 2048; i++) events += d.feed('client', Buffer.concat([Buffer.from('1603014000', 'hex'), Buffer.alloc(0x4000, 0x41)])).length;
    events += d.end('client').length + d.finish().length;
    // Buffers freed by one collection can need another to be returned (external memory is released in stages);
    // a busy machine showed 31 MiB after one pass. A leak survives any number of them.
    for (let i = 0; i < 3; i++) collectGarbage();
    const growth = memory() - before;
    expect(growth).toBeLessThan(24 * 2 ** 20);
    expect(events).toBeLessThan(2048 * 4 + 16);
    expect(d.state.records.client).toBeGreaterThan(0);
  });
});
