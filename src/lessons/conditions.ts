// Does a connection satisfy a task's `when`? One test per condition name (tables keyed by the closed unions in
// schema.ts), and a sentence for each condition still unmet, for the panel. Pure; no Node imports.
import type { Leg } from '../events/schema.js';
import type { ConnectionCondition, LegCondition } from './schema.js';
import {
  clientFatalAlert, closeNotifySenders, established, hasMessage, resumed, serverHello, verdict, versionOf, type ConnectionView,
} from './view.js';
import { sameAnswer } from './normalize.js';

type Test<T> = (view: ConnectionView, want: T) => boolean;
type LegTest<T> = (view: ConnectionView, leg: Leg, want: T) => boolean;

const CONNECTION_TESTS = {
  lab: (v, want) => v.summary.lab === want,
  status: (v, want) => v.summary.status === want,
  failedLeg: (v, want) => (want === 'none' ? v.summary.failedLeg === null : v.summary.failedLeg === want),
  policy: (v, want) => v.summary.policy === want,
  clientOutcome: (v, want) => v.summary.clientOutcome === want,
  finding: (v, want) => verdict(v)?.findings.some((f) => f.code === want) === true,
  closed: (v, want) => (v.summary.closedAt !== null) === want,
  client: (v, want) => legMatches(v, 'client', want),
  upstream: (v, want) => legMatches(v, 'upstream', want),
} as const satisfies { [K in keyof Required<ConnectionCondition>]: Test<Required<ConnectionCondition>[K]> };

const LEG_TESTS = {
  version: (v, leg, want) => versionOf(v, leg) === want,
  keyExchange: (v, leg, want) => established(v, leg)?.keyExchange === want,
  group: (v, leg, want) => {
    const g = serverHello(v, leg)?.keyShareGroup?.name ?? established(v, leg)?.group?.name;
    return g !== undefined && sameAnswer(g, want);
  },
  alpn: (v, leg, want) => {
    const e = established(v, leg);
    const got = e === null ? serverHello(v, leg)?.alpn : e.alpn;
    return got !== undefined && (got ?? 'none') === want;
  },
  has: (v, leg, want) => want.every((m) => hasMessage(v, leg, m)),
  lacks: (v, leg, want) => want.every((m) => !hasMessage(v, leg, m)),
  helloRetryRequest: (v, leg, want) => hasMessage(v, leg, 'hello_retry_request') === want,
  resumed: (v, leg, want) => resumed(v, leg) === want,
  closeNotify: (v, leg, want) => {
    const from = closeNotifySenders(v, leg);
    return (['client', 'server'] as const).every((s) => want[s] === undefined || from.includes(s) === want[s]);
  },
  clientAlert: (v, leg, want) => clientFatalAlert(v, leg) === want,
  established: (v, leg, want) => (established(v, leg) !== null) === want,
} as const satisfies { [K in keyof Required<LegCondition>]: LegTest<Required<LegCondition>[K]> };

function legMatches(view: ConnectionView, leg: Leg, cond: LegCondition): boolean {
  return legUnmet(view, leg, cond).length === 0;
}

function legUnmet(view: ConnectionView, leg: Leg, cond: LegCondition): string[] {
  const out: string[] = [];
  for (const key of Object.keys(cond) as (keyof LegCondition)[]) {
    const want = cond[key];
    if (want === undefined) continue;
    const test = LEG_TESTS[key] as LegTest<typeof want>;
    if (!test(view, leg, want)) out.push(`${leg}.${key}: ${JSON.stringify(want)}`);
  }
  return out;
}

/** The conditions this connection does not meet, as `name: wanted value` ([] = it matches). */
export function unmetConditions(view: ConnectionView, cond: ConnectionCondition): string[] {
  const out: string[] = [];
  for (const key of Object.keys(cond) as (keyof ConnectionCondition)[]) {
    const want = cond[key];
    if (want === undefined) continue;
    if (key === 'client' || key === 'upstream') {
      out.push(...legUnmet(view, key, want as LegCondition));
      continue;
    }
    const test = CONNECTION_TESTS[key] as Test<typeof want>;
    if (!test(view, want)) out.push(`${key}: ${JSON.stringify(want)}`);
  }
  return out;
}

export function matchesCondition(view: ConnectionView, cond: ConnectionCondition): boolean {
  return unmetConditions(view, cond).length === 0;
}

/** The newest of the connections that meets every condition, or null. */
export function findConnection<T extends ConnectionView>(views: readonly T[], cond: ConnectionCondition): T | null {
  let best: T | null = null;
  for (const v of views) if (matchesCondition(v, cond) && (best === null || v.summary.openedAt > best.summary.openedAt)) best = v;
  return best;
}

/** The names a `when` may use, for the validator. */
export const CONNECTION_CONDITION_KEYS = Object.keys(CONNECTION_TESTS) as (keyof ConnectionCondition)[];
export const LEG_CONDITION_KEYS = Object.keys(LEG_TESTS) as (keyof LegCondition)[];
