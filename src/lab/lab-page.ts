// The small page every lab origin serves: HTML for browsers, text/plain for curl (chosen by Accept).
// Pure string building; origins.ts writes it to the socket.
import type { LabCaseInfo } from './lab-cases';
import { labHost } from './lab-cases';

export interface LabPage {
  contentType: string;
  body: string;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Does the client prefer HTML? Browsers send text/html in Accept; curl sends *\/*. */
export function wantsHtml(accept: string | undefined): boolean {
  return /\btext\/html\b/i.test(accept ?? '');
}

export function renderLabPage(info: LabCaseInfo, accept: string | undefined): LabPage {
  const host = labHost(info.name);
  const e = info.expected;
  if (!wantsHtml(accept)) {
    const lines = [
      `tlslab lab: ${info.name} (${host})`,
      info.title,
      '',
      `What it teaches: ${info.teaches}`,
      `What you should see: ${e.note}`,
    ];
    if (e.throughTlslab) lines.push(e.throughTlslab);
    if (e.upstreamCodes && e.upstreamCodes.length > 0) lines.push(`tlslab upstream findings: ${e.upstreamCodes.join(', ')}`);
    if (e.nodeError) lines.push(`Node client error: ${e.nodeError}`);
    if (e.chromium) lines.push(`Chromium error: ${e.chromium}`);
    lines.push('', e.readingThis ?? 'If you are reading this, the TLS connection was accepted by your client.', '');
    return { contentType: 'text/plain; charset=utf-8', body: lines.join('\n') };
  }
  const facts = [
    e.upstreamCodes && e.upstreamCodes.length > 0 ? `<li>tlslab upstream findings: <code>${e.upstreamCodes.map(escapeHtml).join('</code>, <code>')}</code></li>` : '',
    e.nodeError ? `<li>A Node client says: <code>${escapeHtml(e.nodeError)}</code></li>` : '',
    e.chromium ? `<li>Chromium says: <code>${escapeHtml(e.chromium)}</code></li>` : '',
  ].join('');
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tlslab lab: ${escapeHtml(info.name)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}code{background:#f1f1f1;padding:0 .25em;border-radius:3px}.tag{font-size:.8rem;color:#666}</style>
</head><body>
<p class="tag">tlslab failure lab · <code>${escapeHtml(host)}</code></p>
<h1>${escapeHtml(info.title)}</h1>
<p><b>What it teaches:</b> ${escapeHtml(info.teaches)}</p>
<p><b>What you should see:</b> ${escapeHtml(e.note)}</p>
${e.throughTlslab ? `<p><b>Through tlslab:</b> ${escapeHtml(e.throughTlslab.replace(/^Through tlslab, /, ''))}</p>` : ''}
${facts ? `<ul>${facts}</ul>` : ''}
<p>${e.readingThis ? escapeHtml(e.readingThis) : `You are reading this page, so your client accepted the connection${e.upstreamCodes && e.upstreamCodes.length > 0 ? ' anyway (through tlslab with <code>--upstream-failure allow</code>, or with verification turned off)' : ''}.`}</p>
</body></html>
`;
  return { contentType: 'text/html; charset=utf-8', body };
}
