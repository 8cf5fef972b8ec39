// api-query: what an /api URL may carry, decided without I/O — a value, or the sentence of a 400.
import fc from 'fast-check';
import { MAX_ID_CHARS, MAX_LIMIT, MAX_QUERY_CHARS, checkQueryLength, connectionId, connectionsQuery } from '../../../src/server/api-query';

const url = (q: string): URL => new URL(`http://dashboard.invalid/api/connections${q}`);

describe('connectionsQuery', () => {
  it('reads a well-formed query into a filter and a limit', () => {
    expect(connectionsQuery(url('?host=%20Lab%20&client=127.0.0.1&failures=YES&limit=7&token=t'))).toEqual({
      ok: true,
      value: { filter: { host: 'Lab', client: '127.0.0.1', failuresOnly: true }, search: null, limit: 7, before: null },
    });
    expect(connectionsQuery(url(''))).toEqual({ ok: true, value: { filter: {}, search: null, limit: MAX_LIMIT, before: null } });
    expect(connectionsQuery(url('?failures=0&host='))).toEqual({ ok: true, value: { filter: {}, search: null, limit: MAX_LIMIT, before: null } });
    expect(connectionsQuery(url('?limit=999999999'))).toEqual({ ok: true, value: { filter: {}, search: null, limit: MAX_LIMIT, before: null } });
    expect(connectionsQuery(url('?q=Expired%20student%3A%22Ada%20L%22&limit=5'))).toEqual({
      ok: true, value: { filter: {}, search: { text: 'expired', student: 'Ada L' }, limit: 5, before: null },
    });
    expect(connectionsQuery(url('?before=c41&limit=500'))).toEqual({ ok: true, value: { filter: {}, search: null, limit: 500, before: 'c41' } });
  });

  it.each([
    ['limit=0', '?limit=0', 'positive integer'],
    ['a fractional limit', '?limit=1.5', 'positive integer'],
    ['a 10-digit limit', '?limit=1000000000', 'positive integer'],
    ['an empty limit', '?limit=', 'positive integer'],
    ['a repeated parameter', '?conn=a&conn=b', 'more than once'],
    ['failures=2', '?failures=2', '`failures`'],
    ['a client of 257 characters', `?client=${'x'.repeat(257)}`, 'at most 256'],
    ['a host with a line feed', '?host=a%0Ab', 'control characters'],
    ['a search of 257 characters', `?q=${'x'.repeat(257)}`, 'at most 256'],
    ['an empty cursor', '?before=', '`before` is a connection id'],
    ['a cursor of 129 characters', `?before=${'c'.repeat(MAX_ID_CHARS + 1)}`, '`before` is a connection id'],
    ['a cursor with a control character', '?before=c%0041', 'control characters'],
    ['toString as a parameter', '?toString=1', 'Unknown query parameter `toString`'],
    ['constructor as a parameter', '?constructor=1', 'Unknown query parameter'],
  ])('%s is refused', (_name, q, sentence) => {
    const r = connectionsQuery(url(q));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(sentence);
  });

  it('never throws, whatever the query', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (q) => {
        const r = connectionsQuery(url(`?${encodeURI(q).replace(/#/g, '%23')}`));
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('connectionId', () => {
  it('decodes, and refuses bad escapes, long ids and control characters', () => {
    expect(connectionId('c12')).toEqual({ ok: true, value: 'c12' });
    expect(connectionId('a%2Fb')).toEqual({ ok: true, value: 'a/b' });
    expect(connectionId('%').ok).toBe(false);
    expect(connectionId('%E0%A4%A').ok).toBe(false);
    expect(connectionId('c'.repeat(MAX_ID_CHARS)).ok).toBe(true);
    expect(connectionId('c'.repeat(MAX_ID_CHARS + 1)).ok).toBe(false);
    expect(connectionId('c1%00').ok).toBe(false);
    expect(connectionId('c1%7F').ok).toBe(false);
  });
});

describe('checkQueryLength', () => {
  it(`allows ${MAX_QUERY_CHARS} characters and no more`, () => {
    expect(checkQueryLength(url(`?${'a'.repeat(MAX_QUERY_CHARS - 1)}`)).ok).toBe(true);
    expect(checkQueryLength(url(`?${'a'.repeat(MAX_QUERY_CHARS)}`)).ok).toBe(false);
  });
});
