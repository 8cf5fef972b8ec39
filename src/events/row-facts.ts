// What tells one connection's row from the next beside its verdict: the first request it carried and whether the
// browser resumed an earlier session on it. Pure, folded into the summary by reduceSummary; no I/O.
import type { TlslabEvent } from './schema.js';
import type { ConnectionSummary } from './stream.js';

/** Longest request target kept in a summary (the whole one stays in the `http:request` event). */
export const MAX_ROW_URL = 200;

/** The summary with this event's row facts folded in (the same object when it adds nothing). */
export function withRowFacts(s: ConnectionSummary, e: TlslabEvent): ConnectionSummary {
  if (e.type === 'http:request' && s.firstRequest === undefined) {
    const url = e.url.length > MAX_ROW_URL ? `${e.url.slice(0, MAX_ROW_URL - 1)}…` : e.url;
    return { ...s, firstRequest: { method: e.method, url } };
  }
  if (e.type === 'tls:client-outcome' && e.outcome === 'accepted') return { ...s, resumed: e.resumed === true };
  return s;
}
