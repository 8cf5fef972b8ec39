// The per-connection summary as a pure reducer over events: the server keeps one per connection and the
// dashboard rebuilds the same summaries in the browser from the stream. No I/O, no Node imports.
import { assertNever } from './schema.js';
import type { ConnCloseEvent, FailureCause, Leg, Named, Side, TlslabEvent } from './schema.js';
import type { ConnectionSummary, LegSummary } from './stream.js';
import { withRowFacts } from './row-facts.js';
import { Kept } from './shared-parts.js';

/** Alerts kept per leg in a summary (the full list stays in the events). */
export const MAX_SUMMARY_ALERTS = 16;

/** The summary's own sentences (`note`, and what joins two failures), one table: docs/lesson-text.md prints it. */
export const SUMMARY_TEXT = {
  idle: 'Idle: every request has had its answer, and the browser keeps the connection open to reuse it (browsers close idle connections after a few minutes). Nothing is wrong.',
  resetAfterUse: 'The browser ended this connection with a TCP reset after every request had its answer: browsers close a connection they kept for reuse this way, for instance once the server has ended its side. A normal end, not a failure.',
  truncatable: 'The server closed TCP without sending close_notify, after a response whose end only that close marks (no Content-Length, not chunked): the client cannot tell the whole response from one an attacker cut short (step 8). tlslab ended the client leg with its own close_notify, so the browser could not see the missing one.',
  behindClientRefusal: 'Behind it, tlslab’s own check of the real server failed too: {upstream}',
} as const satisfies Record<string, string>;

function emptyLeg(): LegSummary {
  return { version: null, cipherSuite: null, alpn: null, verdict: null, bytesIn: 0, bytesOut: 0, alerts: [] };
}

/** A summary for a connection whose `conn:open` we have not seen (evicted, or a stream joined late). */
function blankSummary(e: TlslabEvent): ConnectionSummary {
  return {
    id: e.conn,
    client: { address: '', port: 0 },
    target: { host: '', port: 0 },
    sni: null,
    openedAt: e.t,
    closedAt: null,
    status: 'open',
    failedLeg: null,
    cause: null,
    clientOutcome: null,
    explanation: null,
    legs: { client: emptyLeg(), upstream: emptyLeg() },
    requests: 0,
    responses: 0,
    note: null,
    lastSeq: e.seq,
  };
}

/** Is this side tlslab's peer on that leg (so bytes from it are "in")? client leg: the browser; upstream: the server. */
function isPeer(leg: Leg, from: Side): boolean {
  return leg === 'client' ? from === 'client' : from === 'server';
}

function withLeg(s: ConnectionSummary, leg: Leg, patch: Partial<LegSummary>): ConnectionSummary {
  return { ...s, legs: { ...s.legs, [leg]: { ...s.legs[leg], ...patch } } };
}

/** A record of `n` bytes (header included) on `leg`: in from tlslab's peer there, else out; `lastSeq` as given. */
function countRecord(s: ConnectionSummary, lastSeq: number, leg: Leg, fromPeer: boolean, n: number): ConnectionSummary {
  const l = s.legs[leg];
  const counted: LegSummary = fromPeer ? { ...l, bytesIn: l.bytesIn + n } : { ...l, bytesOut: l.bytesOut + n };
  return { ...s, lastSeq, legs: { ...s.legs, [leg]: counted } };
}

/** The leg a close cause points at, if any. */
const CAUSE_LEG: Readonly<Record<FailureCause, Leg | null>> = {
  closed: null,
  'client-reset': 'client',
  'upstream-reset': 'upstream',
  'upstream-refused': 'upstream',
  'upstream-unreachable': 'upstream',
  'upstream-timeout': 'upstream',
  'upstream-tls-failed': 'upstream',
  'upstream-cert-invalid': 'upstream',
  'client-rejected-cert': 'client',
  'client-tls-failed': 'client',
  'not-tls': null,
  'malformed-client-hello': 'client',
  'proxy-error': null,
  'bad-request': 'client',
  'client-aborted': 'client',
  'idle-timeout': null,
  'limit-exceeded': null,
  'client-timeout': 'client',
  'http-limit': null,
  'upstream-bad-response': 'upstream',
  'guard-refused': 'client',
  'sign-in-refused': 'client',
};

/** Causes that are not failures: the connection ended as it should (or was relayed as-is). */
const BENIGN_CAUSES: ReadonlySet<FailureCause> = new Set<FailureCause>(['closed', 'not-tls', 'http-limit', 'idle-timeout']);

/**
 * Marks a failure. The first failure wins `failedLeg`, `cause` and `explanation`; status becomes `failed`
 * (a later failure also turns an `insecure` connection into `failed`).
 */
function fail(s: ConnectionSummary, leg: Leg | null, cause: FailureCause, explanation: string | null): ConnectionSummary {
  const first = s.status !== 'failed' && s.status !== 'insecure';
  return {
    ...s,
    status: 'failed',
    failedLeg: s.failedLeg ?? leg,
    // A benign cause recorded earlier (a `conn:close` with `closed`) gives way to the first real failure.
    cause: first ? cause : (s.cause ?? cause),
    explanation: s.explanation ?? explanation,
  };
}

/** Every request has had its answer (none is in flight). */
function allAnswered(s: ConnectionSummary): boolean {
  return (s.responses ?? 0) >= s.requests;
}

/**
 * A browser's reset is a normal end once it accepted tlslab's certificate and every request had its answer: browsers
 * reset connections they kept for reuse (Chromium does, minutes later). Only a reset with a request in flight, or
 * before the client accepted anything, is a failure.
 */
function isNormalReset(s: ConnectionSummary, cause: FailureCause): boolean {
  return cause === 'client-reset' && s.clientOutcome === 'accepted' && allAnswered(s);
}

function close(s: ConnectionSummary, e: ConnCloseEvent): ConnectionSummary {
  const legs = {
    client: { ...s.legs.client, bytesIn: e.bytes.client.fromClient, bytesOut: e.bytes.client.toClient },
    upstream: { ...s.legs.upstream, bytesIn: e.bytes.upstream.fromServer, bytesOut: e.bytes.upstream.toServer },
  };
  let next: ConnectionSummary = { ...s, legs, closedAt: e.t, note: s.note === SUMMARY_TEXT.idle ? null : (s.note ?? null) };
  const normalReset = isNormalReset(next, e.cause);
  if (!BENIGN_CAUSES.has(e.cause) && !normalReset) return fail(next, CAUSE_LEG[e.cause], e.cause, null);
  if (normalReset) next = { ...next, note: next.note ?? SUMMARY_TEXT.resetAfterUse };
  if (next.status === 'open') next = { ...next, status: 'ok' };
  return next.cause === null ? { ...next, cause: e.cause } : next;
}

/** While open: "idle" once the client accepted and every request had its answer; cleared by the next request. */
function activity(s: ConnectionSummary): ConnectionSummary {
  if (s.closedAt !== null) return s;
  const idle = s.status === 'open' && s.clientOutcome === 'accepted' && s.requests > 0 && allAnswered(s);
  if (idle && (s.note ?? null) === null) return { ...s, note: SUMMARY_TEXT.idle };
  if (!idle && s.note === SUMMARY_TEXT.idle) return { ...s, note: null };
  return s;
}

/**
 * The client refused tlslab's own certificate while the upstream had already failed (block mode, the teaching page):
 * the student saw the browser's certificate error, never the page, so the client leg leads and the upstream failure
 * follows in the explanation. In mirror mode the refusal is the mirrored flaw's doing: the upstream keeps the lead.
 */
function clientRefusalLeads(s: ConnectionSummary, explanation: string): ConnectionSummary {
  if (s.failedLeg !== 'upstream' || s.status !== 'failed' || s.policy === 'mirror') return fail(s, 'client', 'client-rejected-cert', explanation);
  const behind = s.explanation ? ` ${SUMMARY_TEXT.behindClientRefusal.replace('{upstream}', s.explanation)}` : '';
  return { ...s, failedLeg: 'client', cause: 'client-rejected-cert', explanation: `${explanation}${behind}` };
}

/**
 * Folds one event into a connection's summary. Pure: never mutates `prev`, returns a new object
 * (sharing unchanged parts). `prev` undefined starts a summary (blank if the event is not `conn:open`).
 */
export function reduceSummary(prev: ConnectionSummary | undefined, e: TlslabEvent): ConnectionSummary {
  return withRowFacts(activity(reduceEvent(prev, e)), e);
}

function reduceEvent(prev: ConnectionSummary | undefined, e: TlslabEvent): ConnectionSummary {
  const base = prev ?? blankSummary(e);
  const lastSeq = Math.max(base.lastSeq, e.seq);
  // The most common event, folded in one copy rather than two (the same summary as `withLeg` on the copy below).
  if (e.type === 'tls:record') return countRecord(base, lastSeq, e.leg, isPeer(e.leg, e.from), 5 + e.length);
  const s: ConnectionSummary = { ...base, lastSeq };
  switch (e.type) {
    case 'conn:open':
      return { ...s, client: e.client, target: e.target, openedAt: e.t, ...(e.lab !== undefined ? { lab: e.lab } : {}), ...(e.student !== undefined ? { student: e.student } : {}) };
    case 'conn:upstream':
      return s;
    case 'tls:handshake': {
      const d = e.details;
      if (d === undefined) return s;
      if (d.kind === 'client_hello' && e.leg === 'client' && s.sni === null) return { ...s, sni: d.sni };
      if (d.kind === 'server_hello' && !d.helloRetryRequest) {
        return withLeg(s, e.leg, { version: d.version, cipherSuite: d.cipherSuite, alpn: d.alpn });
      }
      return s;
    }
    case 'tls:ccs':
    case 'tls:appdata':
    case 'tls:keys':
    case 'tls:undecryptable':
    case 'tls:decode-error':
    case 'tls:presented':
      return s;
    case 'http:response': {
      const next = { ...s, responses: (s.responses ?? 0) + 1 };
      // The body ran until the server's close, and that close came with no close_notify: it could have been cut.
      const cut = e.endsWithClose === true && s.legs.upstream.peerEnd?.closeNotify === false;
      return cut ? { ...next, note: SUMMARY_TEXT.truncatable } : next;
    }
    case 'tls:tcp-end':
      return withLeg(s, e.leg, { peerEnd: { how: e.how, closeNotify: e.closeNotify } });
    case 'tls:alert': {
      const alerts = s.legs[e.leg].alerts;
      const next =
        alerts.length >= MAX_SUMMARY_ALERTS
          ? s
          : withLeg(s, e.leg, { alerts: [...alerts, { from: e.from, name: e.description.name, encrypted: e.encrypted }] });
      if (!e.fatal) return next;
      const cause: FailureCause = e.leg === 'client' ? 'client-tls-failed' : 'upstream-tls-failed';
      return fail(next, e.leg, cause, null);
    }
    case 'tls:established': {
      const next = withLeg(s, e.leg, { version: e.version, cipherSuite: e.cipherSuite, alpn: e.alpn });
      return e.leg === 'client' && next.sni === null && e.sni !== null ? { ...next, sni: e.sni } : next;
    }
    case 'tls:verdict': {
      const codes = e.findings.map((f) => f.code);
      let next = withLeg(s, 'upstream', { verdict: { ok: e.ok, codes } });
      if (e.policy !== undefined) next = { ...next, policy: e.policy };
      if (e.ok) return next;
      const first = e.findings.find((f) => f.severity === 'error') ?? e.findings[0];
      const explanation = first?.message ?? "The real server's certificate failed verification.";
      if (e.policy === 'allow' && next.status === 'open') {
        return { ...next, status: 'insecure', failedLeg: 'upstream', cause: next.cause ?? 'upstream-cert-invalid', explanation: next.explanation ?? explanation };
      }
      return fail(next, 'upstream', 'upstream-cert-invalid', explanation);
    }
    case 'tls:client-outcome': {
      const next = { ...s, clientOutcome: e.outcome };
      if (e.outcome === 'accepted') return next;
      if (e.outcome === 'timeout') return fail(next, 'client', 'client-tls-failed', e.explanation);
      // A client-leg failure is more specific than a fatal alert's generic cause seen just before it.
      const refined = next.cause === 'client-tls-failed' && next.failedLeg === 'client' ? { ...next, cause: 'client-rejected-cert' as const } : next;
      return clientRefusalLeads(refined, e.explanation);
    }
    case 'http:request':
      return { ...s, requests: s.requests + 1 };
    case 'conn:error':
      // `not-tls`, `http-limit` and `idle-timeout` are reported as error events but are no failures: the bytes were
      // relayed as they were, and a connection that went quiet (a browser keeps idle ones for minutes) ended normally.
      if (BENIGN_CAUSES.has(e.cause)) return { ...s, cause: s.cause ?? e.cause, explanation: s.explanation ?? e.message };
      return fail(s, e.leg ?? CAUSE_LEG[e.cause], e.cause, e.message);
    case 'conn:close':
      return close(s, e);
    default:
      return assertNever(e);
  }
}

/** Distinct values each table of a `SummaryCompactor` keeps (the oldest is let go first): its memory bound. */
export const SHARED_PARTS_MAX = 4096;

/** The kept value under a key that names the whole value: every value with that key is equal. */
class SharedParts<T> {
  private readonly kept: Kept<T>;

  constructor(max: number) {
    this.kept = new Kept<T>(max);
  }

  get(key: string, value: T): T {
    return this.kept.get(key, value, () => true);
  }
}

/** Separates the parts of a table key (a character no name, host or code contains). */
const SEP = '\u0000';

/**
 * Keeps closed connections' summaries small. A server keeps thousands of them, and they repeat each other: the same
 * target, versions, suites, verdict, alerts and first request. `compact` returns an equal summary — the same keys in the
 * same order, the same values — whose repeated parts are one object shared by every summary that has them (~0.5 KB
 * a summary instead of ~1.8 KB). Safe because summaries are never changed in place: the reducer copies what it changes.
 */
export class SummaryCompactor {
  private readonly named = new SharedParts<Named>(SHARED_PARTS_MAX);
  private readonly verdicts = new SharedParts<NonNullable<LegSummary['verdict']>>(SHARED_PARTS_MAX);
  private readonly alerts = new SharedParts<LegSummary['alerts']>(SHARED_PARTS_MAX);
  private readonly peerEnds = new SharedParts<NonNullable<LegSummary['peerEnd']>>(SHARED_PARTS_MAX);
  private readonly targets = new SharedParts<ConnectionSummary['target']>(SHARED_PARTS_MAX);
  private readonly requests = new SharedParts<NonNullable<ConnectionSummary['firstRequest']>>(SHARED_PARTS_MAX);
  private readonly students = new SharedParts<NonNullable<ConnectionSummary['student']>>(SHARED_PARTS_MAX);
  private readonly strings = new SharedParts<string>(SHARED_PARTS_MAX);

  compact(s: ConnectionSummary): ConnectionSummary {
    const out: ConnectionSummary = {
      ...s,
      client: { ...s.client, address: this.text(s.client.address) },
      target: this.targets.get(`${s.target.host}${SEP}${s.target.port}`, s.target),
      sni: s.sni === null ? null : this.text(s.sni),
      explanation: s.explanation === null ? null : this.text(s.explanation),
      legs: { client: this.leg(s.legs.client), upstream: this.leg(s.legs.upstream) },
    };
    if (s.student !== undefined) out.student = this.students.get(`${s.student.id}${SEP}${s.student.name}`, s.student);
    if (s.firstRequest !== undefined) out.firstRequest = this.requests.get(`${s.firstRequest.method}${SEP}${s.firstRequest.url}`, s.firstRequest);
    return out;
  }

  private leg(l: LegSummary): LegSummary {
    const out: LegSummary = { ...l, version: this.namedPart(l.version), cipherSuite: this.namedPart(l.cipherSuite), alerts: this.alertList(l.alerts) };
    if (l.verdict !== null) out.verdict = this.verdicts.get(`${l.verdict.ok}${SEP}${l.verdict.codes.join(SEP)}`, l.verdict);
    if (l.peerEnd !== undefined && l.peerEnd !== null) out.peerEnd = this.peerEnds.get(`${l.peerEnd.how}${SEP}${l.peerEnd.closeNotify}`, l.peerEnd);
    return out;
  }

  private text(t: string): string {
    return this.strings.get(t, t);
  }

  private namedPart(n: Named | null): Named | null {
    return n === null ? null : this.named.get(`${n.code}${SEP}${n.name}`, n);
  }

  private alertList(alerts: LegSummary['alerts']): LegSummary['alerts'] {
    let key = '';
    for (const a of alerts) key += `${a.from}${SEP}${a.name}${SEP}${a.encrypted}${SEP}`;
    return this.alerts.get(key, alerts);
  }
}

/** Folds a list of events (any order of connections) into summaries keyed by connection id. */
export function reduceSummaries(events: readonly TlslabEvent[], into = new Map<string, ConnectionSummary>()): Map<string, ConnectionSummary> {
  for (const e of events) into.set(e.conn, reduceSummary(into.get(e.conn), e));
  return into;
}

/** Did a leg fail (or was the connection relayed insecurely)? What `failures=1` selects. */
export function isFailure(s: ConnectionSummary): boolean {
  return s.status === 'failed' || s.status === 'insecure';
}

/** Summaries newest first by open time (ties: the later-seen connection first). Sorts `summaries` in place. */
export function newestFirst(summaries: ConnectionSummary[]): ConnectionSummary[] {
  return summaries.reverse().sort((a, b) => b.openedAt - a.openedAt);
}
