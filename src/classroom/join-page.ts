// The join page the proxy serves at http://HOST:PORT/ (asked directly, before any proxy is set): the proxy
// setting per platform, how to sign in, the CA, the student's own view. Pure HTML, no external assets.
import { hostPort } from './pac';
import { STUDENT_TEXT, type StudentTextKey } from './student-text';

export interface JoinPageInput {
  /** The proxy's address as students reach it (the Host the join page was asked for). */
  proxyHost: string;
  proxyPort: number;
  /** Default `http://tlslab/`: the student's own view, through the proxy. */
  viewUrl?: string;
  /** Default `http://tlslab/tlslab-ca.pem` (and `.crt`, `.der` beside it). */
  caUrl?: string;
  /** The CA's SHA-256 fingerprint, shown beside the download so students can compare it with the projector. */
  caFingerprint256?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A sentence with its `{name}`s filled in as <code> (values escaped; URLs as links). */
function sentence(key: StudentTextKey, values: Readonly<Record<string, string>>): string {
  const parts = STUDENT_TEXT[key].split(/(\{[a-zA-Z]+\})/);
  return parts
    .map((part) => {
      const m = /^\{([a-zA-Z]+)\}$/.exec(part);
      if (m === null) return escapeHtml(part);
      const v = values[m[1]];
      if (v === undefined) return escapeHtml(part);
      return /^https?:\/\//.test(v) ? `<a href="${escapeHtml(v)}"><code>${escapeHtml(v)}</code></a>` : `<code>${escapeHtml(v)}</code>`;
    })
    .join('');
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-top:1px solid #e4e7ec;padding-top:1rem}
code{font:14px ui-monospace,monospace;background:#f2f4f7;border-radius:.3rem;padding:.1rem .3rem;overflow-wrap:anywhere}
.setting{font-size:1.1rem;background:#f2f4f7;border-radius:.4rem;padding:.75rem}li{margin:.5rem 0}.muted{color:#475467}`;

const PROXY_STEPS = ['join.chromium', 'join.firefox', 'join.macos', 'join.windows', 'join.ios', 'join.android'] as const satisfies readonly StudentTextKey[];
const CA_STEPS = ['join.ca-chromium', 'join.ca-firefox', 'join.ca-macos', 'join.ca-windows', 'join.ca-ios', 'join.ca-android'] as const satisfies readonly StudentTextKey[];

export function joinPage(p: JoinPageInput): string {
  const proxy = hostPort(p.proxyHost, p.proxyPort);
  const ca = p.caUrl ?? 'http://tlslab/tlslab-ca.pem';
  const v: Record<string, string> = {
    host: p.proxyHost,
    port: String(p.proxyPort),
    proxy,
    pac: `http://${proxy}/proxy.pac`,
    join: `http://${proxy}/`,
    view: p.viewUrl ?? 'http://tlslab/',
    ca,
    caCrt: ca.replace(/\.pem$/, '.crt'),
    caDer: ca.replace(/\.pem$/, '.der'),
    fingerprint: p.caFingerprint256 ?? '',
  };
  const li = (keys: readonly StudentTextKey[]): string => `<ul>${keys.map((k) => `<li>${sentence(k, v)}</li>`).join('')}</ul>`;
  const title = STUDENT_TEXT['join.title'];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>${sentence('join.intro', v)}</p>
<h2>${sentence('join.step-proxy', v)}</h2>
<p class="setting">${sentence('join.proxy-setting', v)}</p>
${li(PROXY_STEPS)}
<h2>${sentence('join.step-sign-in', v)}</h2>
<p>${sentence('join.sign-in', v)}</p>
<p>${sentence('join.sign-in-note', v)}</p>
<h2>${sentence('join.step-ca', v)}</h2>
<p>${sentence('join.ca-why', v)}</p>
${p.caFingerprint256 ? `<p>${sentence('join.ca-fingerprint', v)}</p>` : ''}
${li(CA_STEPS)}
<p class="muted">${sentence('join.ca-remove', v)}</p>
<h2>${sentence('join.step-view', v)}</h2>
<p>${sentence('join.view', v)}</p>
<p class="muted">${sentence('join.direct-note', v)}</p>
</body></html>
`;
}
