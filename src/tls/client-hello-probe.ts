// Reads the ClientHello from the first bytes of a client stream, before any upstream connection exists:
// the proxy uses it for SNI and ALPN. Pure: bytes in, a result out — never throws.
import type { ClientHelloDetails } from '../events/schema';
import { concat } from './bytes';
import { DECODE_ERRORS } from '../errors';
import { DecodeFailure } from './errors';
import { parseHandshakeMessage } from './messages';
import { MAX_RECORD_BODY } from './record-layer';
import { parseSslv2ClientHello } from './sslv2';

export type ClientHelloProbe =
  | { ok: true; details: ClientHelloDetails; recordLength: number }
  | { ok: false; needMore: true }
  | { ok: false; needMore: false; code: string; message: string };

/** A ClientHello may span records but is never this large in practice (post-quantum key shares included). */
const MAX_CLIENT_HELLO = 64 * 1024;

const fail = (code: keyof typeof DECODE_ERRORS, message?: string): ClientHelloProbe =>
  ({ ok: false, needMore: false, code, message: message ?? DECODE_ERRORS[code] });

/**
 * `bytes`: the first bytes the client sent. `recordLength` is how many of them the record(s) carrying the
 * ClientHello take (headers included).
 */
export function parseClientHello(bytes: Uint8Array): ClientHelloProbe {
  try {
    return probe(bytes);
  } catch (e) {
    return fail('TLSLAB_ERR_DECODE_INTERNAL', String(e));
  }
}

function probe(bytes: Uint8Array): ClientHelloProbe {
  if (bytes.length < 3) return { ok: false, needMore: true };
  // RFC 5246 Appendix E.2: SSLv2-compatible hello.
  if ((bytes[0] & 0x80) !== 0 && bytes[2] === 1) {
    const len = ((bytes[0] & 0x7f) << 8) | bytes[1];
    if (bytes.length < 2 + len) return { ok: false, needMore: true };
    try {
      return { ok: true, details: parseSslv2ClientHello(bytes.subarray(2, 2 + len)).details, recordLength: 2 + len };
    } catch (e) {
      return fail('TLSLAB_ERR_DECODE_SSLV2_MALFORMED', e instanceof DecodeFailure ? e.message : String(e));
    }
  }
  const parts: Uint8Array[] = [];
  let have = 0;
  let pos = 0;
  for (;;) {
    if (bytes.length < pos + 5) return { ok: false, needMore: true };
    const type = bytes[pos];
    const len = (bytes[pos + 3] << 8) | bytes[pos + 4];
    if (type !== 22 || bytes[pos + 1] !== 3) {
      return pos === 0 ? fail('TLSLAB_ERR_DECODE_NOT_TLS') : fail('TLSLAB_ERR_DECODE_RECORD_HEADER', 'The ClientHello is interrupted by a record that is not a handshake record');
    }
    if (len > MAX_RECORD_BODY) return fail('TLSLAB_ERR_DECODE_RECORD_OVERFLOW');
    if (len === 0) return fail('TLSLAB_ERR_DECODE_RECORD_EMPTY');
    if (bytes.length < pos + 5 + len) return { ok: false, needMore: true };
    parts.push(bytes.subarray(pos + 5, pos + 5 + len));
    have += len;
    pos += 5 + len;
    const hs = concat(parts);
    if (hs[0] !== 1) return fail('TLSLAB_ERR_DECODE_NOT_CLIENT_HELLO', `The first handshake message has type ${hs[0]}, not client_hello (1)`);
    if (have < 4) continue;
    const msgLen = (hs[1] << 16) | (hs[2] << 8) | hs[3];
    if (msgLen + 4 > MAX_CLIENT_HELLO) return fail('TLSLAB_ERR_DECODE_HANDSHAKE_TOO_LARGE');
    if (have < msgLen + 4) continue;
    // Only the details are used here: no field tree (a decoder in full detail that meets these bytes parses them again).
    const parsed = parseHandshakeMessage(hs.subarray(0, msgLen + 4), { from: 'client', version: null, cipherSuite: null, kxGroup: null }, { fields: false });
    if (parsed.failure !== null) return fail(parsed.failure.code, parsed.failure.message);
    const details = parsed.result?.details;
    if (details?.kind !== 'client_hello') return fail('TLSLAB_ERR_DECODE_INTERNAL', 'no ClientHello details');
    return { ok: true, details, recordLength: pos };
  }
}
