// ClientHello and ServerHello (with HelloRetryRequest) into Fields and details, plus JA3/JA4 of the ClientHello.
// Pure: bytes in, Fields out (RFC 8446 §4.1.2–4.1.4, RFC 5246 §7.4.1.2–7.4.1.3).
import type { ClientHelloDetails, Field, Named, ServerHelloDetails } from '../../events/schema';
import { toHex } from '../bytes';
import { emptyFacts, readExtensions, type ExtContext } from '../extension-parsers';
import { type FieldReader, UNBUILT, field } from '../field-reader';
import { fingerprintsOf } from '../fingerprint';
import { GREASE_NOTE, extensionName as extName, named, show, suiteName, versionName } from '../names/lookup';
import { COMPRESSION_METHODS } from '../names/registries';
import type { MessageParser, MessageResult } from './types';

/** RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest (SHA-256 of "HelloRetryRequest"). */
export const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
/** RFC 8446 §4.1.3: the last 8 bytes of a TLS 1.3 server's random when it negotiates 1.2 or below. */
const DOWNGRADE_12 = '444f574e47524401';
const DOWNGRADE_11 = '444f574e47524400';

function versionField(r: FieldReader, name: string, note?: string): [number, Field] {
  return r.num(name, 2, versionName, note);
}

function randomField(r: FieldReader, note: string): [string, Field] {
  const [b, f] = r.raw('random', 32, note);
  const h = toHex(b);
  if (!r.lean) f.value = h;
  return [h, f];
}

/** RFC 8446 §4.1.2. */
export const parseClientHelloBody: MessageParser = (r) => {
  const fields: Field[] = [];
  const [legacyVersion, vf] = versionField(r, 'legacy_version', 'TLS 1.3 clients still write TLS 1.2 here; the real list is in supported_versions');
  fields.push(vf);
  const [random, rf] = randomField(r, '32 random bytes; with the server random they make every session key unique');
  fields.push(rf);
  const [sid, sf] = r.opaque('legacy_session_id', 1, 'Session id (TLS 1.3 clients send a random one for middlebox compatibility)');
  fields.push(sf);
  const suites: Named[] = [];
  fields.push(r.vector('cipher_suites', 2, (s) => {
    const start = s.pos;
    const n = suiteName(s.u16('cipher_suite'));
    suites.push(n);
    return s.lean ? UNBUILT : field('cipher_suite', start, s.pos, show(n), n.name === 'GREASE' ? GREASE_NOTE : undefined);
  }, 'The cipher suites the client can use, most preferred first'));
  fields.push(r.vector('legacy_compression_methods', 1, (s) => s.num('compression_method', 1, (v) => named(COMPRESSION_METHODS, v, 'none', 2))[1]));
  const facts = emptyFacts();
  let types: number[] = [];
  if (r.remaining > 0) {
    const ext = readExtensions(r, 'client_hello', facts);
    fields.push(ext.field);
    types = ext.types;
  }
  r.done('client_hello');
  const forFp = {
    legacyVersion, cipherSuites: suites.map((s) => s.code), extensions: types, groups: facts.groups.map((g) => g.code),
    ecPointFormats: facts.ecPointFormats, signatureAlgorithms: facts.sigAlgs.map((s) => s.code),
    supportedVersions: facts.supportedVersions.map((v) => v.code), firstAlpn: facts.alpnRaw[0] ?? null,
  };
  const fp = fingerprintsOf(forFp);
  const details: ClientHelloDetails = {
    kind: 'client_hello', legacyVersion: versionName(legacyVersion), random, sessionId: toHex(sid), cipherSuites: suites,
    extensions: types.map(extName), sni: facts.sni, alpn: facts.alpn,
    supportedVersions: facts.supportedVersions, groups: facts.groups, signatureAlgorithms: facts.sigAlgs,
    keyShareGroups: facts.keyShareGroups, ja3: fp.ja3, ja3Hash: fp.ja3Hash, ja4: fp.ja4,
  };
  return { fields, details, facts, extensionTypes: types, problems: facts.problems };
};

/** RFC 8446 §4.1.3 (and §4.1.4 for HelloRetryRequest). */
export const parseServerHelloBody: MessageParser = (r) => {
  const fields: Field[] = [];
  const [legacyVersion, vf] = versionField(r, 'legacy_version');
  fields.push(vf);
  const [random, rf] = randomField(r, "The server's 32 random bytes");
  const hrr = random === HRR_RANDOM;
  const note = hrr
    ? 'This fixed value (SHA-256 of "HelloRetryRequest") turns the ServerHello into a HelloRetryRequest'
    : random.endsWith(DOWNGRADE_12) || random.endsWith(DOWNGRADE_11) ? 'Ends with "DOWNGRD": a TLS 1.3 server was pushed to an older version' : undefined;
  if (note !== undefined && !r.lean) rf.note = note;
  fields.push(rf);
  const [sid, sf] = r.opaque('legacy_session_id_echo', 1);
  fields.push(sf);
  const [suite, cf] = r.num('cipher_suite', 2, suiteName, 'The one cipher suite the server chose from the client list');
  fields.push(cf);
  fields.push(r.num('legacy_compression_method', 1, (v) => named(COMPRESSION_METHODS, v, 'none', 2))[1]);
  const facts = emptyFacts();
  let types: number[] = [];
  if (r.remaining > 0) {
    const ctx: ExtContext = hrr ? 'hello_retry_request' : 'server_hello';
    const ext = readExtensions(r, ctx, facts);
    fields.push(ext.field);
    types = ext.types;
  }
  r.done('server_hello');
  const selected = facts.supportedVersions[0];
  const details: ServerHelloDetails = {
    kind: 'server_hello', version: selected ?? versionName(legacyVersion), random, sessionId: toHex(sid),
    cipherSuite: suiteName(suite), extensions: types.map(extName), alpn: facts.alpn[0] ?? null,
    keyShareGroup: facts.keyShareGroup, helloRetryRequest: hrr,
  };
  return { fields, details, facts, extensionTypes: types, problems: facts.problems } satisfies MessageResult;
};
