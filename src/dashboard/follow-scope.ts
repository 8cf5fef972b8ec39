// Which connection follow mode shows: the newest in its scope (everyone, one student, one client address, one host)
// and not hidden, while a failure holds the screen against the same visit's later connections. Pure: no DOM, no I/O.
import type { ConnectionSummary } from '../events/stream.js';
import { studentMatches } from '../events/filter.js';
import { isFailure } from '../events/summary.js';

/** What follow mode is limited to: one student (a spotlight), one client address, or one host; null for everyone. */
export type FollowScope =
  | { kind: 'student'; id: string; name: string }
  | { kind: 'client'; address: string }
  | { kind: 'host'; host: string };

/** Does the connection belong to the scope? A host scope matches the CONNECT target or the SNI. */
export function inScope(scope: FollowScope | null, s: ConnectionSummary): boolean {
  if (scope === null) return true;
  switch (scope.kind) {
    case 'student':
      return studentMatches(scope.id, s);
    case 'client':
      return s.client.address === scope.address;
    case 'host': {
      const h = scope.host.toLowerCase();
      return s.target.host.toLowerCase() === h || (s.sni ?? '').toLowerCase() === h;
    }
  }
}

/** How the top bar names the scope: `Ada Lovelace`, `client 10.0.0.7`, `host expired.lab.tlslab`. */
export function scopeLabel(scope: FollowScope): string {
  return scope.kind === 'student' ? scope.name : scope.kind === 'client' ? `client ${scope.address}` : `host ${scope.host}`;
}

/** The `spotlight=` URL value: a student's id, `client:ADDRESS` or `host:NAME`. */
export function scopeParam(scope: FollowScope): string {
  return scope.kind === 'student' ? scope.id : scope.kind === 'client' ? `client:${scope.address}` : `host:${scope.host}`;
}

/** Reads `spotlight=`: a client or host scope at once; anything else names a student (resolved once they are seen). */
export function parseScopeParam(v: string): { scope: FollowScope } | { student: string } {
  const m = /^(client|host):(.+)$/i.exec(v.trim());
  if (m) {
    const value = m[2].trim();
    return { scope: m[1].toLowerCase() === 'client' ? { kind: 'client', address: value } : { kind: 'host', host: value.toLowerCase() } };
  }
  return { student: v };
}

/** The host a connection is about, for "the same visit": its SNI, else its CONNECT target. */
function hostOf(s: ConnectionSummary): string {
  return (s.sni ?? s.target.host).toLowerCase();
}

/**
 * The connection follow mode should show. Candidates: `order` (oldest first) filtered by `accept` (the scope, the
 * background filter). The newest candidate wins, except that a failed connection on screen (`current`) holds it
 * against newer connections to the same host that have not failed: the second connection a browser opens for the
 * same visit, a favicon, a resumed session. A newer failure, or a connection to another host, takes over.
 * Scans from the newest; at most `limit` connections are looked at.
 */
export function pickFollowTarget(
  order: readonly string[],
  get: (id: string) => ConnectionSummary | undefined,
  current: string | null,
  accept: (s: ConnectionSummary) => boolean,
  limit = 20_000,
): string | null {
  const shown = current === null ? undefined : get(current);
  const holding = shown !== undefined && accept(shown) && isFailure(shown) ? shown : undefined;
  const stop = Math.max(0, order.length - limit);
  for (let i = order.length - 1; i >= stop; i--) {
    const id = order[i];
    const s = get(id);
    if (s === undefined || !accept(s)) continue;
    if (id === current) return current;
    if (holding !== undefined && !isFailure(s) && hostOf(s) === hostOf(holding)) continue;
    return id;
  }
  return holding !== undefined ? current : null;
}
