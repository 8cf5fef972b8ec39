// Hostname rules: SAN DNS with browser wildcard rules, SAN IP, and the CN fallback — on fixtures and as a table.
import { formatIp, matchHostname, parseIp, verifyServerChain, wildcardProblem } from '../../../src/x509';
import { chain, FIXED_NOW, labTrust } from '../../helpers/x509-fixtures';

const trust = labTrust();

/** The hostname finding codes for `leafName` (signed by the lab intermediate) asked for as `host`. */
function hostCodes(leafName: string, host: string): string[] {
  const r = verifyServerChain({ chain: chain(leafName, 'int'), host, trust, now: FIXED_NOW });
  for (const f of r.findings) expect(f.message).toMatch(/^[A-Z“].+\.$/);
  return r.findings.filter((f) => f.check === 'hostname').map((f) => `${f.code}@${f.certIndex}`);
}

describe('hostname on fixture certificates', () => {
  // [leaf fixture, host, expected hostname findings]
  const cases: [string, string, string[]][] = [
    ['leaf-wildcard', 'a.example.com', []],
    ['leaf-wildcard', 'A.Example.COM.', []],
    ['leaf-wildcard', 'a.b.example.com', ['HOSTNAME_MISMATCH@0']],
    ['leaf-wildcard', 'example.com', ['HOSTNAME_MISMATCH@0']],
    ['leaf-wildcard', 'a.example.net', ['HOSTNAME_MISMATCH@0']],
    ['leaf-bad-wildcards', 'foo.example.com', ['HOSTNAME_MISMATCH@0']],
    ['leaf-bad-wildcards', 'example.com', ['HOSTNAME_MISMATCH@0']],
    ['leaf-bad-wildcards', 'a.b.example.com', ['HOSTNAME_MISMATCH@0']],
    ['leaf-bad-wildcards', 'xx.example.net', ['HOSTNAME_MISMATCH@0']],
    ['leaf', '127.0.0.1', []],
    ['leaf', '::1', []],
    ['leaf', '[::1]', []],
    ['leaf', '0:0:0:0:0:0:0:1', []],
    ['leaf', '127.0.0.2', ['HOSTNAME_MISMATCH@0']],
    ['leaf', 'localhost', []],
    ['leaf-ip', '127.0.0.1', []],
    ['leaf-ip', '2001:db8:0:0:0:0:0:1', []],
    ['leaf-ip', '2001:db8::2', ['HOSTNAME_MISMATCH@0']],
    // leaf-ip has IP SANs but no SAN DNS entry at all: its CN is the fallback, which browsers ignore.
    ['leaf-ip', 'ip-only.example.com', ['HOSTNAME_CN_ONLY@0']],
    ['leaf-cn-only', 'cn-only.example.com', ['HOSTNAME_CN_ONLY@0']],
    ['leaf-cn-only', 'other.example.com', ['HOSTNAME_MISMATCH@0']],
    // A star in the name asked for is not a wildcard: it matches nothing.
    ['leaf-wildcard', '*.example.com', ['HOSTNAME_MISMATCH@0']],
  ];
  it.each(cases)('%s for %s', (leafName, host, expected) => {
    expect(hostCodes(leafName, host)).toEqual(expected);
  });

  it('explains why a wildcard did not cover a deeper name', () => {
    const r = verifyServerChain({ chain: chain('leaf-wildcard', 'int'), host: 'a.b.example.com', trust, now: FIXED_NOW });
    const f = r.findings[0];
    expect(f.message).toContain('“*.example.com”');
    expect(f.message).toContain('covers exactly one label');
    expect(f.detail).toMatchObject({ host: 'a.b.example.com', sanDns: '*.example.com', sanIp: '(none)' });
  });

  it('tells CN-only apart: Node accepts it, browsers do not', () => {
    const r = verifyServerChain({ chain: chain('leaf-cn-only', 'int'), host: 'cn-only.example.com', trust, now: FIXED_NOW });
    expect(r.findings[0]).toMatchObject({ code: 'HOSTNAME_CN_ONLY', severity: 'error', check: 'hostname' });
    expect(r.findings[0].message).toMatch(/Chromium/);
    expect(r.ok).toBe(false);
  });
});

describe('matchHostname table', () => {
  const names = (sanDns: string[], ips: string[] = [], cns: string[] = []) => ({
    sanDns,
    sanIps: ips.map((ip) => parseIp(ip)!),
    cns,
  });
  const cases: [string, ReturnType<typeof names>, string, string | false][] = [
    ['exact', names(['www.example.com']), 'www.example.com', 'san-dns'],
    ['case-insensitive, trailing dot', names(['WWW.example.com.']), 'www.EXAMPLE.com', 'san-dns'],
    ['wildcard one label', names(['*.example.com']), 'a.example.com', 'san-dns'],
    ['wildcard two labels', names(['*.example.com']), 'a.b.example.com', false],
    ['wildcard does not cover the base', names(['*.example.com']), 'example.com', false],
    ['partial wildcard f*o', names(['f*o.example.com']), 'foo.example.com', false],
    ['partial wildcard *o', names(['*o.example.com']), 'foo.example.com', false],
    ['wildcard not leftmost', names(['a.*.example.com']), 'a.b.example.com', false],
    ['wildcard on a TLD', names(['*.com']), 'example.com', false],
    ['wildcard on a two-label name', names(['*.example']), 'a.example', false],
    ['wildcard never matches an IP', names(['*.0.0.1']), '127.0.0.1', false],
    ['IPv4 SAN', names([], ['10.1.2.3']), '10.1.2.3', 'san-ip'],
    ['IPv4 written as DNS SAN', names(['10.1.2.3']), '10.1.2.3', false],
    ['IPv6 compressed vs full', names([], ['fe80::1']), 'fe80:0:0:0:0:0:0:1', 'san-ip'],
    ['IPv4-mapped IPv6 is not IPv4', names([], ['::ffff:10.1.2.3']), '10.1.2.3', false],
    ['IP only in CN', names([], [], ['10.1.2.3']), '10.1.2.3', false],
    ['CN fallback with no SAN', names([], [], ['www.example.com']), 'www.example.com', 'cn'],
    ['CN fallback with IP SANs only', names([], ['10.0.0.1'], ['www.example.com']), 'www.example.com', 'cn'],
    ['internationalized name against its A-label', names(['xn--bcher-kva.example']), 'bücher.example', 'san-dns'],
    ['CN ignored when SAN DNS exists', names(['other.example.com'], [], ['www.example.com']), 'www.example.com', false],
  ];
  it.each(cases)('%s', (_what, certNames, host, by) => {
    const m = matchHostname(host, certNames);
    if (by === false) expect(m.matched).toBe(false);
    else expect(m).toMatchObject({ matched: true, by });
  });

  it('gives a reason for each rule that refused a close name', () => {
    const m = matchHostname('foo.example.com', names(['f*o.example.com']));
    expect(m).toEqual({ matched: false, reasons: [expect.stringContaining('partial wildcard')] });
    const tld = matchHostname('example.com', names(['*.com']));
    expect(tld).toEqual({ matched: false, reasons: [expect.stringContaining('top-level domain')] });
    const ipAsDns = matchHostname('10.1.2.3', names(['10.1.2.3']));
    expect(ipAsDns).toEqual({ matched: false, reasons: [expect.stringContaining('IP address entry')] });
  });

  it('flags malformed wildcard patterns on their own', () => {
    expect(wildcardProblem('*.example.com')).toBeNull();
    expect(wildcardProblem('www.example.com')).toBeNull();
    expect(wildcardProblem('f*o.example.com')).toMatch(/partial/);
    expect(wildcardProblem('*.com')).toMatch(/top-level/);
    expect(wildcardProblem('a.*.com')).toMatch(/leftmost/);
    expect(wildcardProblem('*.*.example.com')).toMatch(/leftmost/);
  });
});

describe('IP literals', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8::', '2001:db8::'],
    ['::', '::'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
  ])('%s is %s', (text, canonical) => {
    expect(formatIp(parseIp(text)!)).toBe(canonical);
  });

  it.each(['localhost', '256.0.0.1', '1.2.3', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'example.com', ''])(
    '%s is not an IP literal',
    (text) => {
      expect(parseIp(text)).toBeNull();
    },
  );
});
