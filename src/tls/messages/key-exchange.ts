// TLS 1.2 ServerKeyExchange (ECDHE / DHE parameters and signature) and ClientKeyExchange (ECDHE, DHE, RSA).
// Pure: bytes in, Fields out. RFC 5246 §7.4.3 and §7.4.7, RFC 8422 §5.4 and §5.7, RFC 4279 (PSK).
import type { Field, KeyExchangeDetails, Named } from '../../events/schema';
import { toHex } from '../bytes';
import { CIPHER_SUITES } from '../names/cipher-suites';
import { type FieldReader, UNBUILT, field, hexValue } from '../field-reader';
import { groupName, named, sigSchemeName, suiteKeyExchange } from '../names/lookup';
import { EC_CURVE_TYPES } from '../names/registries';
import type { MessageContext, MessageParser } from './types';

type Method = KeyExchangeDetails['method'];

function methodOf(ctx: MessageContext, r: FieldReader): { method: Method; psk: boolean } {
  const kx = ctx.cipherSuite === null ? 'unknown' : suiteKeyExchange(ctx.cipherSuite);
  if (kx === 'ecdhe' || kx === 'dhe' || kx === 'rsa') return { method: kx, psk: false };
  if (kx === 'psk') {
    const name = CIPHER_SUITES[ctx.cipherSuite ?? -1] ?? '';
    const m: Method = name.startsWith('TLS_ECDHE') ? 'ecdhe' : name.startsWith('TLS_DHE') ? 'dhe' : name.startsWith('TLS_RSA') ? 'rsa' : 'unknown';
    return { method: m, psk: true };
  }
  // Unknown suite (no ServerHello seen): a named_curve byte (3) is the likely ECDHE form.
  return { method: r.remaining > 0 && r.buf[r.pos] === 3 ? 'ecdhe' : 'unknown', psk: false };
}

/** Signature over the params: RFC 5246 §4.7 digitally-signed (TLS 1.2 adds the algorithm). */
function signature(r: FieldReader, ctx: MessageContext, fields: Field[]): Named | undefined {
  if (r.remaining === 0) return undefined; // anonymous suites
  let alg: Named | undefined;
  if (ctx.version === null || ctx.version >= 0x0303) {
    const [code, f] = r.num('signature_algorithm', 2, sigSchemeName);
    alg = sigSchemeName(code);
    fields.push(f);
  }
  fields.push(r.opaque('signature', 2, 'The server signs its key-exchange parameters with the private key of its certificate')[1]);
  return alg;
}

/** RFC 5246 §7.4.3, RFC 8422 §5.4. */
export const parseServerKeyExchangeBody: MessageParser = (r, ctx) => {
  const fields: Field[] = [];
  const { method, psk } = methodOf(ctx, r);
  if (psk) fields.push(r.opaque('psk_identity_hint', 2)[1]);
  const d: KeyExchangeDetails = { kind: 'server_key_exchange', method };
  if (method === 'ecdhe') {
    const start = r.pos;
    const [curveType, ctf] = r.num('curve_type', 1, (v) => named(EC_CURVE_TYPES, v, 'none', 2));
    const params: Field[] = [ctf];
    if (curveType === 3) {
      const [g, gf] = r.num('named_curve', 2, groupName);
      d.group = groupName(g);
      params.push(gf);
    }
    const [pub, pf] = r.opaque('public', 1, "The server's ephemeral ECDH public key");
    d.publicKeyHex = toHex(pub);
    params.push(pf);
    fields.push(r.lean ? UNBUILT : field('ServerECDHParams', start, r.pos, d.group?.name, undefined, params));
  } else if (method === 'dhe') {
    const start = r.pos;
    const p = r.opaque('dh_p', 2, 'The prime modulus')[1];
    const g = r.opaque('dh_g', 2, 'The generator')[1];
    const [ys, yf] = r.opaque('dh_Ys', 2, "The server's ephemeral Diffie-Hellman public value");
    d.publicKeyHex = toHex(ys);
    const bits = (p.range[1] - p.range[0] - 2) * 8; // dh_p's bytes, without its 2-byte length
    fields.push(r.lean ? UNBUILT : field('ServerDHParams', start, r.pos, `${bits}-bit group`, undefined, [p, g, yf]));
  } else if (r.remaining > 0) {
    fields.push(field('params', r.pos, r.end, hexValue(r.bytes(r.remaining)), 'Parameters of a key exchange tlslab does not parse'));
  }
  if (!psk && (method === 'ecdhe' || method === 'dhe')) {
    const alg = signature(r, ctx, fields);
    if (alg) d.signatureAlgorithm = alg;
  }
  r.done('server_key_exchange');
  return { fields, details: d, problems: [] };
};

/** RFC 5246 §7.4.7, RFC 8422 §5.7, RFC 4279 §2. */
export const parseClientKeyExchangeBody: MessageParser = (r, ctx) => {
  const fields: Field[] = [];
  const { method, psk } = methodOf(ctx, r);
  if (psk) fields.push(r.opaque('psk_identity', 2)[1]);
  const d: KeyExchangeDetails = { kind: 'client_key_exchange', method };
  if (method === 'ecdhe') {
    const [pub, f] = r.opaque('ecdh_Yc', 1, "The client's ephemeral ECDH public key: each side combines its private key with the other's public key");
    d.publicKeyHex = toHex(pub);
    if (ctx.kxGroup) d.group = ctx.kxGroup;
    fields.push(f);
  } else if (method === 'dhe') {
    const [pub, f] = r.opaque('dh_Yc', 2, "The client's ephemeral Diffie-Hellman public value");
    d.publicKeyHex = toHex(pub);
    fields.push(f);
  } else if (method === 'rsa') {
    const [, f] = r.opaque('EncryptedPreMasterSecret', 2,
      "The premaster secret, encrypted with the public key from the server's certificate: only the private key can open it (step 4 of the eight-step story: the client's key exchange)");
    fields.push(f);
  } else if (r.remaining > 0) {
    fields.push(field('exchange_keys', r.pos, r.end, hexValue(r.bytes(r.remaining))));
  }
  r.done('client_key_exchange');
  return { fields, details: d, problems: [] };
};
