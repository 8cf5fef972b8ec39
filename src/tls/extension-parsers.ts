// TLS extensions: one parser per extension type in a typed table, each turning extension_data into Fields
// and recording the facts the decoder needs (SNI, ALPN, versions, groups…). Pure, no I/O.
import type { Field, Named } from '../events/schema';
import { DecodeFailure } from './errors';
import { type FieldReader, UNBUILT, asciiOrHex, field, hexValue } from './field-reader';
import { GREASE_NOTE, extensionName, groupName, isGrease16, named, show, sigSchemeName, versionName } from './names/lookup';
import {
  ALPN_PROTOCOLS, CERTIFICATE_COMPRESSION_ALGORITHMS, CERTIFICATE_STATUS_TYPES, CERTIFICATE_TYPES, EC_POINT_FORMATS,
  HEARTBEAT_MODES, MAX_FRAGMENT_LENGTHS, PSK_KEY_EXCHANGE_MODES, SERVER_NAME_TYPES,
} from './names/registries';
import { ECH_FIELD_NOTES, EXTENSION_NOTES, keyShareNote } from './extension-notes';

/** Which message the extension block sits in: some extensions have a different body in each (RFC 8446 §4.2). */
export type ExtContext =
  | 'client_hello' | 'server_hello' | 'hello_retry_request' | 'encrypted_extensions' | 'certificate_request'
  | 'certificate' | 'new_session_ticket';

/** What the decoder and the details need from extensions. */
export interface ExtFacts {
  sni: string | null;
  alpn: string[];
  /** ALPN ids as sent (JA4 looks at their first and last bytes). */
  alpnRaw: Uint8Array[];
  supportedVersions: Named[];
  groups: Named[];
  sigAlgs: Named[];
  keyShareGroups: Named[];
  keyShareGroup: Named | null;
  ecPointFormats: number[];
  earlyData: boolean;
  pskOffered: boolean;
  pskSelected: boolean;
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  /** Malformed extension bodies: the extension is shown as raw bytes and the message still parses. */
  problems: DecodeFailure[];
}

export function emptyFacts(): ExtFacts {
  return {
    sni: null, alpn: [], alpnRaw: [], supportedVersions: [], groups: [], sigAlgs: [], keyShareGroups: [], keyShareGroup: null,
    ecPointFormats: [], earlyData: false, pskOffered: false, pskSelected: false,
    extendedMasterSecret: false, encryptThenMac: false, problems: [],
  };
}

type ExtensionParser = (r: FieldReader, ctx: ExtContext, facts: ExtFacts) => Field[];

const noteFor = (n: Named): string | undefined => (n.name === 'GREASE' ? GREASE_NOTE : undefined);

/** A u16 code read as a Field with its name, GREASE noted. */
function code16(r: FieldReader, name: string, namer: (v: number) => Named, sink?: Named[]): Field {
  const start = r.pos;
  const n = namer(r.u16(name));
  sink?.push(n);
  return r.lean ? UNBUILT : field(name, start, r.pos, show(n), noteFor(n));
}

function code8(r: FieldReader, name: string, table: Readonly<Record<number, string>>): [number, Field] {
  return r.num(name, 1, (v) => named(table, v, 'grease8', 2));
}

function alpnId(r: FieldReader, sink: string[], rawSink?: Uint8Array[]): Field {
  const [b, f] = r.opaque('protocol_name', 1, undefined, asciiOrHex);
  const id = asciiOrHex(b);
  sink.push(id);
  rawSink?.push(b);
  if (r.lean) return f;
  const known = ALPN_PROTOCOLS[id];
  f.value = known ? `${id} (${known})` : id;
  return f;
}

const empty: ExtensionParser = () => [];

const rawData: ExtensionParser = (r) => (r.remaining > 0 ? [r.raw('data', r.remaining)[1]] : []);

/** RFC 6066 §3. */
const serverName: ExtensionParser = (r, ctx, facts) => {
  if (ctx !== 'client_hello') return []; // the server acknowledges with an empty extension
  return [r.vector('server_name_list', 2, (s) => {
    const start = s.pos;
    const [type, typeField] = code8(s, 'name_type', SERVER_NAME_TYPES);
    const [b, nameField] = s.opaque('host_name', 2, undefined, asciiOrHex);
    if (type === 0 && facts.sni === null) facts.sni = asciiOrHex(b);
    return s.lean ? UNBUILT : field('server_name', start, s.pos, asciiOrHex(b), undefined, [typeField, nameField]);
  })];
};

/** RFC 6066 §8 and RFC 8446 §4.4.2.1 (inside a TLS 1.3 CertificateEntry). */
const statusRequest: ExtensionParser = (r, ctx) => {
  if (ctx === 'certificate') {
    return [code8(r, 'status_type', CERTIFICATE_STATUS_TYPES)[1], r.opaque('response', 3, 'The OCSP response, stapled')[1]];
  }
  if (ctx !== 'client_hello' && ctx !== 'certificate_request') return [];
  return [
    code8(r, 'status_type', CERTIFICATE_STATUS_TYPES)[1],
    r.vector('responder_id_list', 2, (s) => s.opaque('responder_id', 2)[1]),
    r.opaque('request_extensions', 2)[1],
  ];
};

/** RFC 8446 §4.2.7 / RFC 8422 §5.1.1. */
const supportedGroups: ExtensionParser = (r, _ctx, facts) => [r.vector('named_group_list', 2, (s) => code16(s, 'group', groupName, facts.groups))];

/** RFC 8422 §5.1.2. */
const ecPointFormats: ExtensionParser = (r, _ctx, facts) => [r.vector('ec_point_format_list', 1, (s) => {
  const [v, f] = code8(s, 'ec_point_format', EC_POINT_FORMATS);
  facts.ecPointFormats.push(v);
  return f;
})];

/** RFC 8446 §4.2.3. */
const signatureAlgorithms: ExtensionParser = (r, _ctx, facts) => [r.vector('supported_signature_algorithms', 2, (s) => code16(s, 'signature_scheme', sigSchemeName, facts.sigAlgs))];
const signatureAlgorithmsCert: ExtensionParser = (r) => [r.vector('supported_signature_algorithms_cert', 2, (s) => code16(s, 'signature_scheme', sigSchemeName))];

/** RFC 7301 §3.1. */
const alpn: ExtensionParser = (r, _ctx, facts) => [r.vector('protocol_name_list', 2, (s) => alpnId(s, facts.alpn, facts.alpnRaw))];

/** RFC 6962 §3.3. */
const sct: ExtensionParser = (r, ctx) => (ctx === 'client_hello' ? [] : [r.vector('signed_certificate_timestamp_list', 2, (s) => s.opaque('sct', 2)[1])]);

/** RFC 7250 §3. */
const certificateType: ExtensionParser = (r, ctx) =>
  ctx === 'client_hello'
    ? [r.vector('certificate_types', 1, (s) => code8(s, 'certificate_type', CERTIFICATE_TYPES)[1])]
    : [code8(r, 'certificate_type', CERTIFICATE_TYPES)[1]];

const flag = (key: 'extendedMasterSecret' | 'encryptThenMac'): ExtensionParser => (_r, _ctx, facts) => {
  facts[key] = true;
  return [];
};

/** RFC 8879 §3. */
const compressCertificate: ExtensionParser = (r) => [r.vector('algorithms', 1, (s) => s.num('algorithm', 2, (v) => named(CERTIFICATE_COMPRESSION_ALGORITHMS, v, 'grease16'))[1])];

/** RFC 8446 §4.2.11. */
const preSharedKey: ExtensionParser = (r, ctx, facts) => {
  if (ctx === 'server_hello') {
    facts.pskSelected = true;
    return [r.num('selected_identity', 2)[1]];
  }
  facts.pskOffered = true;
  return [
    r.vector('identities', 2, (s) => {
      const start = s.pos;
      const id = s.opaque('identity', 2)[1];
      const age = s.num('obfuscated_ticket_age', 4)[1];
      return s.lean ? UNBUILT : field('PskIdentity', start, s.pos, undefined, undefined, [id, age]);
    }),
    r.vector('binders', 2, (s) => s.opaque('binder', 1)[1]),
  ];
};

/** RFC 8446 §4.2.10. */
const earlyData: ExtensionParser = (r, ctx, facts) => {
  if (ctx === 'new_session_ticket') return [r.num('max_early_data_size', 4)[1]];
  facts.earlyData = true;
  return [];
};

/** RFC 8446 §4.2.1. */
const supportedVersions: ExtensionParser = (r, ctx, facts) => {
  if (ctx === 'client_hello') return [r.vector('versions', 1, (s) => code16(s, 'version', versionName, facts.supportedVersions))];
  return [code16(r, 'selected_version', versionName, facts.supportedVersions)];
};

/** RFC 8446 §4.2.9. */
const pskModes: ExtensionParser = (r) => [r.vector('ke_modes', 1, (s) => code8(s, 'ke_mode', PSK_KEY_EXCHANGE_MODES)[1])];

/** RFC 8446 §4.2.4. */
const certificateAuthorities: ExtensionParser = (r) => [r.vector('authorities', 2, (s) => s.opaque('DistinguishedName', 2)[1])];

/** RFC 8446 §4.2.8. */
function keyShareEntry(r: FieldReader, facts: ExtFacts, sinkClient: boolean): Field {
  const start = r.pos;
  const g = code16(r, 'group', groupName, sinkClient ? facts.keyShareGroups : undefined);
  const code = (r.buf[start] << 8) | r.buf[start + 1];
  const gn = groupName(code);
  const pubField = r.opaque('key_exchange', 2, r.lean ? undefined : keyShareNote(code, sinkClient))[1];
  if (!sinkClient) facts.keyShareGroup = gn;
  return r.lean ? UNBUILT : field('KeyShareEntry', start, r.pos, gn.name, undefined, [g, pubField]);
}
const keyShare: ExtensionParser = (r, ctx, facts) => {
  if (ctx === 'client_hello') return [r.vector('client_shares', 2, (s) => keyShareEntry(s, facts, true))];
  if (ctx === 'hello_retry_request') {
    const f = code16(r, 'selected_group', groupName);
    facts.keyShareGroup = groupName((r.buf[r.pos - 2] << 8) | r.buf[r.pos - 1]);
    if (!r.lean) f.note = 'HelloRetryRequest: the server asks the client to send a key share for this group';
    return [f];
  }
  return [keyShareEntry(r, facts, false)];
};

/** RFC 5746 §3.2. */
const renegotiationInfo: ExtensionParser = (r) => [r.opaque('renegotiated_connection', 1)[1]];

/** RFC 6520 §2. */
const heartbeat: ExtensionParser = (r) => [code8(r, 'mode', HEARTBEAT_MODES)[1]];

/** RFC 6066 §4. */
const maxFragmentLength: ExtensionParser = (r) => [code8(r, 'max_fragment_length', MAX_FRAGMENT_LENGTHS)[1]];

/** RFC 8449 §4. */
const recordSizeLimit: ExtensionParser = (r) => [r.num('record_size_limit', 2)[1]];

/** RFC 8446 §4.2.2. */
const cookie: ExtensionParser = (r) => [r.opaque('cookie', 2)[1]];

/** draft-vvv-tls-alps (not IANA): the ALPN ids the client has settings for. */
const applicationSettings: ExtensionParser = (r, ctx) =>
  ctx === 'client_hello' ? [r.vector('supported_protocols', 2, (s) => alpnId(s, []))] : rawData(r, ctx, emptyFacts());

/** draft-ietf-tls-esni §5. */
const encryptedClientHello: ExtensionParser = (r, ctx) => {
  if (ctx !== 'client_hello') return rawData(r, ctx, emptyFacts());
  const [type, typeField] = r.num('type', 1, (v) => (v === 0 ? 'outer' : v === 1 ? 'inner' : `unknown (${v})`));
  if (type !== 0) return [typeField];
  return [
    typeField, r.num('kdf_id', 2)[1], r.num('aead_id', 2)[1], withNote(r.num('config_id', 1)[1], ECH_FIELD_NOTES.config_id),
    r.opaque('enc', 2, ECH_FIELD_NOTES.enc)[1], r.opaque('payload', 2, ECH_FIELD_NOTES.payload)[1],
  ];
};

/** The table: extension type → parser. Types missing here are shown as raw bytes. */
export const EXTENSION_PARSERS = {
  0: serverName, 1: maxFragmentLength, 5: statusRequest, 10: supportedGroups, 11: ecPointFormats,
  13: signatureAlgorithms, 15: heartbeat, 16: alpn, 18: sct, 19: certificateType, 20: certificateType,
  21: rawData, 22: flag('encryptThenMac'), 23: flag('extendedMasterSecret'), 27: compressCertificate,
  28: recordSizeLimit, 35: rawData, 41: preSharedKey, 42: earlyData, 43: supportedVersions, 44: cookie,
  45: pskModes, 47: certificateAuthorities, 49: empty, 50: signatureAlgorithmsCert, 51: keyShare,
  17513: applicationSettings, 17613: applicationSettings, 65037: encryptedClientHello, 65281: renegotiationInfo,
} as const satisfies Record<number, ExtensionParser>;

const PARSERS: Readonly<Record<number, ExtensionParser>> = EXTENSION_PARSERS;

function withNote(f: Field, note: string): Field {
  if (f !== UNBUILT) f.note = note;
  return f;
}

/**
 * `Extension extensions<0..2^16-1>` (RFC 8446 §4.2). Returns the Field for the block and the types in order.
 * An extension whose body is malformed is shown as raw bytes and recorded in `facts.problems`.
 */
export function readExtensions(r: FieldReader, ctx: ExtContext, facts: ExtFacts): { field: Field; types: number[] } {
  const types: number[] = [];
  const f = r.vector('extensions', 2, (s) => {
    const start = s.pos;
    const [type, typeField] = s.num('extension_type', 2, extensionName);
    const [len, lenField] = s.num('extension_data length', 2);
    types.push(type);
    const body = s.sub(len, `extension ${type}`);
    const n = extensionName(type);
    const parser = PARSERS[type] ?? rawData;
    let children: Field[];
    let problem: string | undefined;
    try {
      children = parser(body, ctx, facts);
      body.done(n.name);
    } catch (e) {
      if (!(e instanceof DecodeFailure)) throw e;
      facts.problems.push(new DecodeFailure(e.code, `${n.name}: ${e.message}`, e.at));
      problem = `malformed: ${e.message}`;
      children = s.lean ? [] : [field('data', start + 4, s.pos, hexValue(r.buf.subarray(start + 4, s.pos)))];
    }
    if (s.lean) return UNBUILT;
    const note = problem ?? (n.name === 'GREASE' ? GREASE_NOTE : type === 65037 && ctx !== 'client_hello' ? undefined : EXTENSION_NOTES[type]);
    return field(n.name, start, s.pos, summarize(type, facts, isGrease16(type)), note, [typeField, lenField, ...children]);
  });
  return { field: f, types };
}

function summarize(type: number, facts: ExtFacts, grease: boolean): string | undefined {
  if (grease) return 'GREASE';
  if (type === 0 && facts.sni !== null) return facts.sni;
  if (type === 16 && facts.alpn.length > 0) return facts.alpn.join(', ');
  return undefined;
}
