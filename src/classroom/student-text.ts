// Every sentence a student reads in classroom mode, in one table, so it can be proofread in one place (and is
// listed in docs/classroom.md, checked by a test). `{name}` marks a value filled in at run time. Data only.

export const STUDENT_TEXT = {
  // The 407 answer (Proxy-Authenticate) and its body.
  'auth.realm': 'tlslab classroom: user name = your name, password = the class code',
  'auth.intro': 'This network is using tlslab, a teaching proxy, in classroom mode. Sign in to the proxy to continue.',
  'auth.what-to-type': 'User name: your name, as you want your instructor to see it. Password: the class code your instructor reads aloud (capitals, spaces and hyphens do not matter).',
  'auth.curl': 'With curl: curl -x "http://YOUR-NAME:CLASS-CODE@{proxy}" … (write a space in your name as %20).',
  'auth.missing': 'Your browser has not sent a name and class code yet.',
  'auth.malformed': 'Your browser sent the sign-in in a form tlslab cannot read (it must be HTTP Basic, in UTF-8, and short). Try again, or use another browser.',
  'auth.wrong-code': 'That class code is not right. Check it with your instructor.',
  'auth.empty-name': 'The user name is empty once spaces and invisible characters are taken out: type your name.',
  'auth.name-in-use': 'That name is already signed in from another computer. Add something to it (for example your initials) and sign in again.',
  // The 429 answer after too many failed sign-ins from one address.
  'limit.failures': 'Too many wrong sign-ins came from your network address. tlslab will not check new ones for {seconds} seconds; then sign in again with the class code your instructor reads aloud.',
  // The 403 answers of the address guard.
  'refused.intro': 'tlslab did not connect you to {target}.',
  'refused.client-unknown': 'tlslab could not tell which address your connection comes from.',
  'refused.client-public': 'Your connection comes from a public internet address, and this classroom proxy only serves its local network. Ask your instructor to allow your address.',
  'refused.target-invalid': 'That is not a host name or address tlslab can read.',
  'refused.target-unresolved': 'That name did not resolve to any address tlslab could check.',
  'refused.target-loopback': 'That address is the instructor’s computer itself (a loopback address). Through the classroom proxy, nobody can reach the services of the computer tlslab runs on.',
  'refused.target-unspecified': 'That address (0.0.0.0 or ::) means “this computer”, here the instructor’s. Through the classroom proxy, nobody can reach the services of the computer tlslab runs on.',
  'refused.target-link-local': 'That is a link-local address (169.254.x.x or fe80::), which only makes sense on the instructor’s own network link. The classroom proxy does not forward to it.',
  'refused.target-this-machine': 'That is an address of the instructor’s computer. Through the classroom proxy, nobody can reach the services of the computer tlslab runs on.',
  'refused.target-tlslab-port': 'That is tlslab’s own port (its dashboard or its proxy). Your own view is at {view} instead.',
  // Fair share: one student's limits.
  'share.concurrent-tunnels': 'You have {limit} connections open through tlslab, the most one student may have at once. Close some tabs or wait a moment, then reload.',
  'share.connection-rate': 'You are opening new connections faster than tlslab allows one student ({limit} a second). Wait a moment, then reload.',
  // The join page.
  'join.title': 'Join the tlslab classroom',
  'join.intro': 'Your instructor runs tlslab, a teaching proxy that shows the inside of the HTTPS connections your browser makes. Four steps and you will see your own.',
  'join.step-proxy': '1. Set tlslab as your proxy',
  'join.proxy-setting': 'Proxy (for HTTP and HTTPS): {host}, port {port}. Or, where an automatic configuration URL is asked for: {pac}',
  'join.chromium': 'Chrome and Chromium use your computer’s proxy settings (Settings → System → Open your computer’s proxy settings): follow the steps for Windows or macOS below. On Linux, run chromium --proxy-server={proxy} to start it through tlslab.',
  'join.firefox': 'Firefox: Settings → General → Proxy settings (called Network Settings in older versions) → Configure proxy (Settings…) → Manual proxy configuration: HTTP Proxy {host}, Port {port}, tick “Also use this proxy for HTTPS” → OK. Or choose “Automatic proxy configuration URL” and enter {pac}.',
  'join.macos': 'macOS: System Settings → Network → your network (Wi-Fi or Ethernet) → Details… → Proxies → turn on “Web proxy (HTTP)” and “Secure web proxy (HTTPS)”, each with server {host} and port {port} → OK. Or turn on “Automatic proxy configuration” with the URL {pac}.',
  'join.windows': 'Windows 11: Settings → Network & internet → Proxy → Use a proxy server: Set up → turn on “Use a proxy server”, Proxy IP address {host}, Port {port} → Save. Or Use setup script: Set up → turn it on, Script address {pac} → Save. Windows 10: Settings → Network & Internet → Proxy → turn on “Use a proxy server”, Address {host}, Port {port} → Save.',
  'join.ios': 'iPhone and iPad: Settings → Wi-Fi → the ⓘ next to your network → Configure Proxy → Manual: Server {host}, Port {port}; turn on Authentication and enter your name and the class code → Save. Or Automatic, with the URL {pac}.',
  'join.android': 'Android: Settings → Network & internet → Internet → the gear next to your Wi-Fi network → Edit (pencil) → Advanced options → Proxy → Manual: Proxy hostname {host}, Proxy port {port} → Save. Or Proxy Auto-Config, with the PAC URL {pac}. Menu names vary by maker: search Settings for “proxy”.',
  'join.step-sign-in': '2. Sign in when your browser asks',
  'join.sign-in': 'Your browser asks for a user name and password for the proxy {proxy}. User name: your name, as you want your instructor to see it. Password: the class code your instructor reads aloud. Your browser remembers them until it is closed.',
  'join.sign-in-note': 'The class code is the same for everyone, so your name is what tells you apart: use your own, and keep it. Your view at {view} shows the connections made under that name.',
  'join.step-ca': '3. Trust the tlslab certificate authority',
  'join.ca-why': 'tlslab makes a certificate for every HTTPS site you visit, so your browser must trust tlslab’s certificate authority (CA). Download it through the proxy: {ca} (or {caCrt} for phones, {caDer} for Windows). Compare its SHA-256 fingerprint with the one your instructor shows.',
  'join.ca-fingerprint': 'SHA-256 fingerprint of the tlslab CA: {fingerprint}',
  'join.ca-chromium': 'Chrome and Chromium: Settings → Privacy and security → Security → Manage certificates → Local certificates → Installed by you → Trusted Certificates → Import → choose the file.',
  'join.ca-firefox': 'Firefox: Settings → Privacy and security → Certificates → Manage certificates (View Certificates… in older versions) → Authorities → Import… → choose the file → tick “Trust this CA to identify websites.” → OK.',
  'join.ca-macos': 'macOS: open the downloaded tlslab-ca.pem; Keychain Access adds it to your login keychain. Double-click “tlslab Teaching CA” there → Trust → When using this certificate: Always Trust → close the window and confirm with your password.',
  'join.ca-windows': 'Windows: open tlslab-ca.der → Install Certificate… → Current User → Next → Place all certificates in the following store → Browse… → Trusted Root Certification Authorities → OK → Next → Finish → Yes.',
  'join.ca-ios': 'iPhone and iPad: open {caCrt} in Safari → Allow → Settings → General → VPN & Device Management → tlslab Teaching CA → Install. Then Settings → General → About → Certificate Trust Settings → turn on tlslab Teaching CA.',
  'join.ca-android': 'Android: download {caCrt}, then Settings → Security & privacy → More security & privacy → Encryption & credentials → Install a certificate → CA certificate → Install anyway → choose the file. Menu names vary by maker: search Settings for “CA certificate”.',
  'join.ca-remove': 'After the class, remove tlslab Teaching CA from the same place: whoever holds its key can read HTTPS traffic of every device that trusts it.',
  'join.step-view': '4. Open your own view',
  'join.view': 'Open {view}: it shows the connections made under your name, live — both TLS handshakes of each, where a certificate check fails, and the HTTP inside. Only you and your instructor see them.',
  'join.direct-note': 'This page is served by the tlslab proxy itself at {join}; it needs no sign-in.',
} as const;

export type StudentTextKey = keyof typeof STUDENT_TEXT;

/** The `{name}`s a sentence expects. */
export function placeholders(key: StudentTextKey): string[] {
  return [...STUDENT_TEXT[key].matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]);
}

/** A sentence with its `{name}`s filled in; a missing value stays visible as `{name}` (a test checks none is). */
export function studentText(key: StudentTextKey, values: Readonly<Record<string, string | number>> = {}): string {
  return STUDENT_TEXT[key].replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** The table as Markdown, for docs/classroom.md ("What students read"). */
export function studentTextMarkdown(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  return ['| key | sentence |', '| --- | --- |', ...Object.entries(STUDENT_TEXT).map(([k, s]) => `| \`${k}\` | ${cell(s)} |`)].join('\n');
}
