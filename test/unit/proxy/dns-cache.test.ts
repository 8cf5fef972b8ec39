// DnsCache: one lookup per name every few seconds, shared while in flight; failures never kept; bounded.
import { DnsCache } from '../../../src/proxy/dns-cache';
import type { Resolution } from '../../../src/proxy/upstream';

const answer = (address: string): Resolution => ({ ok: true, addresses: [{ address, family: 4 }] });
const failure: Resolution = { ok: false, error: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }) };

describe('DnsCache', () => {
  let now = 1_000_000;
  const asked: string[] = [];
  const table = new Map<string, Resolution>([['a.example', answer('192.0.2.1')], ['b.example', answer('192.0.2.2')]]);
  const lookup = (name: string): Promise<Resolution> => {
    asked.push(name);
    return Promise.resolve(table.get(name.toLowerCase()) ?? failure);
  };
  beforeEach(() => {
    asked.length = 0;
  });

  it('answers a name again from its last lookup for ttlMs, then looks it up again', async () => {
    const dns = new DnsCache(lookup, { ttlMs: 5000, clock: () => now });
    expect(await dns.resolve('a.example')).toEqual(answer('192.0.2.1'));
    now += 4999;
    expect(await dns.resolve('A.Example')).toEqual(answer('192.0.2.1'));
    expect(asked).toEqual(['a.example']);
    now += 1;
    table.set('a.example', answer('192.0.2.9'));
    expect(await dns.resolve('a.example')).toEqual(answer('192.0.2.9'));
    expect(asked).toEqual(['a.example', 'a.example']);
    expect(dns.lookups).toBe(2);
  });

  it('shares a lookup in flight, and never keeps a failure', async () => {
    const dns = new DnsCache(lookup, { clock: () => now });
    const [x, y] = await Promise.all([dns.resolve('b.example'), dns.resolve('b.example')]);
    expect(x).toBe(y);
    expect(asked).toEqual(['b.example']);
    expect((await dns.resolve('nx.example')).ok).toBe(false);
    expect((await dns.resolve('nx.example')).ok).toBe(false);
    expect(asked).toEqual(['b.example', 'nx.example', 'nx.example']);
  });

  it('keeps at most maxNames answers, the oldest dropped first', async () => {
    const dns = new DnsCache(lookup, { maxNames: 1, clock: () => now });
    await dns.resolve('a.example');
    await dns.resolve('b.example');
    await dns.resolve('b.example');
    await dns.resolve('a.example');
    expect(asked).toEqual(['a.example', 'b.example', 'a.example']);
  });
});
