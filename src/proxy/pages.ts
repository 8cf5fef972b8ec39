// HTML pages tlslab serves itself: the teaching error page (HTTP 502) shown on the client leg when the
// upstream fails, and the http://tlslab/ page with the CA download. Pure string building, no I/O.
import { FAILURE_CAUSE_STEP, type FailureCause, type Finding, type LessonStep } from '../events/schema';
import { acceptedUnderUserRoot } from '../x509/browser-rules';
import { fillTemplate } from '../x509/finding-text';

/**
 * The teaching page's sentences, one table (docs/lesson-text.md prints it). `{…}` are filled in; `…` in backticks
 * becomes code.
 */
export const FAILURE_PAGE_TEXT = {
  tagStep: 'tlslab · step {step} failed on the upstream leg',
  tagNoStep: 'tlslab · the upstream leg failed',
  title: 'tlslab did not relay to {target}',
  clientLegFine: 'Your browser’s connection to tlslab is fine; the problem is between tlslab and the real server.',
  findingsHeading: 'What tlslab found, certificate by certificate',
  nodeSaid: 'Node’s own verification said: `{code}` — it reports only one error; tlslab ran every check.',
  whyHeading: 'Why am I seeing this page?',
  whyCertificate:
    'tlslab is a teaching proxy. It opens its own TLS connection to the real server first and checks its certificate the way a browser would. By default (`--upstream-failure block`) it stops here and shows this page. With `--upstream-failure mirror` it would hand your browser a certificate with the same flaws, so you would see your browser’s own warning; with `allow` it would relay anyway and mark the connection insecure.',
  whyConnection:
    'tlslab is a teaching proxy. It opens its own connection to the real server before it answers your browser; that connection failed, so there is nothing to relay, and tlslab shows this page in place of the server’s answer.',
  certFailed: 'The certificate of {host} failed verification: {count} failed, listed below.',
  browsersRefuse: 'A browser would refuse it too.',
  browsersDiffer: 'A browser would refuse it from a public certificate authority, but not necessarily here: {why} To see what your own browser does with it, run tlslab with `--upstream-failure mirror`.',
  mirrorUnavailable: 'Mirror mode cannot show you this flaw in your browser: {why}',
} as const satisfies Record<string, string>;

/** The CA page's install steps, one line per system (HTML allowed: they hold menu paths and commands). */
export const CA_PAGE_STEPS = {
  chromium:
    '<b>Chromium / Chrome</b>: Settings → Privacy and security → Security → Manage certificates → Local certificates → Custom → Installed by you → Trusted Certificates → Import → choose <code>tlslab-ca.pem</code>. On Linux from a terminal (certutil is in the libnss3-tools package): <code>certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n "tlslab Teaching CA" -i tlslab-ca.pem</code>, then restart Chromium.',
  firefox:
    '<b>Firefox</b>: Settings → Privacy &amp; Security → Certificates → View Certificates → Authorities → Import → tick “Trust this CA to identify websites”. Until you do, Firefox may say “Software is Preventing Firefox From Safely Connecting to This Site” (MOZILLA_PKIX_ERROR_MITM_DETECTED): that software is tlslab.',
  macos:
    '<b>macOS</b>: open <code>tlslab-ca.pem</code> → Keychain Access adds it → double-click it → Trust → “Always Trust”. Or: <code>sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain tlslab-ca.pem</code>',
  windows:
    '<b>Windows</b>: double-click <code>tlslab-ca.der</code> → Install Certificate → Current User → “Place all certificates in the following store” → Trusted Root Certification Authorities. Or: <code>certutil -user -addstore Root tlslab-ca.der</code>',
  linux:
    '<b>Linux (system-wide, curl, most tools)</b>: <code>sudo cp tlslab-ca.pem /usr/local/share/ca-certificates/tlslab-ca.crt &amp;&amp; sudo update-ca-certificates</code>. For one command only: <code>curl --cacert tlslab-ca.pem -x {proxy} https://example.com/</code>',
} as const satisfies Record<string, string>;

/** Escapes `text` and turns `…` into code. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/**
 * The teaching page's reason for a certificate that failed: how many checks failed, and what browsers really do with
 * those flaws (public roots and roots a user added follow different rules).
 */
export function certFailureReason(host: string, errorCodes: readonly string[], mirrorUnavailable?: string): string {
  const T = FAILURE_PAGE_TEXT;
  const count = errorCodes.length === 1 ? 'one check' : `${errorCodes.length} checks`;
  const differ = acceptedUnderUserRoot(errorCodes);
  const browsers = differ.length === 0 ? T.browsersRefuse : fillTemplate(T.browsersDiffer, { why: differ.join(' ') });
  const mirror = mirrorUnavailable ? ` ${fillTemplate(T.mirrorUnavailable, { why: mirrorUnavailable })}` : '';
  return `${fillTemplate(T.certFailed, { host, count })} ${browsers}${mirror}`;
}

/** The step the upstream leg stopped at: the cause's own, else 1 when the server never answered the ClientHello, else 2. */
export function upstreamFailureStep(cause: FailureCause, serverAnswered: boolean): LessonStep {
  return FAILURE_CAUSE_STEP[cause] ?? (serverAnswered ? 2 : 1);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.6rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:1.75rem}
.tag{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;background:#b42318;color:#fff;font-weight:600;font-size:.85rem}
.ok{background:#067647}code,pre{font:14px ui-monospace,monospace;background:#f2f4f7;border-radius:.3rem;padding:.1rem .3rem}
pre{padding:.75rem;overflow:auto}li{margin:.35rem 0}.muted{color:#475467}table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #e4e7ec;text-align:left;vertical-align:top}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}

export interface UpstreamFailurePage {
  host: string;
  port: number;
  /** What went wrong, in one sentence. */
  reason: string;
  code: string;
  /** The step at which the upstream leg stopped (the dashboard shows the same). */
  step?: LessonStep | null;
  /** Why there is nothing to relay: the server's certificate failed, or the connection to the server did. */
  kind?: 'certificate' | 'connection';
  findings?: Finding[];
  nodeError?: string | null;
  /** The dashboard's address, never with its token: this page goes to whoever made the request. */
  dashboardUrl?: string;
  conn: string;
}

/** `address` without a `token` query parameter, should one ever be handed in. */
function withoutToken(address: string): string {
  try {
    const u = new URL(address);
    if (!u.searchParams.has('token')) return address;
    u.searchParams.delete('token');
    return u.toString();
  } catch {
    return address.split('?')[0];
  }
}

/**
 * Where the dashboard is, for pages any proxy client receives. The link never carries the access token (a student
 * who had it could read everyone's traffic and session keys); `locked` says whether it asks for one, when known.
 */
function dashboardParagraph(address: string, locked: boolean | undefined, conn?: string): string {
  const url = withoutToken(address);
  const link = `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
  const what = conn ? `Both handshakes of this connection (<code>${escapeHtml(conn)}</code>) are on tlslab’s dashboard, ${link}.` : `Dashboard: ${link}.`;
  const ask = conn ? `ask your instructor to open <code>${escapeHtml(conn)}</code> there` : 'ask your instructor';
  const token = locked === undefined
    ? ` If it asks for an access token, ${ask}: the token is theirs alone.`
    : locked ? ` It needs the instructor’s access token (it shows everyone’s decrypted traffic): ${ask}.` : '';
  return `<p>${what}${token}</p>`;
}

/** The page tlslab serves (HTTP 502) when it will not, or cannot, relay to the real server. */
export function upstreamFailurePage(p: UpstreamFailurePage): string {
  const findings = p.findings && p.findings.length > 0
    ? `<h2>${escapeHtml(FAILURE_PAGE_TEXT.findingsHeading)}</h2><table><tr><th>certificate</th><th>check</th><th>finding</th></tr>${p.findings
        .map((f) => `<tr><td>${f.certIndex === null ? 'chain' : f.certIndex === 0 ? '#0 (the server’s own)' : `#${f.certIndex}`}</td><td>${escapeHtml(f.check)}</td><td><span class="tag${f.severity === 'warning' ? ' ok' : ''}">${escapeHtml(f.code)}</span> ${escapeHtml(f.message)}</td></tr>`)
        .join('')}</table>`
    : '';
  const T = FAILURE_PAGE_TEXT;
  const node = p.nodeError ? `<p class="muted">${inline(fillTemplate(T.nodeSaid, { code: p.nodeError }))}</p>` : '';
  const dash = p.dashboardUrl ? dashboardParagraph(p.dashboardUrl, undefined, p.conn) : '';
  const step = p.step === undefined ? 3 : p.step;
  const tag = step === null ? T.tagNoStep : fillTemplate(T.tagStep, { step });
  const why = (p.kind ?? 'certificate') === 'certificate' ? T.whyCertificate : T.whyConnection;
  return page(`tlslab: ${p.host} failed`, `<p><span class="tag">${escapeHtml(tag)}</span></p>
<h1>${escapeHtml(fillTemplate(T.title, { target: `${p.host}:${p.port}` }))}</h1>
<p>${inline(p.reason)}</p>
<p class="muted">Error code <code>${escapeHtml(p.code)}</code>. ${escapeHtml(T.clientLegFine)}</p>
${findings}${node}
<h2>${escapeHtml(T.whyHeading)}</h2>
<p>${inline(why)}</p>
${dash}`);
}

export interface CaPageInput {
  fingerprint256: string;
  subject: string;
  notAfter: Date;
  /** The dashboard's address (never with its token) and whether it asks for the token. */
  dashboard?: { url: string; locked: boolean };
  proxy: string;
  lab?: { name: string; host: string; teaches: string }[];
}

/** http://tlslab/ — the CA download and how to trust it. */
export function caPage(p: CaPageInput): string {
  const lab = p.lab && p.lab.length > 0
    ? `<h2>Failure lab</h2><p>Origins with broken certificates, built in. Visit them through tlslab:</p><table>${p.lab
        .map((c) => `<tr><td><a href="https://${escapeHtml(c.host)}/"><code>${escapeHtml(c.host)}</code></a></td><td>${escapeHtml(c.teaches)}</td></tr>`)
        .join('')}</table>`
    : '';
  return page('tlslab — trust the teaching CA', `<h1>tlslab teaching proxy</h1>
<p>You are browsing through tlslab (<code>${escapeHtml(p.proxy)}</code>). To let it show you the inside of HTTPS connections, your browser must trust its certificate authority.</p>
${p.dashboard ? dashboardParagraph(p.dashboard.url, p.dashboard.locked) : ''}
<h2>1. Download the CA certificate</h2>
<p><a href="/tlslab-ca.pem">tlslab-ca.pem</a> (PEM) · <a href="/tlslab-ca.der">tlslab-ca.der</a> (DER, for Windows and Android) · <a href="/tlslab-ca.crt">tlslab-ca.crt</a></p>
<p>Subject: <code>${escapeHtml(p.subject)}</code><br>Valid until: ${escapeHtml(p.notAfter.toISOString().slice(0, 10))}<br>SHA-256 fingerprint:<br><code>${escapeHtml(p.fingerprint256)}</code></p>
<p class="muted">Compare this fingerprint with the one your instructor shows (<code>tlslab ca show</code>). Trust only a CA you were given on purpose, and remove it after the lab: whoever holds its key can read your HTTPS traffic.</p>
<h2>2. Trust it</h2>
<ul>
${Object.values(CA_PAGE_STEPS).map((line) => `<li>${line.replace('{proxy}', escapeHtml(p.proxy))}</li>`).join('\n')}
</ul>
<h2>3. Remove it after the lab</h2>
<p>Delete “tlslab Teaching CA” from the same place you added it.</p>
${lab}`);
}
