// Link layers (Ethernet + VLAN, raw IP, SLL, SLL2, BSD loopback), IPv4/IPv6 with extension headers, TCP.
import { decodeTcpPacket, ethernetFrame, ipv6Text, addressBytes, LINK_TYPES } from '../../../src/pcap';
import { nullFrame, sll2Frame, sllFrame, tcpIp } from '../../helpers/capture-synth';

const V4A = { address: '127.0.0.1', port: 40000 };
const V4B = { address: '127.0.0.1', port: 443 };
const V6A = { address: '::1', port: 40001 };
const V6B = { address: '::1', port: 8443 };
const PAYLOAD = Buffer.from('hello, tcp');

function expectSegment(linkType: number, frame: Uint8Array, src: { address: string; port: number }) {
  const r = decodeTcpPacket(linkType, frame);
  if (!r.ok) throw new Error(`link ${linkType}: ${r.reason}`);
  expect(r.segment.src).toEqual(src);
  expect(Buffer.from(r.segment.payload).toString()).toBe('hello, tcp');
  expect(r.segment.seq).toBe(0xfffffff0);
  expect(r.segment.flags).toEqual({ fin: false, syn: false, rst: false, psh: true, ack: true });
  return r.segment;
}

describe('packet decoding', () => {
  const v4 = tcpIp(V4A, V4B, 0xfffffff0, 77, { ack: true, psh: true }, PAYLOAD);
  const v6 = tcpIp(V6A, V6B, 0xfffffff0, 77, { ack: true, psh: true }, PAYLOAD);

  it('reads every supported link type, IPv4 and IPv6', () => {
    for (const [ip, src] of [[v4, V4A], [v6, V6A]] as const) {
      expectSegment(1, ethernetFrame(ip), src);
      expectSegment(101, ip, src);
      expectSegment(12, ip, src);
      expectSegment(113, sllFrame(ip), src);
      expectSegment(276, sll2Frame(ip), src);
      for (const le of [true, false]) expectSegment(0, nullFrame(ip, ip === v4 ? 2 : 30, le), src);
    }
    expectSegment(228, v4, V4A);
    expectSegment(229, v6, V6A);
    expect(decodeTcpPacket(228, v6)).toEqual({ ok: false, reason: 'not-ip' });
    expect(Object.keys(LINK_TYPES).map(Number)).toEqual(expect.arrayContaining([0, 1, 101, 113, 228, 229, 276]));
  });

  it('skips VLAN tags and trims Ethernet padding by the IP total length', () => {
    const frame = ethernetFrame(v4);
    const tagged = Buffer.concat([frame.subarray(0, 12), Buffer.from([0x81, 0x00, 0x00, 0x05]), frame.subarray(12), Buffer.alloc(6)]);
    expectSegment(1, tagged, V4A);
  });

  it('skips IPv6 extension headers (hop-by-hop, destination options, atomic fragment)', () => {
    const base = Buffer.from(v6);
    const tcp = base.subarray(40);
    const hop = Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]); // next: destination options; PadN
    const dst = Buffer.from([44, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // next: fragment; 16 bytes
    const frag = Buffer.from([6, 0, 0, 0, 0, 0, 0, 42]); // offset 0, M clear: atomic
    const hdr = Buffer.from(base.subarray(0, 40));
    hdr[6] = 0; // hop-by-hop first
    hdr.writeUInt16BE(hop.length + dst.length + frag.length + tcp.length, 4);
    const seg = expectSegment(101, Buffer.concat([hdr, hop, dst, frag, tcp]), V6A);
    expect(seg.ipVersion).toBe(6);
    const realFrag = Buffer.from([6, 0, 0, 8 | 1, 0, 0, 0, 42]); // offset 1, M set
    expect(decodeTcpPacket(101, Buffer.concat([hdr, hop, dst, realFrag, tcp]))).toEqual({ ok: false, reason: 'ip-fragment' });
  });

  it('names why a packet is skipped', () => {
    const udp = Buffer.from(v4);
    udp[9] = 17;
    expect(decodeTcpPacket(101, udp)).toEqual({ ok: false, reason: 'not-tcp' });
    const frag = Buffer.from(v4);
    frag[6] = 0x20; // more fragments
    expect(decodeTcpPacket(101, frag)).toEqual({ ok: false, reason: 'ip-fragment' });
    expect(decodeTcpPacket(147, v4)).toEqual({ ok: false, reason: 'link-type' });
    const arp = Buffer.from(ethernetFrame(v4));
    arp.writeUInt16BE(0x0806, 12);
    expect(decodeTcpPacket(1, arp)).toEqual({ ok: false, reason: 'not-ip' });
    expect(decodeTcpPacket(101, v4.subarray(0, 30))).toEqual({ ok: false, reason: 'truncated' });
    expect(decodeTcpPacket(101, v6.subarray(0, 39))).toEqual({ ok: false, reason: 'truncated' });
    for (let n = 0; n <= v4.length; n++) expect(() => decodeTcpPacket(1, ethernetFrame(v4).subarray(0, n))).not.toThrow();
  });

  it('writes IPv6 addresses in RFC 5952 form and reads them back', () => {
    for (const text of ['::1', '::', '2001:db8::1', 'fe80::1:0:0:2', '2001:db8:0:1:1:1:1:1', '1::', '2001:0:0:1::1']) {
      const b = addressBytes(text);
      if (!b) throw new Error(text);
      expect(ipv6Text(b, 0)).toBe(text);
    }
    expect(ipv6Text(addressBytes('2001:db8:0:0:1:0:0:1') as Uint8Array, 0)).toBe('2001:db8::1:0:0:1');
    expect(addressBytes('1.2.3.256')).toBeNull();
    expect(addressBytes('1::2::3')).toBeNull();
    expect(addressBytes('example.com')).toBeNull();
  });

  it('computes TCP and IPv4 checksums that verify (RFC 1071: the sum over the segment is all ones)', () => {
    const sum = (parts: Uint8Array[]) => {
      const b = Buffer.concat(parts);
      let s = 0;
      for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (b[i + 1] ?? 0);
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      return s;
    };
    const ip = Buffer.from(tcpIp(V4A, V4B, 1, 2, { ack: true }, Buffer.from('odd')));
    expect(sum([ip.subarray(0, 20)])).toBe(0xffff);
    const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6]), Buffer.from([0, ip.length - 20])]);
    expect(sum([pseudo, ip.subarray(20)])).toBe(0xffff);
  });
});
