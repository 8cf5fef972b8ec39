// The proxy auto-config file served at http://HOST:PORT/proxy.pac: every request through tlslab, except the
// proxy's own address (its join page and this file) and the student's own loopback. Pure text.
import { parseIpLiteral } from './ip-address';

/** Where the proxy serves its own pages when asked directly (not as a proxy). */
export const PAC_PATH = '/proxy.pac';
export const JOIN_PATH = '/';
/** RFC-less but universal: the type browsers expect for a PAC file. */
export const PAC_CONTENT_TYPE = 'application/x-ns-proxy-autoconfig';

/** `host:port` as written in a URL or a PAC `PROXY` directive: IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  const ip = parseIpLiteral(host);
  return ip?.family === 6 ? `[${ip.text}]:${port}` : `${host}:${port}`;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.?$/;

/** A host a PAC file and a banner may name: an IP literal or a DNS name (RFC 1123 §2.1). */
export function isProxyHost(host: string): boolean {
  return parseIpLiteral(host) !== null || (host.length <= 253 && HOSTNAME.test(host));
}

/**
 * The PAC text. There is no `DIRECT` fallback after `PROXY`: if tlslab is down, pages fail instead of loading
 * around it, so no student believes they are watching traffic that is not passing through. Throws on a host
 * that is neither an IP literal nor a DNS name (the caller passes the address it listens on, never request input
 * it has not checked).
 */
export function pacFile(proxyHost: string, proxyPort: number): string {
  if (!isProxyHost(proxyHost) || !Number.isInteger(proxyPort) || proxyPort < 1 || proxyPort > 65535) {
    throw new RangeError(`pacFile: not a proxy address: ${JSON.stringify(proxyHost)}:${proxyPort}`);
  }
  const ip = parseIpLiteral(proxyHost);
  // Browsers pass `host` in lower case, IPv6 without brackets.
  const self = (ip?.text ?? proxyHost.toLowerCase()).replace(/\.$/, '');
  return `// tlslab classroom proxy: every request goes through ${hostPort(proxyHost, proxyPort)}.
// Exceptions: tlslab's own address (this file and the join page) and this device's own loopback.
function FindProxyForURL(url, host) {
  var h = host.toLowerCase();
  if (h === ${JSON.stringify(self)}) return "DIRECT";
  if (h === "localhost" || shExpMatch(h, "*.localhost") || /^127(\\.[0-9]{1,3}){3}$/.test(h) || h === "::1" || h === "[::1]") return "DIRECT";
  return ${JSON.stringify(`PROXY ${hostPort(proxyHost, proxyPort)}`)};
}
`;
}
