// The facts a lesson question can ask about, each read from the student's own connection: one evaluator per
// fact name (a table over the closed union in schema.ts). Pure; no Node imports.
import type { CheckName, ClientOutcome, Leg } from '../events/schema.js';
import { FACTS, type FactName, type FactQuestion, type MessageName } from './schema.js';
import {
  clientFatalAlert, clientHello, closeNotifySenders, established, firstFailure, hasMessage, leafIssuer, named, resumed,
  serverCertificate, serverHello, verdict, versionOf, type ConnectionView,
} from './view.js';

/** A fact's value on one connection (`value` in the canonical spelling) and the choices to offer for it. */
export type FactValue = { value: string; options: string[] } | { unavailable: string };

interface FactArgs {
  leg: Leg;
  message: MessageName | undefined;
}

type FactEvaluator = (view: ConnectionView, a: FactArgs) => FactValue;

const CHECKS: readonly CheckName[] = [
  'validity', 'hostname', 'chain', 'signature', 'key-strength', 'extended-key-usage', 'basic-constraints', 'key-usage', 'algorithm',
];
const OUTCOMES: readonly ClientOutcome[] = ['accepted', 'rejected-alert', 'closed-in-handshake', 'closed-after-handshake', 'timeout'];
/** Alerts clients send about certificates (RFC 8446 §6.2), the usual handshake failures, and "none". */
const CLIENT_ALERTS = ['bad_certificate', 'unsupported_certificate', 'certificate_expired', 'certificate_unknown', 'unknown_ca', 'handshake_failure', 'decrypt_error', 'none'];
const YES_NO = ['yes', 'no'];

const yesNo = (b: boolean): FactValue => ({ value: b ? 'yes' : 'no', options: YES_NO });
const withValue = (options: readonly string[], value: string): string[] => (options.includes(value) ? [...options] : [...options, value]);
const missing = (what: string): FactValue => ({ unavailable: what });

function noHello(leg: Leg): FactValue {
  return missing(`No ServerHello was seen on the ${leg} leg of this connection.`);
}

/** The negotiated suite's name on the leg. */
function suiteOf(view: ConnectionView, leg: Leg): string | null {
  return serverHello(view, leg)?.cipherSuite.name ?? established(view, leg)?.cipherSuite.name ?? null;
}

/** Write-key length of a suite from its IANA name (RFC 8446 §B.4, RFC 5288, RFC 7905). */
function keyLength(suite: string): number | null {
  if (/_AES_128_/.test(suite)) return 16;
  if (/_AES_256_|_CHACHA20_POLY1305_/.test(suite)) return 32;
  if (/_3DES_EDE_/.test(suite)) return 24;
  return null;
}

/** TLS 1.3: the suite's hash (RFC 8446 §7.1). TLS 1.2: the PRF hash, SHA-256 unless the suite names SHA-384 (RFC 5246 §5). */
function scheduleHash(version: string, suite: string): string {
  if (version === 'TLS 1.0' || version === 'TLS 1.1') return 'MD5 and SHA-1';
  return suite.endsWith('_SHA384') ? 'SHA-384' : 'SHA-256';
}

const EVALUATORS = {
  'failing-step': (view) => {
    const f = firstFailure(view);
    return f === null ? missing('Nothing failed on this connection.') : { value: `${f.leg}:${f.step}`, options: [] };
  },
  'failed-check': (view) => {
    const v = verdict(view);
    const first = v?.findings.find((f) => f.severity === 'error');
    if (v === null) return missing('tlslab did not verify a server certificate on this connection.');
    if (first === undefined) return missing("The server's chain passed every check.");
    return { value: first.check, options: [...CHECKS] };
  },
  version: (view, { leg }) => {
    const v = versionOf(view, leg);
    return v === null ? noHello(leg) : { value: v, options: withValue(['TLS 1.2', 'TLS 1.3'], v) };
  },
  'cipher-suite': (view, { leg }) => {
    const s = suiteOf(view, leg);
    if (s === null) return noHello(leg);
    return { value: s, options: withValue(named(clientHello(view, leg)?.cipherSuites ?? []), s) };
  },
  'key-exchange': (view, { leg }) => {
    const kx = established(view, leg)?.keyExchange;
    if (kx === undefined || kx === 'unknown') return missing(`The ${leg} leg's handshake did not complete, so its key exchange is not known.`);
    return { value: kx, options: ['ecdhe', 'dhe', 'rsa', 'psk'] };
  },
  group: (view, { leg }) => {
    const g = serverHello(view, leg)?.keyShareGroup?.name ?? established(view, leg)?.group?.name;
    if (g === undefined) return missing(`No key exchange group was seen on the ${leg} leg (RSA key transport and PSK-only resumption use none).`);
    return { value: g, options: withValue(named(clientHello(view, leg)?.groups ?? []), g) };
  },
  'hrr-group': (view, { leg }) => {
    const g = serverHello(view, leg, true)?.keyShareGroup?.name;
    if (g === undefined) return missing(`The server sent no HelloRetryRequest on the ${leg} leg.`);
    return { value: g, options: withValue(named(clientHello(view, leg)?.groups ?? []), g) };
  },
  'key-share-groups': (view, { leg }) => {
    const ch = clientHello(view, leg);
    if (ch === null) return missing(`No ClientHello was seen on the ${leg} leg.`);
    const shares = named(ch.keyShareGroups);
    if (shares.length === 0) return missing(`The ClientHello on the ${leg} leg carried no key share (a TLS 1.2 client).`);
    return { value: shares.join(', '), options: named(ch.groups) };
  },
  alpn: (view, { leg }) => {
    const sh = serverHello(view, leg);
    if (sh === null && established(view, leg) === null) return noHello(leg);
    const value = established(view, leg)?.alpn ?? sh?.alpn ?? 'none';
    return { value, options: withValue([...(clientHello(view, leg)?.alpn ?? []), 'none'], value) };
  },
  'alpn-offer': (view, { leg }) => {
    const ch = clientHello(view, leg);
    if (ch === null) return missing(`No ClientHello was seen on the ${leg} leg.`);
    if (ch.alpn.length === 0) return missing(`The client offered no ALPN protocol on the ${leg} leg.`);
    return { value: ch.alpn[0], options: [...ch.alpn] };
  },
  'client-alert': (view, { leg }) => {
    const a = clientFatalAlert(view, leg);
    if (a === null && view.summary.closedAt === null) return missing('The connection is still open: wait for it to end.');
    return { value: a ?? 'none', options: withValue(CLIENT_ALERTS, a ?? 'none') };
  },
  resumed: (view, { leg }) => {
    const r = resumed(view, leg);
    return r === null ? missing(`The ${leg} leg's handshake was not seen to the end.`) : yesNo(r);
  },
  'close-notify-from': (view, { leg }) => {
    if (view.summary.closedAt === null) return missing('The connection is still open: wait for it to end.');
    const from = closeNotifySenders(view, leg);
    const value = from.length === 2 ? 'both' : from.length === 1 ? (from[0] as string) : 'neither';
    return { value, options: ['client', 'server', 'both', 'neither'] };
  },
  'certificate-issuer': (view, { leg }) => {
    const issuer = leafIssuer(view, leg);
    if (issuer === null) return missing(`No certificate was presented on the ${leg} leg (a resumed session sends none).`);
    const other = leafIssuer(view, leg === 'client' ? 'upstream' : 'client');
    return { value: issuer, options: other === null || other === issuer ? [issuer] : [issuer, other].sort() };
  },
  'certificate-count': (view, { leg }) => {
    const cert = serverCertificate(view, leg);
    if (cert?.details?.kind !== 'certificate') return missing(`The server sent no readable Certificate message on the ${leg} leg.`);
    const n = String(cert.details.certificates.length);
    return { value: n, options: withValue(['1', '2', '3'], n) };
  },
  'certificate-encrypted': (view, { leg }) => {
    const cert = serverCertificate(view, leg);
    return cert === null ? missing(`The server sent no Certificate message on the ${leg} leg.`) : yesNo(cert.encrypted);
  },
  'has-message': (view, { leg, message }) => {
    if (message === undefined) return missing('The question names no message.');
    if (view.summary.closedAt === null && !hasMessage(view, leg, message)) return missing('The connection is still open: wait for it to end.');
    return yesNo(hasMessage(view, leg, message));
  },
  'key-length': (view, { leg }) => {
    const s = suiteOf(view, leg);
    if (s === null) return noHello(leg);
    const n = keyLength(s);
    return n === null ? missing(`tlslab does not know the key length of ${s}.`) : { value: String(n), options: ['16', '24', '32'] };
  },
  hash: (view, { leg }) => {
    const s = suiteOf(view, leg);
    const v = versionOf(view, leg);
    if (s === null || v === null) return noHello(leg);
    const h = scheduleHash(v, s);
    return { value: h, options: withValue(['SHA-256', 'SHA-384'], h) };
  },
  policy: (view) => {
    const p = view.summary.policy;
    return p === undefined ? missing("tlslab applied no policy: the server's certificate did not fail.") : { value: p, options: ['block', 'mirror', 'allow'] };
  },
  'client-outcome': (view) => {
    const o = view.summary.clientOutcome;
    return o === null ? missing('The browser has not finished its handshake with tlslab yet.') : { value: o, options: [...OUTCOMES] };
  },
} as const satisfies Record<FactName, FactEvaluator>;

/** The fact a question asks about, on this connection. */
export function evaluateFact(q: FactQuestion, view: ConnectionView): FactValue {
  const needsLeg = FACTS[q.fact].leg;
  return EVALUATORS[q.fact](view, { leg: needsLeg ? (q.leg ?? 'client') : 'client', message: q.message });
}
