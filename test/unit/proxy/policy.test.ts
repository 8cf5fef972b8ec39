import { UpstreamPolicyTable } from '../../../src/proxy/policy';
import { TlslabError } from '../../../src/errors';

describe('UpstreamPolicyTable', () => {
  it('defaults to block', () => {
    expect(UpstreamPolicyTable.parse([]).modeFor('example.com')).toBe('block');
  });

  it('takes a default and per-host rules; the last matching rule wins', () => {
    const t = UpstreamPolicyTable.parse(['mirror', 'expired.lab.tlslab=allow', '*.example.com=block', 'A.EXAMPLE.COM=allow']);
    expect(t.modeFor('expired.lab.tlslab')).toBe('allow');
    expect(t.modeFor('wrong-host.lab.tlslab')).toBe('mirror');
    expect(t.modeFor('x.example.com')).toBe('block');
    expect(t.modeFor('a.example.com')).toBe('allow');
    // A wildcard covers subdomains, not the name itself.
    expect(t.modeFor('example.com')).toBe('mirror');
  });

  it.each([['sometimes'], ['host='], ['=allow'], ['x=deny']])('refuses %j with a usage error', (bad) => {
    expect(() => UpstreamPolicyTable.parse([bad])).toThrow(TlslabError);
    try {
      UpstreamPolicyTable.parse([bad]);
    } catch (e) {
      expect((e as TlslabError).code).toBe('TLSLAB_ERR_USAGE');
    }
  });
});
