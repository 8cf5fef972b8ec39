// IP address literals as text and as bytes, for every layer that needs them (capture files, certificates' iPAddress
// names, the classroom guard): one strict parser (RFC 4291 §2.2) and one canonical printer (RFC 5952 §4). Pure: no imports, no I/O.

/** A dotted quad — four decimal octets 0–255, no leading zeros — as 4 bytes, or null. */
export function ipv4Bytes(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/**
 * IPv6 text as 16 bytes, or null: RFC 4291 §2.2 — eight groups of one to four hex digits, `::` once at most standing
 * for one or more zero groups, the last 32 bits optionally as a dotted quad. No brackets and no `%zone` here.
 */
export function ipv6Bytes(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  // A dotted quad may only end the whole address: in the half after `::`, or in the only half.
  const groups = (s: string, last: boolean): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (last && i === parts.length - 1 && p.includes('.')) {
        const v4 = ipv4Bytes(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1], true) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const out = new Uint8Array(16);
  [...head, ...new Array<number>(missing).fill(0), ...tail].forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** The 4 bytes at `at` as a dotted quad. */
export function ipv4Text(b: Uint8Array, at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/**
 * The 16 bytes at `at` as RFC 5952 §4 text: lower case, leading zeros dropped, the longest run of two or more zero
 * groups as `::` (the first such run on a tie), no dotted quad.
 */
export function ipv6Text(b: Uint8Array, at = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[at + i * 2] << 8) | b[at + i * 2 + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
