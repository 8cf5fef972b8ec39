// Stream filters: parsing untrusted input and matching summaries.
import { filterFromQuery, isEmptyFilter, matchesFilter, normalizeFilter } from '../../../src/events/filter';
import { reduceSummaries } from '../../../src/events/summary';
import type { EventDraft, TlslabEvent } from '../../../src/events/schema';
import type { ConnectionSummary } from '../../../src/events/stream';
import { closeEvent, okConnection, open, verdict } from '../../helpers/events-drafts';

function summaries(drafts: EventDraft[]): Map<string, ConnectionSummary> {
  return reduceSummaries(drafts.map((d, i) => ({ ...d, v: 1, seq: i + 1, t: i }) as TlslabEvent));
}

describe('filters', () => {
  const map = summaries([
    ...okConnection('a', 'valid.lab.tlslab', 1111),
    open('b', 'Expired.Lab.tlslab', 2222),
    verdict('b', 'expired.lab.tlslab', false, 'block'),
    closeEvent('b'),
  ]);
  const a = map.get('a') as ConnectionSummary;
  const b = map.get('b') as ConnectionSummary;

  it('parses the query string', () => {
    expect(filterFromQuery(new URLSearchParams('conn=c1&host=ex&client=127.0.0.1&failures=1'))).toEqual({ conn: 'c1', host: 'ex', client: '127.0.0.1', failuresOnly: true });
    expect(filterFromQuery(new URLSearchParams('failures=0&host='))).toEqual({});
    expect(isEmptyFilter(filterFromQuery(new URLSearchParams('')))).toBe(true);
  });

  it('normalizes untrusted filter messages', () => {
    expect(normalizeFilter({ conn: ' c1 ', host: 5, failuresOnly: 'yes', extra: 1 })).toEqual({ conn: 'c1' });
    expect(normalizeFilter(null)).toEqual({});
    expect(normalizeFilter({ host: 'x'.repeat(1000) }).host).toHaveLength(256);
  });

  it('matches by id, host (case-insensitive substring of host or SNI), client address[:port], failures', () => {
    expect(matchesFilter({ conn: 'a' }, a)).toBe(true);
    expect(matchesFilter({ conn: 'a' }, b)).toBe(false);
    expect(matchesFilter({ host: 'EXPIRED' }, b)).toBe(true);
    expect(matchesFilter({ host: 'expired' }, a)).toBe(false);
    expect(matchesFilter({ client: '127.0.0.1' }, a)).toBe(true);
    expect(matchesFilter({ client: '127.0.0.1:2222' }, b)).toBe(true);
    expect(matchesFilter({ client: '127.0.0.1:2222' }, a)).toBe(false);
    expect(matchesFilter({ failuresOnly: true }, a)).toBe(false);
    expect(matchesFilter({ failuresOnly: true }, b)).toBe(true);
    expect(matchesFilter({ failuresOnly: true, host: 'valid' }, b)).toBe(false);
  });
});
