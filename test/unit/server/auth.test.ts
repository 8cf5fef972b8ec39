// Auth helpers: loopback detection, constant-time token comparison, where a token is read from.
import type { IncomingMessage } from 'node:http';
import { authorize, authorizeStudentUpgrade, isLoopbackHost, tokenCookie, tokenFromRequest, tokensEqual, withoutToken } from '../../../src/server/auth';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;
const u = (s: string): URL => new URL(s, 'http://x.invalid');

describe('auth', () => {
  it.each([
    ['127.0.0.1', true], ['127.8.9.10', true], ['::1', true], ['[::1]', true], ['localhost', true], ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false], ['::', false], ['10.0.0.5', false], ['192.168.1.2', false], ['example.com', false], ['127.example.com', false],
  ])('isLoopbackHost(%s) = %s', (h, want) => expect(isLoopbackHost(h)).toBe(want));

  it('compares tokens exactly', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
    expect(tokensEqual('', 'abc')).toBe(false);
  });

  it('reads the token from the query, a bearer header, or the cookie (in that order)', () => {
    expect(tokenFromRequest(req({}), u('/?token=q'))).toEqual({ value: 'q', source: 'query' });
    expect(tokenFromRequest(req({ authorization: 'Bearer b1' }), u('/'))).toEqual({ value: 'b1', source: 'bearer' });
    expect(tokenFromRequest(req({ authorization: 'Basic xyz' }), u('/'))).toBeNull();
    expect(tokenFromRequest(req({ cookie: 'a=1; tlslab_token=c%2B1; z=2' }), u('/'))).toEqual({ value: 'c+1', source: 'cookie' });
    expect(tokenFromRequest(req({ cookie: 'tlslab_token=' }), u('/'))).toBeNull();
    expect(tokenCookie('a b')).toBe('tlslab_token=a%20b; Path=/; HttpOnly; SameSite=Strict');
  });

  it('drops only the token from a page address (where /?token=… redirects to)', () => {
    expect(withoutToken(u('/?token=T'))).toBe('/');
    expect(withoutToken(u('/?conn=c2&token=T&theme=light'))).toBe('/?conn=c2&theme=light');
    expect(withoutToken(u('/index.html?token=T&token=U'))).toBe('/index.html');
  });

  it('without a token: Host must be loopback or the bound name; WebSocket Origin must match Host', () => {
    const opts = { token: null, bindHost: '127.0.0.1', upgrade: false };
    expect(authorize(req({ host: '127.0.0.1:8081' }), u('/'), opts).ok).toBe(true);
    expect(authorize(req({ host: '[::1]:8081' }), u('/'), opts).ok).toBe(true);
    expect(authorize(req({ host: 'evil.test:8081' }), u('/'), opts)).toMatchObject({ ok: false, status: 403 });
    const up = { ...opts, upgrade: true };
    expect(authorize(req({ host: 'localhost:8081', origin: 'http://localhost:8081' }), u('/ws'), up).ok).toBe(true);
    expect(authorize(req({ host: 'localhost:8081', origin: 'http://localhost:9999' }), u('/ws'), up)).toMatchObject({ ok: false, status: 403 });
    expect(authorize(req({ host: 'localhost:8081', origin: 'null' }), u('/ws'), up)).toMatchObject({ ok: false, status: 403 });
  });

  it('with a token: 401 unless presented, whatever the Host', () => {
    const opts = { token: 'T', bindHost: '0.0.0.0', upgrade: false };
    expect(authorize(req({ host: '10.0.0.5:8081' }), u('/'), opts)).toMatchObject({ ok: false, status: 401 });
    expect(authorize(req({ host: '10.0.0.5:8081' }), u('/?token=T'), opts)).toMatchObject({ ok: true, presented: { source: 'query' } });
  });

  it.each([
    [undefined, true], ['http://tlslab', true], ['https://tlslab', true], ['http://TLSLAB:8080', true],
    ['null', false], ['http://evil.example', false], ['http://tlslab.evil.example', false], ['http://127.0.0.1:8081', false],
    ['ws://tlslab', false], ['not a url', false], ['http://tlslab@evil.example', false],
  ])("the student view's WebSocket from Origin %s: %s", (origin, ok) => {
    const r = authorizeStudentUpgrade(req(origin === undefined ? { host: 'tlslab' } : { host: 'tlslab', origin }));
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.status).toBe(403);
  });
});
