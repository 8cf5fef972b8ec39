// Classifies how the browser reacted to the certificate tlslab presented on the client leg, and says why in words.
// Input: the client leg's decoder events and the TLS socket's milestones; output: one `tls:client-outcome` event.
import type { ClientOutcome, Named } from '../events/schema';
import { acceptedUnderUserRoot } from '../x509/browser-rules';
import type { ConnectionSession } from './session';

export interface PresentedContext {
  host: string;
  /** `leaf`: a good leaf from the tlslab CA; `mirror`: a leaf carrying the upstream's flaws. */
  mode: 'leaf' | 'mirror';
  /** In mirror mode: the upstream's first finding, as a sentence. */
  mirrored?: string;
  /** In mirror mode: the codes of the upstream's error findings (what the presented chain carries). */
  mirroredCodes?: string[];
  /** Where students get the CA, e.g. `http://tlslab/`. */
  caUrl: string;
}

/** What the client leg's handshake showed, beyond the outcome: its version, and whether it resumed a session. */
export interface HandshakeFacts {
  /** The version the ServerHello chose (0x0304 TLS 1.3, 0x0303 TLS 1.2), or null before it. */
  version: number | null;
  /** The handshake completed without tlslab sending a Certificate: the client resumed an earlier session. */
  resumed: boolean;
}

type Alert = { level: Named; description: Named; encrypted: boolean };

/** What an alert from a client that rejected our certificate means (RFC 8446 §6.2), and who sends it. */
export const ALERT_MEANING: Readonly<Record<number, string>> = {
  42: 'bad_certificate: the certificate is corrupt or unacceptable (Firefox sends it for a wrong name, a self-signed certificate or SHA-1)',
  43: 'unsupported_certificate: the certificate is of a type it does not accept',
  44: 'certificate_revoked',
  45: 'certificate_expired: the certificate is outside its validity dates',
  46: 'certificate_unknown: Chromium sends this one alert for every certificate problem',
  48: 'unknown_ca: it does not know the authority that signed the certificate',
  49: 'access_denied',
  40: 'handshake_failure: no acceptable parameters',
  80: 'internal_error',
};

/**
 * What an alert means when tlslab presented a good leaf of its own (nothing to refuse but tlslab's CA): where a
 * browser sends something else than unknown_ca (48) or certificate_unknown (46) for an authority it does not trust.
 */
export const LEAF_ALERT_MEANING: Readonly<Record<number, string>> = {
  42: 'bad_certificate: Firefox sends this instead of unknown_ca (48) once its check for interception software has run, and shows “Software is Preventing Firefox From Safely Connecting to This Site” (MOZILLA_PKIX_ERROR_MITM_DETECTED): software between it and the site — here tlslab, whose CA it does not trust yet — presented a certificate from an authority it does not know',
};

/** Why an alert was encrypted, by the version of the leg (TLS 1.3 §4.4.1 handshake keys; TLS 1.2 §7.1 ChangeCipherSpec). */
export const ENCRYPTED_ALERT_WHY = {
  tls13: 'encrypted: in TLS 1.3 everything after the ServerHello is encrypted with the handshake keys; tlslab decrypted it',
  tls12: 'encrypted: in TLS 1.2 it means the client had already finished its side of the handshake — sent its ChangeCipherSpec and Finished — before it refused; tlslab decrypted it',
  unknown: 'encrypted; tlslab decrypted it',
} as const satisfies Record<string, string>;

/**
 * Every sentence of a client outcome, as templates: `{host}`, `{ca}`, `{alert}`, `{why}` and `{mirrored}` are filled
 * in by explainClientOutcome. One table, so the text can be proofread in docs/lesson-text.md.
 */
export const CLIENT_OUTCOME_TEXT = {
  whyLeaf: 'The certificate for {host} was issued by the tlslab Teaching CA; most likely this client does not trust that CA yet — install it from {ca}.',
  whyMirror: 'tlslab presented a certificate with the same flaw as the real server{mirrored}, so the browser refused it just as it would refuse the real one.',
  accepted: 'The client trusted the certificate tlslab presented for {host} and sent its request: step 3 passed on the client leg.',
  acceptedResumed: 'Resumed: the client resumed an earlier session with tlslab (a pre-shared key or session ticket), so no certificate was sent on this connection; trust comes from the earlier connection, where the client verified tlslab’s certificate for {host}. It sent its request.',
  acceptedMirror: 'The client accepted the flawed certificate for {host} and sent its request: either it does not check this flaw (curl -k, a Node client with rejectUnauthorized: false), or someone chose to proceed past the browser’s warning.',
  acceptedMirrorUserRoot: 'The client accepted the certificate for {host}, flaw and all, and sent its request, as a browser does: {userRoot}',
  rejectedAlert: "Step 3 failed on the client's side: it refused the certificate and sent {alert}. {why}",
  closedInHandshake: "Step 3 failed on the client's side: it hung up in the middle of the handshake without sending an alert (Node-based clients do this when they refuse a certificate). {why}",
  closedAfterHandshakeNotify: 'The client finished the handshake, then closed it with close_notify without sending a request — curl does this when the certificate’s name does not match the address it asked for, or when it rejects the certificate after the handshake. {why}',
  closedAfterHandshake: 'The client finished the handshake but closed the connection without sending a request. It may have refused the certificate after the handshake. {why}',
  timeout: 'The client neither finished the handshake nor hung up in time, so tlslab closed the connection.',
} as const satisfies Record<string, string>;

/**
 * Watches one client leg and emits exactly one `tls:client-outcome`. A client that has not finished its handshake
 * within `timeoutMs` gets a `conn:error` (client-timeout), the outcome `timeout`, and `onTimeout` (which ends it).
 */
export class ClientOutcomeWatcher {
  private secure = false;
  private alert: Alert | null = null;
  private sawData = false;
  private done = false;
  /** What the client leg's handshake showed (the ServerHello's version; a Certificate from tlslab or none). */
  private version: number | null = null;
  private certificateSent = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly session: ConnectionSession,
    private readonly ctx: PresentedContext,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void = () => undefined,
  ) {
    session.client.onTlsEvent((e) => {
      if (e.from === 'server') {
        if (e.type === 'tls:handshake' && e.details?.kind === 'server_hello' && !e.details.helloRetryRequest) this.version = e.details.version.code;
        if (e.type === 'tls:handshake' && e.msgType.code === 11) this.certificateSent = true;
        return;
      }
      if (e.type === 'tls:alert' && this.alert === null) {
        this.alert = { level: e.level, description: e.description, encrypted: e.encrypted };
        // A fatal alert before any request is a refusal: in the handshake, or just after it (Firefox's check for an
        // intercepting CA sends bad_certificate once a TLS 1.2 handshake is done). Whether Node has already said
        // 'secure' when the tap reads that alert depends on how the bytes were chunked; the answer must not.
        if (e.fatal && !this.sawData) this.settle('rejected-alert');
      } else if (this.secure && (e.type === 'tls:appdata' || (e.type === 'tls:handshake' && e.msgType.code !== 20))) {
        this.noteData();
      }
    });
    this.timer = setTimeout(() => this.timedOut(), timeoutMs);
    this.timer.unref();
  }

  get outcome(): ClientOutcome | null {
    return this.done ? this.settled : null;
  }

  private settled: ClientOutcome | null = null;

  /** The client's TLS handshake completed (Node's 'secure'): the handshake timeout no longer applies. */
  onSecure(): void {
    this.secure = true;
    clearTimeout(this.timer);
  }

  private timedOut(): void {
    if (this.done || this.secure) return;
    this.session.emit({
      type: 'conn:error',
      leg: 'client',
      code: 'TLSLAB_ERR_CLIENT_TIMEOUT',
      cause: 'client-timeout',
      message: `The client did not finish its TLS handshake within ${this.timeoutMs / 1000} s; tlslab closed the connection.`,
    });
    this.settle('timeout');
    this.onTimeout();
  }

  /** Plaintext arrived from the client: it trusted us enough to send a request. */
  noteData(): void {
    this.sawData = true;
    if (this.secure) this.settle('accepted');
  }

  /** The client leg closed. */
  onClose(): void {
    if (this.done) return;
    if (this.alert && !this.secure) this.settle('rejected-alert');
    else if (!this.secure) this.settle('closed-in-handshake');
    else if (!this.sawData) this.settle('closed-after-handshake');
    else this.settle('accepted');
  }

  private settle(outcome: ClientOutcome): void {
    if (this.done) return;
    this.done = true;
    this.settled = outcome;
    clearTimeout(this.timer);
    // A completed handshake in which tlslab sent no Certificate resumed an earlier session (RFC 8446 §2.2, RFC 5077).
    const resumed = this.secure && !this.certificateSent;
    this.session.emit({
      type: 'tls:client-outcome',
      leg: 'client',
      step: 3,
      outcome,
      ...(this.alert ? { alert: this.alert } : {}),
      ...(resumed ? { resumed } : {}),
      explanation: explainClientOutcome(outcome, this.alert, this.ctx, { version: this.version, resumed }),
    });
  }
}

function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

/** One or two sentences a student understands. */
export function explainClientOutcome(outcome: ClientOutcome, alert: Alert | null, ctx: PresentedContext, facts: HandshakeFacts = { version: null, resumed: false }): string {
  const T = CLIENT_OUTCOME_TEXT;
  const values: Record<string, string> = {
    host: ctx.host,
    ca: ctx.caUrl,
    mirrored: ctx.mirrored ? ` (${lowerFirst(ctx.mirrored)})` : '',
    alert: alert ? describeAlert(alert, facts.version, ctx.mode) : '',
  };
  values['why'] = fill(ctx.mode === 'mirror' ? T.whyMirror : T.whyLeaf, values);
  switch (outcome) {
    case 'accepted': {
      if (facts.resumed) return fill(T.acceptedResumed, values);
      if (ctx.mode !== 'mirror') return fill(T.accepted, values);
      const userRoot = acceptedUnderUserRoot(ctx.mirroredCodes ?? []);
      return userRoot.length > 0 ? fill(T.acceptedMirrorUserRoot, { ...values, userRoot: userRoot.join(' ') }) : fill(T.acceptedMirror, values);
    }
    case 'rejected-alert':
      return fill(T.rejectedAlert, values);
    case 'closed-in-handshake':
      return fill(T.closedInHandshake, values);
    case 'closed-after-handshake':
      return fill(alert && alert.description.code === 0 ? T.closedAfterHandshakeNotify : T.closedAfterHandshake, values);
    case 'timeout':
      return T.timeout;
    default: {
      const never: never = outcome;
      return String(never);
    }
  }
}

/** `alert 46 certificate_unknown: … (encrypted: …)`, the encryption told in the leg's own version. */
export function describeAlert(a: Alert, version: number | null = null, mode: PresentedContext['mode'] = 'mirror'): string {
  const meaning = (mode === 'leaf' ? LEAF_ALERT_MEANING[a.description.code] : undefined) ?? ALERT_MEANING[a.description.code];
  const why = version === 0x0304 ? ENCRYPTED_ALERT_WHY.tls13 : version !== null && version < 0x0304 ? ENCRYPTED_ALERT_WHY.tls12 : ENCRYPTED_ALERT_WHY.unknown;
  const where = a.encrypted ? ` (${why})` : '';
  return `alert ${a.description.code} ${meaning ?? a.description.name}${where}`;
}

function lowerFirst(s: string): string {
  const t = s.replace(/\.$/, '');
  return t.charAt(0).toLowerCase() + t.slice(1);
}
