// The HPACK Huffman code (RFC 7541 Appendix B) as code lengths, and a canonical decoder built from them.
// Pure: no I/O. The Appendix B code is canonical (codes ascend by length, then symbol), so lengths define it.

/** Code length in bits of symbols 0..255 and EOS (256), RFC 7541 Appendix B. */
const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;
const MAX_LEN = 30;

/** Canonical decoding tables: per length, the first code, how many codes, and where its symbols start. */
interface Canonical {
  first: number[];
  count: number[];
  offset: number[];
  symbols: number[];
}

function build(): Canonical {
  const symbols = [...CODE_LENGTHS.keys()].sort((a, b) => CODE_LENGTHS[a] - CODE_LENGTHS[b] || a - b);
  const first = new Array<number>(MAX_LEN + 1).fill(0);
  const count = new Array<number>(MAX_LEN + 1).fill(0);
  const offset = new Array<number>(MAX_LEN + 1).fill(0);
  let code = 0;
  let len = 0;
  symbols.forEach((s, i) => {
    const l = CODE_LENGTHS[s];
    if (l !== len) {
      code *= 2 ** (l - len);
      len = l;
      first[l] = code;
      offset[l] = i;
    }
    count[l] = count[l] + 1;
    code++;
  });
  return { first, count, offset, symbols };
}

const TABLE = build();

/** Decodes a Huffman-coded string literal (RFC 7541 §5.2); `null` if malformed (EOS coded, bad padding). */
export function huffmanDecode(data: Uint8Array): Buffer | null {
  const out = Buffer.allocUnsafe(Math.ceil((data.length * 8) / 5));
  let n = 0;
  let code = 0;
  let len = 0;
  for (const byte of data) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      len++;
      const rel = code - TABLE.first[len];
      if (rel >= 0 && rel < TABLE.count[len]) {
        const sym = TABLE.symbols[TABLE.offset[len] + rel];
        if (sym === EOS) return null;
        out[n++] = sym;
        code = 0;
        len = 0;
      } else if (len >= MAX_LEN) {
        return null;
      }
    }
  }
  // Padding: fewer than 8 bits, all ones (the most significant bits of EOS).
  if (len > 7 || code !== 2 ** len - 1) return null;
  return out.subarray(0, n);
}
