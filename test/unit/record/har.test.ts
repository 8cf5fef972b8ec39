// buildHar from events, and the HAR 1.2 structure check the integration tests rely on (it must catch what it claims to).
import type { TlslabEvent } from '../../../src/events/schema';
import type { ConnectionSummary } from '../../../src/events/stream';
import { reduceSummary } from '../../../src/events/summary';
import { absoluteUrl, buildHar, type Har } from '../../../src/record/har';
import { harProblems } from '../../helpers/har-check';

const T = Date.UTC(2026, 10, 29, 6, 45, 0);

function conn(id: string, via: 'connect' | 'http', host: string, port: number, extra: TlslabEvent[]): { summary: ConnectionSummary; events: TlslabEvent[] } {
  const events: TlslabEvent[] = [{ v: 1, type: 'conn:open', conn: id, seq: 1, t: T, client: { address: '127.0.0.1', port: 50000 }, target: { host, port }, via }, ...extra];
  let s: ConnectionSummary | undefined;
  for (const e of events) s = reduceSummary(s, e);
  return { summary: s as ConnectionSummary, events };
}

describe('buildHar', () => {
  it('makes absolute URLs from what a tunnel carries', () => {
    const { summary } = conn('c1', 'connect', 'example.test', 8443, []);
    expect(absoluteUrl(summary, 'connect', '/a?b=1')).toBe('https://example.test:8443/a?b=1');
    expect(absoluteUrl({ ...summary, target: { host: 'example.test', port: 443 } }, 'connect', '/')).toBe('https://example.test/');
    expect(absoluteUrl(summary, 'http', 'http://plain.test/x')).toBe('http://plain.test/x');
    expect(absoluteUrl({ ...summary, target: { host: '::1', port: 443 } }, 'connect', '/')).toBe('https://[::1]/');
  });

  it('lists requests oldest first, with status 0 and a comment when no response came, and passes the structure check', () => {
    const a = conn('c1', 'connect', 'a.test', 443, [
      { v: 1, type: 'http:request', conn: 'c1', seq: 2, t: T + 10, step: 7, id: 1, method: 'GET', url: '/x?k=v&flag', httpVersion: '1.1', headers: [['Host', 'a.test'], ['Cookie', '[redacted]']] },
      { v: 1, type: 'http:response', conn: 'c1', seq: 3, t: T + 25.5, step: 7, id: 1, status: 301, statusText: 'Moved', headers: [['Location', '/y'], ['Content-Type', 'text/plain']], bodyBytes: 12 },
    ]);
    const b = conn('c2', 'connect', 'b.test', 443, [
      { v: 1, type: 'http:request', conn: 'c2', seq: 4, t: T + 5, step: 7, id: 1, method: 'POST', url: '/', httpVersion: '2', headers: [] },
    ]);
    const har = buildHar([a, b], { name: 'tlslab', version: '0.0.0' });
    expect(harProblems(har)).toEqual([]);
    expect(har.log.entries.map((e) => [e.request.url, e.response.status, e.time])).toEqual([['https://b.test/', 0, 0], ['https://a.test/x?k=v&flag', 301, 15.5]]);
    expect(har.log.entries[1]?.request.queryString).toEqual([{ name: 'k', value: 'v' }, { name: 'flag', value: '' }]);
    expect(har.log.entries[1]?.response).toMatchObject({ redirectURL: '/y', content: { size: 12, mimeType: 'text/plain' }, bodySize: 12, httpVersion: 'HTTP/1.1' });
    expect(har.log.entries[0]?.comment).toMatch(/No response/);
    expect(har.log.entries[1]?.startedDateTime).toBe('2026-11-29T06:45:00.010Z');
  });
});

describe('harProblems', () => {
  const good = (): Har => JSON.parse(JSON.stringify(buildHar([conn('c1', 'connect', 'a.test', 443, [
    { v: 1, type: 'http:request', conn: 'c1', seq: 2, t: T, step: 7, id: 1, method: 'GET', url: '/', httpVersion: '1.1', headers: [] },
  ])], { name: 'tlslab', version: '1' }))) as Har;
  /** The first entry's parts as plain records, to break them in ways the types would not allow. */
  const parts = (h: Har): { log: Record<string, unknown>; entry: Record<string, unknown>; request: Record<string, unknown>; response: Record<string, unknown> } => {
    const entry = h.log.entries[0];
    return { log: h.log, entry: entry as unknown as Record<string, unknown>, request: entry.request, response: entry.response };
  };

  it.each<[string, (h: Har) => void, string]>([
    ['a missing required field', (h) => delete parts(h).request.headersSize, 'headersSize is required'],
    ['a wrong type', (h) => (parts(h).response.status = '200'), 'status must be a number'],
    ['an unknown field without an underscore', (h) => (parts(h).entry.tlslab = {}), 'not a HAR 1.2 field'],
    ['a relative URL', (h) => (parts(h).request.url = '/x'), 'not an absolute URL'],
    ['a date that is not ISO 8601', (h) => (parts(h).entry.startedDateTime = 'yesterday'), 'not ISO 8601'],
    ['a time that is not the sum of the timings', (h) => (parts(h).entry.time = 99), 'add up to'],
    ['another version', (h) => (parts(h).log.version = '1.1'), 'expected "1.2"'],
    ['a header without a value', (h) => (parts(h).request.headers as unknown[]).push({ name: 'x' }), 'value is required'],
  ])('catches %s', (_what, breakIt, message) => {
    const h = good();
    expect(harProblems(h)).toEqual([]);
    breakIt(h);
    expect(harProblems(h).join('\n')).toContain(message);
  });
});
