// The decoder's `live` detail (what the proxy runs) against `full` (what `/api/connections/:id/events`, `tlslab open`
// and `tlslab decode` run) on the same bytes: every event the same, field for field and in the same key order, but for
// the bytes and field trees live leaves out (`deferred: true` where `hex` was). Live parses handshake messages without
// building their field trees, so malformed messages must fail, and malformed extensions be reported, exactly as in
// full: RFC 8448 §3, the Node captures (TLS 1.2 GCM, CBC and resumed, TLS 1.3 PSK), an SSLv2-compatible hello, and
// thousands of seeded mutations of them (test/helpers/tls-fuzz.ts). Cases: TLSLAB_LIVE_FUZZ_CASES (default 3,000).
import type { DecoderOptions } from '../../../src/tls';
import { fuzzCase, loadSeeds, rng, schedule, type FuzzCase } from '../../helpers/tls-fuzz';
import { liveAndFull, type Feed } from '../../helpers/tls-decoder';
import { c2s, hexToBytes, keylog, rfc8448, s2c } from '../../helpers/tls-rfc8448';

const CASES = Number(process.env.TLSLAB_LIVE_FUZZ_CASES ?? 3_000);
jest.setTimeout(60_000 + CASES * 10);

const chRecordLength = rfc8448.records[0].record.length / 2;
const rfcBytes: Feed[] = [
  { from: 'client', bytes: c2s.subarray(0, chRecordLength) },
  { from: 'server', bytes: s2c },
  { from: 'client', bytes: c2s.subarray(chRecordLength) },
];

/** The options the fuzz test decodes with, and the same in bulk mode from the second application-data record on. */
const FUZZ_OPTIONS: DecoderOptions = { decrypt: true, maxRecordHex: 256, appDataPreview: 32, maxBuffered: 64 * 1024 };
const OPTION_SETS: [string, DecoderOptions][] = [
  ['defaults', {}],
  ['the proxy’s bulk threshold (32 records)', { appDataRecords: 32 }],
  ['bulk from the second record, short hex', { ...FUZZ_OPTIONS, appDataRecords: 1 }],
  ['no decryption', { decrypt: false }],
];

/** A fuzz case as a script: the key log before or after the bytes (or broken), then both ends and finish. */
function scriptOf(c: FuzzCase): Feed[] {
  const early = c.keyWhen <= 6 || c.keyWhen === 9;
  return [
    ...(early ? [{ keys: c.keyText }] : []),
    ...c.chunks.map(([from, bytes]): Feed => ({ from, bytes })),
    ...(early ? [] : [{ keys: c.keyText }]),
    { end: 'client' }, { end: 'server' }, { finish: true },
  ];
}

describe("the decoder's live detail is its full detail without the bytes and field trees", () => {
  it.each(OPTION_SETS)('RFC 8448 §3, keys first, last, and one byte at a time (%s)', (_name, opts) => {
    for (const [script, chunk] of [
      [[{ keys: keylog }, ...rfcBytes, { finish: true }], Infinity],
      [[...rfcBytes, { keys: keylog }, { finish: true }], Infinity],
      [[{ keys: keylog }, ...rfcBytes, { finish: true }], 1],
      [[...rfcBytes, { keys: keylog }, { finish: true }], 7],
    ] as [Feed[], number][]) {
      const r = liveAndFull(script, opts, chunk);
      expect(r.live).toEqual(r.full);
      expect(r.deferred).toBeGreaterThanOrEqual(opts.decrypt === false ? 8 : 17);
    }
  });

  it.each(OPTION_SETS)('the Node captures: TLS 1.2 GCM, CBC and resumed, TLS 1.3 PSK (%s)', (_name, opts) => {
    for (const seed of loadSeeds()) {
      const script: Feed[] = [{ keys: seed.keyLog }, ...schedule(seed, seed.streams, rng(1), 100_000).map(([from, bytes]): Feed => ({ from, bytes })), { finish: true }];
      const r = liveAndFull(script, opts);
      expect({ seed: seed.name, live: r.live }).toEqual({ seed: seed.name, live: r.full });
      expect(r.deferred).toBeGreaterThan(4);
    }
  });

  it('an SSLv2-compatible ClientHello, then TLS records (its message is shown whole in both)', () => {
    // RFC 5246 Appendix E.2: msg_type 1, version 0x0301, 2 cipher specs, no session id, a 16-byte challenge.
    const body = '01' + '0301' + '0006' + '0000' + '0010' + '000035' + '010080' + '00112233445566778899aabbccddeeff';
    const hello = hexToBytes((0x8000 | (body.length / 2)).toString(16) + body);
    const r = liveAndFull([{ from: 'client', bytes: hello }, { from: 'client', bytes: c2s.subarray(0, chRecordLength) }, { finish: true }]);
    expect(r.live).toEqual(r.full);
    expect(r.live[1]).toContain('"sslv2Compatible":true');
    expect(r.live[1]).toContain('"fields":');
  });

  it.each(OPTION_SETS.slice(0, 3))(`${CASES.toLocaleString('en')} mutated handshakes: the same events, the same failures (%s)`, (_name, opts) => {
    const seeds = loadSeeds();
    const differ: string[] = [];
    let deferred = 0;
    let failures = 0;
    for (let n = 0; n < CASES && differ.length < 3; n++) {
      const c = fuzzCase(seeds, n, 0x11fe);
      const r = liveAndFull(scriptOf(c), opts);
      deferred += r.deferred;
      failures += r.full.filter((e) => e.includes('"tls:decode-error"')).length;
      const at = r.live.findIndex((e, i) => e !== r.full[i]);
      if (at >= 0 || r.live.length !== r.full.length) differ.push(`case ${n} (${c.seed.name}), event ${at}: live ${r.live[at]} / full ${r.full[at]}`);
    }
    expect(differ).toEqual([]);
    // The mutations reach the parsers' failure paths, and most cases still carry deferred records and messages.
    expect(failures).toBeGreaterThan(CASES / 4);
    expect(deferred).toBeGreaterThan(CASES * 4);
  });
});
