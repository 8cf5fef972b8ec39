// Link-layer headers → where the IP packet starts: Ethernet, raw IP, Linux cooked (SLL, SLL2), BSD loopback.
// Pure byte parsing; LINKTYPE numbers from https://www.tcpdump.org/linktypes.html (read 2025).
import { u16be } from './bytes';

/** Where the network-layer packet starts, and which protocol it is (`ip` = read the version nibble). */
export type LinkResult = { ok: true; offset: number; network: 'ipv4' | 'ipv6' | 'ip' } | { ok: false; reason: 'link-type' | 'not-ip' | 'truncated' };

type LinkParser = (b: Uint8Array) => LinkResult;

/** EtherType → network protocol (IEEE 802 numbers). */
const ETHERTYPES: Readonly<Record<number, 'ipv4' | 'ipv6'>> = { 0x0800: 'ipv4', 0x86dd: 'ipv6' };
/** 802.1Q VLAN tag, 802.1ad QinQ, and the old QinQ tag: each adds 4 bytes before the real EtherType. */
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

function byEthertype(b: Uint8Array, typeAt: number, payloadAt: number): LinkResult {
  if (b.length < payloadAt) return { ok: false, reason: 'truncated' };
  const network = ETHERTYPES[u16be(b, typeAt)];
  return network ? { ok: true, offset: payloadAt, network } : { ok: false, reason: 'not-ip' };
}

/** LINKTYPE_ETHERNET (1): dst MAC (6), src MAC (6), EtherType (2), with optional VLAN tags. */
function ethernet(b: Uint8Array): LinkResult {
  let typeAt = 12;
  while (b.length >= typeAt + 2 && VLAN_TAGS.has(u16be(b, typeAt))) typeAt += 4;
  return byEthertype(b, typeAt, typeAt + 2);
}

/** LINKTYPE_NULL (0) and LINKTYPE_LOOP (108): a 4-byte address family, host or network byte order. */
function loopback(b: Uint8Array): LinkResult {
  if (b.length < 5) return { ok: false, reason: 'truncated' };
  // AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 depending on the OS. The IP version nibble decides.
  const family = b[0] || b[3];
  if (family !== 2 && family !== 10 && family !== 24 && family !== 28 && family !== 30) return { ok: false, reason: 'not-ip' };
  return { ok: true, offset: 4, network: 'ip' };
}

/** LINKTYPE_LINUX_SLL (113): 16-byte header, protocol type at offset 14. */
function sll(b: Uint8Array): LinkResult {
  return byEthertype(b, 14, 16);
}

/** LINKTYPE_LINUX_SLL2 (276): 20-byte header, protocol type at offset 0. */
function sll2(b: Uint8Array): LinkResult {
  return byEthertype(b, 0, 20);
}

const rawIp: LinkParser = (b) => (b.length < 1 ? { ok: false, reason: 'truncated' } : { ok: true, offset: 0, network: 'ip' });
const rawIpv4: LinkParser = (b) => (b.length < 1 ? { ok: false, reason: 'truncated' } : { ok: true, offset: 0, network: 'ipv4' });
const rawIpv6: LinkParser = (b) => (b.length < 1 ? { ok: false, reason: 'truncated' } : { ok: true, offset: 0, network: 'ipv6' });

/** LINKTYPE number → name and parser. */
export const LINK_TYPES: Readonly<Record<number, { name: string; parse: LinkParser }>> = {
  0: { name: 'NULL (BSD loopback)', parse: loopback },
  1: { name: 'ETHERNET', parse: ethernet },
  12: { name: 'RAW (OpenBSD)', parse: rawIp },
  101: { name: 'RAW', parse: rawIp },
  108: { name: 'LOOP (OpenBSD loopback)', parse: loopback },
  113: { name: 'LINUX_SLL', parse: sll },
  228: { name: 'IPV4', parse: rawIpv4 },
  229: { name: 'IPV6', parse: rawIpv6 },
  276: { name: 'LINUX_SLL2', parse: sll2 },
};

export function parseLinkLayer(linkType: number, b: Uint8Array): LinkResult {
  const entry = LINK_TYPES[linkType];
  return entry ? entry.parse(b) : { ok: false, reason: 'link-type' };
}
