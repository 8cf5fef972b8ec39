// Realistic event streams for the dashboard tests: RFC 8448 §3 bytes on both legs as tlslab's decoder reads them, an
// expired upstream, a browser rejecting tlslab's certificate with an encrypted certificate_unknown, and thousands of
// small connections. Pure data (the decoder runs on the committed vectors).
import { createHash } from 'node:crypto';
import type { CertSummary, EventDraft, Leg, Side, TlslabEvent } from '../../src/events/schema';
import { TlsDecoder, type TlsEvent } from '../../src/tls';
import { c2s, keylog, s2c } from './tls-rfc8448';

/** Stamps drafts with `v`, `seq` and a time `ms` after `base`: what the EventBus does, with chosen timings. */
export class Timeline {
  readonly events: TlslabEvent[] = [];
  constructor(
    public seq = 0,
    readonly base = Date.now() - 60_000,
  ) {}
  add(ms: number, draft: EventDraft): TlslabEvent {
    const e = { ...draft, v: 1, seq: ++this.seq, t: this.base + ms } as TlslabEvent;
    this.events.push(e);
    return e;
  }
}

const TLS13 = { code: 0x0304, name: 'TLS 1.3' };
const AES128 = { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256' };
const X25519 = { code: 0x1d, name: 'x25519' };

/** Where the first `n` TLS records of `bytes` end (RFC 8446 §5.1: a 5-byte header, then its length). */
function recordsEnd(bytes: Uint8Array, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) at += 5 + ((bytes[at + 3] << 8) | bytes[at + 4]);
  return at;
}

/**
 * The RFC 8448 §3 handshake as tlslab's own decoder reads it from the real bytes and key log: the ClientHello, the
 * server's first flight (ServerHello and its encrypted handshake record), the client's Finished. Key-log labels
 * (tls:keys) are left out: they come from the key log, not from the wire.
 */
const FLIGHTS = ((): { hello: TlsEvent[]; server: TlsEvent[]; finished: TlsEvent[] } => {
  const d = new TlsDecoder();
  d.addKeyLog(keylog);
  const hello = recordsEnd(c2s, 1);
  const events = {
    hello: d.feed('client', c2s.subarray(0, hello)),
    server: d.feed('server', s2c.subarray(0, recordsEnd(s2c, 2))),
    finished: d.feed('client', c2s.subarray(hello, recordsEnd(c2s, 2))),
  };
  const wire = (es: TlsEvent[]): TlsEvent[] => es.filter((e) => e.type !== 'tls:keys');
  return { hello: wire(events.hello), server: wire(events.server), finished: wire(events.finished) };
})();

/** The decoder's events as one leg's drafts, `step` ms apart from `ms` on. */
function addFlight(tl: Timeline, conn: string, leg: Leg, events: TlsEvent[], ms: number, step = 0.1): number {
  events.forEach((e, i) => tl.add(ms + i * step, { ...e, conn, leg }));
  return ms + Math.max(0, events.length - 1) * step;
}

/** The whole TLS 1.3 handshake of one leg, RFC 8448 bytes decoded by src/tls, starting at `ms`. */
function tls13Leg(tl: Timeline, conn: string, leg: Leg, ms: number, opts: { clientFinishes: boolean } = { clientFinishes: true }): number {
  addFlight(tl, conn, leg, FLIGHTS.hello, ms);
  const served = addFlight(tl, conn, leg, FLIGHTS.server, ms + 6.1, 0.05);
  if (!opts.clientFinishes) return served;
  const finished = FLIGHTS.finished.map((e) => (e.type === 'tls:established' ? { ...e, handshakeMs: 7.5 } : e));
  return addFlight(tl, conn, leg, finished, ms + 7.4);
}

function cert(index: number, subject: string, issuer: string, over: Partial<CertSummary> = {}): CertSummary {
  const checks: CertSummary['checks'] = [
    { check: 'validity', ok: true, message: 'Valid now (2026-03-01 → 2027-03-01).' },
    { check: 'signature', ok: true, message: `Signature verifies with ${issuer}'s public key.` },
    { check: 'chain', ok: true, message: index === 0 ? 'Issued by the next certificate in the chain.' : 'Chains to a trusted root.' },
  ];
  if (index === 0) checks.splice(1, 0, { check: 'hostname', ok: true, message: 'Covers the name the client asked for.' });
  return {
    index, subject, issuer, serialHex: (0x1000 + index).toString(16), notBefore: '2026-03-01T00:00:00Z', notAfter: '2027-03-01T00:00:00Z', san: index === 0 ? [`DNS:${subject.replace(/^CN=/, '')}`] : [],
    fingerprint256: createHash('sha256').update(subject + issuer).digest('hex'), publicKey: index === 0 ? 'EC P-256' : 'RSA 2048', signatureAlgorithm: 'sha256WithRSAEncryption',
    isCA: index > 0, selfSigned: subject === issuer, checks, source: 'sent', ...over,
  };
}

function httpExchange(tl: Timeline, conn: string, ms: number, host: string, status: number, statusText: string, body: number): void {
  const req = `GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/120\r\nAccept: text/html\r\n\r\n`;
  const preview = Buffer.from(req).subarray(0, 64).toString('hex');
  const resp = `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: text/html\r\nContent-Length: ${body}\r\n\r\n`;
  const rpreview = Buffer.from(resp).subarray(0, 64).toString('hex');
  tl.add(ms, { type: 'tls:appdata', conn, leg: 'client', from: 'client', length: req.length, decrypted: true, previewHex: preview, step: 7 });
  tl.add(ms + 0.2, { type: 'http:request', conn, id: 1, method: 'GET', url: '/', httpVersion: '1.1', headers: [['Host', host], ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120'], ['Accept', 'text/html']], step: 7 });
  if (status !== 502) {
    tl.add(ms + 0.4, { type: 'tls:appdata', conn, leg: 'upstream', from: 'client', length: req.length, decrypted: true, previewHex: preview, step: 7 });
    tl.add(ms + 3.1, { type: 'tls:appdata', conn, leg: 'upstream', from: 'server', length: resp.length + body, decrypted: true, previewHex: rpreview, step: 7 });
  }
  tl.add(ms + 3.3, { type: 'http:response', conn, id: 1, status, statusText, headers: [['Content-Type', 'text/html'], ['Content-Length', String(body)]], bodyBytes: body, step: 7 });
  tl.add(ms + 3.4, { type: 'tls:appdata', conn, leg: 'client', from: 'server', length: resp.length + body, decrypted: true, previewHex: rpreview, step: 7 });
}

const CLOSE = { level: { code: 1, name: 'warning' }, description: { code: 0, name: 'close_notify' } };
function closeNotify(tl: Timeline, conn: string, leg: Leg, from: Side, ms: number): void {
  tl.add(ms, { type: 'tls:alert', conn, leg, from, ...CLOSE, encrypted: true, fatal: false, step: 8 });
}

const minted = (host: string): CertSummary[] => [
  cert(0, `CN=${host}`, 'CN=tlslab Teaching CA', { source: 'minted', publicKey: 'RSA 2048', notBefore: '2026-11-28T00:00:00Z', notAfter: '2026-12-29T00:00:00Z' }),
  cert(1, 'CN=tlslab Teaching CA', 'CN=tlslab Teaching CA', { source: 'minted', selfSigned: true, notBefore: '2026-11-01T00:00:00Z', notAfter: '2036-11-01T00:00:00Z' }),
];

/** A good TLS 1.3 connection on both legs (RFC 8448 bytes), a GET and a 200, close_notify both ways. */
export function goodConnection(tl: Timeline, conn: string, host = 'example.com', at = 0): void {
  tl.add(at, { type: 'conn:open', conn, client: { address: '127.0.0.1', port: 51234 }, target: { host, port: 443 }, via: 'connect' });
  tl.add(at + 0.4, { type: 'conn:upstream', conn, leg: 'upstream', remote: { address: '127.0.0.1', port: 8443 }, connectMs: 0.4, step: 1 });
  const up = tls13Leg(tl, conn, 'upstream', at + 0.6);
  tl.add(up + 0.3, { type: 'tls:verdict', conn, leg: 'upstream', ok: true, findings: [], chain: [cert(0, `CN=${host}`, 'CN=Example Issuing CA'), cert(1, 'CN=Example Issuing CA', 'CN=Example Root', {}), cert(2, 'CN=Example Root', 'CN=Example Root', { selfSigned: true, source: 'trust-store' })], nodeError: null, host, step: 3 });
  tl.add(up + 0.5, { type: 'tls:presented', conn, leg: 'client', mode: 'leaf', chain: minted(host) });
  const cl = tls13Leg(tl, conn, 'client', up + 0.6);
  tl.add(cl + 0.1, { type: 'tls:client-outcome', conn, leg: 'client', outcome: 'accepted', explanation: "The browser finished the handshake and sent data: it trusts tlslab's CA.", step: 3 });
  httpExchange(tl, conn, cl + 1, host, 200, 'OK', 1256);
  closeNotify(tl, conn, 'client', 'client', cl + 40);
  closeNotify(tl, conn, 'upstream', 'client', cl + 40.3);
  closeNotify(tl, conn, 'upstream', 'server', cl + 41);
  closeNotify(tl, conn, 'client', 'server', cl + 41.2);
  tl.add(cl + 41.5, { type: 'conn:close', conn, cause: 'closed', durationMs: cl + 41.5 - at, bytes: { client: { fromClient: 355, toClient: 1097 }, upstream: { fromServer: 1097, toServer: 355 } } });
}

/** The upstream certificate expired: tlslab's verdict fails at step 3, policy block, the browser gets a teaching page. */
export function expiredUpstream(tl: Timeline, conn: string, at = 0): void {
  const host = 'expired.lab.tlslab';
  tl.add(at, { type: 'conn:open', conn, client: { address: '127.0.0.1', port: 51240 }, target: { host, port: 443 }, via: 'connect', lab: 'expired' });
  tl.add(at + 0.3, { type: 'conn:upstream', conn, leg: 'upstream', remote: { address: '127.0.0.1', port: 9443 }, connectMs: 0.3, step: 1 });
  const up = tls13Leg(tl, conn, 'upstream', at + 0.5);
  const expiredLeaf = cert(0, `CN=${host}`, 'CN=tlslab Lab CA', { notBefore: '2024-01-01T00:00:00Z', notAfter: '2025-01-01T00:00:00Z' });
  expiredLeaf.checks[0] = { check: 'validity', ok: false, message: 'Expired on 2025-01-01 00:00 UTC (697 days ago).' };
  tl.add(up + 0.4, {
    type: 'tls:verdict', conn, leg: 'upstream', ok: false, host, policy: 'block', nodeError: 'CERT_HAS_EXPIRED', step: 3,
    findings: [{ code: 'CERT_EXPIRED', check: 'validity', severity: 'error', certIndex: 0, message: "The server's certificate expired on 2025-01-01: a client must not trust it any more, even though everything else checks out.", detail: { notAfter: '2025-01-01T00:00:00Z', now: '2026-11-29T06:40:00Z' } }],
    chain: [expiredLeaf, cert(1, 'CN=tlslab Lab CA', 'CN=tlslab Lab CA', { selfSigned: true, source: 'trust-store' })],
  });
  closeNotify(tl, conn, 'upstream', 'client', up + 0.6);
  tl.add(up + 0.8, { type: 'tls:presented', conn, leg: 'client', mode: 'leaf', chain: minted(host) });
  const cl = tls13Leg(tl, conn, 'client', up + 1);
  tl.add(cl + 0.1, { type: 'tls:client-outcome', conn, leg: 'client', outcome: 'accepted', explanation: "The browser trusted tlslab's leaf; tlslab answers with a page that explains the upstream failure.", step: 3 });
  httpExchange(tl, conn, cl + 1, host, 502, 'Bad Gateway (tlslab: upstream certificate expired)', 2210);
  closeNotify(tl, conn, 'client', 'server', cl + 9);
  tl.add(cl + 9.5, { type: 'conn:close', conn, cause: 'upstream-cert-invalid', durationMs: cl + 9.5 - at, bytes: { client: { fromClient: 420, toClient: 3300 }, upstream: { fromServer: 1097, toServer: 230 } } });
}

/** Chromium rejects tlslab's certificate: encrypted fatal certificate_unknown after a compatibility CCS, no Finished. */
export function clientRejects(tl: Timeline, conn: string, at = 0): void {
  const host = 'shop.example';
  tl.add(at, { type: 'conn:open', conn, client: { address: '127.0.0.2', port: 40110 }, target: { host, port: 443 }, via: 'connect' });
  tl.add(at + 0.5, { type: 'conn:upstream', conn, leg: 'upstream', remote: { address: '127.0.0.1', port: 8443 }, connectMs: 0.5, step: 1 });
  const up = tls13Leg(tl, conn, 'upstream', at + 0.7);
  tl.add(up + 0.3, { type: 'tls:verdict', conn, leg: 'upstream', ok: true, findings: [], chain: [cert(0, `CN=${host}`, 'CN=Example Issuing CA'), cert(1, 'CN=Example Issuing CA', 'CN=Example Root')], nodeError: null, host, step: 3 });
  tl.add(up + 0.5, { type: 'tls:presented', conn, leg: 'client', mode: 'leaf', chain: minted(host) });
  const cl = tls13Leg(tl, conn, 'client', up + 0.6, { clientFinishes: false });
  tl.add(cl + 1.1, { type: 'tls:ccs', conn, leg: 'client', from: 'client', offset: 201, compatibility: true, step: 6 });
  tl.add(cl + 1.2, { type: 'tls:record', conn, leg: 'client', from: 'client', offset: 207, contentType: { code: 23, name: 'application_data' }, version: { code: 0x0303, name: 'TLS 1.2' }, length: 19, hex: '1703030013c9872760655666b74d7ff1153efd6db6d0b0e3', encrypted: true, innerType: { code: 21, name: 'alert' } });
  tl.add(cl + 1.2, { type: 'tls:alert', conn, leg: 'client', from: 'client', level: { code: 2, name: 'fatal' }, description: { code: 46, name: 'certificate_unknown' }, encrypted: true, fatal: true, step: 3 });
  tl.add(cl + 1.4, {
    type: 'tls:client-outcome', conn, leg: 'client', outcome: 'rejected-alert', step: 3, alert: { level: { code: 2, name: 'fatal' }, description: { code: 46, name: 'certificate_unknown' }, encrypted: true },
    explanation: "The browser refused the certificate tlslab minted for shop.example: it does not trust tlslab's CA. Chromium says only certificate_unknown, encrypted — tlslab knows why because it knows what it presented. Install the tlslab CA to continue.",
  });
  closeNotify(tl, conn, 'upstream', 'client', cl + 2);
  tl.add(cl + 2.3, { type: 'conn:close', conn, cause: 'client-rejected-cert', durationMs: cl + 2.3 - at, bytes: { client: { fromClient: 230, toClient: 1097 }, upstream: { fromServer: 1097, toServer: 355 } } });
}

/** The three teaching connections, in order c1 (good), c2 (expired upstream), c3 (client rejects). */
export function teachingConnections(tl = new Timeline()): Timeline {
  goodConnection(tl, 'c1', 'example.com', 0);
  expiredUpstream(tl, 'c2', 200);
  clientRejects(tl, 'c3', 400);
  return tl;
}

const HOSTS = ['example.com', 'api.example.net', 'cdn.example.org', 'mail.example.com', 'news.example', 'shop.example', 'expired.lab.tlslab', 'wrong-host.lab.tlslab', 'self-signed.lab.tlslab'];

/** `n` small connections (open, both legs established, some failing), for the 5,000-row list. */
export function manyConnections(n: number, tl = new Timeline(), prefix = 'm'): Timeline {
  for (let i = 0; i < n; i++) {
    const conn = `${prefix}${i}`;
    const host = `${HOSTS[i % HOSTS.length]}`;
    const at = i * 3;
    tl.add(at, { type: 'conn:open', conn, client: { address: `127.0.0.${1 + (i % 4)}`, port: 40000 + (i % 20000) }, target: { host, port: 443 }, via: 'connect', ...(host.endsWith('.lab.tlslab') ? { lab: host.split('.')[0] } : {}) });
    tl.add(at + 1, { type: 'tls:established', conn, leg: 'upstream', from: 'client', version: TLS13, cipherSuite: AES128, alpn: 'h2', sni: host, keyExchange: 'ecdhe', group: X25519, handshakeMs: 1 });
    if (i % 9 === 6) {
      tl.add(at + 1.1, { type: 'tls:verdict', conn, leg: 'upstream', ok: false, host, policy: 'block', nodeError: 'CERT_HAS_EXPIRED', findings: [{ code: 'CERT_EXPIRED', check: 'validity', severity: 'error', certIndex: 0, message: "The server's certificate has expired." }], chain: [], step: 3 });
    }
    tl.add(at + 2, { type: 'tls:established', conn, leg: 'client', from: 'client', version: TLS13, cipherSuite: AES128, alpn: 'h2', sni: host, keyExchange: 'ecdhe', group: X25519, handshakeMs: 1 });
    tl.add(at + 2.5, { type: 'conn:close', conn, cause: i % 9 === 6 ? 'upstream-cert-invalid' : 'closed', durationMs: 2.5, bytes: { client: { fromClient: 500, toClient: 2000 }, upstream: { fromServer: 2000, toServer: 500 } } });
  }
  return tl;
}
