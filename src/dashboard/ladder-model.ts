// Turns one connection's events into two ladders (client leg, upstream leg) placed on the eight lesson steps.
// Pure: events in, a plain model out; the DOM lives in ladder-view.ts.
import {
  FAILURE_CAUSES,
  FAILURE_CAUSE_STEP,
  assertNever,
  type Leg,
  type LessonStep,
  type TlsAppDataEvent,
  type TlslabEvent,
} from '../events/schema.js';
import { COMPLETED_BY_POLICY_NOTE, LADDER_TEXT, POLICY_NOTE, RSA_STEP_NOTES, TLS13_STEP_NOTES, fillText } from '../events/ladder-text.js';

export { POLICY_NOTE, RSA_STEP_NOTES, TLS13_STEP_NOTES };

/** Where an item sits: an arrow between the two sides, or a box at one side. */
export type Placement = 'arrow-right' | 'arrow-left' | 'at-client' | 'at-server' | 'middle';
export type Tone = 'normal' | 'ok' | 'fail' | 'warn' | 'quiet';

export interface LadderItem {
  /** Key of the item (the seq of its first event). */
  key: number;
  step: LessonStep;
  placement: Placement;
  label: string;
  sub?: string;
  note?: string;
  encrypted: boolean;
  tone: Tone;
  /** Milliseconds since this leg's ClientHello (null before it). */
  ms: number | null;
  /** The event to inspect when the item is clicked. */
  event: TlslabEvent;
}

export interface LegLadder {
  leg: Leg;
  items: LadderItem[];
  failedStep: LessonStep | null;
  /** The sentence that explains the failure on this leg. */
  failText: string | null;
  version: string | null;
  t0: number | null;
}

/** Default lesson step of each handshake message type (RFC 8446 §4, RFC 5246 §7.4), used when an event carries none. */
const HANDSHAKE_STEP: Readonly<Record<number, LessonStep>> = {
  1: 1, // client_hello
  2: 2, // server_hello
  4: 7, // new_session_ticket
  8: 2, // encrypted_extensions
  11: 2, // certificate
  12: 5, // server_key_exchange
  13: 2, // certificate_request
  14: 5, // server_hello_done
  15: 5, // certificate_verify
  16: 4, // client_key_exchange
  20: 6, // finished
  24: 7, // key_update
};

/** Human labels for handshake messages, as the lesson names them. */
export const HANDSHAKE_LABEL: Readonly<Record<number, string>> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
  24: 'KeyUpdate',
};

/** Alerts about certificates (RFC 8446 §6.2): they belong to step 3. */
const CERT_ALERTS = new Set([42, 43, 44, 45, 46, 48, 49]);

function emptyLeg(leg: Leg): LegLadder {
  return { leg, items: [], failedStep: null, failText: null, version: null, t0: null };
}

function arrow(from: 'client' | 'server'): Placement {
  return from === 'client' ? 'arrow-right' : 'arrow-left';
}

/** Builds both ladders from a connection's events (any order; sorted by seq here). */
export function buildLadders(events: readonly TlslabEvent[]): Record<Leg, LegLadder> {
  const legs: Record<Leg, LegLadder> = { client: emptyLeg('client'), upstream: emptyLeg('upstream') };
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const established: Record<Leg, boolean> = { client: false, upstream: false };
  const lastStep: Record<Leg, LessonStep> = { client: 1, upstream: 1 };
  const firstRequest = sorted.find((e) => e.type === 'http:request');
  const firstResponse = sorted.find((e) => e.type === 'http:response');
  const appSeen: Record<string, boolean> = {};
  // Facts the items need before their events come: the upstream verdict (tlslab completes the upstream handshake before
  // it verifies) and whether the server ended without close_notify (tlslab's close_notify to the browser follows).
  const failedVerdict = sorted.find((e) => e.type === 'tls:verdict' && !e.ok);
  const failedPolicy = failedVerdict?.type === 'tls:verdict' ? (failedVerdict.policy ?? 'block') : null;
  const serverEndedUnclean = sorted.some((e) => e.type === 'tls:tcp-end' && e.leg === 'upstream' && !e.closeNotify);
  const appAgg = new Map<LadderItem, { n: number; bytes: number }>();

  const ms = (leg: Leg, t: number): number | null => (legs[leg].t0 === null ? null : t - legs[leg].t0);
  const push = (leg: Leg, item: Omit<LadderItem, 'key' | 'ms'> & { ms?: number | null }): void => {
    legs[leg].items.push({ ...item, key: item.event.seq, ms: item.ms ?? ms(leg, item.event.t) });
    lastStep[leg] = item.step;
  };
  /** Records a leg's failure; `why` texts (verdict findings, client outcome) replace a bare "an alert was sent". */
  const weak: Record<Leg, boolean> = { client: false, upstream: false };
  const fail = (leg: Leg, step: LessonStep | null, text: string, strength: 'weak' | 'why' = 'why'): void => {
    const l = legs[leg];
    if (l.failedStep === null && step !== null) l.failedStep = step;
    if (l.failText === null || (weak[leg] && strength === 'why')) {
      l.failText = text;
      weak[leg] = strength === 'weak';
    }
  };

  for (const e of sorted) {
    switch (e.type) {
      case 'tls:handshake': {
        const code = e.msgType.code;
        if (code === 1 && legs[e.leg].t0 === null) legs[e.leg].t0 = e.t;
        if (e.details?.kind === 'server_hello' && !e.details.helloRetryRequest) legs[e.leg].version ??= e.details.version.name;
        const step = e.step ?? HANDSHAKE_STEP[code] ?? lastStep[e.leg];
        const item: Omit<LadderItem, 'key' | 'ms'> = {
          step,
          placement: arrow(e.from),
          label: HANDSHAKE_LABEL[code] ?? e.msgType.name,
          sub: `${e.length + 4} B`,
          encrypted: e.encrypted,
          tone: 'normal',
          event: e,
        };
        if (e.note !== undefined) item.note = e.note;
        push(e.leg, item);
        break;
      }
      case 'tls:ccs': {
        const item: Omit<LadderItem, 'key' | 'ms'> = {
          step: e.step ?? 6,
          placement: arrow(e.from),
          label: 'ChangeCipherSpec',
          encrypted: false,
          tone: e.compatibility ? 'quiet' : 'normal',
          event: e,
        };
        if (e.note !== undefined) item.note = e.note;
        push(e.leg, item);
        break;
      }
      case 'tls:alert': {
        const close = e.description.code === 0;
        const step = e.step ?? (close ? 8 : CERT_ALERTS.has(e.description.code) ? 3 : established[e.leg] ? 7 : lastStep[e.leg]);
        const item: Omit<LadderItem, 'key' | 'ms'> = {
          step,
          placement: arrow(e.from),
          label: close ? 'close_notify' : `Alert: ${e.description.name}`,
          sub: `${e.fatal ? 'fatal' : e.level.name} (${e.description.code})${e.encrypted ? ', encrypted' : ''}`,
          encrypted: e.encrypted,
          tone: close ? 'normal' : e.fatal ? 'fail' : 'warn',
          event: e,
        };
        if (e.encrypted && !close) item.note = LADDER_TEXT.encryptedAlert;
        if (close && e.leg === 'client' && e.from === 'server' && serverEndedUnclean) item.note = LADDER_TEXT.tlslabOwnCloseNotify;
        push(e.leg, item);
        if (e.fatal) fail(e.leg, step, `${e.from === 'client' ? (e.leg === 'client' ? 'The browser' : 'tlslab') : e.leg === 'client' ? 'tlslab' : 'The server'} sent a fatal ${e.description.name} alert.`, 'weak');
        break;
      }
      case 'tls:appdata':
        pushAppData(e);
        break;
      case 'tls:established': {
        established[e.leg] = true;
        legs[e.leg].version = e.version.name;
        // On a failed upstream chain the handshake completed only because tlslab chose to finish it: not a success.
        const byPolicy = e.leg === 'upstream' && failedPolicy !== null ? failedPolicy : null;
        const version = e.version.name.replace(/\s*\(.*\)$/, '');
        push(e.leg, {
          step: e.step ?? 6,
          placement: 'middle',
          label: fillText(byPolicy ? LADDER_TEXT.handshakeCompletedByPolicy : LADDER_TEXT.handshakeComplete, { version }),
          sub: `${e.cipherSuite.name.replace(/\s*\(.*\)$/, '')}${e.group ? ` · ${e.group.name}` : ''}${e.alpn ? ` · ${e.alpn}` : ''}`,
          encrypted: false,
          tone: byPolicy ? 'warn' : 'ok',
          event: e,
          ...(byPolicy ? { note: COMPLETED_BY_POLICY_NOTE[byPolicy] } : {}),
          ...(e.handshakeMs !== undefined ? { ms: e.handshakeMs } : {}),
        });
        break;
      }
      case 'tls:verdict': {
        const codes = e.findings.filter((f) => f.severity === 'error').map((f) => f.code);
        const item: Omit<LadderItem, 'key' | 'ms'> = {
          step: e.step ?? 3,
          placement: 'at-client',
          label: e.ok ? 'tlslab verifies the chain: valid' : `tlslab verifies the chain: ${codes.join(', ') || 'invalid'}`,
          sub: e.nodeError ? `Node says ${e.nodeError}` : `host ${e.host}`,
          encrypted: false,
          tone: e.ok ? 'ok' : e.policy === 'allow' ? 'warn' : 'fail',
          event: e,
        };
        if (!e.ok && e.policy) item.note = POLICY_NOTE[e.policy];
        push('upstream', item);
        if (!e.ok) fail('upstream', item.step, e.findings.map((f) => f.message).join(' ') || FAILURE_CAUSES['upstream-cert-invalid']);
        break;
      }
      case 'tls:client-outcome': {
        const ok = e.outcome === 'accepted';
        const alertStep = e.alert && CERT_ALERTS.has(e.alert.description.code) ? 3 : null;
        const step = e.step ?? alertStep ?? 3;
        push('client', {
          step,
          placement: 'at-client',
          label: ok ? (e.resumed ? LADDER_TEXT.resumed : LADDER_TEXT.trusted) : fillText(LADDER_TEXT.rejected, { outcome: e.outcome }),
          // A refusal's sentence is written once, in the failed step's box (fail() below), not here as well.
          ...(ok ? { sub: e.explanation } : {}),
          encrypted: false,
          tone: ok ? 'ok' : 'fail',
          event: e,
        });
        if (!ok) fail('client', step, e.explanation);
        break;
      }
      case 'conn:upstream':
        push('upstream', {
          step: e.step ?? 1,
          placement: 'middle',
          label: `TCP connected to ${e.remote.address}:${e.remote.port}`,
          sub: `connect took ${e.connectMs.toFixed(1)} ms`,
          encrypted: false,
          tone: 'quiet',
          event: e,
          ms: null,
        });
        break;
      case 'conn:error': {
        const leg: Leg = e.leg ?? (e.cause.startsWith('upstream') ? 'upstream' : 'client');
        const step = e.step ?? FAILURE_CAUSE_STEP[e.cause] ?? lastStep[leg];
        push(leg, { step, placement: 'middle', label: `Error: ${e.cause}`, sub: e.message, encrypted: false, tone: 'fail', event: e });
        fail(leg, step, e.message);
        break;
      }
      case 'tls:tcp-end': {
        const who = e.leg === 'client' ? 'The browser' : 'The server';
        const label = e.closeNotify ? LADDER_TEXT.tcpEndClean : e.how === 'reset' ? LADDER_TEXT.tcpEndReset : LADDER_TEXT.tcpEndFin;
        push(e.leg, { step: e.step ?? 8, placement: arrow(e.from), label: fillText(label, { who }), sub: e.how === 'reset' ? 'TCP RST' : 'TCP FIN', note: e.note, encrypted: false, tone: e.closeNotify || e.leg === 'client' ? 'quiet' : 'warn', event: e });
        break;
      }
      case 'tls:decode-error':
        push(e.leg, { step: e.step ?? lastStep[e.leg], placement: arrow(e.from), label: 'Unreadable bytes', sub: e.message, encrypted: false, tone: 'warn', event: e });
        break;
      case 'conn:open':
      case 'conn:close':
      case 'tls:record':
      case 'tls:keys':
      case 'tls:undecryptable':
      case 'tls:presented':
      case 'http:request':
      case 'http:response':
        break;
      default:
        assertNever(e);
    }
  }
  holdHello(legs.client, sorted);
  return legs;

  function pushAppData(e: TlsAppDataEvent): void {
    const items = legs[e.leg].items;
    const last = items[items.length - 1];
    // Consecutive application data in the same direction becomes one arrow: "Application data ×3".
    const agg = last ? appAgg.get(last) : undefined;
    if (last && agg && last.event.type === 'tls:appdata' && last.event.from === e.from && last.step === (e.step ?? 7)) {
      agg.n += 1;
      agg.bytes += e.length;
      last.label = `Application data ×${agg.n}`;
      last.sub = `${agg.bytes} B`;
      return;
    }
    const key = `${e.leg}/${e.from}`;
    let note: string | undefined;
    if (!appSeen[key]) {
      appSeen[key] = true;
      const http = e.from === 'client' ? firstRequest : firstResponse;
      if (http?.type === 'http:request') note = `${http.method} ${http.url}`;
      else if (http?.type === 'http:response') note = `${http.status} ${http.statusText}`;
    }
    const item: Omit<LadderItem, 'key' | 'ms'> = {
      step: e.step ?? 7,
      placement: arrow(e.from),
      label: 'Application data',
      sub: `${e.length} B`,
      encrypted: true,
      tone: 'normal',
      event: e,
    };
    if (note !== undefined) item.note = note;
    push(e.leg, item);
    const pushed = items[items.length - 1];
    if (pushed) appAgg.set(pushed, { n: 1, bytes: e.length });
  }
}

/** What explains a step on this leg when the story and the protocol differ (TLS 1.3, or RSA key transport). */
export function stepNotes(events: readonly TlslabEvent[], leg: Leg): Readonly<Partial<Record<LessonStep, string>>> {
  if (isTls13(events, leg)) return TLS13_STEP_NOTES;
  for (const e of events) if (e.type === 'tls:established' && e.leg === leg && e.keyExchange === 'rsa') return RSA_STEP_NOTES;
  return {};
}

/** True when the leg negotiated TLS 1.3 (from tls:established or the ServerHello details). */
export function isTls13(events: readonly TlslabEvent[], leg: Leg): boolean {
  for (const e of events) {
    if (e.type === 'tls:established' && e.leg === leg) return e.version.code === 0x0304;
    if (e.type === 'tls:handshake' && e.leg === leg && e.details?.kind === 'server_hello') return e.details.version.code === 0x0304;
  }
  return false;
}

/**
 * The client leg's wait, in step 1 after the browser's ClientHello: tlslab read it, then did the whole upstream
 * handshake before it answered (the upstream leg began after it). Says how long the browser waited once tlslab
 * answered. The item is the ClientHello's (picking it shows those bytes).
 */
function holdHello(client: LegLadder, sorted: readonly TlslabEvent[]): void {
  const isHello = (e: TlslabEvent, from: 'client' | 'server', code: number): boolean => e.type === 'tls:handshake' && e.leg === 'client' && e.from === from && e.msgType.code === code;
  const hello = sorted.find((e) => isHello(e, 'client', 1));
  const upstream = sorted.find((e) => e.type === 'conn:upstream');
  if (!hello || !upstream || upstream.seq < hello.seq) return;
  const answer = sorted.find((e) => isHello(e, 'server', 2));
  const at = client.items.findIndex((i) => i.event === hello);
  client.items.splice(at + 1, 0, {
    key: hello.seq,
    step: 1,
    placement: 'middle',
    label: LADDER_TEXT.holdsHello,
    sub: answer ? fillText(LADDER_TEXT.heldFor, { wait: waitText(answer.t - hello.t) }) : LADDER_TEXT.holding,
    encrypted: false,
    tone: 'quiet',
    event: hello,
    ms: null,
  });
}

/** `850 ms`, `3.44 s`. */
function waitText(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
