// The address guard: which clients may use the proxy and which targets they may reach. Examples, then
// properties (fast-check): it never throws, and every spelling of a 127/8 address is refused for a LAN client.
import dns from 'node:dns/promises';
import type os from 'node:os';
import fc from 'fast-check';
import { AddressGuard, isBuiltInName, LAB_SUFFIX, TLSLAB_HOST } from '../../../src/classroom/address-guard';
import { parseAllowClients } from '../../../src/classroom/cidr';
import { LocalAddresses } from '../../../src/classroom/local-addresses';
import { LAB_DOMAIN } from '../../../src/lab/lab-cases';
import { MAGIC_HOST } from '../../../src/proxy/magic-host';

const iface = (address: string, internal = false): os.NetworkInterfaceInfo =>
  ({ address, netmask: '', family: address.includes(':') ? 'IPv6' : 'IPv4', mac: '', internal, cidr: null }) as os.NetworkInterfaceInfo;
/** This machine, as the guard sees it: loopback, a LAN address, a ULA and a public IPv6 address. */
const local = () => new LocalAddresses({ read: () => ({ lo: [iface('127.0.0.1', true), iface('::1', true)], eth0: [iface('10.0.0.5'), iface('fd00::5'), iface('2001:db8::5')] }) });
const DASH = 8081;
const PROXY = 8080;
const guard = (o: { exposed?: boolean; allow?: string[] } = {}) => {
  const allow = parseAllowClients(o.allow ?? []);
  if (!allow.ok) throw new Error(allow.messages.join('; '));
  return new AddressGuard({ exposed: o.exposed ?? true, local: local(), allowClients: allow.set, ownPorts: [DASH, PROXY] });
};
const LAN = '10.0.0.9';

describe('built-in names', () => {
  it('agree with the proxy and the lab', () => {
    expect(TLSLAB_HOST).toBe(MAGIC_HOST);
    expect(LAB_SUFFIX).toBe(`.${LAB_DOMAIN}`);
  });
  it.each([['tlslab', true], ['TLSLAB.', true], ['expired.lab.tlslab', true], ['a.b.lab.tlslab.', true], ['lab.tlslab', false], ['.lab.tlslab', false], ['xlab.tlslab', false], ['tlslab.example', false]])(
    '%s → %s',
    (n, want) => expect(isBuiltInName(n)).toBe(want),
  );
});

describe('checkClient', () => {
  it.each([
    ['10.0.0.9', true],
    ['::ffff:192.168.1.20', true],
    ['172.20.1.1', true],
    ['100.100.1.1', true],
    ['fd00::9', true],
    ['fe80::9%eth0', true],
    ['127.0.0.1', true],
    ['2001:db8::5', true], // public, but one of this machine's own addresses
    ['8.8.8.8', false],
    ['::ffff:8.8.8.8', false],
    ['2001:4860::1', false],
  ])('exposed: %s allowed = %s', (client, ok) => expect(guard().checkClient(client).allow).toBe(ok));

  it('names the refused public address (its effective form)', () => {
    expect(guard().checkClient('::ffff:198.51.100.7')).toEqual({ allow: false, reason: 'client-public', detail: '198.51.100.7' });
  });

  it('--allow-client widens to public blocks', () => {
    const g = guard({ allow: ['198.51.100.0/24', '2001:4860::/32'] });
    expect(g.checkClient('198.51.100.7').allow).toBe(true);
    expect(g.checkClient('::ffff:198.51.100.7').allow).toBe(true);
    expect(g.checkClient('2001:4860::1').allow).toBe(true);
    expect(g.checkClient('198.51.101.7').allow).toBe(false);
  });

  it('allows any client when the proxy listens on loopback only', () => {
    expect(guard({ exposed: false }).checkClient('8.8.8.8').allow).toBe(true);
  });

  it.each([undefined, '', 'garbage', '10.0.0'])('refuses a client with no readable address (%j)', (client) => {
    expect(guard().checkClient(client)).toMatchObject({ allow: false, reason: 'client-unknown' });
  });
});

describe('checkTarget', () => {
  const g = guard();
  it.each([
    ['127.0.0.1', 80, 'target-loopback'],
    ['127.1', 22, 'target-loopback'],
    ['0x7f.1', 22, 'target-loopback'],
    ['2130706433', 22, 'target-loopback'],
    ['[::ffff:7f00:1]', 22, 'target-loopback'],
    ['::ffff:127.0.0.1', 22, 'target-loopback'],
    ['[::1]', 443, 'target-loopback'],
    ['::127.0.0.1', 443, 'target-loopback'],
    ['localhost', 80, 'target-loopback'],
    ['localhost.', 80, 'target-loopback'],
    ['LOCALHOST', 80, 'target-loopback'],
    ['db.localhost', 5432, 'target-loopback'],
    ['0.0.0.0', 80, 'target-unspecified'],
    ['0', 80, 'target-unspecified'],
    ['[::]', 80, 'target-unspecified'],
    ['169.254.169.254', 80, 'target-link-local'],
    ['[fe80::1]', 80, 'target-link-local'],
    ['10.0.0.5', 22, 'target-this-machine'],
    ['::ffff:10.0.0.5', 22, 'target-this-machine'],
    ['[fd00::5]', 22, 'target-this-machine'],
    ['[2001:db8::5]', 443, 'target-this-machine'],
    ['127.0.0.1', DASH, 'target-tlslab-port'],
    ['10.0.0.5', DASH, 'target-tlslab-port'],
    ['10.0.0.5', PROXY, 'target-tlslab-port'],
    ['localhost', DASH, 'target-tlslab-port'],
    ['example.com/x', 80, 'target-invalid'],
    ['example.com:80', 80, 'target-invalid'],
  ])('a LAN client to %s:%d is refused (%s)', (host, port, reason) => {
    expect(g.checkTarget({ client: LAN, host, port, resolved: ['93.184.215.14'] })).toMatchObject({ allow: false, reason });
  });

  it.each([
    ['example.com', ['93.184.215.14']],
    ['example.com', ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']],
    ['10.0.0.77', []], // another machine on the LAN
    ['93.184.215.14', []],
    ['tlslab', []],
    ['expired.lab.tlslab', ['127.0.0.1']], // routed by the proxy itself, never resolved
  ])('a LAN client to %s (%j) is allowed', (host, resolved) => {
    expect(g.checkTarget({ client: LAN, host, port: 443, resolved })).toEqual({ allow: true });
  });

  it('refuses a name that resolves to this machine, whichever of its addresses does', () => {
    for (const bad of ['127.0.0.1', '::1', '10.0.0.5', '::ffff:10.0.0.5', '0.0.0.0', '169.254.1.1', 'fd00::5']) {
      const d = g.checkTarget({ client: LAN, host: 'rebind.example', port: 443, resolved: ['93.184.215.14', bad] });
      expect([bad, d.allow]).toEqual([bad, false]);
    }
  });

  it('refuses a name without resolved addresses or with junk ones (the caller must resolve, then pin)', () => {
    expect(g.checkTarget({ client: LAN, host: 'example.com', port: 443 })).toMatchObject({ allow: false, reason: 'target-unresolved' });
    expect(g.checkTarget({ client: LAN, host: 'example.com', port: 443, resolved: ['not-an-ip'] })).toMatchObject({ allow: false, reason: 'target-unresolved' });
  });

  it('precheckTarget refuses what the name shows and lets names through to resolution', () => {
    expect(g.precheckTarget({ client: LAN, host: 'localhost', port: 80 })).toMatchObject({ allow: false, reason: 'target-loopback' });
    expect(g.precheckTarget({ client: LAN, host: 'example.com', port: 80 })).toEqual({ allow: true });
  });

  it('lets this machine reach itself, except tlslab’s own ports', () => {
    for (const client of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.5']) {
      expect(g.checkTarget({ client, host: '127.0.0.1', port: 5432 })).toEqual({ allow: true });
      expect(g.checkTarget({ client, host: 'localhost', port: 3000, resolved: ['127.0.0.1', '::1'] })).toEqual({ allow: true });
      expect(g.checkTarget({ client, host: '127.0.0.1', port: DASH })).toMatchObject({ allow: false, reason: 'target-tlslab-port' });
      expect(g.checkTarget({ client, host: 'dash.example', port: DASH, resolved: ['10.0.0.5'] })).toMatchObject({ allow: false, reason: 'target-tlslab-port' });
    }
  });

  it('refuses the dashboard port on loopback in every mode', () => {
    const single = guard({ exposed: false });
    expect(single.checkTarget({ client: '127.0.0.1', host: '127.0.0.1', port: DASH })).toMatchObject({ allow: false, reason: 'target-tlslab-port' });
    expect(single.checkTarget({ client: '127.0.0.1', host: '127.0.0.1', port: 9999 })).toEqual({ allow: true });
  });

  it('keeps request text in the detail short', () => {
    const d = g.checkTarget({ client: LAN, host: `${'a'.repeat(250)}.localhost`, port: 1 });
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.detail.length).toBeLessThan(120);
  });
});

/** Every way to write the IPv4 address `n` that the URL Standard's IPv4 parser (and glibc's inet_aton) accepts. */
function ipv4Spelling(n: number): fc.Arbitrary<string> {
  const radix = fc.constantFrom<'dec' | 'oct' | 'hex' | 'HEX'>('dec', 'oct', 'hex', 'HEX');
  const write = (v: number, r: 'dec' | 'oct' | 'hex' | 'HEX', zeros: number): string =>
    r === 'dec' ? String(v) : r === 'oct' ? `0${'0'.repeat(zeros)}${v.toString(8)}` : r === 'hex' ? `0x${'0'.repeat(zeros)}${v.toString(16)}` : `0X${v.toString(16).toUpperCase()}`;
  const b = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const splits = [[b[0], b[1], b[2], b[3]], [b[0], b[1], (b[2] << 8) | b[3]], [b[0], ((b[1] << 16) | (b[2] << 8) | b[3]) >>> 0], [n >>> 0]];
  return fc
    .record({ parts: fc.constantFrom(...splits), radixes: fc.array(radix, { minLength: 4, maxLength: 4 }), zeros: fc.nat(2), dot: fc.boolean() })
    .map(({ parts, radixes, zeros, dot }) => parts.map((v, i) => write(v, radixes[i], zeros)).join('.') + (dot ? '.' : ''));
}

/** IPv6 forms that carry the IPv4 address `n`: mapped (dotted or hex), compatible, NAT64; bracketed or not. */
function ipv6Spelling(n: number): fc.Arbitrary<string> {
  const hi = ((n >>> 16) & 0xffff).toString(16);
  const lo = (n & 0xffff).toString(16);
  const dotted = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  return fc
    .record({
      form: fc.constantFrom(`::ffff:${dotted}`, `::ffff:${hi}:${lo}`, `0:0:0:0:0:ffff:${hi}:${lo}`, `::FFFF:${hi.toUpperCase()}:${lo}`, `::${dotted}`, `64:ff9b::${hi}:${lo}`, `0::ffff:${dotted}`),
      bracket: fc.boolean(),
    })
    .map(({ form, bracket }) => (bracket ? `[${form}]` : form));
}

const loopbackV4 = fc.integer({ min: 0x7f000000, max: 0x7fffffff });

describe('properties', () => {
  const g = guard();

  it('never throws, whatever the client, host, port and resolved addresses', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ unit: 'binary', maxLength: 60 }), { nil: undefined }),
        fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.ipV4Extended(), fc.ipV6(), fc.domain()),
        fc.integer({ min: -1, max: 70000 }),
        fc.option(fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 40 })), { maxLength: 4 }), { nil: undefined }),
        (client, host, port, resolved) => {
          const d = g.checkTarget({ client, host, port, resolved });
          expect(typeof d.allow).toBe('boolean');
          const c = g.checkClient(client);
          expect(typeof c.allow).toBe('boolean');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses every spelling of a 127/8 address to a LAN client, before any DNS', () => {
    fc.assert(
      fc.property(
        loopbackV4.chain((n) => fc.oneof(ipv4Spelling(n), ipv6Spelling(n))),
        fc.integer({ min: 1, max: 65535 }),
        (host, port) => {
          const d = g.precheckTarget({ client: LAN, host, port });
          expect([host, d.allow]).toEqual([host, false]);
          if (!d.allow) expect(['target-loopback', 'target-tlslab-port']).toContain(d.reason);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('the 127/8 spellings are real: the system resolver reads them as the same loopback address', async () => {
    const samples = fc.sample(loopbackV4.chain((n) => ipv4Spelling(n).map((s) => [n, s] as const)), { numRuns: 200, seed: 7 });
    for (const [n, spelling] of samples) {
      if (spelling.endsWith('.')) continue; // glibc does not take a trailing dot on a number; WHATWG and DNS do
      const { address } = await dns.lookup(spelling, { family: 4 });
      expect([spelling, address]).toEqual([spelling, [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')]);
    }
  });

  it('refuses a LAN client any name that resolves to loopback among other addresses', () => {
    fc.assert(
      fc.property(fc.domain(), fc.array(fc.ipV4(), { maxLength: 3 }), loopbackV4, fc.nat(3), (name, others, n, at) => {
        fc.pre(!isBuiltInName(name));
        const resolved = [...others];
        resolved.splice(Math.min(at, resolved.length), 0, [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
        expect(g.checkTarget({ client: LAN, host: name, port: 443, resolved }).allow).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('never refuses the built-in names, whatever they resolve to', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.boolean(), fc.integer({ min: 1, max: 65535 }), (label, lab, port) => {
        const host = lab ? `${label}.lab.tlslab` : 'tlslab';
        expect(g.checkTarget({ client: LAN, host, port, resolved: ['127.0.0.1'] })).toEqual({ allow: true });
      }),
    );
  });
});
