// Reading one connection's events the way lessons ask about them: hellos, messages, alerts, certificates, failure.
// Pure functions over a summary and its events; no Node imports (the dashboard can run them in the browser).
import type {
  ClientHelloDetails,
  Leg,
  LessonStep,
  ServerHelloDetails,
  Side,
  TlsEstablishedEvent,
  TlsHandshakeEvent,
  TlslabEvent,
  TlsVerdictEvent,
} from '../events/schema.js';
import type { ConnectionSummary } from '../events/stream.js';
import { MESSAGE_CODES, type MessageName } from './schema.js';

/** One connection as lessons see it: its summary row and its events (any order). */
export interface ConnectionView {
  summary: ConnectionSummary;
  events: readonly TlslabEvent[];
}

/** RFC 8446 §4.2 extension code of pre_shared_key: in a ServerHello it means the server accepted a PSK. */
const PRE_SHARED_KEY = 41;

/** Causes that end a connection without anything having failed (summary.ts says the same). */
const NOT_FAILURES = new Set(['closed', 'not-tls', 'http-limit', 'idle-timeout']);

/** Alerts about certificates (RFC 8446 §6.2): they belong to step 3. */
const CERTIFICATE_ALERTS = new Set([42, 43, 44, 45, 46, 48, 49]);

export function sorted(view: ConnectionView): TlslabEvent[] {
  return [...view.events].sort((a, b) => a.seq - b.seq);
}

export function handshakesOn(view: ConnectionView, leg: Leg): TlsHandshakeEvent[] {
  return sorted(view).filter((e): e is TlsHandshakeEvent => e.type === 'tls:handshake' && e.leg === leg);
}

/** The first ClientHello on the leg (before any HelloRetryRequest). */
export function clientHello(view: ConnectionView, leg: Leg): ClientHelloDetails | null {
  for (const e of handshakesOn(view, leg)) if (e.details?.kind === 'client_hello') return e.details;
  return null;
}

/** The ServerHello on the leg (`hrr`: the HelloRetryRequest instead). */
export function serverHello(view: ConnectionView, leg: Leg, hrr = false): ServerHelloDetails | null {
  for (const e of handshakesOn(view, leg)) if (e.details?.kind === 'server_hello' && e.details.helloRetryRequest === hrr) return e.details;
  return null;
}

export function established(view: ConnectionView, leg: Leg): TlsEstablishedEvent | null {
  return view.events.find((e): e is TlsEstablishedEvent => e.type === 'tls:established' && e.leg === leg) ?? null;
}

export function verdict(view: ConnectionView): TlsVerdictEvent | null {
  return view.events.find((e): e is TlsVerdictEvent => e.type === 'tls:verdict') ?? null;
}

/** Is a message of this name on the leg (from either side)? */
export function hasMessage(view: ConnectionView, leg: Leg, name: MessageName): boolean {
  return view.events.some((e) => isMessage(e, leg, name));
}

/**
 * Is event `e` a message of this name on the leg: a handshake message by its type (a HelloRetryRequest told apart
 * from a ServerHello), a ChangeCipherSpec, or an alert? (The dashboard finds a lesson's "where to look" with it.)
 */
export function isMessage(e: TlslabEvent, leg: Leg, name: MessageName): boolean {
  if (!('leg' in e) || e.leg !== leg) return false;
  if (name === 'change_cipher_spec') return e.type === 'tls:ccs';
  if (name === 'alert') return e.type === 'tls:alert';
  if (e.type !== 'tls:handshake' || e.msgType.code !== MESSAGE_CODES[name]) return false;
  if (e.details?.kind !== 'server_hello') return true;
  return e.details.helloRetryRequest === (name === 'hello_retry_request');
}

/** The version the leg negotiated: its ServerHello's, else what `tls:established` says. */
export function versionOf(view: ConnectionView, leg: Leg): string | null {
  return serverHello(view, leg)?.version.name ?? established(view, leg)?.version.name ?? view.summary.legs[leg].version?.name ?? null;
}

/** The leg resumed a session: a PSK accepted (TLS 1.3), or a Finished with no certificate and no key exchange (TLS 1.2). */
export function resumed(view: ConnectionView, leg: Leg): boolean | null {
  const sh = serverHello(view, leg);
  if (sh === null) return null;
  if (sh.version.code === 0x0304) return sh.extensions.some((x) => x.code === PRE_SHARED_KEY);
  const msgs = handshakesOn(view, leg);
  const finished = msgs.some((e) => e.msgType.code === 20);
  if (!finished) return null;
  return !msgs.some((e) => e.msgType.code === 11 || e.msgType.code === 16);
}

/** Which sides sent close_notify on the leg. */
export function closeNotifySenders(view: ConnectionView, leg: Leg): Side[] {
  const from = new Set<Side>();
  for (const e of view.events) if (e.type === 'tls:alert' && e.leg === leg && e.description.code === 0) from.add(e.from);
  return (['client', 'server'] as const).filter((s) => from.has(s));
}

/** The first fatal alert the client side of the leg sent, by name; null when it sent none. */
export function clientFatalAlert(view: ConnectionView, leg: Leg): string | null {
  for (const e of sorted(view)) if (e.type === 'tls:alert' && e.leg === leg && e.from === 'client' && e.fatal) return e.description.name;
  return null;
}

/** The leaf certificate's issuer on the leg: what tlslab presented (client leg) or what the server sent (upstream). */
export function leafIssuer(view: ConnectionView, leg: Leg): string | null {
  for (const e of view.events) {
    if (leg === 'client' && e.type === 'tls:presented') return e.chain[0]?.issuer ?? null;
    if (leg === 'upstream' && e.type === 'tls:verdict') return e.chain.find((c) => c.source === 'sent' && c.index === 0)?.issuer ?? null;
  }
  return null;
}

/** The server's Certificate message on the leg. */
export function serverCertificate(view: ConnectionView, leg: Leg): TlsHandshakeEvent | null {
  return handshakesOn(view, leg).find((e) => e.from === 'server' && e.msgType.code === 11) ?? null;
}

export interface Failure {
  leg: Leg;
  step: LessonStep;
}

/**
 * Where the connection failed first: tlslab's verdict on the server's chain (upstream, step 3), a fatal alert (its
 * step), the browser refusing tlslab's certificate (client, step 3), or an error on a leg (the last step that leg
 * reached). Null when nothing failed.
 */
export function firstFailure(view: ConnectionView): Failure | null {
  const last: Record<Leg, LessonStep> = { client: 1, upstream: 1 };
  for (const e of sorted(view)) {
    if ('leg' in e && e.leg !== undefined && e.step !== undefined && e.type !== 'conn:error') last[e.leg] = e.step;
    switch (e.type) {
      case 'tls:verdict':
        if (!e.ok) return { leg: 'upstream', step: e.step ?? 3 };
        break;
      case 'tls:alert':
        if (e.fatal) return { leg: e.leg, step: e.step ?? (CERTIFICATE_ALERTS.has(e.description.code) ? 3 : last[e.leg]) };
        break;
      case 'tls:client-outcome':
        if (e.outcome !== 'accepted') return { leg: 'client', step: e.step ?? 3 };
        break;
      case 'conn:error':
        if (e.leg !== undefined && !NOT_FAILURES.has(e.cause)) return { leg: e.leg, step: last[e.leg] };
        break;
      default:
        break;
    }
  }
  return null;
}

/** IANA names shown to students, without GREASE. */
export function named(list: readonly { code: number; name: string }[]): string[] {
  return list.filter((n) => n.name !== 'GREASE').map((n) => n.name);
}
