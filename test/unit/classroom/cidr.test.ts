// `--allow-client` values: IPv4 and IPv6 prefixes, single addresses, mapped IPv4, and clear errors.
import { type CidrSet, parseAllowClients, parseCidr } from '../../../src/classroom/cidr';
import { parseIpLiteral } from '../../../src/classroom/ip-address';

const ip = (t: string) => parseIpLiteral(t)!;

describe('parseCidr', () => {
  it.each([
    ['10.8.0.0/16', '10.8.0.0/16'],
    ['203.0.113.7', '203.0.113.7/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['2001:DB8::1', '2001:db8::1/128'],
    ['::/0', '::/0'],
    ['::ffff:198.51.100.0/120', '198.51.100.0/24'],
    [' 192.168.4.0/24 ', '192.168.4.0/24'],
  ])('%j → %s', (value, text) => expect(parseCidr(value)).toMatchObject({ ok: true, text }));

  it.each([
    ['', 'empty'],
    ['example.com/24', 'not-an-address'],
    ['10.0.0/8', 'not-an-address'],
    ['fe80::1%eth0/64', 'not-an-address'],
    ['10.0.0.0/33', 'bad-prefix'],
    ['10.0.0.0/-1', 'bad-prefix'],
    ['10.0.0.0/', 'bad-prefix'],
    ['10.0.0.0/8.5', 'bad-prefix'],
    ['2001:db8::/129', 'bad-prefix'],
    ['::ffff:1.2.3.0/95', 'bad-prefix'],
    ['192.168.4.1/24', 'host-bits-set'],
    ['2001:db8::1/64', 'host-bits-set'],
  ])('%j → %s', (value, error) => {
    const r = parseCidr(value);
    expect(r).toMatchObject({ ok: false, error });
    if (!r.ok) expect(r.message).toMatch(/^--allow-client ".*" /);
  });
});

describe('CidrSet', () => {
  const parsed = parseAllowClients(['203.0.113.0/24', '2001:db8:42::/48']);
  if (!parsed.ok) throw new Error('setup');
  const set: CidrSet = parsed.set;

  it('matches IPv4, mapped IPv4 and IPv6 clients', () => {
    expect(set.has(ip('203.0.113.200'))).toBe(true);
    expect(set.has(ip('::ffff:203.0.113.9'))).toBe(true);
    expect(set.has(ip('203.0.114.1'))).toBe(false);
    expect(set.has(ip('2001:db8:42:7::1'))).toBe(true);
    expect(set.has(ip('2001:db8:43::1'))).toBe(false);
    expect(set.blocks).toEqual(['203.0.113.0/24', '2001:db8:42::/48']);
  });

  it('reports every bad value at once', () => {
    const r = parseAllowClients(['10.0.0.0/8', 'nope', '1.2.3.4/40']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.messages).toHaveLength(2);
  });
});
