// Target hosts read as a resolver reads them: IPv4 shorthand, IPv6 brackets, trailing dots, forbidden characters.
// Cross-checked against the real resolver (dns.lookup, numeric hosts only: answered locally, no DNS traffic).
import dns from 'node:dns/promises';
import { isLocalhostName, readTargetHost } from '../../../src/classroom/target-host';

const addressOf = (raw: string): string | null => {
  const t = readTargetHost(raw);
  return t.kind === 'ip' ? t.address.text : null;
};

describe('readTargetHost', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0X7F.0.0.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['127.0x0.1', '127.0.0.1'],
    ['127.000.000.001', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['127.16777215', '127.255.255.255'],
    ['０x7f.1', '127.0.0.1'], // full-width digits fold (IDNA) before the IPv4 parser
    ['0', '0.0.0.0'],
    ['0x0', '0.0.0.0'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['[::ffff:7f00:1]', '::ffff:7f00:1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['[0:0:0:0:0:ffff:7f00:1]', '::ffff:7f00:1'],
    ['[::]', '::'],
    ['10.0.0.5', '10.0.0.5'],
  ])('%j is the address %s', (raw, want) => expect(addressOf(raw)).toBe(want));

  it.each([
    ['example.com', 'example.com'],
    ['EXAMPLE.com.', 'example.com'],
    ['localhost.', 'localhost'],
    ['LOCALHOST', 'localhost'],
    ['a.localhost', 'a.localhost'],
    ['valid.lab.tlslab', 'valid.lab.tlslab'],
    ['tlslab', 'tlslab'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['127.example.com', '127.example.com'],
  ])('%j is the name %s', (raw, want) => expect(readTargetHost(raw)).toEqual({ kind: 'name', name: want }));

  it.each([
    ['', 'empty'],
    ['x'.repeat(301), 'too-long'],
    ['127.0.0.1 foo', 'bad-character'],
    ['127.0.0.1\tx', 'bad-character'],
    ['evil@127.0.0.1', 'bad-character'],
    ['example.com/127.0.0.1', 'bad-character'],
    ['127.0.0.1#x', 'bad-character'],
    ['local\\host', 'bad-character'],
    ['%31%32%37.0.0.1', 'bad-character'],
    ['127.0.0.1%00', 'bad-character'],
    ['example.com:443', 'unparseable'],
    ['[::1]:443', 'unparseable'],
    ['[::1', 'unparseable'],
    ['1.2.3.4.5', 'unparseable'],
    ['4294967296', 'unparseable'],
    ['...', 'unparseable'],
    ['[example.com]', 'unparseable'],
  ])('%j is invalid (%s)', (raw, why) => expect(readTargetHost(raw)).toEqual({ kind: 'invalid', why }));

  it('reads numeric hosts the way the system resolver does', async () => {
    const numeric = ['127.1', '0x7f.1', '2130706433', '017700000001', '0177.0.0.1', '127.0x0.1', '127.000.000.001', '0', '0x0', '127.16777215', '127.0.65535', '10.1', '4294967295', '::ffff:127.0.0.1'];
    for (const h of numeric) {
      const [got] = await dns.lookup(h, { all: true });
      expect([h, addressOf(h)]).toEqual([h, addressOf(got.address)]);
    }
  });
});

describe('isLocalhostName', () => {
  it.each([['localhost', true], ['LocalHost.', true], ['x.y.localhost', true], ['localhost.example', false], ['notlocalhost', false]])('%s → %s', (n, want) =>
    expect(isLocalhostName(n)).toBe(want),
  );
});
