// HPACK decoding checked byte for byte against RFC 7541 Appendix C (C.2–C.6), plus malformed blocks refused.
import { HpackDecoder, HpackError } from '../../../src/capture/hpack';
import { huffmanDecode } from '../../../src/capture/hpack-huffman';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
type Step = { block: string; fields: [string, string][]; table: [string, string][]; size: number };

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOC = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';

const REQ1: [string, string][] = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQ2: [string, string][] = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: [string, string][] = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];
const RESP1: [string, string][] = [[':status', '302'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]];
const RESP2: [string, string][] = [[':status', '307'], ['cache-control', 'private'], ['date', DATE1], ['location', LOC]];
const RESP3: [string, string][] = [[':status', '200'], ['cache-control', 'private'], ['date', DATE2], ['location', LOC], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]];

const REQ_TABLES: [string, string][][] = [
  [[':authority', 'www.example.com']],
  [['cache-control', 'no-cache'], [':authority', 'www.example.com']],
  [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']],
];
const RESP_TABLES: [string, string][][] = [
  [['location', LOC], ['date', DATE1], ['cache-control', 'private'], [':status', '302']],
  [[':status', '307'], ['location', LOC], ['date', DATE1], ['cache-control', 'private']],
  [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE2]],
];

const SERIES: Record<string, { tableSize: number; steps: Step[] }> = {
  'C.3 requests without Huffman': {
    tableSize: 4096,
    steps: [
      { block: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', fields: REQ1, table: REQ_TABLES[0], size: 57 },
      { block: '8286 84be 5808 6e6f 2d63 6163 6865', fields: REQ2, table: REQ_TABLES[1], size: 110 },
      { block: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65', fields: REQ3, table: REQ_TABLES[2], size: 164 },
    ],
  },
  'C.4 requests with Huffman': {
    tableSize: 4096,
    steps: [
      { block: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', fields: REQ1, table: REQ_TABLES[0], size: 57 },
      { block: '8286 84be 5886 a8eb 1064 9cbf', fields: REQ2, table: REQ_TABLES[1], size: 110 },
      { block: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf', fields: REQ3, table: REQ_TABLES[2], size: 164 },
    ],
  },
  'C.5 responses without Huffman, 256-octet table (evictions)': {
    tableSize: 256,
    steps: [
      {
        block: `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
                2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
        fields: RESP1, table: RESP_TABLES[0], size: 222,
      },
      { block: '4803 3330 37c1 c0bf', fields: RESP2, table: RESP_TABLES[1], size: 222 },
      {
        block: `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
                54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
                5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
        fields: RESP3, table: RESP_TABLES[2], size: 215,
      },
    ],
  },
  'C.6 responses with Huffman, 256-octet table (evictions)': {
    tableSize: 256,
    steps: [
      {
        block: `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
        fields: RESP1, table: RESP_TABLES[0], size: 222,
      },
      { block: '4883 640e ffc1 c0bf', fields: RESP2, table: RESP_TABLES[1], size: 222 },
      {
        block: `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
        fields: RESP3, table: RESP_TABLES[2], size: 215,
      },
    ],
  },
};

describe('HPACK decoder (RFC 7541 Appendix C)', () => {
  it.each([
    ['C.2.1 literal with indexing', '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572', [['custom-key', 'custom-header']], [['custom-key', 'custom-header']], 55],
    ['C.2.2 literal without indexing', '040c 2f73 616d 706c 652f 7061 7468', [[':path', '/sample/path']], [], 0],
    ['C.2.3 literal never indexed', '1008 7061 7373 776f 7264 0673 6563 7265 74', [['password', 'secret']], [], 0],
    ['C.2.4 indexed field', '82', [[':method', 'GET']], [], 0],
  ])('%s', (_name, block, fields, table, size) => {
    const d = new HpackDecoder();
    expect(d.decode(hex(block))).toEqual(fields);
    expect(d.table.entries).toEqual(table);
    expect(d.table.size).toBe(size);
  });

  describe.each(Object.entries(SERIES))('%s', (_name, { tableSize, steps }) => {
    it('decodes each block in order to the RFC header lists and dynamic tables', () => {
      const d = new HpackDecoder({ maxTableSize: tableSize });
      for (const s of steps) {
        expect(d.decode(hex(s.block))).toEqual(s.fields);
        expect(d.table.entries).toEqual(s.table);
        expect(d.table.size).toBe(s.size);
      }
    });
  });

  it('applies a dynamic table size update at the start of a block, evicting, and refuses one above the limit', () => {
    const d = new HpackDecoder();
    d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'));
    expect(d.table.size).toBe(57);
    // 0x20 = size update to 0, then 0x3f e1 1f = size update to 4096 (§6.3, 5-bit prefix), then index 2.
    expect(d.decode(hex('20 3fe11f 82'))).toEqual([[':method', 'GET']]);
    expect(d.table).toEqual({ size: 0, capacity: 4096, entries: [] });
    expect(() => d.decode(hex('3fe21f'))).toThrow(HpackError); // 4097 > 4096
    expect(() => d.decode(hex('82 20'))).toThrow(HpackError); // update after a field
  });

  it.each([
    ['index 0', '80'],
    ['index beyond both tables', 'be'],
    ['truncated integer', '7f'],
    ['truncated string', '400a 6375'],
    ['integer overflow', '7f ffffffffff7f'],
    ['Huffman padding longer than 7 bits', '0082 ffff'],
  ])('refuses a malformed block: %s', (_name, block) => {
    expect(() => new HpackDecoder().decode(hex(block))).toThrow(HpackError);
  });

  it('refuses a header list above its bound', () => {
    const d = new HpackDecoder({ maxHeaderListSize: 100 });
    expect(() => d.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'))).toThrow(HpackError);
  });

  it('Huffman: decodes RFC strings, refuses EOS and non-ones padding', () => {
    expect(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff'))?.toString()).toBe('www.example.com');
    expect(huffmanDecode(hex('6402'))?.toString()).toBe('302');
    expect(huffmanDecode(hex('9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'))?.toString()).toBe(LOC);
    expect(huffmanDecode(hex('ffff fffc'))).toBeNull(); // EOS (30 ones) then 2 bits
    expect(huffmanDecode(hex('f0'))).toBeNull(); // a 7-bit code, then a 0 padding bit (padding must be ones)
  });
});
