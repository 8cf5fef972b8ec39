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
  const student = text(o.student);
  if (conn !== undefined) out.conn = conn;
  if (host !== undefined) out.host = host;
  if (client !== undefined) out.client = client;
  if (student !== undefined) out.student = student;
  if (o.failuresOnly === true) out.failuresOnly = true;
  return out;
}

/** The filter in a query string: `conn`, `host`, `client`, `student`, `failures=1` (also `true`/`yes`). */
export function filterFromQuery(params: { get(name: string): string | null }): StreamFilter {
  const failures = params.get('failures');
  return normalizeFilter({
    conn: params.get('conn') ?? undefined,
    host: params.get('host') ?? undefined,
    client: params.get('client') ?? undefined,
    student: params.get('student') ?? undefined,
    failuresOnly: failures !== null && ['1', 'true', 'yes'].includes(failures.toLowerCase()),
  });
}

/** True when the filter selects everything. */
export function isEmptyFilter(f: StreamFilter): boolean {
  return f.conn === undefined && f.host === undefined && f.client === undefined && f.student === undefined && f.failuresOnly !== true;
}

/**
 * The parts of a filter decided by who the connection is (id, host, client, student): they never change during a
 * connection's life. `failuresOnly` depends on its status, which does.
 */
export function matchesIdentity(f: StreamFilter, id: string, s: ConnectionSummary | undefined): boolean {
  if (f.conn !== undefined && f.conn !== id) return false;
  if (f.host === undefined && f.client === undefined && f.student === undefined) return true;
  if (s === undefined) return false;
  if (f.student !== undefined && !studentMatches(f.student, s)) return false;
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

/**
 * `student` matches the student's id (`s-…`) exactly, or their display name compared case-insensitively (after
 * NFKC, as names are normalized): `ada lovelace` selects *Ada Lovelace*, not *Ada*.
 */
export function studentMatches(want: string, s: ConnectionSummary): boolean {
  const who = s.student;
  if (who === undefined) return false;
  return want === who.id || foldName(want) === foldName(who.name);
}

/** A name as compared by the student filter: NFKC, case-folded as student ids are (upper then lower case), spaces collapsed. */
export function foldName(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/** What the dashboard's search box holds: free text, and a `student:NAME` term (quoted when the name has spaces). */
export interface SearchTerms {
  /** The rest of the text, lower-cased and trimmed (matched as a substring of the row's search key). */
  text: string;
  /** The name or id after `student:`, when given. */
  student?: string;
}

/**
 * Reads the search box: `student:Ada`, `student:"Ada Lovelace"` (or `student:'…'`) anywhere in the text becomes the
 * student filter (the last one wins); the rest is free text. An empty `student:` is ignored.
 */
export function parseSearch(input: string): SearchTerms {
  let student: string | undefined;
  const rest = input.slice(0, MAX_FILTER_TEXT * 4).replace(/(?:^|\s)student:(?:"([^"]*)"?|'([^']*)'?|(\S*))/gi, (_m, dq?: string, sq?: string, bare?: string) => {
    const v = (dq ?? sq ?? bare ?? '').trim();
    if (v !== '') student = v.slice(0, MAX_FILTER_TEXT);
    return ' ';
  });
  const text = rest.replace(/\s+/g, ' ').trim().toLowerCase();
  return student === undefined ? { text } : { text, student };
}

/** A leg's TLS version as a row shows it (`TLS 1.3`, without the code), `—` when not known yet. */
export function versionText(v: { name: string } | null): string {
  return v ? v.name.replace(/\s*\(0x[0-9a-f]+\)$/i, '') : '—';
}

/**
 * The text the search box looks in, lower-cased: id, host, port, SNI, lab case, student, client address and port,
 * status, cause, the upstream verdict's codes and both legs' TLS versions.
 */
export function searchKey(s: ConnectionSummary): string {
  return [s.id, s.target.host, String(s.target.port), s.sni ?? '', s.lab ?? '', s.student?.name ?? '', `${s.client.address}:${s.client.port}`, s.status, s.cause ?? '', ...(s.legs.upstream.verdict?.codes ?? []), versionText(s.legs.client.version), versionText(s.legs.upstream.version)]
    .join(' ')
    .toLowerCase();
}

/** Does this connection match what the search box holds (`key`: its `searchKey`, when already computed)? */
export function matchesSearch(terms: SearchTerms, s: ConnectionSummary, key?: string): boolean {
  if (terms.student !== undefined && !studentMatches(terms.student, s)) return false;
  return terms.text === '' || (key ?? searchKey(s)).includes(terms.text);
}

/** Does this connection pass the whole filter right now? */
export function matchesFilter(f: StreamFilter, s: ConnectionSummary): boolean {
  return matchesIdentity(f, s.id, s) && (f.failuresOnly !== true || isFailure(s));
}
