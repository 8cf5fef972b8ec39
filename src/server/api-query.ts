// Validation of what a request puts in an /api URL (connection ids, query parameters): a value or a sentence
// for a 400, never a throw. Pure: reads a URL, no I/O.
import { MAX_FILTER_TEXT, filterFromQuery, matchesFilter, matchesSearch, parseSearch, type SearchTerms } from '../events/filter';
import type { ConnectionSummary, StreamFilter } from '../events/stream';

/** Longest query string (`?…`, as sent) an /api route reads. Anything longer is refused. */
export const MAX_QUERY_CHARS = 2048;
/** Longest connection id accepted in a path (tlslab's ids are `c` and a number). */
export const MAX_ID_CHARS = 128;
/** Most connections one `GET /api/connections` returns. */
export const MAX_LIMIT = 100_000;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

type ParamKind = 'text' | 'flag' | 'count' | 'id' | 'auth';

/** The parameters `GET /api/connections` understands (`token` is read by the access check). */
const CONNECTIONS_PARAMS = {
  conn: 'text',
  host: 'text',
  client: 'text',
  student: 'text',
  failures: 'flag',
  q: 'text',
  limit: 'count',
  before: 'id',
  token: 'auth',
} as const satisfies Record<string, ParamKind>;

const FLAG_VALUES: ReadonlySet<string> = new Set(['1', '0', 'true', 'false', 'yes', 'no']);
// eslint-disable-next-line no-control-regex -- control characters are what this pattern refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The query string is short enough to read at all (checked on every /api route). */
export function checkQueryLength(url: URL): Checked<null> {
  return url.search.length > MAX_QUERY_CHARS
    ? { ok: false, message: `The query string is ${url.search.length} characters long; at most ${MAX_QUERY_CHARS} are read.` }
    : { ok: true, value: null };
}

/** A connection id from a path segment: percent-decoded, at most `MAX_ID_CHARS`, no control characters. */
export function connectionId(raw: string): Checked<string> {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    return { ok: false, message: 'Malformed connection id (bad percent-encoding).' };
  }
  if (id.length > MAX_ID_CHARS) return { ok: false, message: `A connection id has at most ${MAX_ID_CHARS} characters.` };
  if (CONTROL.test(id)) return { ok: false, message: 'A connection id cannot contain control characters.' };
  return { ok: true, value: id };
}

/** What `GET /api/connections` was asked for: a filter, how many at most, and the cursor (a connection id) or null. */
export interface ConnectionsQuery {
  filter: StreamFilter;
  /** `q`: what the dashboard's search box holds (free text and `student:NAME`), null when absent. */
  search: SearchTerms | null;
  limit: number;
  /** Only the connections listed after this one (older than it), for paging through the list; null: from the newest. */
  before: string | null;
}

/** `GET /api/connections`' query: each parameter known, given once, and well-formed. */
export function connectionsQuery(url: URL): Checked<ConnectionsQuery> {
  const seen = new Set<string>();
  for (const [name, value] of url.searchParams) {
    const kind: ParamKind | undefined = Object.hasOwn(CONNECTIONS_PARAMS, name) ? CONNECTIONS_PARAMS[name as keyof typeof CONNECTIONS_PARAMS] : undefined;
    const shown = name.slice(0, 32);
    if (kind === undefined) return { ok: false, message: `Unknown query parameter \`${shown}\` (known: ${Object.keys(CONNECTIONS_PARAMS).join(', ')}).` };
    if (seen.has(name)) return { ok: false, message: `\`${shown}\` is given more than once.` };
    seen.add(name);
    const bad = checkValue(kind, name, value);
    if (bad !== null) return { ok: false, message: bad };
  }
  const limitText = url.searchParams.get('limit');
  const limit = limitText === null ? MAX_LIMIT : Math.min(Number(limitText), MAX_LIMIT);
  const q = url.searchParams.get('q');
  return { ok: true, value: { filter: filterFromQuery(url.searchParams), search: q === null ? null : parseSearch(q), limit, before: url.searchParams.get('before') } };
}

/** Does this connection match the query's filter and its search text? */
export function matchesQuery(q: Pick<ConnectionsQuery, 'filter' | 'search'>, s: ConnectionSummary): boolean {
  return matchesFilter(q.filter, s) && (q.search === null || matchesSearch(q.search, s));
}

function checkValue(kind: ParamKind, name: string, value: string): string | null {
  switch (kind) {
    case 'text':
      if (value.length > MAX_FILTER_TEXT) return `\`${name}\` has at most ${MAX_FILTER_TEXT} characters.`;
      if (CONTROL.test(value)) return `\`${name}\` cannot contain control characters.`;
      return null;
    case 'flag':
      return FLAG_VALUES.has(value.toLowerCase()) ? null : `\`${name}\` must be 1 or 0 (or true/false, yes/no).`;
    case 'count':
      return /^\d{1,9}$/.test(value) && Number(value) >= 1 ? null : `\`${name}\` must be a positive integer.`;
    case 'id':
      if (value === '' || value.length > MAX_ID_CHARS) return `\`${name}\` is a connection id of 1 to ${MAX_ID_CHARS} characters.`;
      return CONTROL.test(value) ? `\`${name}\` cannot contain control characters.` : null;
    case 'auth':
      return null;
  }
}
