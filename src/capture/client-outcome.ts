// Classifies how the browser reacted to the certificate tlslab presented on the client leg, and says why in words.
// Input: the client leg's decoder events and the TLS socket's milestones; output: one `tls:client-outcome` event.
import type { ClientOutcome, Named } from '../events/schema';
import type { ConnectionSession } from './session';

export interface PresentedContext {
  host: string;
  /** `leaf`: a good leaf from the tlslab CA; `mirror`: a leaf carrying the upstream's flaws. */
  mode: 'leaf' | 'mirror';
  /** In mirror mode: the upstream's first finding, as a sentence. */
  mirrored?: string;
  /** Where students get the CA, e.g. `http://tlslab/`. */
  caUrl: string;
}

type Alert = { level: Named; description: Named; encrypted: boolean };

/** What an alert from a client that rejected our certificate means (RFC 8446 §6.2). */
const ALERT_MEANING: Readonly<Record<number, string>> = {
  42: 'bad_certificate: the certificate is corrupt or unacceptable',
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
 * Watches one client leg and emits exactly one `tls:client-outcome`. A client that has not finished its handshake
 * within `timeoutMs` gets a `conn:error` (client-timeout), the outcome `timeout`, and `onTimeout` (which ends it).
 */
export class ClientOutcomeWatcher {
  private secure = false;
  private alert: Alert | null = null;
  private sawData = false;
  private done = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly session: ConnectionSession,
    private readonly ctx: PresentedContext,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void = () => undefined,
  ) {
    session.client.onTlsEvent((e) => {
      if (e.from !== 'client') return;
      if (e.type === 'tls:alert' && this.alert === null) {
        this.alert = { level: e.level, description: e.description, encrypted: e.encrypted };
        if (!this.secure && e.fatal) this.settle('rejected-alert');
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
    this.session.emit({
      type: 'tls:client-outcome',
      leg: 'client',
      step: 3,
      outcome,
      ...(this.alert ? { alert: this.alert } : {}),
      explanation: explainClientOutcome(outcome, this.alert, this.ctx),
    });
  }
}

/** One or two sentences a student understands. */
export function explainClientOutcome(outcome: ClientOutcome, alert: Alert | null, ctx: PresentedContext): string {
  const why = ctx.mode === 'mirror'
    ? `tlslab presented a certificate with the same flaw as the real server${ctx.mirrored ? ` (${lowerFirst(ctx.mirrored)})` : ''}, so the browser refused it just as it would refuse the real one.`
    : `The certificate for ${ctx.host} was issued by the tlslab Teaching CA; most likely this client does not trust that CA yet — install it from ${ctx.caUrl}.`;
  const alertText = alert ? describeAlert(alert) : '';
  switch (outcome) {
    case 'accepted':
      return ctx.mode === 'mirror'
        ? `The client accepted the flawed certificate for ${ctx.host} (someone clicked through the warning, or the client does not check) and sent its request.`
        : `The client trusted the certificate tlslab presented for ${ctx.host} and sent its request: step 3 passed on the client leg.`;
    case 'rejected-alert':
      return `Step 3 failed on the client's side: it refused the certificate and sent ${alertText}. ${why}`;
    case 'closed-in-handshake':
      return `Step 3 failed on the client's side: it hung up in the middle of the handshake without sending an alert (Node-based clients do this when they refuse a certificate). ${why}`;
    case 'closed-after-handshake':
      return alert && alert.description.code === 0
        ? `The client finished the handshake, then closed it with close_notify without sending a request — curl does this when the certificate's name does not match the address it asked for, or when it rejects the certificate after the handshake. ${why}`
        : `The client finished the handshake but closed the connection without sending a request. It may have refused the certificate after the handshake. ${why}`;
    case 'timeout':
      return `The client neither finished the handshake nor hung up in time, so tlslab closed the connection.`;
    default: {
      const never: never = outcome;
      return String(never);
    }
  }
}

function describeAlert(a: Alert): string {
  const meaning = ALERT_MEANING[a.description.code];
  const where = a.encrypted ? ' (encrypted: TLS 1.3 sends it after the handshake keys are in use, tlslab decrypted it)' : '';
  return `alert ${a.description.code} ${meaning ?? a.description.name}${where}`;
}

function lowerFirst(s: string): string {
  const t = s.replace(/\.$/, '');
  return t.charAt(0).toLowerCase() + t.slice(1);
}
