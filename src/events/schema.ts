// The event schema: what the proxy emits, the server streams and the dashboard draws.
// Plain types and constants only — no Node imports — so the browser compiles against this very file.
// Relative imports inside src/events carry a `.js` suffix so the same file compiles for Node and the browser.

/** Bumped whenever an event changes shape in a way a consumer would notice. */
export const EVENT_SCHEMA_VERSION = 1 as const;

/** `client` = browser ↔ tlslab, `upstream` = tlslab ↔ real server. */
export type Leg = 'client' | 'upstream';

/**
 * Who sent the bytes *on that leg*: `client` is the side that sent the ClientHello
 * (the browser on the client leg, tlslab on the upstream leg), `server` the other side.
 */
export type Side = 'client' | 'server';

/**
 * The eight steps of the lesson (docs/eight-steps.md):
 * 1 Client Hello, 2 Server Hello (+ certificate), 3 certificate verification,
 * 4 client key exchange, 5 server key exchange, 6 ChangeCipherSpec / Finished,
 * 7 encrypted data, 8 close_notify.
 */
export type LessonStep = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export const LESSON_STEPS: Readonly<Record<LessonStep, string>> = {
  1: 'Client Hello',
  2: 'Server Hello (+ certificate)',
  3: 'Certificate verification',
  4: 'Client key exchange',
  5: 'Server key exchange',
  6: 'Change Cipher Spec',
  7: 'Encrypted data',
  8: 'close_notify',
};

/** Half-open byte range `[start, end)`. */
export type ByteRange = [start: number, end: number];

/** One parsed field of a message, for the hex view: hovering it lights `range`. */
export interface Field {
  /** Field name as in the RFC, e.g. `legacy_version`, `cipher_suites`, `server_name`. */
  name: string;
  /** Human-readable value, e.g. `TLS 1.2 (0x0303)` or `TLS_AES_128_GCM_SHA256 (0x1301)`. */
  value?: string;
  /** Range relative to the first byte of the owning message's `hex`. */
  range: ByteRange;
  /** One-line teaching note, e.g. "GREASE: a random value that keeps servers tolerant of unknown values". */
  note?: string;
  children?: Field[];
}

export interface Endpoint {
  address: string;
  port: number;
}

/** A named protocol number: `{ code: 0x1301, name: 'TLS_AES_128_GCM_SHA256' }`. */
export interface Named {
  code: number;
  name: string;
}

// ---------------------------------------------------------------------------
// Handshake details: the structured facts the proxy and the dashboard reason with.
// (The `fields` tree carries everything; these are the parts code needs by name.)

export interface ClientHelloDetails {
  kind: 'client_hello';
  legacyVersion: Named;
  /** 32-byte random, hex. Matches key-log lines to this connection. */
  random: string;
  sessionId: string;
  cipherSuites: Named[];
  extensions: Named[];
  sni: string | null;
  alpn: string[];
  supportedVersions: Named[];
  groups: Named[];
  signatureAlgorithms: Named[];
  keyShareGroups: Named[];
  /** SSLv2-compatible ClientHello (RFC 5246 Appendix E.2). */
  sslv2Compatible?: boolean;
  ja3: string;
  ja3Hash: string;
  ja4: string;
}

export interface ServerHelloDetails {
  kind: 'server_hello';
  /** The version actually negotiated (supported_versions wins over legacy_version). */
  version: Named;
  random: string;
  sessionId: string;
  cipherSuite: Named;
  extensions: Named[];
  alpn: string | null;
  keyShareGroup: Named | null;
  helloRetryRequest: boolean;
}

export interface CertificateDetails {
  kind: 'certificate';
  /** DER of each certificate, leaf first, as sent. */
  certificates: string[];
  /** Range of each certificate's DER within the message `hex`. */
  ranges: ByteRange[];
}

export interface KeyExchangeDetails {
  kind: 'server_key_exchange' | 'client_key_exchange';
  /** `ecdhe`, `dhe`, or `rsa` (client encrypts the premaster secret with the server's public key — step 4 of the eight-step story). */
  method: 'ecdhe' | 'dhe' | 'rsa' | 'unknown';
  group?: Named;
  publicKeyHex?: string;
  signatureAlgorithm?: Named;
}

export type HandshakeDetails = ClientHelloDetails | ServerHelloDetails | CertificateDetails | KeyExchangeDetails;

// ---------------------------------------------------------------------------
// Verification.

/** Which check a finding comes from. */
export type CheckName =
  | 'validity'
  | 'hostname'
  | 'chain'
  | 'signature'
  | 'key-strength'
  | 'extended-key-usage'
  | 'basic-constraints'
  | 'key-usage'
  | 'algorithm';

export interface Finding {
  /** Stable code, e.g. `CERT_EXPIRED`, `HOSTNAME_MISMATCH`, `CHAIN_UNKNOWN_ISSUER`. Documented in docs/events.md. */
  code: string;
  check: CheckName;
  severity: 'error' | 'warning';
  /** Index in the chain as sent (0 = leaf); null when the finding is about the chain as a whole. */
  certIndex: number | null;
  /** One sentence a student understands. */
  message: string;
  /** Facts behind the sentence (dates, names, algorithms), for the detail view. */
  detail?: Record<string, string>;
}

export interface CertCheck {
  check: CheckName;
  ok: boolean;
  message: string;
}

export interface CertSummary {
  index: number;
  subject: string;
  issuer: string;
  serialHex: string;
  notBefore: string;
  notAfter: string;
  /** Subject alternative names, e.g. `DNS:example.com`, `IP:127.0.0.1`. */
  san: string[];
  fingerprint256: string;
  /** e.g. `RSA 2048`, `EC P-256`. */
  publicKey: string;
  signatureAlgorithm: string;
  isCA: boolean;
  selfSigned: boolean;
  checks: CertCheck[];
  /** Where this certificate came from: sent by the peer, or found in a trust store while building the chain. */
  source: 'sent' | 'trust-store' | 'minted';
}

export type ClientOutcome =
  /** The browser finished the handshake and sent data: it trusted what tlslab presented. */
  | 'accepted'
  /** The browser sent a fatal alert during the handshake. */
  | 'rejected-alert'
  /** The browser closed the TCP connection mid-handshake without an alert (Node clients do this). */
  | 'closed-in-handshake'
  /** The handshake completed, then the client closed without sending any data (curl on a wrong name). */
  | 'closed-after-handshake'
  /** Nothing happened for too long. */
  | 'timeout';

/** How a connection ended or failed: a closed union, each with a sentence in `FAILURE_CAUSES`. */
export type FailureCause =
  | 'closed'
  | 'client-reset'
  | 'upstream-reset'
  | 'upstream-refused'
  | 'upstream-unreachable'
  | 'upstream-timeout'
  | 'upstream-tls-failed'
  | 'upstream-cert-invalid'
  | 'client-rejected-cert'
  | 'client-tls-failed'
  | 'not-tls'
  | 'malformed-client-hello'
  | 'proxy-error'
  | 'bad-request'
  | 'client-aborted'
  | 'idle-timeout'
  | 'limit-exceeded'
  | 'client-timeout'
  | 'http-limit'
  | 'upstream-bad-response'
  | 'guard-refused'
  | 'sign-in-refused';

export const FAILURE_CAUSES: Readonly<Record<FailureCause, string>> = {
  closed: 'The connection ended normally.',
  'client-reset': 'The browser reset the connection.',
  'upstream-reset': 'The real server reset the connection.',
  'upstream-refused': 'The real server refused the connection: nothing listens on that port.',
  'upstream-unreachable': 'tlslab could not reach the real server (the name does not resolve or the network is down).',
  'upstream-timeout': 'The real server did not answer in time.',
  'upstream-tls-failed': 'The TLS handshake with the real server failed.',
  'upstream-cert-invalid': "The real server's certificate failed verification.",
  'client-rejected-cert': "The browser refused the certificate tlslab presented.",
  'client-tls-failed': 'The TLS handshake with the browser failed.',
  'not-tls': 'The tunnel did not carry TLS; its bytes were relayed as they were.',
  'malformed-client-hello': 'The browser sent a ClientHello that could not be read.',
  'proxy-error': 'tlslab itself hit an error on this connection.',
  'bad-request': 'The request named no server tlslab could contact (or would loop back to tlslab), so tlslab answered it with an error page.',
  'client-aborted': 'The browser closed the connection before the answer was complete.',
  'idle-timeout': 'Nothing moved on the connection for too long, so tlslab closed it.',
  'limit-exceeded': "The connection went past one of tlslab's limits (the error says which), so tlslab closed it.",
  'client-timeout': 'The browser did not finish its TLS handshake in time, so tlslab closed the connection.',
  'http-limit': "Part of an HTTP message was larger than tlslab reads, so tlslab stopped showing this connection's HTTP; its bytes were still relayed.",
  'upstream-bad-response': "The real server's answer was not valid HTTP, so tlslab could not pass it on.",
  'guard-refused': "tlslab refused the connection without contacting any server: the target is the computer tlslab runs on (or tlslab's own port), or the client may not use this proxy.",
  'sign-in-refused': 'tlslab asked the browser to sign in to the proxy (407 Proxy Authentication Required), and the name or class code it sent was refused, so no server was contacted.',
};

/**
 * The lesson step at which each cause stops a connection, where one is known from the cause alone (null: it depends on
 * how far the handshake got, or it is no step of the story). A server that resets the connection before its
 * ServerHello stopped it at step 1; see `failureStep`.
 */
export const FAILURE_CAUSE_STEP: Readonly<Record<FailureCause, LessonStep | null>> = {
  closed: null,
  'client-reset': null,
  'upstream-reset': null,
  'upstream-refused': 1,
  'upstream-unreachable': 1,
  'upstream-timeout': 1,
  'upstream-tls-failed': 2,
  'upstream-cert-invalid': 3,
  'client-rejected-cert': 3,
  'client-tls-failed': 2,
  'not-tls': 1,
  'malformed-client-hello': 1,
  'proxy-error': null,
  'bad-request': null,
  'client-aborted': null,
  'idle-timeout': null,
  'limit-exceeded': null,
  'client-timeout': 2,
  'http-limit': null,
  'upstream-bad-response': null,
  'guard-refused': null,
  'sign-in-refused': null,
};

/**
 * The step a connection stopped at: the cause's own step, else the step after the last one the leg reached (a reset
 * answering a ClientHello stops step 1, one after the ServerHello step 2), else null.
 */
export function failureStep(cause: FailureCause, lastStepReached: LessonStep | null): LessonStep | null {
  return FAILURE_CAUSE_STEP[cause] ?? lastStepReached;
}

export type UpstreamPolicy = 'block' | 'mirror' | 'allow';

// ---------------------------------------------------------------------------
// Events. Every event carries `v`, `type`, `conn`, `seq`, `t`; TLS events carry `leg` and `from`.

export interface EventBase {
  v: typeof EVENT_SCHEMA_VERSION;
  /** Connection id, unique within a run, e.g. `c42`. */
  conn: string;
  /** Global sequence number across all connections, strictly increasing. */
  seq: number;
  /** Monotonic time in milliseconds (epoch-aligned, sub-millisecond precision). */
  t: number;
  /** The lesson step this event illustrates, where one applies. */
  step?: LessonStep;
}

export interface LegEventBase extends EventBase {
  leg: Leg;
  /** Who sent it on that leg. */
  from: Side;
}

/** A student signed in to the proxy in classroom mode (proxy authentication: user name = display name). */
export interface Student {
  /** Stable, opaque id: `s-` and 16 hex digits, the same for every spelling that differs only in case. */
  id: string;
  /** The display name, normalized (NFKC, invisible characters out, at most 32 code points). */
  name: string;
}

export interface ConnOpenEvent extends EventBase {
  type: 'conn:open';
  client: Endpoint;
  target: { host: string; port: number };
  /** `connect`: a CONNECT tunnel; `http`: plain HTTP proxying; `websocket`: a WebSocket upgrade sent to the proxy as plain HTTP. */
  via: 'connect' | 'http' | 'websocket';
  /** Set when the target is a built-in lab origin (`expired.lab.tlslab` → `expired`). */
  lab?: string;
  /** Classroom mode: the signed-in student who made the connection (absent outside classroom mode). */
  student?: Student;
}

export interface ConnUpstreamEvent extends EventBase {
  type: 'conn:upstream';
  leg: 'upstream';
  remote: Endpoint;
  /** Milliseconds from the start of the TCP connect to connected. */
  connectMs: number;
}

export interface TlsRecordEvent extends LegEventBase {
  type: 'tls:record';
  /** Offset of the record header in that direction's byte stream. */
  offset: number;
  contentType: Named;
  version: Named;
  /** Length of the record body (without the 5-byte header). */
  length: number;
  /**
   * Header and body as sent, hex; bodies longer than the decoder's limit are cut (see `truncated`). Absent when
   * `deferred`.
   */
  hex?: string;
  truncated?: boolean;
  /** The bytes were left out of the live stream: `GET /api/connections/:id/events` has them while they are kept. */
  deferred?: true;
  /** The record was protected (encrypted) on the wire. */
  encrypted: boolean;
  /** For decrypted TLS 1.3 records: the real content type inside. */
  innerType?: Named;
}

export interface TlsHandshakeEvent extends LegEventBase {
  type: 'tls:handshake';
  msgType: Named;
  /** Body length from the 4-byte header. */
  length: number;
  /** The message arrived inside encrypted records (TLS 1.3) and tlslab decrypted it. */
  encrypted: boolean;
  /** Offset of the message's first byte in that direction's wire stream; null for decrypted messages. */
  offset: number | null;
  /** The whole message, header included, hex. Field ranges are relative to this. Absent when `deferred`. */
  hex?: string;
  /** Every parsed field, nested, with byte ranges. Absent when `deferred`. */
  fields?: Field[];
  /**
   * The bytes and the field tree were left out of the live stream (everything else is here): `GET
   * /api/connections/:id/events` has them while tlslab keeps the connection's bytes.
   */
  deferred?: true;
  details?: HandshakeDetails;
  /** Teaching note on how this message fits (or departs from) the eight-step story. */
  note?: string;
}

export interface TlsChangeCipherSpecEvent extends LegEventBase {
  type: 'tls:ccs';
  offset: number;
  /** TLS 1.3 sends it only for middlebox compatibility (RFC 8446 Appendix D.4): it changes nothing. */
  compatibility: boolean;
  /** What this ChangeCipherSpec does in its version (TLS 1.3: nothing; TLS 1.2: switches the sender's keys). */
  note?: string;
}

export interface TlsAlertEvent extends LegEventBase {
  type: 'tls:alert';
  level: Named;
  description: Named;
  /** The alert was inside an encrypted record (TLS 1.3 after the handshake keys) and tlslab decrypted it. */
  encrypted: boolean;
  fatal: boolean;
}

export interface TlsAppDataEvent extends LegEventBase {
  type: 'tls:appdata';
  /** Plaintext length when decrypted, else the ciphertext length. */
  length: number;
  decrypted: boolean;
  /** First bytes of the plaintext, hex (bounded). */
  previewHex?: string;
}

export interface TlsKeysEvent extends LegEventBase {
  type: 'tls:keys';
  /** Key-log labels learned, e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET`. The secrets themselves never leave the process. */
  labels: string[];
}

export type UndecryptableReason = 'no-key-yet' | 'key-never-arrived' | 'unsupported-suite' | 'bad-tag' | 'bad-padding' | 'bad-mac';

export interface TlsUndecryptableEvent extends LegEventBase {
  type: 'tls:undecryptable';
  offset: number;
  reason: UndecryptableReason;
  message: string;
}

export interface TlsDecodeErrorEvent extends LegEventBase {
  type: 'tls:decode-error';
  /** Stable decoder error code, `TLSLAB_ERR_DECODE_…` (docs/errors.md). */
  code: string;
  message: string;
  offset: number;
}

export interface TlsEstablishedEvent extends LegEventBase {
  type: 'tls:established';
  version: Named;
  cipherSuite: Named;
  alpn: string | null;
  sni: string | null;
  keyExchange: 'ecdhe' | 'dhe' | 'rsa' | 'psk' | 'unknown';
  group?: Named;
  /** Handshake duration in ms, ClientHello to the last Finished. */
  handshakeMs?: number;
}

export interface TlsVerdictEvent extends EventBase {
  type: 'tls:verdict';
  leg: 'upstream';
  ok: boolean;
  findings: Finding[];
  chain: CertSummary[];
  /** What Node's own verification said (`authorizationError`), shown beside ours. */
  nodeError: string | null;
  /** The hostname checked. */
  host: string;
  /** What tlslab did about a failure. */
  policy?: UpstreamPolicy;
  /**
   * Set when the policy said `mirror` but no certificate tlslab can mint carries this chain's flaw: why, for the
   * student. tlslab served its teaching page instead, so `policy` is then `block`.
   */
  mirrorUnavailable?: string;
}

export interface TlsPresentedEvent extends EventBase {
  type: 'tls:presented';
  leg: 'client';
  /** What tlslab presented to the browser: a good leaf, or one that mirrors the upstream's flaws. */
  mode: 'leaf' | 'mirror';
  /**
   * The certificates as sent (source `minted`), each with every check a browser makes, then the trust anchor the path
   * reached (source `trust-store`: tlslab's CA, which the browser holds and tlslab does not send).
   */
  chain: CertSummary[];
  /** The chain verified as the browser does: tlslab's CA as its only trust anchor, for the name it asked for. */
  verdict?: PresentedVerdict;
}

/** How a browser that trusts tlslab's CA (and nothing else) judges the chain tlslab presented. */
export interface PresentedVerdict {
  /** No finding of severity `error`: a browser trusting tlslab's CA accepts it. */
  ok: boolean;
  findings: Finding[];
  /** The name checked: what the browser asked for (SNI, else the CONNECT host). */
  host: string;
  /** The trust anchor assumed: tlslab's CA, by subject. */
  anchor: string;
}

export interface TlsClientOutcomeEvent extends EventBase {
  type: 'tls:client-outcome';
  leg: 'client';
  outcome: ClientOutcome;
  /** The alert the browser sent, if any. */
  alert?: { level: Named; description: Named; encrypted: boolean };
  /**
   * The client resumed an earlier session (a TLS 1.3 pre-shared key, a TLS 1.2 session ticket or id): tlslab sent no
   * certificate on this connection, so there was nothing to verify; trust comes from the earlier connection.
   */
  resumed?: boolean;
  /** Why, in words a student understands. */
  explanation: string;
}

/**
 * A peer ended its TCP connection on a leg after the handshake (step 8): the browser on the client leg, the real server
 * on the upstream leg. Says whether it had sent close_notify first.
 */
export interface TlsTcpEndEvent extends LegEventBase {
  type: 'tls:tcp-end';
  /** `fin`: an orderly TCP close; `reset`: a TCP RST. */
  how: 'fin' | 'reset';
  /** The peer sent close_notify (or a fatal alert) before its TCP end. */
  closeNotify: boolean;
  /** What this end means for the lesson, one or two sentences. */
  note: string;
}

export interface HttpRequestEvent extends EventBase {
  type: 'http:request';
  /** Request number within the connection, from 1. */
  id: number;
  /** HTTP/2: the stream identifier (RFC 9113 §5.1.1), as Wireshark shows it. */
  stream?: number;
  method: string;
  /** The request target as sent: HTTP/1 `/path?q` (an absolute URL on plain HTTP); HTTP/2 the `:path` pseudo-header. */
  url: string;
  httpVersion: string;
  /** In order, as sent; HTTP/2 pseudo-headers (`:method`, `:scheme`, `:authority`, `:path`) first. */
  headers: [string, string][];
}

export interface HttpResponseEvent extends EventBase {
  type: 'http:response';
  /** The request it answers. */
  id: number;
  /** HTTP/2: the stream identifier. */
  stream?: number;
  status: number;
  statusText: string;
  headers: [string, string][];
  bodyBytes: number;
  /**
   * The body had no length of its own (no Content-Length, not chunked): it ended when the server closed the connection
   * (RFC 9112 §6.3), and only a close_notify before that close shows it arrived whole.
   */
  endsWithClose?: boolean;
}

export interface ConnErrorEvent extends EventBase {
  type: 'conn:error';
  leg?: Leg;
  /** Stable error code, `TLSLAB_ERR_…` (docs/errors.md). */
  code: string;
  cause: FailureCause;
  message: string;
}

export interface ConnCloseEvent extends EventBase {
  type: 'conn:close';
  cause: FailureCause;
  durationMs: number;
  bytes: {
    client: { fromClient: number; toClient: number };
    upstream: { fromServer: number; toServer: number };
  };
}

/** Every event about a connection. */
export type TlslabEvent =
  | ConnOpenEvent
  | ConnUpstreamEvent
  | TlsRecordEvent
  | TlsHandshakeEvent
  | TlsChangeCipherSpecEvent
  | TlsAlertEvent
  | TlsAppDataEvent
  | TlsKeysEvent
  | TlsUndecryptableEvent
  | TlsDecodeErrorEvent
  | TlsEstablishedEvent
  | TlsVerdictEvent
  | TlsPresentedEvent
  | TlsClientOutcomeEvent
  | TlsTcpEndEvent
  | HttpRequestEvent
  | HttpResponseEvent
  | ConnErrorEvent
  | ConnCloseEvent;

export type TlslabEventType = TlslabEvent['type'];

/** Distributes Omit over a union. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before the bus stamps it with `v`, `seq` and `t`. */
export type EventDraft = DistributiveOmit<TlslabEvent, 'v' | 'seq' | 't'>;

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
