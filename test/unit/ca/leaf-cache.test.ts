// LeafCache: one issuance per name set however many connections ask at once; LRU bound; real contexts.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { CertificateAuthority, LeafCache } from '../../../src/ca';
import { cleanupTempDirs, tempDir } from '../../helpers/ca-temp';

let ca: CertificateAuthority;
beforeAll(async () => {
  ca = await CertificateAuthority.loadOrCreate(tempDir());
});
afterAll(cleanupTempDirs);

describe('LeafCache', () => {
  it('shares one issuance among 100 concurrent gets for one name', async () => {
    const cache = new LeafCache(ca);
    const contexts = await Promise.all(Array.from({ length: 100 }, () => cache.get({ dns: ['same.test'], ips: [] })));
    expect(cache.issued).toBe(1);
    expect(cache.size).toBe(1);
    expect(new Set(contexts).size).toBe(1);
  });

  it('keys by the sorted, normalized name list', async () => {
    const cache = new LeafCache(ca);
    const a = await cache.get({ dns: ['b.test', 'a.test'], ips: ['127.0.0.1'] });
    const b = await cache.get({ dns: ['A.test', '127.0.0.1', 'b.test.'], ips: [] });
    expect(a).toBe(b);
    expect(cache.issued).toBe(1);
    await cache.get({ dns: ['a.test'], ips: [] });
    expect(cache.issued).toBe(2);
  });

  it('evicts the least recently used entry at its bound', async () => {
    const cache = new LeafCache(ca, 3);
    const n = (h: string) => ({ dns: [h], ips: [] });
    await cache.get(n('1.test'));
    await cache.get(n('2.test'));
    await cache.get(n('3.test'));
    await cache.get(n('1.test')); // refresh 1: 2 is now the oldest
    await cache.get(n('4.test'));
    expect(cache.size).toBe(3);
    expect(cache.has(n('2.test'))).toBe(false);
    expect(cache.has(n('1.test'))).toBe(true);
    expect(cache.issued).toBe(4);
    await cache.get(n('2.test'));
    expect(cache.issued).toBe(5);
    expect(cache.size).toBe(3);
  });

  it('rejects (does not throw) on names it cannot issue for, and caches nothing', async () => {
    const cache = new LeafCache(ca);
    await expect(cache.get({ dns: [], ips: [] })).rejects.toMatchObject({ code: 'TLSLAB_ERR_LEAF_ISSUE' });
    expect(cache.size).toBe(0);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new LeafCache(ca, 0)).toThrow(RangeError);
  });

  it('serves its context to a real TLS client that trusts only the CA (SNI callback)', async () => {
    const cache = new LeafCache(ca);
    const server = tls.createServer(
      {
        SNICallback: (name, cb) => {
          cache.get({ dns: [name], ips: [] }).then((c) => cb(null, c), cb);
        },
      },
      (s) => s.end('ok'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      for (const name of ['one.test', 'two.test', 'one.test']) {
        const c = tls.connect({ host: '127.0.0.1', port, servername: name, ca: ca.certPem });
        await once(c, 'secureConnect');
        expect(c.authorized).toBe(true);
        expect(c.getPeerCertificate().subject.CN).toBe(name);
        c.destroy();
      }
      expect(cache.issued).toBe(2);
    } finally {
      server.close();
    }
  });
});
