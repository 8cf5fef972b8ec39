// The classroom banner: LAN addresses in the right order, and the lines printed for them.
import os from 'node:os';
import { classroomBanner, lanAddresses } from '../../../src/classroom/banner';

const info = (address: string, internal = false): os.NetworkInterfaceInfo =>
  ({ address, netmask: '', family: address.includes(':') ? 'IPv6' : 'IPv4', mac: '', internal, cidr: null }) as os.NetworkInterfaceInfo;

describe('lanAddresses', () => {
  it('lists non-internal IPv4 first, then routable IPv6; no loopback, link-local or duplicates', () => {
    const got = lanAddresses({
      lo: [info('127.0.0.1', true), info('::1', true)],
      wlan0: [info('fe80::1'), info('2001:db8::7'), info('192.168.1.4')],
      eth0: [info('10.0.0.5'), info('fd00::5'), info('169.254.3.3')],
      docker0: [info('10.0.0.5')],
    });
    expect(got).toEqual(['192.168.1.4', '10.0.0.5', '2001:db8::7', 'fd00::5']);
  });

  it('reads this machine without throwing, and lists only addresses os.networkInterfaces reports', () => {
    const real = Object.values(os.networkInterfaces()).flatMap((l) => l ?? []).map((i) => i.address);
    for (const a of lanAddresses(os.networkInterfaces())) expect(real).toContain(a);
  });
});

describe('classroomBanner', () => {
  const base = { proxyPort: 8080, dashboardUrl: 'http://127.0.0.1:8081/', classCode: 'maple-rocket-47' };

  it('gives the class code, proxy setting, PAC URL, join page, student view and dashboard', () => {
    const text = classroomBanner({ ...base, lanAddresses: ['192.168.1.4', '10.0.0.5', 'fd00::5'], caFingerprint256: 'AB:CD' }).join('\n');
    expect(text).toMatch(/Class code +maple-rocket-47 +← read it aloud/);
    expect(text).toMatch(/Proxy +192\.168\.1\.4:8080 +← students set this/);
    expect(text).toContain('http://192.168.1.4:8080/proxy.pac');
    expect(text).toMatch(/Join page +http:\/\/192\.168\.1\.4:8080\/ /);
    expect(text).toMatch(/Also on +10\.0\.0\.5:8080, \[fd00::5\]:8080/);
    expect(text).toMatch(/Student view +http:\/\/tlslab\//);
    expect(text).toMatch(/Dashboard +http:\/\/127\.0\.0\.1:8081\/ /);
    expect(text).toMatch(/CA SHA-256 +AB:CD/);
  });

  it('brackets an IPv6-only classroom', () => {
    const text = classroomBanner({ ...base, lanAddresses: ['fd00::5'] }).join('\n');
    expect(text).toContain('http://[fd00::5]:8080/proxy.pac');
    expect(text).not.toContain('Also on');
  });

  it('says so when there is no LAN address', () => {
    const text = classroomBanner({ ...base, lanAddresses: [], dashboardUrl: null }).join('\n');
    expect(text).toContain('no LAN address found');
    expect(text).not.toContain('proxy.pac');
    expect(text).toMatch(/Dashboard +\(off\)/);
  });

  it('returns lines, none with a newline inside', () => {
    for (const line of classroomBanner({ ...base, lanAddresses: ['10.0.0.5'] })) expect(line).not.toContain('\n');
  });
});
