// `--allow-client CIDR` values (RFC 4632 §3.1 prefix notation, IPv4 and IPv6) read into a node:net BlockList
// that answers "is this client address in one of them". Pure; a bad value is a typed result, never a throw.
import { BlockList } from 'node:net';
import { effectiveAddress, parseIpLiteral, type IpAddress } from './ip-address';

export type CidrError = 'empty' | 'not-an-address' | 'bad-prefix' | 'host-bits-set';

export type CidrResult = { ok: true; text: string; family: 4 | 6; address: IpAddress; prefix: number } | { ok: false; error: CidrError; message: string };

const MESSAGES = {
  empty: 'is empty',
  'not-an-address': 'does not start with an IPv4 or IPv6 address',
  'bad-prefix': 'has a prefix length that is not a whole number in range (0–32 for IPv4, 0–128 for IPv6)',
  'host-bits-set': 'has bits set after the prefix (write the network address, e.g. 192.168.4.0/24)',
} as const satisfies Record<CidrError, string>;

function fail(value: string, error: CidrError): CidrResult {
  return { ok: false, error, message: `--allow-client "${value.slice(0, 80)}" ${MESSAGES[error]}` };
}

/** `10.8.0.0/16`, `2001:db8::/32`, or a single address (`/32` or `/128` implied). IPv4-mapped IPv6 is IPv4. */
export function parseCidr(value: string): CidrResult {
  const v = value.trim();
  if (v === '') return fail(value, 'empty');
  const slash = v.indexOf('/');
  const addrText = slash < 0 ? v : v.slice(0, slash);
  const parsed = parseIpLiteral(addrText);
  if (parsed === null || addrText.includes('%')) return fail(value, 'not-an-address');
  const mapped = parsed.family === 6 && effectiveAddress(parsed).family === 4 && parsed.text.startsWith('::ffff:');
  const address = mapped ? effectiveAddress(parsed) : parsed;
  const max = address.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = v.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return fail(value, 'bad-prefix');
    prefix = Number(p) - (mapped ? 96 : 0);
    if (prefix < 0 || prefix > max) return fail(value, 'bad-prefix');
  }
  for (let bit = prefix; bit < max; bit++) {
    if ((address.bytes[bit >> 3] >> (7 - (bit & 7))) & 1) return fail(value, 'host-bits-set');
  }
  return { ok: true, text: `${address.text}/${prefix}`, family: address.family, address, prefix };
}

/** A set of CIDR blocks; `has` answers for a client address (mapped IPv4 matches IPv4 blocks). */
export class CidrSet {
  readonly #list = new BlockList();
  readonly blocks: readonly string[];

  /** Throws nothing: give it parsed (ok) results. */
  constructor(blocks: readonly Extract<CidrResult, { ok: true }>[]) {
    for (const b of blocks) this.#list.addSubnet(b.address.text, b.prefix, b.family === 4 ? 'ipv4' : 'ipv6');
    this.blocks = blocks.map((b) => b.text);
  }

  has(address: IpAddress): boolean {
    const e = effectiveAddress(address);
    return this.#list.check(e.text, e.family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Reads every `--allow-client` value; all the errors at once, so a typo list is fixed in one go. */
export function parseAllowClients(values: readonly string[]): { ok: true; set: CidrSet } | { ok: false; messages: string[] } {
  const results = values.map(parseCidr);
  const errors = results.flatMap((r) => (r.ok ? [] : [r.message]));
  if (errors.length > 0) return { ok: false, messages: errors };
  return { ok: true, set: new CidrSet(results.filter((r): r is Extract<CidrResult, { ok: true }> => r.ok)) };
}
