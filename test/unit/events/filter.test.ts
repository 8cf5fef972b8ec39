// Stream filters: parsing untrusted input and matching summaries.
import { filterFromQuery, isEmptyFilter, matchesFilter, matchesIdentity, matchesSearch, normalizeFilter, parseSearch, searchKey } from '../../../src/events/filter';
import { reduceSummaries } from '../../../src/events/summary';
import type { EventDraft } from '../../../src/events/schema';
import type { ConnectionSummary } from '../../../src/events/stream';
import { closeEvent, okConnection, open, verdict } from '../../helpers/events-drafts';

function summaries(drafts: EventDraft[]): Map<string, ConnectionSummary> {
  return reduceSummaries(drafts.map((d, i) => ({ ...d, v: 1, seq: i + 1, t: i })));
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

  describe('by student', () => {
    const ada = { ...a, student: { id: 's-0123456789abcdef', name: 'Ada Lovelace' } };
    const zoe = { ...b, student: { id: 's-fedcba9876543210', name: 'Zoë Ångström' } };

    it('is read from the query string and from filter messages', () => {
      expect(filterFromQuery(new URLSearchParams('student=Ada%20Lovelace'))).toEqual({ student: 'Ada Lovelace' });
      expect(normalizeFilter({ student: '  s-0123456789abcdef ' })).toEqual({ student: 's-0123456789abcdef' });
      expect(normalizeFilter({ student: 7 })).toEqual({});
      expect(isEmptyFilter({ student: 'x' })).toBe(false);
    });

    it('matches the id exactly, or the name in any case and spacing (NFKC)', () => {
      expect(matchesFilter({ student: 's-0123456789abcdef' }, ada)).toBe(true);
      expect(matchesFilter({ student: 'S-0123456789ABCDEF' }, ada)).toBe(false);
      expect(matchesFilter({ student: 'ada lovelace' }, ada)).toBe(true);
      expect(matchesFilter({ student: 'ADA   LOVELACE' }, ada)).toBe(true);
      expect(matchesFilter({ student: 'Ada' }, ada)).toBe(false);
      expect(matchesFilter({ student: 'zoë ångström' }, zoe)).toBe(true);
      expect(matchesFilter({ student: 'ＺＯＥ\u0308 Ångström' }, zoe)).toBe(true);
      expect(matchesFilter({ student: 'Ada Lovelace' }, zoe)).toBe(false);
      // A connection without a student (outside classroom mode) never matches; nor does an unknown summary.
      expect(matchesFilter({ student: 'Ada Lovelace' }, a)).toBe(false);
      expect(matchesIdentity({ student: 'Ada Lovelace' }, 'a', undefined)).toBe(false);
      expect(matchesFilter({ student: 'ada lovelace', failuresOnly: true }, ada)).toBe(false);
    });
  });

  describe('the search box', () => {
    it.each([
      ['expired', { text: 'expired' }],
      ['student:Ada', { text: '', student: 'Ada' }],
      ['student:"Ada Lovelace" expired', { text: 'expired', student: 'Ada Lovelace' }],
      ["TLS 1.3 student:'Zoë Å'", { text: 'tls 1.3', student: 'Zoë Å' }],
      ['Student:ada STUDENT:grace', { text: '', student: 'grace' }],
      ['student: x', { text: 'x' }],
      ['student:"Ada Lo', { text: '', student: 'Ada Lo' }],
      ['mystudent:ada', { text: 'mystudent:ada' }],
    ])('%j', (input, want) => {
      expect(parseSearch(input)).toEqual(want);
    });

    it('matches the text anywhere in the row (id, host, port, client, status, cause, codes, versions) and the student term', () => {
      expect(searchKey(b)).toContain('expired.lab.tlslab');
      expect(matchesSearch(parseSearch('EXPIRED'), b)).toBe(true);
      expect(matchesSearch(parseSearch('expired'), a)).toBe(false);
      expect(matchesSearch(parseSearch(':2222'), b)).toBe(true);
      expect(matchesSearch(parseSearch(''), a)).toBe(true);
      expect(matchesSearch(parseSearch('student:ada'), a)).toBe(false); // no student outside classroom mode
      const codes = b.legs.upstream.verdict?.codes ?? [];
      expect(codes.length).toBeGreaterThan(0);
      expect(matchesSearch(parseSearch(codes[0].toLowerCase()), b)).toBe(true);
    });

    it('never throws and bounds what it keeps', () => {
      const long = parseSearch(`student:${'a'.repeat(5000)}`);
      expect(long.student?.length).toBeLessThanOrEqual(256);
    });
  });
});
