// The certificate chains side by side: what the real server sent (tls:verdict) and what tlslab minted (tls:presented),
// each certificate with its checks lit green or red. DOM only.
import type { CertSummary, Finding, TlsPresentedEvent, TlsVerdictEvent, TlslabEvent } from '../events/schema.js';
import { h } from './dom.js';

export function renderChains(events: readonly TlslabEvent[]): HTMLElement {
  let verdict: TlsVerdictEvent | undefined;
  let presented: TlsPresentedEvent | undefined;
  for (const e of events) {
    if (e.type === 'tls:verdict') verdict = e;
    else if (e.type === 'tls:presented') presented = e;
  }
  return h(
    'section',
    { class: 'chains', id: 'chains', 'aria-label': 'Certificate chains' },
    h('h2', { text: 'Certificates' }),
    h(
      'div',
      { class: 'chain-cols' },
      column(
        'What tlslab presented to the browser',
        presented ? (presented.mode === 'mirror' ? 'A leaf that mirrors the real server\'s flaw, so the browser sees it too.' : 'A leaf minted on the fly from tlslab\'s own CA, with the real server\'s names.') : null,
        presented?.chain ?? null,
        [],
        'client',
      ),
      column(
        'What the real server sent',
        verdict ? (verdict.ok ? `tlslab checked it for ${verdict.host}: every check passed.` : `tlslab checked it for ${verdict.host}: ${verdict.findings.filter((f) => f.severity === 'error').length} problem(s).${verdict.nodeError ? ` Node alone reports only ${verdict.nodeError}.` : ''}`) : null,
        verdict?.chain ?? null,
        verdict?.findings ?? [],
        'upstream',
      ),
    ),
  );
}

function column(title: string, lead: string | null, chain: CertSummary[] | null, findings: Finding[], leg: 'client' | 'upstream'): HTMLElement {
  const col = h('div', { class: `chain chain-${leg}` }, h('h3', { text: title }));
  if (!chain) {
    col.append(h('p', { class: 'muted', text: 'Not seen yet.' }));
    return col;
  }
  if (lead) col.append(h('p', { class: 'chain-lead', text: lead }));
  const whole = findings.filter((f) => f.certIndex === null);
  if (whole.length) col.append(findingList(whole));
  chain.forEach((c, i) => {
    col.append(card(c, findings.filter((f) => f.certIndex === c.index)));
    if (i < chain.length - 1) col.append(h('div', { class: 'chain-link', 'aria-hidden': 'true', text: '↑ signed by' }));
  });
  return col;
}

function card(c: CertSummary, findings: Finding[]): HTMLElement {
  const bad = c.checks.some((k) => !k.ok);
  const role = c.index === 0 ? 'leaf' : c.isCA && c.selfSigned ? 'root' : c.isCA ? 'intermediate' : `#${c.index}`;
  return h(
    'article',
    { class: `cert${bad ? ' cert-bad' : ' cert-ok'}`, 'aria-label': `Certificate ${c.index}: ${c.subject}${bad ? ', has failed checks' : ''}` },
    h(
      'header',
      null,
      h('span', { class: 'cert-role', text: role }),
      h('span', { class: 'cert-subject', text: c.subject }),
      h('span', { class: 'cert-src', text: c.source === 'trust-store' ? 'from trust store' : c.source === 'minted' ? 'minted by tlslab' : 'sent' }),
    ),
    h(
      'dl',
      { class: 'cert-facts' },
      h('dt', { text: 'Issuer' }),
      h('dd', { text: c.issuer }),
      h('dt', { text: 'Valid' }),
      h('dd', { text: `${c.notBefore} → ${c.notAfter}` }),
      c.san.length ? h('dt', { text: 'Names' }) : null,
      c.san.length ? h('dd', { text: c.san.join(', ') }) : null,
      h('dt', { text: 'Key' }),
      h('dd', { text: `${c.publicKey} · signed with ${c.signatureAlgorithm}` }),
    ),
    h(
      'ul',
      { class: 'checks', 'aria-label': 'Checks' },
      ...c.checks.map((k) =>
        h('li', { class: k.ok ? 'check-ok' : 'check-bad' }, h('span', { class: 'check-icon', text: k.ok ? '✓' : '✗' }), h('span', { class: 'check-name', text: k.check }), h('span', { class: 'check-msg', text: k.message })),
      ),
    ),
    findings.length ? findingList(findings) : null,
  );
}

export function findingList(findings: Finding[]): HTMLElement {
  return h(
    'ul',
    { class: 'findings' },
    ...findings.map((f) =>
      h(
        'li',
        { class: `finding sev-${f.severity}` },
        h('span', { class: 'finding-code', text: `${f.severity === 'error' ? '✗' : '⚠'} ${f.code}` }),
        h('span', { class: 'finding-msg', text: f.message }),
        f.detail ? h('span', { class: 'finding-detail', text: Object.entries(f.detail).map(([k, v]) => `${k}: ${v}`).join(' · ') }) : null,
      ),
    ),
  );
}
