// What the bus keeps once of what events repeat: the events read and serialize exactly as before, repeated parts are one
// object, unique parts and look-alikes are left alone, and the tables stay bounded.
import { SharedEventParts, SHARED_EVENT_PARTS_MAX } from '../../../src/events/shared-parts';
import type { EventDraft, TlslabEvent } from '../../../src/events/schema';
import { EventBus } from '../../../src/events/bus';
import { clientHello, okConnection, presented, verdict } from '../../helpers/events-drafts';

/** A stamped event made of fresh objects, as a live decoder makes each connection's own. */
function fresh(draft: EventDraft, seq = 1): TlslabEvent {
  return { ...(JSON.parse(JSON.stringify(draft)) as EventDraft), v: 1, seq, t: 1_764_000_000_000 + seq };
}

/** A ClientHello draft whose details differ from the helper's by `patch`. */
function helloWith(conn: string, patch: Record<string, unknown>): EventDraft {
  const d = clientHello(conn, 'client', 'valid.lab.tlslab');
  if (d.type !== 'tls:handshake') throw new Error('not a handshake');
  return { ...d, details: { ...d.details, ...patch } } as EventDraft;
}

function details(e: TlslabEvent): Record<string, unknown> {
  if (e.type !== 'tls:handshake' || e.details === undefined) throw new Error('not a handshake with details');
  return e.details as unknown as Record<string, unknown>;
}

describe('SharedEventParts', () => {
  it('leaves every event equal to what it was, key order included', () => {
    const parts = new SharedEventParts();
    const drafts = [...okConnection('a'), ...okConnection('b', 'expired.lab.tlslab', 50001), verdict('b', 'expired.lab.tlslab', false, 'block')];
    drafts.forEach((d, i) => {
      const e = fresh(d, i + 1);
      const before = JSON.stringify(e);
      parts.share(e);
      expect(JSON.stringify(e)).toBe(before);
    });
  });

  it("two ClientHellos' offers become one object each; the randoms stay their own", () => {
    const parts = new SharedEventParts();
    const a = fresh(clientHello('a', 'client', 'valid.lab.tlslab'), 1);
    const b = fresh(helloWith('b', { random: '44'.repeat(32) }), 2);
    parts.share(a);
    parts.share(b);
    for (const key of ['cipherSuites', 'extensions', 'alpn', 'supportedVersions', 'groups', 'signatureAlgorithms']) {
      expect(details(b)[key]).toBe(details(a)[key]);
    }
    expect(details(b).legacyVersion).toBe(details(a).legacyVersion);
    expect(details(b).random).toBe('44'.repeat(32));
    expect(details(a).random).toBe('11'.repeat(32));
  });

  it('shares an equal chain whole, and not one that differs in a single check', () => {
    const parts = new SharedEventParts();
    const a = fresh(presented('a'), 1);
    const b = fresh(presented('b'), 2);
    const changed = presented('c');
    if (changed.type !== 'tls:presented') throw new Error('presented');
    changed.chain = changed.chain.map((c) => ({ ...c, checks: [{ check: 'validity', ok: false, message: 'expired yesterday' }] }));
    const c = fresh(changed, 3);
    for (const e of [a, b, c]) parts.share(e);
    if (a.type !== 'tls:presented' || b.type !== 'tls:presented' || c.type !== 'tls:presented') throw new Error('presented');
    expect(b.chain).toBe(a.chain);
    expect(c.chain).not.toBe(a.chain);
    expect(c.chain[0].checks[0].message).toBe('expired yesterday');
  });

  it('a look-alike of a name with more members keeps them', () => {
    const parts = new SharedEventParts();
    const named = fresh({ type: 'tls:keys', conn: 'a', leg: 'client', from: 'client', labels: ['X'], extra: { code: 1, name: 'n' } } as unknown as EventDraft, 1);
    const lookalike = fresh({ type: 'tls:keys', conn: 'b', leg: 'client', from: 'client', labels: ['X'], extra: { code: 1, name: 'n', more: true } } as unknown as EventDraft, 2);
    parts.share(named);
    parts.share(lookalike);
    expect((lookalike as unknown as { extra: unknown }).extra).toEqual({ code: 1, name: 'n', more: true });
  });

  it('certificates as sent are kept once, and told apart by their ends', () => {
    const parts = new SharedEventParts();
    const der = (tail: string): string => `3082${'ab'.repeat(600)}${tail}`;
    const certificate = (conn: string, tail: string): EventDraft => ({
      type: 'tls:handshake', conn, leg: 'upstream', from: 'server', step: 2, msgType: { code: 11, name: 'certificate' }, length: 1210,
      encrypted: true, offset: null, details: { kind: 'certificate', certificates: [der(tail)], ranges: [[11, 1211]] },
    });
    const a = fresh(certificate('a', '01'), 1);
    const b = fresh(certificate('b', '01'), 2);
    const c = fresh(certificate('c', '02'), 3);
    for (const e of [a, b, c]) parts.share(e);
    expect(details(b).certificates).toBe(details(a).certificates);
    expect(details(c).certificates).toEqual([der('02')]);
  });

  it('keeps a bounded number of parts: past the bound the oldest is let go, and events stay equal', () => {
    const parts = new SharedEventParts();
    const withAlpn = (conn: string, alpn: string, seq: number): TlslabEvent => fresh(helloWith(conn, { alpn: [alpn] }), seq);
    const first = withAlpn('a', 'p0', 1);
    parts.share(first);
    for (let i = 1; i <= SHARED_EVENT_PARTS_MAX; i++) parts.share(withAlpn(`c${i}`, `p${i}`, i + 1));
    const again = withAlpn('z', 'p0', SHARED_EVENT_PARTS_MAX + 2);
    parts.share(again);
    expect(details(again).alpn).toEqual(['p0']);
    expect(details(again).alpn).not.toBe(details(first).alpn);
  });

  it('the bus shares what events repeat, and delivers and keeps them as emitted', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe((e) => seen.push(JSON.stringify(e)));
    const a = bus.emit(JSON.parse(JSON.stringify(clientHello('a', 'client', 'valid.lab.tlslab'))) as EventDraft);
    const b = bus.emit(JSON.parse(JSON.stringify(clientHello('b', 'client', 'valid.lab.tlslab'))) as EventDraft);
    expect(details(b).cipherSuites).toBe(details(a).cipherSuites);
    expect(bus.eventsFor('b').map((e) => JSON.stringify(e))).toEqual([seen[1]]);
    expect(JSON.parse(seen[1])).toMatchObject({ type: 'tls:handshake', conn: 'b', details: { cipherSuites: [{ code: 0x1301, name: 'TLS_AES_128_GCM_SHA256' }] } });
  });
});
