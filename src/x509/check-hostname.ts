// Hostname check on the leaf (RFC 6125 §6.4, RFC 2818 §3.1) with the browsers' stricter wildcard and CN rules.
// Pure; no I/O.
import type { Finding } from '../events/schema';
import type { Check } from './context';
import { finding } from './findings';
import { say, sayOk } from './finding-text';
import { matchHostname } from './hostname';
import { formatIp } from './ip';
import { list } from './words';

export const checkHostname: Check = (ctx) => {
  const leaf = ctx.certs[0];
  if (!leaf || ctx.host === null) return [];
  const host = ctx.host;
  const dns = leaf.san?.dns ?? [];
  const ips = (leaf.san?.ips ?? []).map(formatIp);
  const m = matchHostname(host, { sanDns: dns, sanIps: leaf.san?.ips ?? [], cns: leaf.subjectCNs });
  const detail: Record<string, string> = {
    host,
    sanDns: dns.join(', ') || '(none)',
    sanIp: ips.join(', ') || '(none)',
    commonName: leaf.subjectCNs.join(', ') || '(none)',
  };
  const result = { index: 0, check: 'hostname' as const, findings: [] as Finding[], okMessage: '' };
  if (m.matched && m.by !== 'cn') {
    const what = m.by === 'san-ip' ? 'the IP address ' : '';
    result.okMessage = sayOk('hostname', { host, what, name: m.name });
    return [result];
  }
  if (m.matched) {
    detail.matchedBy = 'CN';
    result.findings.push(
      finding(
        'HOSTNAME_CN_ONLY',
        0,
        say('HOSTNAME_CN_ONLY', { host }),
        detail,
      ),
    );
    return [result];
  }
  const offered = [...dns, ...ips];
  const names = offered.length > 0 ? offered : leaf.subjectCNs;
  if (m.reasons.length > 0) detail.why = m.reasons.join('; ');
  const because = m.reasons.length > 0 ? ` (${m.reasons[0]})` : '';
  result.findings.push(
    finding(
      'HOSTNAME_MISMATCH',
      0,
      names.length > 0
        ? say('HOSTNAME_MISMATCH', { names: list(names.map((n) => `“${n}”`)), host, because })
        : say('HOSTNAME_MISMATCH.no_names', { host }),
      detail,
    ),
  );
  return [result];
};
