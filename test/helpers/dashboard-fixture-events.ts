// Realistic event streams for the dashboard tests: RFC 8448 §3 bytes on both legs, an expired upstream, a browser
// rejecting tlslab's certificate with an encrypted certificate_unknown, and thousands of small connections. Pure data.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CertSummary, EventDraft, Leg, Side, TlsHandshakeEvent, TlslabEvent } from '../../src/events/schema';
import { certificateFields, clientHelloFields, serverHelloFields, simpleFields } from './dashboard-fixture-fields';

interface Rfc8448 {
  handshake_messages: Record<string, string>;
  post_handshake_messages: { new_session_ticket: string };
  records: { name: string; record: string; stream_offset: string; encrypted: string; inner_content_type_name?: string; record_length: string }[];
}
export const RFC8448: Rfc8448 = JSON.parse(readFileSync(join(__dirname, '../fixtures/tls/rfc8448/rfc8448-simple-1rtt.json'), 'utf8')) as Rfc8448;
const M = RFC8448.handshake_messages;

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
const HS_NAMES: Record<number, string> = { 1: 'client_hello', 2: 'server_hello', 4: 'new_session_ticket', 8: 'encrypted_extensions', 11: 'certificate', 15: 'certificate_verify', 20: 'finished' };

/** A tls:handshake draft for one RFC 8448 message, with its field tree and details. */
export function handshake(conn: string, leg: Leg, from: Side, hex: string, encrypted: boolean, offset: number | null, extra: Partial<TlsHandshakeEvent> = {}): EventDraft {
  const code = parseInt(hex.slice(0, 2), 16);
  const base = { type: 'tls:handshake' as const, conn, leg, from, msgType: { code, name: HS_NAMES[code] ?? 'unknown' }, length: parseInt(hex.slice(2, 8), 16), encrypted, offset, hex };
  if (code === 1) {
    const ja3 = '771,4865-4867-4866,0-65281-10-35-51-43-13-45-28,29-23-24-25-256-257-258-259-260,0';
    return {
      ...base,
      step: 1,
      fields: clientHelloFields(hex),
      details: {
        kind: 'client_hello', legacyVersion: { code: 0x0303, name: 'TLS 1.2' }, random: hex.slice(12, 76), sessionId: '', cipherSuites: [AES128, { code: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256' }, { code: 0x1302, name: 'TLS_AES_256_GCM_SHA384' }],
        extensions: [], sni: 'server', alpn: [], supportedVersions: [TLS13], groups: [X25519], signatureAlgorithms: [], keyShareGroups: [X25519], ja3, ja3Hash: createHash('md5').update(ja3).digest('hex'), ja4: '',
      },
      note: 'Step 1 as in the story. TLS 1.3 already sends a key_share here: the client\'s half of the key exchange.',
      ...extra,
    };
  }
  if (code === 2) {
    return {
      ...base,
      step: 2,
      fields: serverHelloFields(hex),
      details: { kind: 'server_hello', version: TLS13, random: hex.slice(12, 76), sessionId: '', cipherSuite: AES128, extensions: [], alpn: null, keyShareGroup: X25519, helloRetryRequest: false },
      note: 'TLS 1.3: the ServerHello carries the server\'s key_share, so the key exchange (steps 4–5 of the story) is done here. Everything after it is encrypted.',
      ...extra,
    };
  }
  if (code === 11) {
    const c = certificateFields(hex);
    return { ...base, step: 2, fields: c.fields, details: { kind: 'certificate', certificates: c.ders, ranges: c.ranges }, note: 'Certificate is encrypted in TLS 1.3: an observer on the wire cannot read it (in TLS 1.2 it travels in clear).', ...extra };
  }
  const notes: Record<number, string> = {
    8: 'TLS 1.3: the first encrypted message — the extensions that need no secrecy went in the ServerHello.',
    15: 'TLS 1.3: no ServerKeyExchange. Instead the server signs the transcript with its private key — the private key proves identity, it never decrypts a session key.',
    20: 'Finished: an HMAC over every handshake message so far. From here on, application data flows.',
    4: 'After the handshake: a ticket to resume later without a full handshake.',
  };
  const steps: Record<number, 2 | 5 | 6 | 7> = { 8: 2, 15: 5, 20: 6, 4: 7 };
  return { ...base, step: steps[code], fields: simpleFields(hex), ...(notes[code] ? { note: notes[code] } : {}), ...extra };
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

/** The records of one direction of RFC 8448 as tls:record drafts. */
function records(conn: string, leg: Leg, from: Side, names: string[]): EventDraft[] {
  return RFC8448.records
    .filter((r) => names.includes(r.name))
    .map((r) => {
      const enc = r.encrypted === 'True';
      const ct = parseInt(r.record.slice(0, 2), 16);
      const inner = r.inner_content_type_name;
      return {
        type: 'tls:record', conn, leg, from, offset: Number(r.stream_offset), contentType: { code: ct, name: ct === 22 ? 'handshake' : ct === 23 ? 'application_data' : 'alert' }, version: { code: 0x0303, name: 'TLS 1.2' },
        length: Number(r.record_length) - 5, hex: r.record, encrypted: enc, ...(enc && inner ? { innerType: { code: inner === 'handshake' ? 22 : inner === 'alert' ? 21 : 23, name: inner } } : {}),
      };
    });
}

/** The whole TLS 1.3 handshake of one leg, RFC 8448 bytes, starting at `ms`. */
function tls13Leg(tl: Timeline, conn: string, leg: Leg, ms: number, opts: { clientFinishes: boolean } = { clientFinishes: true }): number {
  const c2s = ['client_hello'];
  const s2c = ['server_hello', 'server_encrypted_handshake'];
  tl.add(ms, records(conn, leg, 'client', c2s)[0]);
  tl.add(ms, handshake(conn, leg, 'client', M['client_hello'], false, 0));
  for (const r of records(conn, leg, 'server', s2c)) tl.add(ms + 6.1, r);
  tl.add(ms + 6.1, handshake(conn, leg, 'server', M['server_hello'], false, 0));
  tl.add(ms + 6.3, handshake(conn, leg, 'server', M['encrypted_extensions'], true, null));
  tl.add(ms + 6.3, handshake(conn, leg, 'server', M['server_certificate'], true, null));
  tl.add(ms + 6.4, handshake(conn, leg, 'server', M['server_certificate_verify'], true, null));
  tl.add(ms + 6.4, handshake(conn, leg, 'server', M['server_finished'], true, null));
  if (!opts.clientFinishes) return ms + 6.4;
  tl.add(ms + 7.2, { type: 'tls:ccs', conn, leg, from: 'client', offset: 201, compatibility: true, step: 6 });
  tl.add(ms + 7.4, handshake(conn, leg, 'client', M['client_finished'], true, null));
  tl.add(ms + 7.5, { type: 'tls:established', conn, leg, from: 'client', version: TLS13, cipherSuite: AES128, alpn: 'http/1.1', sni: leg === 'client' ? 'server' : null, keyExchange: 'ecdhe', group: X25519, handshakeMs: 7.5, step: 6 });
  return ms + 7.5;
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
