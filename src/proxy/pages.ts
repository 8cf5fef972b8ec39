// HTML pages tlslab serves itself: the teaching error page (HTTP 502) shown on the client leg when the
// upstream fails, and the http://tlslab/ page with the CA download. Pure string building, no I/O.
import type { Finding } from '../events/schema';

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
    return address.split('?')[0] as string;
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
  const target = `${escapeHtml(p.host)}:${p.port}`;
  const findings = p.findings && p.findings.length > 0
    ? `<h2>What tlslab found, certificate by certificate</h2><table><tr><th>certificate</th><th>check</th><th>finding</th></tr>${p.findings
        .map((f) => `<tr><td>${f.certIndex === null ? 'chain' : f.certIndex === 0 ? '#0 (the server’s own)' : `#${f.certIndex}`}</td><td>${escapeHtml(f.check)}</td><td><span class="tag${f.severity === 'warning' ? ' ok' : ''}">${escapeHtml(f.code)}</span> ${escapeHtml(f.message)}</td></tr>`)
        .join('')}</table>`
    : '';
  const node = p.nodeError ? `<p class="muted">Node’s own verification said: <code>${escapeHtml(p.nodeError)}</code> — it reports only one error; tlslab ran every check.</p>` : '';
  const dash = p.dashboardUrl ? dashboardParagraph(p.dashboardUrl, undefined, p.conn) : '';
  return page(`tlslab: ${p.host} failed`, `<p><span class="tag">tlslab · step 3 failed on the upstream leg</span></p>
<h1>tlslab did not relay to ${target}</h1>
<p>${escapeHtml(p.reason)}</p>
<p class="muted">Error code <code>${escapeHtml(p.code)}</code>. Your browser’s connection to tlslab is fine; the problem is between tlslab and the real server.</p>
${findings}${node}
<h2>Why am I seeing this page?</h2>
<p>tlslab is a teaching proxy. It opens its own TLS connection to the real server first and checks its certificate the way a browser would. By default (<code>--upstream-failure block</code>) it stops here and shows this page. With <code>--upstream-failure mirror</code> it would hand your browser a certificate with the same flaws, so you would see your browser’s own warning; with <code>allow</code> it would relay anyway and mark the connection insecure.</p>
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
<li><b>Chromium / Chrome</b>: Settings → Privacy and security → Security → Manage certificates → Authorities → Import → choose <code>tlslab-ca.pem</code> → tick “Trust this certificate for identifying websites”. On Linux from a terminal: <code>scripts/trust-ca-nss.sh</code>.</li>
<li><b>Firefox</b>: Settings → Privacy &amp; Security → Certificates → View Certificates → Authorities → Import → tick “Trust this CA to identify websites”.</li>
<li><b>macOS</b>: open <code>tlslab-ca.pem</code> → Keychain Access adds it → double-click it → Trust → “Always Trust”. Or: <code>sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain tlslab-ca.pem</code></li>
<li><b>Windows</b>: double-click <code>tlslab-ca.der</code> → Install Certificate → Current User → “Place all certificates in the following store” → Trusted Root Certification Authorities. Or: <code>certutil -user -addstore Root tlslab-ca.der</code></li>
<li><b>Linux (system-wide, curl, most tools)</b>: <code>sudo cp tlslab-ca.pem /usr/local/share/ca-certificates/tlslab-ca.crt &amp;&amp; sudo update-ca-certificates</code>. For one command only: <code>curl --cacert tlslab-ca.pem -x ${escapeHtml(p.proxy)} https://example.com/</code></li>
</ul>
<h2>3. Remove it after the lab</h2>
<p>Delete “tlslab Teaching CA” from the same place you added it.</p>
${lab}`);
}
