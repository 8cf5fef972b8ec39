// Row facts in the summary: the first request's method and target, and whether the client leg resumed.
import { reduceSummaries } from '../../../src/events/summary';
import type { EventDraft, TlslabEvent } from '../../../src/events/schema';
import { accepted, okConnection, request } from '../../helpers/events-drafts';

let seq = 0;
const stamp = (d: EventDraft): TlslabEvent => ({ ...d, v: 1, seq: ++seq, t: 1000 + seq });
const fold = (drafts: EventDraft[]) => reduceSummaries(drafts.map(stamp)).get('c1');

describe('row facts in the connection summary', () => {
  it('the first request is kept (method and target), later ones do not replace it', () => {
    const s = fold([...okConnection('c1'), { ...request('c1', 2), method: 'POST', url: '/later' } as EventDraft]);
    expect(s?.firstRequest).toEqual({ method: 'GET', url: '/' });
    expect(s?.requests).toBe(2);
  });

  it('a long target is cut to 200 characters with an ellipsis', () => {
    const long = `/search?q=${'a'.repeat(500)}`;
    const s = fold([{ ...request('c1'), url: long } as EventDraft]);
    expect(s?.firstRequest?.url).toHaveLength(200);
    expect(s?.firstRequest?.url.endsWith('…')).toBe(true);
  });

  it('resumed: unknown until the client leg is accepted, then what the outcome says', () => {
    expect(fold([request('c1')])?.resumed).toBeUndefined();
    expect(fold([accepted('c1')])?.resumed).toBe(false);
    expect(fold([{ ...accepted('c1'), resumed: true } as EventDraft])?.resumed).toBe(true);
  });
});
