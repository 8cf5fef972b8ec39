// Realistic event drafts for tests of the bus, the summary reducer and the dashboard server.
// Shapes follow src/events/schema.ts; values are what a curl → lab origin run through tlslab produces.
import type { CertSummary, EventDraft, Finding, Leg, Named, Side, UpstreamPolicy } from '../../src/events/schema';

export const TLS13: Named = { code: 0x0304, name: 'TLS 1.3' };
export const TLS12: Named = { code: 0x0303, name: 'TLS 1.2' };
export const AES128GCM: Named = { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256' };
export const X25519: Named = { code: 0x001d, name: 'x25519' };
const HANDSHAKE: Named = { code: 22, name: 'handshake' };
const ALERT_FATAL: Named = { code: 2, name: 'fatal' };
const ALERT_WARNING: Named = { code: 1, name: 'warning' };

export function open(conn: string, host = 'valid.lab.tlslab', clientPort = 50000): EventDraft {
  return {
    type: 'conn:open',
    conn,
    client: { address: '127.0.0.1', port: clientPort },
    target: { host, port: 443 },
    via: 'connect',
    ...(host.endsWith('.lab.tlslab') ? { lab: host.split('.')[0] } : {}),
  };
}

export function record(conn: string, leg: Leg, from: Side, length = 512, offset = 0): EventDraft {
  const body = 'ab'.repeat(Math.min(length, 64));
  return {
    type: 'tls:record', conn, leg, from, offset, contentType: HANDSHAKE, version: { code: 0x0301, name: 'TLS 1.0' },
    length, hex: '16030102' + (length & 0xffff).toString(16).padStart(4, '0') + body, truncated: length > 64, encrypted: false, step: 1,
  };
}

export function clientHello(conn: string, leg: Leg, sni: string): EventDraft {
  return {
    type: 'tls:handshake', conn, leg, from: 'client', step: 1, msgType: { code: 1, name: 'client_hello' }, length: 508,
    encrypted: false, offset: 5, hex: '010001fc0303' + '11'.repeat(32),
    fields: [{ name: 'legacy_version', value: 'TLS 1.2 (0x0303)', range: [4, 6] }, { name: 'random', range: [6, 38] }],
    details: {
      kind: 'client_hello', legacyVersion: TLS12, random: '11'.repeat(32), sessionId: '22'.repeat(32),
      cipherSuites: [AES128GCM], extensions: [{ code: 0, name: 'server_name' }], sni, alpn: ['h2', 'http/1.1'],
      supportedVersions: [TLS13, TLS12], groups: [X25519], signatureAlgorithms: [{ code: 0x0804, name: 'rsa_pss_rsae_sha256' }],
      keyShareGroups: [X25519], ja3: '771,4865,0,29,0', ja3Hash: '0123456789abcdef0123456789abcdef', ja4: 't13d0101h2_abc_def',
    },
  };
}

export function serverHello(conn: string, leg: Leg): EventDraft {
  return {
    type: 'tls:handshake', conn, leg, from: 'server', step: 2, msgType: { code: 2, name: 'server_hello' }, length: 118,
    encrypted: false, offset: 5, hex: '020000760303' + '33'.repeat(32), fields: [],
    details: {
      kind: 'server_hello', version: TLS13, random: '33'.repeat(32), sessionId: '22'.repeat(32), cipherSuite: AES128GCM,
      extensions: [{ code: 43, name: 'supported_versions' }, { code: 51, name: 'key_share' }], alpn: null, keyShareGroup: X25519, helloRetryRequest: false,
    },
  };
}

export function established(conn: string, leg: Leg, sni: string | null): EventDraft {
  return { type: 'tls:established', conn, leg, from: 'server', step: 6, version: TLS13, cipherSuite: AES128GCM, alpn: 'http/1.1', sni, keyExchange: 'ecdhe', group: X25519, handshakeMs: 2.4 };
}

export function cert(index: number, subject: string): CertSummary {
  return {
    index, subject, issuer: 'CN=tlslab Lab Root', serialHex: '01', notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z',
    san: [`DNS:${subject.replace('CN=', '')}`], fingerprint256: 'AA:BB', publicKey: 'RSA 2048', signatureAlgorithm: 'sha256WithRSAEncryption',
    isCA: false, selfSigned: false, checks: [{ check: 'validity', ok: false, message: 'expired' }], source: 'sent',
  };
}

export const EXPIRED: Finding = {
  code: 'CERT_EXPIRED', check: 'validity', severity: 'error', certIndex: 0,
  message: 'The certificate expired on 2021-01-01; it is now 2026-11-29.', detail: { notAfter: '2021-01-01T00:00:00Z' },
};

export function verdict(conn: string, host: string, ok: boolean, policy?: UpstreamPolicy): EventDraft {
  return {
    type: 'tls:verdict', conn, leg: 'upstream', step: 3, ok, findings: ok ? [] : [EXPIRED], chain: [cert(0, `CN=${host}`)],
    nodeError: ok ? null : 'CERT_HAS_EXPIRED', host, ...(policy !== undefined ? { policy } : {}),
  };
}

export function presented(conn: string, mode: 'leaf' | 'mirror' = 'leaf'): EventDraft {
  return { type: 'tls:presented', conn, leg: 'client', step: 2, mode, chain: [cert(0, 'CN=valid.lab.tlslab')] };
}

export function alert(conn: string, leg: Leg, from: Side, code: number, name: string, encrypted = false): EventDraft {
  const fatal = code !== 0;
  return {
    type: 'tls:alert', conn, leg, from, step: fatal ? 3 : 8, level: fatal ? ALERT_FATAL : ALERT_WARNING,
    description: { code, name }, encrypted, fatal,
  };
}

export function accepted(conn: string): EventDraft {
  return { type: 'tls:client-outcome', conn, leg: 'client', step: 3, outcome: 'accepted', explanation: 'The browser trusted the certificate tlslab presented.' };
}

export function rejected(conn: string): EventDraft {
  return {
    type: 'tls:client-outcome', conn, leg: 'client', step: 3, outcome: 'rejected-alert',
    alert: { level: ALERT_FATAL, description: { code: 48, name: 'unknown_ca' }, encrypted: false },
    explanation: 'The browser does not trust the tlslab CA — install it from http://tlslab/.',
  };
}

export function request(conn: string, id = 1): EventDraft {
  return { type: 'http:request', conn, step: 7, id, method: 'GET', url: '/', httpVersion: '1.1', headers: [['host', 'valid.lab.tlslab'], ['user-agent', 'curl/7.88.1']] };
}

export function response(conn: string, id = 1): EventDraft {
  return { type: 'http:response', conn, step: 7, id, status: 200, statusText: 'OK', headers: [['content-type', 'text/html']], bodyBytes: 1256 };
}

export function closeEvent(conn: string, cause: 'closed' | 'client-reset' | 'upstream-reset' = 'closed'): EventDraft {
  return {
    type: 'conn:close', conn, cause, durationMs: 41.7,
    bytes: { client: { fromClient: 1103, toClient: 4410 }, upstream: { fromServer: 4380, toServer: 1150 } },
  };
}

/** A full successful TLS 1.3 connection: browser ↔ tlslab ↔ origin, one GET, close_notify both ways. */
export function okConnection(conn: string, host = 'valid.lab.tlslab', clientPort = 50000): EventDraft[] {
  return [
    open(conn, host, clientPort),
    record(conn, 'client', 'client', 512),
    clientHello(conn, 'client', host),
    { type: 'conn:upstream', conn, leg: 'upstream', remote: { address: '127.0.0.1', port: 44321 }, connectMs: 0.4 },
    clientHello(conn, 'upstream', host),
    serverHello(conn, 'upstream'),
    established(conn, 'upstream', host),
    verdict(conn, host, true),
    presented(conn),
    serverHello(conn, 'client'),
    established(conn, 'client', host),
    accepted(conn),
    request(conn),
    response(conn),
    alert(conn, 'client', 'client', 0, 'close_notify', true),
    alert(conn, 'upstream', 'client', 0, 'close_notify', true),
    closeEvent(conn),
  ];
}
