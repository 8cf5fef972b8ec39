import { normalizeNames } from '../../../src/ca/names';
import { TlslabError } from '../../../src/errors';

describe('normalizeNames', () => {
  it('lowercases, strips the trailing dot, dedupes and keeps the first name as primary', () => {
    const n = normalizeNames({ dns: ['WWW.Example.com.', 'example.com', 'www.example.com'], ips: [] });
    expect(n.dns).toEqual(['www.example.com', 'example.com']);
    expect(n.primary).toBe('www.example.com');
  });

  it('moves IP literals given as DNS names to ips and canonicalizes IPv6', () => {
    const n = normalizeNames({ dns: ['127.0.0.1', 'a.test'], ips: ['[0:0:0:0:0:0:0:1]', '::1', '127.0.0.1'] });
    expect(n.dns).toEqual(['a.test']);
    expect(n.ips).toEqual(['127.0.0.1', '::1']);
    expect(n.primary).toBe('a.test');
  });

  it('uses an IP as primary when there is no DNS name', () => {
    expect(normalizeNames({ dns: [], ips: ['10.0.0.1'] }).primary).toBe('10.0.0.1');
  });

  it('gives one key for the same set in any order', () => {
    const a = normalizeNames({ dns: ['b.test', 'a.test'], ips: ['127.0.0.1'] });
    const b = normalizeNames({ dns: ['127.0.0.1', 'A.test', 'b.test'], ips: [] });
    expect(a.key).toBe(b.key);
    expect(a.key).toBe('dns:a.test,dns:b.test,ip:127.0.0.1');
  });

  it('accepts wildcards and refuses what is not a DNS name', () => {
    expect(normalizeNames({ dns: ['*.example.com'], ips: [] }).dns).toEqual(['*.example.com']);
    expect(() => normalizeNames({ dns: ['bad name'], ips: [] })).toThrow(TlslabError);
    expect(() => normalizeNames({ dns: ['a.*.example'], ips: [] })).toThrow(/not a DNS name/);
  });

  it('refuses an empty list with TLSLAB_ERR_LEAF_ISSUE', () => {
    try {
      normalizeNames({ dns: [' '], ips: [] });
      throw new Error('should have thrown');
    } catch (err) {
      expect((err as TlslabError).code).toBe('TLSLAB_ERR_LEAF_ISSUE');
    }
  });
});
