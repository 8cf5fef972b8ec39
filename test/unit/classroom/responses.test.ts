// The 407/429/403 answers: status lines, the RFC 7617 challenge, bodies from the student-text table, and the bytes
// written to a raw CONNECT socket (read back by Node's own HTTP parser).
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RefusalReason } from '../../../src/classroom/address-guard';
import { COUNTS_AS_ATTEMPT, type AuthFailure } from '../../../src/classroom/proxy-auth';
import { guardRefused, PROXY_AUTHENTICATE, proxyAuthRequired, refusalSentence, serializeAnswer, shareExceeded, tooManyFailures } from '../../../src/classroom/responses';
import { STUDENT_TEXT } from '../../../src/classroom/student-text';

const header = (a: { headers: [string, string][] }, name: string) => a.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

describe('407', () => {
  it('challenges with Basic, a realm that says what to type, and charset="UTF-8" (RFC 7617 §2, §2.1)', () => {
    expect(PROXY_AUTHENTICATE).toBe('Basic realm="tlslab classroom: user name = your name, password = the class code", charset="UTF-8"');
    const a = proxyAuthRequired('missing', '10.0.0.5:8080');
    expect([a.status, a.statusText]).toEqual([407, 'Proxy Authentication Required']);
    expect(header(a, 'Proxy-Authenticate')).toBe(PROXY_AUTHENTICATE);
    expect(header(a, 'Content-Type')).toBe('text/plain; charset=utf-8');
    expect(header(a, 'X-Content-Type-Options')).toBe('nosniff');
    expect(header(a, 'Content-Length')).toBe(String(Buffer.byteLength(a.body)));
    expect(a.body).toContain(STUDENT_TEXT['auth.what-to-type']);
    expect(a.body).toContain('curl -x "http://YOUR-NAME:CLASS-CODE@10.0.0.5:8080"');
  });

  it.each(Object.keys(COUNTS_AS_ATTEMPT) as AuthFailure[])('says what went wrong for %s, without echoing input', (failure) => {
    const a = proxyAuthRequired(failure, 'h:1');
    expect(a.body.split('\n\n')).toHaveLength(4);
    expect(a.body).not.toMatch(/\{[a-zA-Z]+\}/);
  });

  it('has a sentence for a name in use elsewhere', () => {
    expect(proxyAuthRequired('name-in-use', 'h:1').body).toContain(STUDENT_TEXT['auth.name-in-use']);
  });
});

describe('429 and 403', () => {
  it('tells a rate-limited address when to try again (RFC 6585 §4, Retry-After in whole seconds)', () => {
    const a = tooManyFailures(5_001);
    expect([a.status, header(a, 'Retry-After')]).toEqual([429, '6']);
    expect(a.body).toContain('for 6 seconds');
    expect(header(tooManyFailures(0), 'Retry-After')).toBe('1');
    expect(header(a, 'Proxy-Authenticate')).toBeUndefined(); // no invitation to type a code that will not be checked
  });

  it('names the limit of a fair-share refusal', () => {
    expect(shareExceeded('concurrent-tunnels', 64, 1000).body).toContain('You have 64 connections open');
    expect(shareExceeded('connection-rate', 10, 300).body).toContain('(10 a second)');
  });

  const reasons: RefusalReason[] = ['client-unknown', 'client-public', 'target-invalid', 'target-unresolved', 'target-loopback', 'target-unspecified', 'target-link-local', 'target-this-machine', 'target-tlslab-port'];
  it.each(reasons)('403 for %s: the target (if any) and a sentence', (reason) => {
    const a = guardRefused(reason, '127.0.0.1:8081');
    expect(a.status).toBe(403);
    expect(a.body).toContain(refusalSentence(reason));
    expect(a.body.includes('127.0.0.1:8081')).toBe(reason.startsWith('target-'));
    expect(a.body).not.toMatch(/\{[a-zA-Z]+\}/);
  });

  it('points a student who tried the dashboard port at their own view', () => {
    expect(guardRefused('target-tlslab-port', '10.0.0.5:8081', 'http://tlslab/').body).toContain('Your own view is at http://tlslab/ instead.');
  });
});

describe('on the wire', () => {
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    // A CONNECT endpoint that answers every tunnel request with the 407, as the proxy front will.
    server = net.createServer((sock) => {
      sock.once('data', () => sock.end(serializeAnswer(proxyAuthRequired('missing', `127.0.0.1:${port}`), [['X-Extra', 'yes']])));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('Node’s HTTP client reads the serialized 407 of a CONNECT: status, challenge, body', async () => {
    const res = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'CONNECT', path: 'example.com:443' });
      req.on('connect', (r, socket, head) => {
        const chunks: Buffer[] = [head];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('end', () => resolve({ status: r.statusCode!, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(407);
    expect(res.headers['proxy-authenticate']).toBe(PROXY_AUTHENTICATE);
    expect(res.headers['x-extra']).toBe('yes');
    expect(res.headers.connection).toBe('close');
    expect(Buffer.byteLength(res.body)).toBe(Number(res.headers['content-length']));
    expect(res.body).toContain('the class code your instructor reads aloud');
  });
});
