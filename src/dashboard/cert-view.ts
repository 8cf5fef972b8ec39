// The certificate chains side by side: what the real server sent (tls:verdict) and what tlslab minted (tls:presented),
// each certificate with its checks lit green or red. DOM only.
import type { CertSummary, Finding, TlsPresentedEvent, TlsVerdictEvent, TlslabEvent } from '../events/schema.js';
import { CHAIN_TEXT, fillText } from '../events/ladder-text.js';
import { h } from './dom.js';

/** Findings whose certificate's issuer was not sent and is not in the trust store: a "not sent" card goes above it. */
const ISSUER_NOT_SENT = new Set(['CHAIN_MISSING_INTERMEDIATE', 'CHAIN_UNKNOWN_ISSUER']);

export function renderChains(events: readonly TlslabEvent[]): HTMLElement {
  let verdict: TlsVerdictEvent | undefined;
  let presented: TlsPresentedEvent | undefined;
  let resumed = false;
  for (const e of events) {
    if (e.type === 'tls:verdict') verdict = e;
    else if (e.type === 'tls:presented') presented = e;
    else if (e.type === 'tls:client-outcome') resumed = e.resumed === true;
  }
  const pv = presented?.verdict;
  const presentedLead = presented
    ? `${presented.mode === 'mirror' ? CHAIN_TEXT.presentedMirror : CHAIN_TEXT.presentedLeaf}${pv ? ` ${fillText(pv.ok ? CHAIN_TEXT.presentedOk : CHAIN_TEXT.presentedBad, { host: pv.host, n: pv.findings.filter((f) => f.severity === 'error').length })}` : ''}`
    : null;
  return h(
    'section',
    { class: 'chains', id: 'chains', 'aria-label': 'Certificate chains' },
    h('h2', { text: 'Certificates' }),
    h(
      'div',
      { class: 'chain-cols' },
      column(
        CHAIN_TEXT.presentedTitle,
        presentedLead,
        presented?.chain ?? null,
        pv?.findings ?? [],
        'client',
        resumed ? CHAIN_TEXT.resumed : CHAIN_TEXT.notSeen,
      ),
      column(
        CHAIN_TEXT.upstreamTitle,
        verdict ? `${fillText(verdict.ok ? CHAIN_TEXT.upstreamOk : CHAIN_TEXT.upstreamBad, { host: verdict.host, n: verdict.findings.filter((f) => f.severity === 'error').length })}${verdict.nodeError ? fillText(CHAIN_TEXT.nodeAlone, { code: verdict.nodeError }) : ''}` : null,
        verdict?.chain ?? null,
        verdict?.findings ?? [],
        'upstream',
        CHAIN_TEXT.notSeen,
      ),
    ),
  );
}

function column(title: string, lead: string | null, chain: CertSummary[] | null, findings: Finding[], leg: 'client' | 'upstream', none: string): HTMLElement {
  const col = h('div', { class: `chain chain-${leg}` }, h('h3', { text: title }));
  if (!chain) {
    col.append(h('p', { class: 'muted', text: none }));
    return col;
  }
  if (lead) col.append(h('p', { class: 'chain-lead', text: lead }));
  const whole = findings.filter((f) => f.certIndex === null);
  if (whole.length) col.append(findingList(whole));
  chain.forEach((c, i) => {
    const own = findings.filter((f) => f.certIndex === c.index);
    col.append(card(c, own));
    const missing = own.find((f) => ISSUER_NOT_SENT.has(f.code));
    if (missing) col.append(h('div', { class: 'chain-link', 'aria-hidden': 'true', text: '↑ signed by' }), notSentCard(missing.detail?.['missingIssuer'] ?? c.issuer));
    else if (i < chain.length - 1) col.append(h('div', { class: 'chain-link', 'aria-hidden': 'true', text: '↑ signed by' }));
  });
  return col;
}

/** A certificate the chain needs but nobody sent: drawn dashed, where it belongs. */
function notSentCard(issuer: string): HTMLElement {
  return h(
    'article',
    { class: 'cert cert-bad cert-missing', 'aria-label': `Certificate not sent: ${issuer}` },
    h('header', null, h('span', { class: 'cert-role', text: CHAIN_TEXT.notSentRole }), h('span', { class: 'cert-subject', text: issuer })),
    h('p', { class: 'cert-missing-text', text: fillText(CHAIN_TEXT.notSent, { issuer }) }),
  );
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
