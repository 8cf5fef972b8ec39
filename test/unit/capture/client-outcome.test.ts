import { ClientOutcomeWatcher, ENCRYPTED_ALERT_WHY, LEAF_ALERT_MEANING, explainClientOutcome } from '../../../src/capture/client-outcome';
import { ACCEPTED_UNDER_USER_ROOT } from '../../../src/x509/browser-rules';
import { ConnectionSession } from '../../../src/capture/session';
import { EventBus } from '../../../src/events/bus';
import type { TlslabEvent } from '../../../src/events/schema';

const alert46 = { level: { code: 2, name: 'fatal' }, description: { code: 46, name: 'certificate_unknown' }, encrypted: true };
const leaf = { host: 'example.com', mode: 'leaf' as const, caUrl: 'http://tlslab/' };

describe('explainClientOutcome', () => {
  it('explains a rejection with the alert and the likely reason: our CA is not trusted', () => {
    const s = explainClientOutcome('rejected-alert', alert46, leaf);
    expect(s).toMatch(/^Step 3 failed on the client's side/);
    expect(s).toContain('alert 46 certificate_unknown');
    expect(s).toContain('encrypted');
    expect(s).toContain('http://tlslab/');
  });

  it('in mirror mode, says the browser refused the same flaw the real server has', () => {
    const s = explainClientOutcome('rejected-alert', alert46, { ...leaf, mode: 'mirror', mirrored: 'The server’s certificate expired on 2025-01-01.' });
    expect(s).toContain('same flaw as the real server');
    expect(s).toContain('expired on 2025-01-01');
  });

  it('names the silent hang-up of Node clients and the close_notify of curl', () => {
    expect(explainClientOutcome('closed-in-handshake', null, leaf)).toMatch(/without sending an alert/);
    const closeNotify = { level: { code: 1, name: 'warning' }, description: { code: 0, name: 'close_notify' }, encrypted: true };
    expect(explainClientOutcome('closed-after-handshake', closeNotify, leaf)).toMatch(/curl does this/);
  });

  it('says step 3 passed when the client sent its request', () => {
    expect(explainClientOutcome('accepted', null, leaf)).toMatch(/step 3 passed on the client leg/);
  });
  it('explains an encrypted alert in its leg’s version: TLS 1.3 handshake keys, TLS 1.2 after the client’s own Finished', () => {
    const alert48 = { ...alert46, description: { code: 48, name: 'unknown_ca' } };
    expect(explainClientOutcome('rejected-alert', alert48, leaf, { version: 0x0304, resumed: false })).toContain(ENCRYPTED_ALERT_WHY.tls13);
    const tls12 = explainClientOutcome('rejected-alert', alert48, leaf, { version: 0x0303, resumed: false });
    expect(tls12).toContain(ENCRYPTED_ALERT_WHY.tls12);
    expect(tls12).not.toContain('TLS 1.3');
  });

  it('bad_certificate (42) against a good tlslab leaf is Firefox’s MITM page; against a mirrored flaw it is only the flaw', () => {
    const alert42 = { ...alert46, description: { code: 42, name: 'bad_certificate' } };
    expect(explainClientOutcome('rejected-alert', alert42, leaf)).toContain(LEAF_ALERT_MEANING[42]);
    expect(explainClientOutcome('rejected-alert', alert42, { ...leaf, mode: 'mirror' })).not.toContain('MITM');
  });

  it('a resumed session: no certificate was sent, trust comes from the earlier connection', () => {
    expect(explainClientOutcome('accepted', null, leaf, { version: 0x0304, resumed: true })).toMatch(/^Resumed: .*no certificate was sent on this connection; trust comes from the earlier connection/);
  });

  it('mirror mode, accepted: what browsers accept under a user-added root, else who does not check', () => {
    const mirrorCtx = { ...leaf, mode: 'mirror' as const };
    expect(explainClientOutcome('accepted', null, { ...mirrorCtx, mirroredCodes: ['KEY_RSA_TOO_SMALL'] })).toContain(ACCEPTED_UNDER_USER_ROOT.KEY_RSA_TOO_SMALL);
    expect(explainClientOutcome('accepted', null, { ...mirrorCtx, mirroredCodes: ['CERT_EXPIRED'] })).toMatch(/does not check this flaw .* or someone chose to proceed past the browser’s warning/);
  });
});

describe('ClientOutcomeWatcher handshake timeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function watch(): { watcher: ClientOutcomeWatcher; events: TlslabEvent[]; ended: jest.Mock; session: ConnectionSession } {
    const bus = new EventBus();
    const events: TlslabEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const ended = jest.fn();
    const session = new ConnectionSession(bus);
    const watcher = new ClientOutcomeWatcher(session, leaf, 300, ended);
    return { watcher, events, ended, session };
  }

  /** A plaintext TLS 1.2 alert record from the browser: `level` (1 warning, 2 fatal), `code`. */
  const alertRecord = (level: number, code: number): Buffer => Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, level, code]);

  it('a fatal alert before any request is a refusal, whether it came before or after Node said the handshake was done', () => {
    for (const secureFirst of [false, true]) {
      const { watcher, session } = watch();
      if (secureFirst) watcher.onSecure();
      session.client.feed('client', alertRecord(2, 42));
      if (!secureFirst) watcher.onSecure();
      watcher.onClose();
      expect([secureFirst, watcher.outcome]).toEqual([secureFirst, 'rejected-alert']);
    }
  });

  it('a close_notify (a warning) after the handshake with no request is a close, not a refusal', () => {
    const { watcher, session } = watch();
    watcher.onSecure();
    session.client.feed('client', alertRecord(1, 0));
    watcher.onClose();
    expect(watcher.outcome).toBe('closed-after-handshake');
  });

  it('a client that has not finished its handshake in time: conn:error client-timeout, outcome timeout, ended', () => {
    const { watcher, events, ended } = watch();
    jest.advanceTimersByTime(300);
    expect(events.map((e) => e.type)).toEqual(['conn:error', 'tls:client-outcome']);
    expect(events[0]).toMatchObject({ leg: 'client', code: 'TLSLAB_ERR_CLIENT_TIMEOUT', cause: 'client-timeout' });
    expect(events[1]).toMatchObject({ outcome: 'timeout', explanation: expect.stringContaining('tlslab closed the connection') });
    expect(ended).toHaveBeenCalledTimes(1);
    expect(watcher.outcome).toBe('timeout');
  });

  it('no longer applies once the handshake is done: a quiet client after it is the idle timeout’s', () => {
    const { watcher, events, ended } = watch();
    watcher.onSecure();
    jest.advanceTimersByTime(10_000);
    expect(events).toEqual([]);
    expect(ended).not.toHaveBeenCalled();
    watcher.onClose();
    expect(watcher.outcome).toBe('closed-after-handshake');
  });
});
