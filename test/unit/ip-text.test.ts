// src/ip-text.ts, the one IP literal parser and printer: RFC 5952 examples, and Node's own parser (node:net isIP, the
// WHATWG URL host serializer, which prints IPv6 per RFC 5952) as the judge on random addresses and random text.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { ipv4Bytes, ipv4Text, ipv6Bytes, ipv6Text } from '../../src/ip-text';

/** Node's canonical text for an IPv6 literal (URL hosts are serialized per RFC 5952 §4). */
const nodeIpv6 = (text: string): string => new URL(`http://[${text}]/`).hostname.slice(1, -1);

describe('ip-text', () => {
  it.each([
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // RFC 5952 §4.2.3: two equal runs, the first one
    ['2001:0db8:0:0:0:0:2:1', '2001:db8::2:1'], // §4.1 leading zeros, §4.2.1
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: a single zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: the longer run, wherever it is
    ['2001:DB8::A', '2001:db8::a'], // §4.3 lower case
    ['::', '::'],
    ['::1', '::1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'], // a trailing dotted quad is read; printed as hex groups
  ])('%s → %s', (text, want) => {
    const b = ipv6Bytes(text);
    expect(b).not.toBeNull();
    expect(ipv6Text(b as Uint8Array)).toBe(want);
  });

  it.each(['1:2:3:4:5:6:7::8', '0.0.0.0::a', '1::2::3', ':::', '1:2:3:4:5:6:7', '12345::', 'g::1', '::1.2.3', '::256.0.0.1', '[::1]', '::1%eth0', ''])('refuses %j', (text) => {
    expect(ipv6Bytes(text)).toBeNull();
  });

  it.each(['1.2.3', '1.2.3.4.5', '01.2.3.4', '256.0.0.1', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 '])('refuses the IPv4 %j', (text) => {
    expect(ipv4Bytes(text)).toBeNull();
  });

  it('prints any 16 bytes as Node does, and reads its own text back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 8 }), (raw, zeroFrom, zeroLen) => {
        const b = Uint8Array.from(raw);
        b.fill(0, zeroFrom * 2, Math.min(16, (zeroFrom + zeroLen) * 2)); // runs of zero groups, where :: matters
        const text = ipv6Text(b);
        expect(text).toBe(nodeIpv6(text));
        expect(ipv6Bytes(text)).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly the IPv6 and IPv4 text Node accepts (without zones), and means the same address', () => {
    const hexGroup = fc.stringMatching(/^[0-9a-fA-F]{1,4}$/);
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    const piece = fc.oneof(hexGroup, fc.constant(''), fc.constant('0'), v4, fc.constantFrom('00000', 'x', '1.2.3', ' '));
    const text = fc.array(piece, { minLength: 1, maxLength: 10 }).map((ps) => ps.join(':'));
    fc.assert(
      fc.property(fc.oneof(text, v4, fc.string({ maxLength: 20 })), (t) => {
        const v6 = ipv6Bytes(t);
        const quad = ipv4Bytes(t);
        const node = isIP(t);
        expect({ t, family: v6 ? 6 : quad ? 4 : 0 }).toEqual({ t, family: t.includes('%') ? 0 : node });
        if (v6) expect(ipv6Text(v6)).toBe(nodeIpv6(t));
        if (quad) expect(ipv4Text(quad)).toBe(t);
      }),
      { numRuns: 5000 },
    );
  });
});
