// The HTTP/1.x observer on decrypted bytes: heads found across any split, bodies skipped by length or chunks.
import { EventBus } from '../../../src/events/bus';
import { ConnectionSession } from '../../../src/capture/session';
import { HttpObserver } from '../../../src/capture/http-observer';
import type { TlslabEvent } from '../../../src/events/schema';

function observe(alpn: string | null, client: string[], server: string[]): TlslabEvent[] {
  const bus = new EventBus();
  const seen: TlslabEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  const http = new HttpObserver(new ConnectionSession(bus), alpn);
  for (const c of client) http.fromClient(Buffer.from(c, 'latin1'));
  for (const s of server) http.fromServer(Buffer.from(s, 'latin1'));
  return seen;
}

const REQS = 'GET /a HTTP/1.1\r\nHost: x\r\nCookie: secret=1\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /c HTTP/1.1\r\nHost: x\r\n\r\n';
const RESPS =
  'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc' +
  'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwxyz\r\n3\r\n123\r\n0\r\n\r\n' +
  'HTTP/1.1 204 No Content\r\n\r\n';

function splitEvery(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out;
}

describe('HttpObserver', () => {
  it.each([[1], [3], [7], [1000]])('finds three requests and three responses when bytes come %i at a time', (n) => {
    const events = observe('http/1.1', splitEvery(REQS, n), splitEvery(RESPS, n));
    const reqs = events.filter((e) => e.type === 'http:request');
    const resps = events.filter((e) => e.type === 'http:response');
    expect(reqs.map((e) => (e.type === 'http:request' ? `${e.id} ${e.method} ${e.url}` : ''))).toEqual(['1 GET /a', '2 POST /b', '3 GET /c']);
    expect(resps.map((e) => (e.type === 'http:response' ? `${e.id} ${e.status} ${e.bodyBytes}` : ''))).toEqual(['1 200 3', '2 201 7', '3 204 0']);
  });

  it('redacts cookies and authorization', () => {
    const [req] = observe(null, [REQS], []).filter((e) => e.type === 'http:request');
    expect(req && req.type === 'http:request' && req.headers).toContainEqual(['Cookie', '[redacted]']);
  });

  it('does not parse HTTP/2', () => {
    expect(observe('h2', ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], [])).toEqual([]);
  });

  it('stops on bytes that are not HTTP, without throwing', () => {
    const events = observe('http/1.1', ['\x16\x03\x01garbage\r\n\r\nmore'], ['not http\r\n\r\n']);
    expect(events).toEqual([]);
  });
});

/** Feeds `pieces` to one direction and returns the events, plus the observer. */
function observeSide(side: 'client' | 'server', pieces: Iterable<Buffer>): TlslabEvent[] {
  const bus = new EventBus();
  const seen: TlslabEvent[] = [];
  bus.subscribe((e) => seen.push(e));
  const http = new HttpObserver(new ConnectionSession(bus), 'http/1.1');
  if (side === 'server') http.fromClient(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  for (const p of pieces) {
    if (side === 'client') http.fromClient(p);
    else http.fromServer(p);
  }
  return seen;
}

function* repeat(piece: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i++) yield piece;
}

const limitErrors = (events: TlslabEvent[]): TlslabEvent[] => events.filter((e) => e.type === 'conn:error');

describe('HttpObserver limits', () => {
  it('stops reading a chunk-size line that never ends (16 MiB) after 4 KiB, with one event', () => {
    const head = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
    const events = observeSide('server', [head, ...repeat(Buffer.alloc(64 * 1024, 0x31), 256)]);
    const errors = limitErrors(events);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: 'conn:error', leg: 'upstream', code: 'TLSLAB_ERR_HTTP_LIMIT', cause: 'http-limit', message: expect.stringContaining('chunk-size line') });
  });

  it('stops at a head that never ends (64 KiB), fed one byte at a time, with one event', () => {
    const events = observeSide('client', [Buffer.from('GET / HTTP/1.1\r\n'), ...repeat(Buffer.from('a'), 70 * 1024)]);
    expect(limitErrors(events)).toEqual([expect.objectContaining({ leg: 'client', code: 'TLSLAB_ERR_HTTP_LIMIT', message: expect.stringContaining('head') })]);
    expect(events.filter((e) => e.type === 'http:request')).toEqual([]);
  });

  it('reads a head of just under 64 KiB split at every byte', () => {
    const filler = `X-Fill: ${'f'.repeat(64 * 1024 - 100)}\r\n`;
    const req = `GET /big HTTP/1.1\r\nHost: x\r\n${filler}\r\n`;
    const events = observeSide('client', [...req].map((c) => Buffer.from(c, 'latin1')));
    expect(limitErrors(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'http:request')).toEqual([expect.objectContaining({ url: '/big' })]);
  });

  it('stops at a trailer section larger than 16 KiB', () => {
    const resp = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n';
    const trailer = Buffer.from(`X-T: ${'t'.repeat(1000)}\r\n`);
    const events = observeSide('server', [Buffer.from(resp), ...repeat(trailer, 20)]);
    expect(limitErrors(events)).toEqual([expect.objectContaining({ leg: 'upstream', message: expect.stringContaining('trailer') })]);
    expect(events.filter((e) => e.type === 'http:response')).toEqual([]);
  });

  it('ends a chunked body with trailers and chunk extensions, split anywhere', () => {
    const resp = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value\r\nwxyz\r\n0\r\nX-Trailer: 1\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n';
    for (const n of [1, 2, 5]) {
      const events = observeSide('server', splitEvery(resp, n).map((s) => Buffer.from(s, 'latin1')));
      expect(events.filter((e) => e.type === 'http:response').map((e) => (e.type === 'http:response' ? `${e.status} ${e.bodyBytes}` : ''))).toEqual(['200 4', '204 0']);
    }
  });
});
