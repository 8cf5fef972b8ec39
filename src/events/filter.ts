// Stream filters: which connections a WebSocket client or an /api query selects, decided on summaries.
// Pure functions shared by the server and the dashboard; no Node imports.
import type { StreamFilter } from './stream.js';
import type { ConnectionSummary } from './stream.js';
import { isFailure } from './summary.js';

/** Longest filter text accepted; longer values are cut (they come from URLs and client messages). */
export const MAX_FILTER_TEXT = 256;

function text(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim().slice(0, MAX_FILTER_TEXT);
  return s === '' ? undefined : s;
}

/** A clean filter from untrusted input (a parsed `filter` message): unknown keys dropped, empty strings removed. */
export function normalizeFilter(input: unknown): StreamFilter {
  const out: StreamFilter = {};
  if (typeof input !== 'object' || input === null) return out;
  const o = input as Record<string, unknown>;
  const conn = text(o.conn);
  const host = text(o.host);
  const client = text(o.client);
  if (conn !== undefined) out.conn = conn;
  if (host !== undefined) out.host = host;
  if (client !== undefined) out.client = client;
  if (o.failuresOnly === true) out.failuresOnly = true;
  return out;
}

/** The filter in a query string: `conn`, `host`, `client`, `failures=1` (also `true`/`yes`). */
export function filterFromQuery(params: { get(name: string): string | null }): StreamFilter {
  const failures = params.get('failures');
  return normalizeFilter({
    conn: params.get('conn') ?? undefined,
    host: params.get('host') ?? undefined,
    client: params.get('client') ?? undefined,
    failuresOnly: failures !== null && ['1', 'true', 'yes'].includes(failures.toLowerCase()),
  });
}

/** True when the filter selects everything. */
export function isEmptyFilter(f: StreamFilter): boolean {
  return f.conn === undefined && f.host === undefined && f.client === undefined && f.failuresOnly !== true;
}

/**
 * The parts of a filter decided by who the connection is (id, host, client): they never change during a
 * connection's life. `failuresOnly` depends on its status, which does.
 */
export function matchesIdentity(f: StreamFilter, id: string, s: ConnectionSummary | undefined): boolean {
  if (f.conn !== undefined && f.conn !== id) return false;
  if (f.host === undefined && f.client === undefined) return true;
  if (s === undefined) return false;
  if (f.host !== undefined) {
    const needle = f.host.toLowerCase();
    if (!s.target.host.toLowerCase().includes(needle) && !(s.sni ?? '').toLowerCase().includes(needle)) return false;
  }
  if (f.client !== undefined && !clientMatches(f.client, s)) return false;
  return true;
}

/** `client` matches the address (`127.0.0.1`), or address and port (`127.0.0.1:50312`, `[::1]:50312`). */
function clientMatches(want: string, s: ConnectionSummary): boolean {
  const addr = s.client.address;
  if (want === addr) return true;
  const withPort = addr.includes(':') ? `[${addr}]:${s.client.port}` : `${addr}:${s.client.port}`;
  return want === withPort;
}

/** Does this connection pass the whole filter right now? */
export function matchesFilter(f: StreamFilter, s: ConnectionSummary): boolean {
  return matchesIdentity(f, s.id, s) && (f.failuresOnly !== true || isFailure(s));
}
