// IP literals, the address an IPv4-in-IPv6 form really means, special ranges and per-address keys.
import { addressKey, effectiveAddress, parseIpLiteral, rangeOf } from '../../../src/classroom/ip-address';

const ip = (t: string) => {
  const a = parseIpLiteral(t);
  if (a === null) throw new Error(`not an IP: ${t}`);
  return a;
};

describe('parseIpLiteral', () => {
  it.each([
    ['127.0.0.1', 4, '127.0.0.1'],
    ['::1', 6, '::1'],
    ['[::1]', 6, '::1'],
    ['fe80::1%eth0', 6, 'fe80::1'],
    ['[FE80::1%25eth0]', 6, 'fe80::1'],
    ['2001:DB8:0:0:0:0:0:1', 6, '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'], // RFC 5952 §4.2.3: the first of two equal runs
    ['::ffff:127.0.0.1', 6, '::ffff:7f00:1'],
    ['1:0:0:0:0:0:0:0', 6, '1::'],
    ['0:0:0:0:0:0:0:0', 6, '::'],
    ['1:2:3:4:5:6:7:8', 6, '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', 6, '1:0:3:4:5:6:7:8'], // one zero group is not compressed (§4.2.2)
  ])('%s → IPv%d %s', (text, family, canonical) => {
    expect(ip(text)).toMatchObject({ family, text: canonical });
    expect(ip(text).bytes.length).toBe(family === 4 ? 4 : 16);
  });

  it.each(['127.1', '0x7f.0.0.1', '2130706433', '127.0.0.1.', 'localhost', '', '1.2.3.4.5', '::1::', '[::1', '256.0.0.1', '127.0.0.01', 'x'.repeat(100)])(
    'refuses %j (no shorthand here)',
    (text) => expect(parseIpLiteral(text)).toBeNull(),
  );
});

describe('effectiveAddress', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::127.0.0.1', '127.0.0.1'], // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1)
    ['64:ff9b::7f00:1', '127.0.0.1'], // NAT64 well-known prefix
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:db8::1', '2001:db8::1'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s → %s', (text, want) => expect(effectiveAddress(ip(text)).text).toBe(want));
});

describe('rangeOf', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.9.9.9', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'link-local'],
    ['fe80::abcd', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'public'],
    ['10.9.8.7', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.128.0.1', 'public'],
    ['fd12:3456::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['8.8.8.8', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (text, want) => expect(rangeOf(ip(text))).toBe(want));
});

describe('addressKey', () => {
  it('keys IPv4 by address (mapped or not) and IPv6 by its /64', () => {
    expect(addressKey(ip('10.0.0.7'))).toBe('10.0.0.7');
    expect(addressKey(ip('::ffff:10.0.0.7'))).toBe('10.0.0.7');
    expect(addressKey(ip('2001:db8:1:2:aaaa:bbbb:cccc:dddd'))).toBe('2001:db8:1:2::/64');
    expect(addressKey(ip('2001:db8:1:2::1'))).toBe(addressKey(ip('2001:db8:1:2:ffff::9')));
    expect(addressKey(ip('2001:db8:1:3::1'))).not.toBe(addressKey(ip('2001:db8:1:2::1')));
  });
});
