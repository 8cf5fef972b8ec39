// The few parts of handshake messages the key schedule needs: randoms, the chosen version and suite, key shares,
// PSK and extended-master-secret flags, ticket nonces, Finished values. Bounds-checked reads; never throws. Pure.
import { HRR_RANDOM } from '../messages/hello';
import { toHex } from '../bytes';

/** One handshake message, header included, and who sent it on the leg. */
export interface LegMessage {
  from: 'client' | 'server';
  bytes: Uint8Array;
}

export interface HelloParts {
  random: string;
  /** The negotiated version (supported_versions wins, RFC 8446 §4.2.1); for a ClientHello its legacy_version. */
  version: number;
  /** ServerHello: the chosen suite; ClientHello: 0. */
  cipherSuite: number;
  /** Extensions by code (RFC 8446 §4.2), bodies only. */
  extensions: Map<number, Uint8Array>;
  helloRetryRequest: boolean;
}

const u16 = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];

/** RFC 8446 §4.1.2/§4.1.3, RFC 5246 §7.4.1.2/§7.4.1.3; null when the message is cut short. */
export function helloParts(msg: Uint8Array): HelloParts | null {
  const type = msg[0];
  if ((type !== 1 && type !== 2) || msg.length < 4 + 2 + 32 + 1) return null;
  let i = 4;
  const legacy = u16(msg, i);
  const random = toHex(msg.subarray(i + 2, i + 34));
  i += 34;
  i += 1 + msg[i]; // session id
  let cipherSuite = 0;
  if (type === 1) {
    if (i + 2 > msg.length) return null;
    i += 2 + u16(msg, i); // cipher_suites
    i += 1 + (msg[i] ?? 0); // compression_methods
  } else {
    if (i + 3 > msg.length) return null;
    cipherSuite = u16(msg, i);
    i += 3;
  }
  const extensions = new Map<number, Uint8Array>();
  if (i + 2 <= msg.length) {
    const end = Math.min(msg.length, i + 2 + u16(msg, i));
    for (i += 2; i + 4 <= end; ) {
      const code = u16(msg, i);
      const len = u16(msg, i + 2);
      if (i + 4 + len > end) break;
      if (!extensions.has(code)) extensions.set(code, msg.subarray(i + 4, i + 4 + len));
      i += 4 + len;
    }
  }
  const sv = extensions.get(43);
  const version = type === 2 && sv !== undefined && sv.length === 2 ? u16(sv, 0) : legacy;
  return { random, version, cipherSuite, extensions, helloRetryRequest: type === 2 && random === HRR_RANDOM };
}

/** The key shares of a ClientHello (RFC 8446 §4.2.8: client_shares) or the one of a ServerHello. */
export function keyShares(parts: HelloParts, fromClient: boolean): { group: number; key: Uint8Array }[] {
  const ks = parts.extensions.get(51);
  if (ks === undefined || ks.length < 2) return [];
  if (!fromClient) {
    if (ks.length < 4) return [];
    return [{ group: u16(ks, 0), key: ks.subarray(4, 4 + u16(ks, 2)) }];
  }
  const out: { group: number; key: Uint8Array }[] = [];
  const end = Math.min(ks.length, 2 + u16(ks, 0));
  for (let i = 2; i + 4 <= end; ) {
    const len = u16(ks, i + 2);
    out.push({ group: u16(ks, i), key: ks.subarray(i + 4, i + 4 + len) });
    i += 4 + len;
  }
  return out;
}

/** RFC 8446 §4.6.1: NewSessionTicket's ticket_nonce, after ticket_lifetime and ticket_age_add. */
export function ticketNonce(msg: Uint8Array): Uint8Array | null {
  if (msg[0] !== 4 || msg.length < 13) return null;
  const len = msg[12];
  return msg.length >= 13 + len ? msg.subarray(13, 13 + len) : null;
}

/** The body of a Finished message: verify_data (RFC 8446 §4.4.4, RFC 5246 §7.4.9). */
export function verifyData(msg: Uint8Array): Uint8Array {
  return msg.subarray(4);
}
