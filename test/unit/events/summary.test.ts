// The summary reducer on realistic event sequences: what the connection list and /api/connections show.
import { reduceSummaries, reduceSummary, isFailure, SummaryCompactor, SHARED_PARTS_MAX } from '../../../src/events/summary';
import type { EventDraft, TlslabEvent } from '../../../src/events/schema';
import type { ConnectionSummary } from '../../../src/events/stream';
import {
  accepted, alert, clientHello, closeEvent, established, okConnection, open, presented, record, rejected, request, response,
  serverHello, verdict,
} from '../../helpers/events-drafts';
import { EventBus } from '../../../src/events/bus';

function stampAll(drafts: EventDraft[], from = 1): TlslabEvent[] {
  return drafts.map((d, i) => ({ ...d, v: 1, seq: from + i, t: 1_764_000_000_000 + (from + i) * 1.5 }));
}

function fold(drafts: EventDraft[]): ConnectionSummary {
  let s: ConnectionSummary | undefined;
  for (const e of stampAll(drafts)) s = reduceSummary(s, e);
  if (s === undefined) throw new Error('no events');
  return s;
}

describe('reduceSummary', () => {
  it('an ok TLS 1.3 connection: both legs, sni, one request, exact bytes from conn:close', () => {
    const events = stampAll(okConnection('c1'));
    const s = fold(okConnection('c1'));
    expect(s).toEqual({
      id: 'c1',
      client: { address: '127.0.0.1', port: 50000 },
      target: { host: 'valid.lab.tlslab', port: 443 },
      lab: 'valid',
      sni: 'valid.lab.tlslab',
      openedAt: events[0].t,
      closedAt: events[events.length - 1].t,
      status: 'ok',
      failedLeg: null,
      cause: 'closed',
      clientOutcome: 'accepted',
      explanation: null,
      policy: undefined,
      legs: {
        client: {
          version: { code: 0x0304, name: 'TLS 1.3' }, cipherSuite: { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256' }, alpn: 'http/1.1',
          verdict: null, bytesIn: 1103, bytesOut: 4410, alerts: [{ from: 'client', name: 'close_notify', encrypted: true }],
        },
        upstream: {
          version: { code: 0x0304, name: 'TLS 1.3' }, cipherSuite: { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256' }, alpn: 'http/1.1',
          verdict: { ok: true, codes: [] }, bytesIn: 4380, bytesOut: 1150, alerts: [{ from: 'client', name: 'close_notify', encrypted: true }],
        },
      },
      requests: 1,
      responses: 1,
      note: null,
      firstRequest: { method: 'GET', url: '/' },
      resumed: false,
      lastSeq: events.length,
    });
    expect(isFailure(s)).toBe(false);
  });

  it('is pure: never mutates the previous summary', () => {
    const events = stampAll(okConnection('c1'));
    let s: ConnectionSummary | undefined;
    const snapshots: string[] = [];
    const objects: ConnectionSummary[] = [];
    for (const e of events) {
      s = reduceSummary(s, e);
      objects.push(s);
      snapshots.push(JSON.stringify(s));
    }
    objects.forEach((o, i) => expect(JSON.stringify(o)).toBe(snapshots[i]));
  });

  it('counts record bytes per leg and direction while the connection runs', () => {
    const s = fold([
      open('c1'),
      record('c1', 'client', 'client', 512), // browser → tlslab: in on the client leg
      record('c1', 'client', 'server', 100), // tlslab → browser: out
      record('c1', 'upstream', 'client', 512), // tlslab → server: out on the upstream leg
      record('c1', 'upstream', 'server', 2000), // server → tlslab: in
    ]);
    expect(s.status).toBe('open');
    expect([s.legs.client.bytesIn, s.legs.client.bytesOut]).toEqual([517, 105]);
    expect([s.legs.upstream.bytesIn, s.legs.upstream.bytesOut]).toEqual([2005, 517]);
  });

  it('a record makes a new summary (the previous one untouched), keeps the key order and never lowers lastSeq', () => {
    const [o, r1, r2] = stampAll([open('c1'), record('c1', 'client', 'client', 512), record('c1', 'upstream', 'server', 100)]);
    const opened = reduceSummary(undefined, o);
    const before = JSON.stringify(opened);
    const once = reduceSummary(opened, r1);
    expect(JSON.stringify(opened)).toBe(before);
    expect(once).not.toBe(opened);
    expect(once.legs).not.toBe(opened.legs);
    expect(once.legs.upstream).toBe(opened.legs.upstream); // the untouched leg is shared, as with any other event
    expect(Object.keys(once)).toEqual(Object.keys(opened));
    expect(Object.keys(once.legs.client)).toEqual(Object.keys(opened.legs.client));
    expect(once.legs.client.bytesIn).toBe(517);
    expect(once.lastSeq).toBe(r1.seq);
    const late = reduceSummary(once, { ...r2, seq: 1 }); // an event stamped earlier than the last one seen
    expect(late.lastSeq).toBe(r1.seq);
    expect(late.legs.upstream.bytesIn).toBe(105);
  });

  it('upstream verdict failure (block): failed on the upstream leg with the finding codes and sentence', () => {
    const host = 'expired.lab.tlslab';
    const s = fold([
      open('c2', host),
      clientHello('c2', 'client', host),
      clientHello('c2', 'upstream', host),
      serverHello('c2', 'upstream'),
      established('c2', 'upstream', host),
      verdict('c2', host, false, 'block'),
      presented('c2'),
      established('c2', 'client', host),
      accepted('c2'),
      request('c2'),
      { ...response('c2'), status: 502, statusText: 'Bad Gateway' } as EventDraft,
      closeEvent('c2'),
    ]);
    expect(s).toMatchObject({
      status: 'failed', failedLeg: 'upstream', cause: 'upstream-cert-invalid', policy: 'block', clientOutcome: 'accepted', lab: 'expired',
      explanation: 'The certificate expired on 2021-01-01; it is now 2026-11-29.',
    });
    expect(s.legs.upstream.verdict).toEqual({ ok: false, codes: ['CERT_EXPIRED'] });
    expect(s.closedAt).not.toBeNull();
    expect(isFailure(s)).toBe(true);
  });

  it('client rejected our certificate with an alert: failed on the client leg, cause refined by the outcome', () => {
    const s = fold([
      open('c3'),
      clientHello('c3', 'client', 'valid.lab.tlslab'),
      verdict('c3', 'valid.lab.tlslab', true),
      presented('c3'),
      serverHello('c3', 'client'),
      alert('c3', 'client', 'client', 48, 'unknown_ca'),
      rejected('c3'),
      closeEvent('c3', 'client-reset'),
    ]);
    expect(s).toMatchObject({
      status: 'failed', failedLeg: 'client', cause: 'client-rejected-cert', clientOutcome: 'rejected-alert',
      explanation: 'The browser does not trust the tlslab CA — install it from http://tlslab/.',
    });
    expect(s.legs.client.alerts).toEqual([{ from: 'client', name: 'unknown_ca', encrypted: false }]);
    expect(s.legs.upstream.verdict).toEqual({ ok: true, codes: [] });
  });

  it('mirror mode: upstream failure stays the first failure when the browser then rejects', () => {
    const s = fold([open('c4', 'expired.lab.tlslab'), verdict('c4', 'expired.lab.tlslab', false, 'mirror'), presented('c4', 'mirror'),
      alert('c4', 'client', 'client', 46, 'certificate_unknown', true), rejected('c4'), closeEvent('c4')]);
    expect(s).toMatchObject({ status: 'failed', failedLeg: 'upstream', cause: 'upstream-cert-invalid', policy: 'mirror', clientOutcome: 'rejected-alert' });
    expect(s.legs.client.alerts[0]).toEqual({ from: 'client', name: 'certificate_unknown', encrypted: true });
  });

  it('allow → insecure: relayed although the upstream certificate failed', () => {
    const host = 'self-signed.lab.tlslab';
    const s = fold([open('c5', host), verdict('c5', host, false, 'allow'), presented('c5'), established('c5', 'client', host), accepted('c5'),
      request('c5'), response('c5'), closeEvent('c5')]);
    expect(s).toMatchObject({ status: 'insecure', failedLeg: 'upstream', cause: 'upstream-cert-invalid', policy: 'allow', requests: 1 });
    expect(isFailure(s)).toBe(true);
  });

  it('insecure becomes failed when something else fails later', () => {
    const host = 'self-signed.lab.tlslab';
    const s = fold([open('c6', host), verdict('c6', host, false, 'allow'), closeEvent('c6', 'upstream-reset')]);
    expect(s).toMatchObject({ status: 'failed', failedLeg: 'upstream', cause: 'upstream-cert-invalid' });
  });

  it('an error without a conn:close: failed but not closed', () => {
    const s = fold([open('c7', 'refused.test'), {
      type: 'conn:error', conn: 'c7', leg: 'upstream', code: 'TLSLAB_ERR_UPSTREAM_CONNECT', cause: 'upstream-refused',
      message: 'connect ECONNREFUSED 127.0.0.1:9',
    }]);
    expect(s).toMatchObject({ status: 'failed', failedLeg: 'upstream', cause: 'upstream-refused', closedAt: null, explanation: 'connect ECONNREFUSED 127.0.0.1:9' });
  });

  it('a connection still running stays open; a close with a reset cause fails the leg it names', () => {
    expect(fold([open('c8'), clientHello('c8', 'client', 'a.test')]).status).toBe('open');
    const s = fold([open('c9'), closeEvent('c9', 'client-reset')]);
    expect(s).toMatchObject({ status: 'failed', failedLeg: 'client', cause: 'client-reset' });
  });

  it('closed without close_notify still ends ok; a conn:error after a clean close wins the cause', () => {
    const drafts = okConnection('c10').filter((d) => d.type !== 'tls:alert');
    const s = fold(drafts);
    expect(s.status).toBe('ok');
    expect(s.legs.client.alerts).toEqual([]);
    const later = fold([...drafts, { type: 'conn:error', conn: 'c10', code: 'TLSLAB_ERR_INTERNAL', cause: 'proxy-error', message: 'late' }]);
    expect(later).toMatchObject({ status: 'failed', cause: 'proxy-error', failedLeg: null });
  });

  it('a tunnel that does not carry TLS is explained but not failed', () => {
    const s = fold([open('c12', 'mail.test'), {
      type: 'conn:error', conn: 'c12', leg: 'client', code: 'TLSLAB_ERR_NOT_TLS', cause: 'not-tls',
      message: 'The tunnel to mail.test:443 does not carry TLS (it starts with "EHLO x"); tlslab relays its bytes unchanged.',
    }, { ...closeEvent('c12'), cause: 'not-tls' } as EventDraft]);
    expect(s).toMatchObject({ status: 'ok', failedLeg: null, cause: 'not-tls' });
    expect(s.explanation).toContain('does not carry TLS');
    expect(isFailure(s)).toBe(false);
  });

  it('an HTTP observer limit is explained but not a failure; a client handshake timeout fails the client leg', () => {
    const limited = fold([...okConnection('c13').slice(0, -1), {
      type: 'conn:error', conn: 'c13', leg: 'upstream', code: 'TLSLAB_ERR_HTTP_LIMIT', cause: 'http-limit',
      message: 'The server sent an HTTP/1.x chunk-size line (RFC 9112 §7.1) longer than 4 KiB, more than tlslab reads.',
    }, closeEvent('c13')]);
    expect(limited).toMatchObject({ status: 'ok', failedLeg: null, cause: 'http-limit' });
    expect(isFailure(limited)).toBe(false);
    const stalled = fold([open('c14', 'slow.test'), {
      type: 'conn:error', conn: 'c14', leg: 'client', code: 'TLSLAB_ERR_CLIENT_TIMEOUT', cause: 'client-timeout',
      message: 'The client did not finish its TLS handshake within 30 s; tlslab closed the connection.',
    }, { ...closeEvent('c14'), cause: 'client-timeout' } as EventDraft]);
    expect(stalled).toMatchObject({ status: 'failed', failedLeg: 'client', cause: 'client-timeout' });
  });

  it('events whose conn:open was not seen start a blank summary that fills in', () => {
    const tail = okConnection('c11').slice(4);
    const s = fold(tail);
    expect(s.target).toEqual({ host: '', port: 0 });
    expect(s.status).toBe('ok');
    expect(s.legs.upstream.verdict).toEqual({ ok: true, codes: [] });
  });

  it('reduceSummaries folds interleaved connections independently', () => {
    const a = okConnection('a', 'valid.lab.tlslab', 1);
    const b = [open('b', 'expired.lab.tlslab', 2), verdict('b', 'expired.lab.tlslab', false, 'block'), closeEvent('b')];
    const mixed: EventDraft[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i]) mixed.push(a[i]);
      if (b[i]) mixed.push(b[i]);
    }
    const map = reduceSummaries(stampAll(mixed));
    expect(map.get('a')).toMatchObject({ status: 'ok', client: { port: 1 } });
    expect(map.get('b')).toMatchObject({ status: 'failed', client: { port: 2 } });
  });
});

describe('SummaryCompactor', () => {
  /** A closed summary made from fresh objects, as the reducer makes them from each connection's own events. */
  const closed = (conn: string, host = 'valid.lab.tlslab', port = 50000): ConnectionSummary => JSON.parse(JSON.stringify(fold([
    ...okConnection(conn, host, port), alert(conn, 'client', 'server', 0, 'close_notify', true),
  ]))) as ConnectionSummary;

  it('returns an equal summary, key order included, and leaves the one given alone', () => {
    const s = closed('c1');
    const copy = JSON.stringify(s);
    const compact = new SummaryCompactor().compact(s);
    expect(JSON.stringify(compact)).toBe(copy);
    expect(compact).toEqual(s);
    expect(JSON.stringify(s)).toBe(copy);
  });

  it("two connections' repeated parts become one object each; what differs stays their own", () => {
    const compactor = new SummaryCompactor();
    const a = compactor.compact(closed('a', 'valid.lab.tlslab', 50001));
    const b = compactor.compact(closed('b', 'valid.lab.tlslab', 50002));
    expect(b.target).toBe(a.target);
    expect(b.legs.upstream.version).toBe(a.legs.upstream.version);
    expect(b.legs.upstream.cipherSuite).toBe(a.legs.upstream.cipherSuite);
    expect(b.legs.upstream.verdict).toBe(a.legs.upstream.verdict);
    expect(b.legs.client.alerts).toBe(a.legs.client.alerts);
    expect(b.firstRequest).toBe(a.firstRequest);
    expect(b.client).toEqual({ address: a.client.address, port: 50002 });
    expect(a.client.port).toBe(50001);
    const other = compactor.compact(closed('c', 'expired.lab.tlslab'));
    expect(other.target).not.toBe(a.target);
    expect(other.target.host).toBe('expired.lab.tlslab');
  });

  it('keeps a bounded number of parts: past the bound the oldest is let go, and summaries stay equal', () => {
    const compactor = new SummaryCompactor();
    const first = compactor.compact(closed('a', 'h0.test'));
    for (let i = 1; i <= SHARED_PARTS_MAX; i++) compactor.compact(closed(`c${i}`, `h${i}.test`));
    const again = compactor.compact(closed('z', 'h0.test'));
    expect(again.target).toEqual(first.target);
    expect(again.target).not.toBe(first.target);
  });

  it('the bus keeps closed summaries compacted and equal to what the reducer makes', () => {
    const drafts = [...okConnection('k1', 'valid.lab.tlslab', 50010), ...okConnection('k2', 'valid.lab.tlslab', 50011)];
    const bus = new EventBus();
    for (const d of drafts) bus.emit(JSON.parse(JSON.stringify(d)) as EventDraft);
    const folded = reduceSummaries(bus.history.toArray());
    for (const id of ['k1', 'k2']) expect(JSON.stringify(bus.summary(id))).toBe(JSON.stringify(folded.get(id)));
    expect(bus.summary('k2')?.target).toBe(bus.summary('k1')?.target);
  });
});
