// Reading the target of plain-HTTP requests and WebSocket upgrades: every accepted target can be connected to,
// everything else is a named problem. Property tests with fast-check: nothing throws, nothing invalid gets through.
import net from 'node:net';
import fc from 'fast-check';
import { TARGET_PROBLEMS, formatAuthority, parseAuthority, parseHost, parseRequestTarget } from '../../../src/proxy/target';

describe('parseAuthority (RFC 3986 §3.2.2, §3.2.3)', () => {
  it.each([
    ['example.com:443', { host: 'example.com', port: 443 }],
    ['Example.COM:8443', { host: 'example.com', port: 8443 }],
    ['127.0.0.1:1', { host: '127.0.0.1', port: 1 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    ['[2001:DB8::1]:65535', { host: '2001:db8::1', port: 65535 }],
    ['_dmarc.example.com:443', { host: '_dmarc.example.com', port: 443 }],
    ['example.com.:443', { host: 'example.com.', port: 443 }],
  ])('reads %s', (text, want) => {
    expect(parseAuthority(text, null)).toEqual({ ok: true, target: want });
  });

  it('an absent or empty port is the default one when there is a default', () => {
    expect(parseAuthority('a.test', 80)).toEqual({ ok: true, target: { host: 'a.test', port: 80 } });
    expect(parseAuthority('a.test:', 80)).toEqual({ ok: true, target: { host: 'a.test', port: 80 } });
    expect(parseAuthority('a.test', null)).toMatchObject({ ok: false, problem: 'bad-port' });
  });

  it.each([
    [''], ['example.com:0'], ['example.com:70000'], ['example.com:-5'], ['example.com:99999'], ['example.com:1e3'],
    ['a b:443'], ['http://x:443'], ['[::1]'], ['::1:443'], ['a!b:443'], ['user@host:443'], ['[fe80::1%25eth0]:443'], ['[v1.x]:443'],
    ['-a.com:443'], ['a..b:443'], ['é.com:443'], [`${'a'.repeat(64)}.com:443`], [`${'a.'.repeat(127)}a:443`],
  ])('refuses %j', (text) => {
    expect(parseAuthority(text, null).ok).toBe(false);
  });
});

describe('parseRequestTarget (RFC 9112 §3.2)', () => {
  it('origin form takes the Host header, default port 80', () => {
    expect(parseRequestTarget('/a?b=1', ['Example.com'], 'http')).toEqual({
      ok: true,
      target: { host: 'example.com', port: 80, path: '/a?b=1', authority: 'example.com', absolute: false },
    });
  });

  it('absolute form: the URL wins over the Host header (§3.2.2); the Host sent on is the URL authority', () => {
    const r = parseRequestTarget('http://127.0.0.1:8080?x', ['other.example'], 'http');
    expect(r).toEqual({ ok: true, target: { host: '127.0.0.1', port: 8080, path: '/?x', authority: '127.0.0.1:8080', absolute: true } });
  });

  it('IPv6 literals keep their brackets in the authority', () => {
    const r = parseRequestTarget('HTTP://[::1]:81/x', [], 'http');
    expect(r.ok && r.target).toMatchObject({ host: '::1', port: 81, authority: '[::1]:81' });
  });

  it('WebSocket upgrades may say ws://; plain requests may not', () => {
    expect(parseRequestTarget('ws://a.test/chat', [], 'websocket')).toMatchObject({ ok: true, target: { host: 'a.test', port: 80, path: '/chat' } });
    expect(parseRequestTarget('ws://a.test/chat', [], 'http')).toMatchObject({ ok: false, problem: 'bad-scheme' });
  });

  it.each([
    ['/', [], 'no-host'],
    ['/', [''], 'no-host'],
    ['/', ['a.test', 'b.test'], 'two-hosts'],
    ['/', ['127.0.0.1:99999'], 'bad-port'],
    ['/', ['x:70000'], 'bad-port'],
    ['/', ['x:abc'], 'bad-port'],
    ['/', ['x:0'], 'bad-port'],
    ['http://127.0.0.1:-5/', [], 'bad-port'],
    ['http://127.0.0.1:0/', [], 'bad-port'],
    ['/', ['a b'], 'bad-host'],
    ['/', ['::1'], 'bad-host'],
    ['http:///x', [], 'bad-host'],
    ['http://user:secret@a.test/', [], 'userinfo'],
    ['https://a.test/', [], 'bad-scheme'],
    ['ftp://a.test/', ['a.test'], 'bad-scheme'],
    ['/#x', ['a.test'], 'bad-path'],
    ['*', ['a.test'], 'bad-path'],
    ['a.test:80', ['a.test'], 'bad-path'],
    ['http://a.test#x', [], 'bad-path'],
    ['/a\x7fb', ['a.test'], 'bad-path'],
  ])('%j with Host %j: %s', (url, hosts, problem) => {
    const r = parseRequestTarget(url, hosts, 'http');
    expect(r).toMatchObject({ ok: false, problem });
  });

  it('what a refusal shows carries neither credentials nor the query', () => {
    const r = parseRequestTarget('http://user:secret@a.test/?token=abc', [], 'http');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.shown).toBe('[credentials]@a.test');
    const q = parseRequestTarget('https://a.test/p?token=abc#frag', [], 'http');
    expect(q.ok).toBe(false);
    if (!q.ok) expect(q.shown).toBe('https://a.test/p');
    const ctl = parseRequestTarget('/', ['\x01\xff'.repeat(100)], 'http');
    expect(ctl.ok).toBe(false);
    if (!ctl.ok) {
      expect(ctl.shown).toMatch(/^(\\x01\\xff)+/);
      expect(ctl.shown.length).toBeLessThanOrEqual(121);
    }
  });

  it('every problem has a sentence', () => {
    for (const text of Object.values(TARGET_PROBLEMS)) expect(text).toMatch(/\.$/);
  });
});

describe('properties', () => {
  const anyText = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }));
  const hosty = fc.oneof(
    anyText,
    fc.constantFrom('127.0.0.1', 'localhost', '[::1]', 'a.test', 'x', ''),
    fc.tuple(fc.constantFrom('127.0.0.1', 'a.test', '[::1]', 'a b', ''), fc.oneof(fc.integer({ min: -100000, max: 200000 }).map(String), anyText)).map(([h, p]) => `${h}:${p}`),
  );
  const urly = fc.oneof(
    anyText,
    fc.tuple(fc.constantFrom('http://', 'ws://', 'https://', 'HTTP://', 'ftp://', ''), hosty, fc.constantFrom('', '/', '/a?b', '#f', '?q', '/a b')).map(([s, h, p]) => `${s}${h}${p}`),
  );

  it('never throws; whatever it accepts is a host and port a socket can be opened to', () => {
    fc.assert(
      fc.property(urly, fc.array(hosty, { maxLength: 3 }), fc.constantFrom('http' as const, 'websocket' as const), (url, hosts, kind) => {
        const r = parseRequestTarget(url, hosts, kind);
        if (!r.ok) {
          expect(Object.keys(TARGET_PROBLEMS)).toContain(r.problem);
          expect(r.shown).toMatch(/^[\x20-\x7e]*…?$/);
          return;
        }
        const t = r.target;
        expect(Number.isInteger(t.port) && t.port >= 1 && t.port <= 65535).toBe(true);
        expect(net.isIPv6(t.host) || /^[a-z0-9_.-]+$/.test(t.host)).toBe(true);
        expect(t.path).toMatch(/^\/[\x21-\x22\x24-\x7e\x80-\xff]*$/);
        expect(parseAuthority(t.authority, 80)).toEqual({ ok: true, target: { host: t.host, port: t.port } });
        expect(formatAuthority(t)).toBe(t.authority);
      }),
      { numRuns: 5000 },
    );
  });

  it('parseHost accepts exactly what a DNS name or IP literal can be', () => {
    fc.assert(
      fc.property(anyText, (h) => {
        const host = parseHost(h);
        if (host !== null) expect(net.isIPv6(host) || (/^[a-z0-9_.-]+$/.test(host) && host.replace(/\.$/, '').length <= 253)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
