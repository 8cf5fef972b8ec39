// `--ignore-host` patterns: globs matched against the whole host (optionally one port), /regex/ searched in host:port,
// and usage errors that name the bad value.
import { IgnoredHosts, parseHostPattern } from '../../../src/proxy/ignore-hosts';
import { TlslabError } from '../../../src/errors';

const m = (pattern: string, host: string, port = 443): boolean => parseHostPattern(pattern).matches(host, port);

describe('parseHostPattern: globs', () => {
  it('`*.domain` matches every subdomain at any depth, not the domain itself nor look-alikes', () => {
    expect(m('*.googleapis.com', 'update.googleapis.com')).toBe(true);
    expect(m('*.googleapis.com', 'a.b.googleapis.com')).toBe(true);
    expect(m('*.googleapis.com', 'googleapis.com')).toBe(false);
    expect(m('*.googleapis.com', 'evilgoogleapis.com')).toBe(false);
    expect(m('*.googleapis.com', 'update.googleapis.com.evil.test')).toBe(false);
  });

  it('matches the whole name, case-insensitively; dots and other regex characters are literal', () => {
    expect(m('accounts.google.com', 'ACCOUNTS.Google.com')).toBe(true);
    expect(m('accounts.google.com', 'accountsXgoogle.com')).toBe(false);
    expect(m('accounts.google.com', 'xaccounts.google.com')).toBe(false);
    expect(m('r?.gvt1.com', 'r1.gvt1.com')).toBe(true);
    expect(m('r?.gvt1.com', 'r12.gvt1.com')).toBe(false);
    expect(m('*safebrowsing*', 'safebrowsing.googleapis.com')).toBe(true);
  });

  it('host:PORT limits the port; IPv6 literals with and without brackets', () => {
    expect(m('push.services.mozilla.com:443', 'push.services.mozilla.com', 443)).toBe(true);
    expect(m('push.services.mozilla.com:443', 'push.services.mozilla.com', 8443)).toBe(false);
    expect(m('*.lab.tlslab', 'expired.lab.tlslab', 8443)).toBe(true);
    expect(m('[::1]:443', '::1', 443)).toBe(true);
    expect(m('[::1]:443', '::1', 80)).toBe(false);
    expect(m('[::1]', '::1', 80)).toBe(true);
    expect(m('fe80::*', 'fe80::1', 443)).toBe(true);
    expect(m('127.0.0.*', '127.0.0.9')).toBe(true);
  });
});

describe('parseHostPattern: regular expressions', () => {
  it('/…/ is searched in host:port like mitmproxy --ignore-hosts (anchors are the writer\'s)', () => {
    expect(m('/^update\\.googleapis\\.com:443$/', 'update.googleapis.com', 443)).toBe(true);
    expect(m('/^update\\.googleapis\\.com:443$/', 'update.googleapis.com', 80)).toBe(false);
    expect(m('/googleapis/', 'optimizationguide-pa.googleapis.com')).toBe(true);
    expect(m('/GOOGLE/', 'accounts.google.com')).toBe(true);
    expect(m('/^\\[::1\\]:443$/', '::1', 443)).toBe(true);
    expect(parseHostPattern('/x/').kind).toBe('regex');
    expect(parseHostPattern('*.x').kind).toBe('glob');
  });
});

describe('parseHostPattern: usage errors', () => {
  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['/(unclosed/', /not a regular expression/],
    ['https://example.com/', /write a regular expression as/],
    ['exa mple.com', /write a regular expression as/],
    ['example.com:70000', /port 70000 is not 1–65535/],
  ])('%j', (value, why) => {
    let err: unknown;
    try {
      parseHostPattern(value);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TlslabError);
    expect((err as TlslabError).code).toBe('TLSLAB_ERR_USAGE');
    expect((err as Error).message).toContain('--ignore-host');
    expect((err as Error).message).toMatch(why);
  });
});

describe('IgnoredHosts', () => {
  it('returns the first matching pattern and counts the tunnels it kept out', () => {
    const ig = IgnoredHosts.parse(['*.gvt1.com', '/^accounts\\./']);
    expect(ig.match('redirector.gvt1.com', 443)?.source).toBe('*.gvt1.com');
    expect(ig.match('accounts.google.com', 443)?.source).toBe('/^accounts\\./');
    expect(ig.match('valid.lab.tlslab', 443)).toBeNull();
    expect(ig.count).toBe(0);
    ig.note();
    ig.note();
    expect(ig.count).toBe(2);
    expect(IgnoredHosts.parse([]).match('anything', 1)).toBeNull();
  });
});
