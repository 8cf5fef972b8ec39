// What `tlslab start --classroom` prints: the LAN address(es) students use, the proxy setting, the PAC and join
// URLs, the class code. lanAddresses reads os.networkInterfaces output; classroomBanner is a pure function of lines.
import type os from 'node:os';
import { effectiveAddress, parseIpLiteral, rangeOf } from './ip-address';
import { hostPort, JOIN_PATH, PAC_PATH } from './pac';

/**
 * The addresses students can reach this machine at: non-internal IPv4 first, then non-internal IPv6 that is not
 * link-local (a link-local address needs a zone, which no proxy setting can carry). Interface order is kept.
 */
export function lanAddresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      const a = parseIpLiteral(info.address);
      if (info.internal || a === null) continue;
      const range = rangeOf(a);
      if (range === 'loopback' || range === 'link-local' || range === 'unspecified' || range === 'multicast') continue;
      const e = effectiveAddress(a);
      (e.family === 4 ? v4 : v6).push(e.text);
    }
  }
  return [...new Set([...v4, ...v6])];
}

export interface BannerInput {
  /** From lanAddresses(): the first is the one to announce. */
  lanAddresses: readonly string[];
  proxyPort: number;
  /** The instructor's dashboard (on loopback), with its token if it has one; null when off. */
  dashboardUrl: string | null;
  classCode: string;
  /** Shown so the instructor can put it on the projector for students to compare. */
  caFingerprint256?: string;
  /** The student view through the proxy; default http://tlslab/. */
  viewUrl?: string;
}

/** The banner, one string per line (no trailing newline); the caller prints them. */
export function classroomBanner(b: BannerInput): string[] {
  const row = (label: string, value: string, note = ''): string => `  ${label.padEnd(13)} ${note === '' ? value : `${value.padEnd(34)} ${note}`}`;
  const lines = ['', '  tlslab is running in classroom mode.', ''];
  const [first, ...others] = b.lanAddresses;
  lines.push(row('Class code', b.classCode, '← read it aloud: students type it as the proxy password'));
  if (first === undefined) {
    lines.push(row('Proxy', `<this machine's address>:${b.proxyPort}`, '(no LAN address found: is the network up?)'));
  } else {
    const proxy = hostPort(first, b.proxyPort);
    lines.push(row('Proxy', proxy, '← students set this as their HTTP and HTTPS proxy'));
    lines.push(row('PAC URL', `http://${proxy}${PAC_PATH}`, '← or this, as the automatic proxy configuration URL'));
    lines.push(row('Join page', `http://${proxy}${JOIN_PATH}`, '← students open this first: every step, per platform'));
    if (others.length > 0) lines.push(row('Also on', others.map((a) => hostPort(a, b.proxyPort)).join(', ')));
  }
  lines.push(row('Sign in', 'user name = your name, password = the class code'));
  lines.push(row('Student view', b.viewUrl ?? 'http://tlslab/', '(through the proxy: each student sees their own connections)'));
  lines.push(row('Dashboard', b.dashboardUrl ?? '(off)', b.dashboardUrl === null ? '' : '(instructor only: every student, room overview, spotlight)'));
  if (b.caFingerprint256 !== undefined) lines.push(row('CA SHA-256', b.caFingerprint256));
  lines.push('', '  Ctrl-C to stop.', '');
  return lines;
}
