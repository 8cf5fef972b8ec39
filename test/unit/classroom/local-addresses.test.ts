// This machine's interface addresses: the real os.networkInterfaces, and refresh rules with an injected reader.
import os from 'node:os';
import { LocalAddresses } from '../../../src/classroom/local-addresses';
import { parseIpLiteral } from '../../../src/classroom/ip-address';

const ip = (t: string) => parseIpLiteral(t)!;
const iface = (address: string): os.NetworkInterfaceInfo =>
  ({ address, netmask: '255.255.255.0', family: address.includes(':') ? 'IPv6' : 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null }) as os.NetworkInterfaceInfo;

describe('LocalAddresses', () => {
  it('knows every address os.networkInterfaces reports, IPv4 also in mapped form', () => {
    const local = new LocalAddresses();
    const real = Object.values(os.networkInterfaces()).flatMap((l) => l ?? []);
    expect(real.length).toBeGreaterThan(0);
    for (const info of real) expect([info.address, local.has(ip(info.address))]).toEqual([info.address, true]);
    const v4 = real.find((i) => i.family === 'IPv4');
    expect(v4).toBeDefined();
    expect(local.has(ip(`::ffff:${v4!.address}`))).toBe(true);
    expect(local.has(ip('192.0.2.123'))).toBe(false); // TEST-NET-1, on no machine
  });

  it('re-reads when stale, and on a miss at most once per missRefreshMs', () => {
    let now = 0;
    let reads = 0;
    let addrs = ['10.0.0.5'];
    const local = new LocalAddresses({ now: () => now, maxAgeMs: 30_000, missRefreshMs: 1_000, read: () => (reads++, { eth0: addrs.map(iface) }) });
    expect(local.has(ip('10.0.0.5'))).toBe(true);
    expect(reads).toBe(1);
    addrs = ['10.0.0.6']; // DHCP gave a new address
    expect(local.has(ip('10.0.0.6'))).toBe(false); // within missRefreshMs of the last read: no re-read
    expect(reads).toBe(1);
    now = 1_500;
    expect(local.has(ip('10.0.0.6'))).toBe(true); // a miss re-reads
    expect(reads).toBe(2);
    expect(local.has(ip('192.0.2.1'))).toBe(false);
    expect(local.has(ip('192.0.2.1'))).toBe(false);
    expect(reads).toBe(2); // misses do not re-read more than once a second
    now = 1_500 + 30_001;
    addrs = ['10.0.0.7'];
    expect(local.has(ip('10.0.0.6'))).toBe(false); // stale: re-read even though it would have been a hit
    expect(reads).toBe(3);
  });

  it('keeps the last snapshot when the reader throws', () => {
    let now = 0;
    let fail = false;
    const local = new LocalAddresses({ now: () => now, read: () => { if (fail) throw new Error('boom'); return { eth0: [iface('10.0.0.5')] }; } });
    expect(local.has(ip('10.0.0.5'))).toBe(true);
    fail = true;
    now = 60_000;
    expect(local.has(ip('10.0.0.5'))).toBe(true);
    expect(local.list().map((a) => a.text)).toEqual(['10.0.0.5']);
  });
});
