// The client leg: how curl, openssl s_client and Node react to the certificate tlslab presents, as tlslab classifies
// it (tls:client-outcome) and the alert it saw, with the tlslab CA trusted or not, and in mirror mode; GET /api/connections.
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ClientOutcome } from '../../src/events/schema';
import type { ConnectionSummary } from '../../src/events/stream';
import { describeWithTools } from '../helpers/tools';
import { connectTunnel, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { connTo, curl, labHost, mark, nodeClient, nodeHandshakeError, opensslClient, type LabConn } from '../helpers/lab-proxy-conns';

jest.setTimeout(60_000);

let app: TestTlslab;

beforeAll(async () => {
  // Mirror mode: a failing lab case gets a leaf with the same flaw; `valid` is unaffected (nothing fails).
  app = await startTestTlslab({ lab: true, uiPort: 0, upstreamFailure: ['mirror'] });
});
afterAll(async () => {
  await app?.close();
});

/** The client outcome and the alert tlslab saw, in one comparable shape. */
function seen(conn: LabConn): { outcome: ClientOutcome | undefined; alert: number | null; encrypted: boolean | null } {
  const o = conn.outcome;
  return { outcome: o?.outcome, alert: o?.alert?.description.code ?? null, encrypted: o?.alert?.encrypted ?? null };
}

/** The alert event itself: sent by the client on the client leg, recorded before the outcome that cites it. */
function checkAlertEvent(conn: LabConn, code: number, encrypted: boolean): void {
  const alert = conn.one('tls:alert', (e) => e.leg === 'client' && e.from === 'client' && e.description.code === code);
  expect([alert.encrypted, alert.fatal || code === 0]).toEqual([encrypted, true]);
  const outcome = conn.outcome;
  expect(outcome).toBeDefined();
  expect(alert.seq).toBeLessThan(outcome?.seq ?? 0);
}

describeWithTools(['curl', 'openssl'], 'the tlslab CA trusted or not (valid lab case, a good leaf)', () => {
  it('curl --cacert: accepted, no alert but close_notify', async () => {
    const since = mark(app);
    const r = await curl(app, 'valid', ['--cacert', app.caFile]);
    expect([r.code, r.status]).toEqual([0, 200]);
    const conn = await connTo(app, labHost('valid'), since);
    expect(seen(conn)).toEqual({ outcome: 'accepted', alert: null, encrypted: null });
    expect(conn.alerts('client', 'client').map((a) => a.description.name)).toEqual(['close_notify']);
    expect(conn.outcome?.explanation).toMatch(/step 3 passed on the client leg/);
  });

  it('curl without --cacert: rejected-alert, 48 unknown_ca in clear text (TLS 1.3)', async () => {
    const since = mark(app);
    const r = await curl(app, 'valid', []);
    expect(r.code).toBe(60);
    expect(r.stderr).toMatch(/self-signed certificate in certificate chain/);
    const conn = await connTo(app, labHost('valid'), since);
    expect(seen(conn)).toEqual({ outcome: 'rejected-alert', alert: 48, encrypted: false });
    checkAlertEvent(conn, 48, false);
    expect(conn.one('tls:handshake', (e) => e.leg === 'client' && e.msgType.name === 'server_hello').details).toMatchObject({ version: { name: 'TLS 1.3' } });
    expect(conn.messages('client', 'client')).toEqual(['client_hello']); // never its Finished
    expect(conn.outcome?.explanation).toMatch(/unknown_ca.*tlslab Teaching CA.*install it from http:\/\/tlslab\//);
    // A refusal of our certificate is what ended the connection, whatever the transport did after the alert.
    expect(conn.one('conn:close').cause).toBe('client-rejected-cert');
  });

  it('openssl s_client without -CAfile, -verify_return_error: rejected-alert, 48 unknown_ca in clear text', async () => {
    const since = mark(app);
    const r = await opensslClient(app, 'valid', ['-verify_return_error']);
    expect(r.code).not.toBe(0);
    expect(r.text + r.stderr).toMatch(/self-signed certificate in certificate chain/);
    const conn = await connTo(app, labHost('valid'), since);
    expect(seen(conn)).toEqual({ outcome: 'rejected-alert', alert: 48, encrypted: false });
    checkAlertEvent(conn, 48, false);
  });

  it('a Node client without ca: closed-in-handshake, no alert at all', async () => {
    const since = mark(app);
    expect(await nodeHandshakeError(app, 'valid', {})).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    const conn = await connTo(app, labHost('valid'), since);
    expect(seen(conn)).toEqual({ outcome: 'closed-in-handshake', alert: null, encrypted: null });
    expect(conn.alerts('client', 'client')).toEqual([]);
    expect(conn.messages('client', 'client')).toEqual(['client_hello']);
    expect(conn.outcome?.explanation).toMatch(/without sending an alert.*install it from http:\/\/tlslab\//);
    expect(conn.one('conn:close').cause).toBe('client-rejected-cert');
  });
});

type Seen = ReturnType<typeof seen>;
const alert = (code: number): Seen => ({ outcome: 'rejected-alert', alert: code, encrypted: false });
const NODE_CLOSED: Seen = { outcome: 'closed-in-handshake', alert: null, encrypted: null };

/**
 * Mirror mode, every client trusting the tlslab CA: what it does with a leaf carrying the real server's flaw.
 * curl and openssl (OpenSSL 3.0) send a specific alert in clear text even in TLS 1.3; Node sends none.
 * curl checks the name only after the handshake, then sends close_notify; openssl with -verify_hostname checks it inside.
 */
const MIRROR: Record<string, { curl: Seen; openssl: Seen; node: Seen }> = {
  expired: { curl: alert(45), openssl: alert(45), node: NODE_CLOSED },
  'not-yet-valid': { curl: alert(42), openssl: alert(42), node: NODE_CLOSED },
  'wrong-host': { curl: { outcome: 'closed-after-handshake', alert: 0, encrypted: true }, openssl: alert(42), node: NODE_CLOSED },
  'self-signed': { curl: alert(48), openssl: alert(48), node: NODE_CLOSED },
  'untrusted-root': { curl: alert(48), openssl: alert(48), node: NODE_CLOSED },
  'incomplete-chain': { curl: alert(48), openssl: alert(48), node: NODE_CLOSED },
  sha1: { curl: alert(42), openssl: alert(42), node: NODE_CLOSED },
  // OpenSSL's default security level 2 refuses a 1024-bit key; Node's level 1 accepts it.
  rsa1024: { curl: alert(42), openssl: alert(42), node: { outcome: 'accepted', alert: null, encrypted: null } },
  'client-auth-eku': { curl: alert(43), openssl: alert(43), node: NODE_CLOSED },
};

describeWithTools(['curl', 'openssl'], 'mirror mode: each client refuses the flaw the way it refuses the real server', () => {
  it.each(Object.keys(MIRROR))('%s', async (name) => {
    const want = MIRROR[name];
    const host = labHost(name);
    const lab = app.lab!.cases.find((c) => c.name === name)!;

    let since = mark(app);
    const c = await curl(app, name, ['--cacert', app.caFile]);
    expect(c.code).toBe(60);
    const viaCurl = await connTo(app, host, since);
    expect(viaCurl.one('tls:verdict').policy).toBe('mirror');
    expect(viaCurl.one('tls:presented').mode).toBe('mirror');
    expect(seen(viaCurl)).toEqual(want.curl);
    if (want.curl.alert !== null) checkAlertEvent(viaCurl, want.curl.alert, want.curl.encrypted ?? false);
    expect(viaCurl.outcome?.explanation).toMatch(/same flaw as the real server/);
    expect(viaCurl.one('conn:close').cause).toBe('client-rejected-cert');

    since = mark(app);
    const o = await opensslClient(app, name, ['-CAfile', app.caFile, '-verify_return_error', '-verify_hostname', host]);
    expect(o.code).not.toBe(0);
    const viaOpenssl = await connTo(app, host, since);
    expect(seen(viaOpenssl)).toEqual(want.openssl);
    if (want.openssl.alert !== null) checkAlertEvent(viaOpenssl, want.openssl.alert, false);

    since = mark(app);
    if (want.node.outcome === 'accepted') {
      const answer = await nodeClient(app, name, { ca: app.ca.certPem });
      expect(answer.status).toBe(200);
    } else {
      // Mirror mode makes Node report exactly what it reports on the lab origin directly.
      expect(await nodeHandshakeError(app, name, { ca: app.ca.certPem })).toBe(lab.expected.nodeError);
    }
    const viaNode = await connTo(app, host, since);
    expect(seen(viaNode)).toEqual(want.node);
    if (want.node.outcome !== 'accepted') expect(viaNode.alerts('client', 'client')).toEqual([]);
  });
});

describeWithTools(['curl'], 'GET /api/connections', () => {
  it('returns one summary per connection with the target, the verdict codes and the client outcome', async () => {
    const since = mark(app);
    await curl(app, 'valid', ['--cacert', app.caFile]);
    await curl(app, 'expired', ['--cacert', app.caFile]);
    await curl(app, 'self-signed', []);
    const ok = await connTo(app, labHost('valid'), since);
    const expired = await connTo(app, labHost('expired'), since);
    const selfSigned = await connTo(app, labHost('self-signed'), since);

    const res = await fetch(new URL('/api/connections?host=lab.tlslab', app.dashboardUrl!));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const list = (await res.json()) as ConnectionSummary[];
    const byId = new Map(list.map((s) => [s.id, s]));
    const pick = (s: ConnectionSummary | undefined) => s && {
      host: s.target.host,
      lab: s.lab,
      status: s.status,
      failedLeg: s.failedLeg,
      policy: s.policy,
      codes: s.legs.upstream.verdict?.codes,
      clientOutcome: s.clientOutcome,
      clientVerdict: s.legs.client.verdict,
    };
    expect(pick(byId.get(ok.id))).toEqual({ host: 'valid.lab.tlslab', lab: 'valid', status: 'ok', failedLeg: null, policy: undefined, codes: [], clientOutcome: 'accepted', clientVerdict: null });
    expect(pick(byId.get(expired.id))).toEqual({ host: 'expired.lab.tlslab', lab: 'expired', status: 'failed', failedLeg: 'upstream', policy: 'mirror', codes: ['CERT_EXPIRED'], clientOutcome: 'rejected-alert', clientVerdict: null });
    expect(pick(byId.get(selfSigned.id))).toEqual({ host: 'self-signed.lab.tlslab', lab: 'self-signed', status: 'failed', failedLeg: 'upstream', policy: 'mirror', codes: ['CHAIN_SELF_SIGNED_LEAF'], clientOutcome: 'rejected-alert', clientVerdict: null });
    expect(byId.get(expired.id)?.legs.client.alerts).toEqual([{ from: 'client', name: 'certificate_expired', encrypted: false }]);
    // Newest first; every connection of this file is there.
    expect(list[0]?.id).toBe(selfSigned.id);
    expect(list.length).toBeGreaterThanOrEqual(3);

    const one = await fetch(new URL(`/api/connections/${expired.id}`, app.dashboardUrl!));
    expect(one.status).toBe(200);
    expect(JSON.stringify(await one.json())).toContain('CERT_EXPIRED');
  });
});

describe('a client that resets the tunnel', () => {
  it('is recorded as client-reset, and nothing of http-mitm-proxy reaches the console', async () => {
    const printed = [jest.spyOn(console, 'error').mockImplementation(() => undefined), jest.spyOn(console, 'debug').mockImplementation(() => undefined)];
    try {
      const since = mark(app);
      const raw = await connectTunnel(app.proxyPort, `${labHost('valid')}:443`);
      const t = tls.connect({ socket: raw, servername: labHost('valid'), ca: app.ca.certPem });
      t.on('error', () => undefined);
      await new Promise<void>((resolve) => t.once('secureConnect', () => resolve()));
      t.write(`GET / HTTP/1.1\r\nHost: ${labHost('valid')}\r\n\r\n`);
      await new Promise<void>((resolve) => t.once('data', () => resolve()));
      raw.resetAndDestroy();
      const conn = await connTo(app, labHost('valid'), since);
      expect(seen(conn).outcome).toBe('accepted');
      expect(conn.one('conn:close').cause).toBe('client-reset');
      for (const spy of printed) expect(spy.mock.calls.map((c) => c.map(String).join(' '))).toEqual([]);
    } finally {
      for (const spy of printed) spy.mockRestore();
    }
  });
});

describe('a client that sends its ClientHello, then nothing', () => {
  it('is classified timeout after the client handshake timeout', async () => {
    const quick = await startTestTlslab({ lab: true, certsDir: app.certsDir, timeouts: { clientHandshakeMs: 400 } });
    const host = labHost('valid');
    // A real ClientHello, captured from a Node client writing into a stream that never answers.
    const hello = await new Promise<Buffer>((resolve) => {
      const sink = new Duplex({ read() {}, write(chunk: Buffer, _enc, cb) { resolve(chunk); cb(); } });
      const t = tls.connect({ socket: sink, servername: host });
      t.on('error', () => undefined);
      setImmediate(() => t.destroy());
    });
    const raw = await connectTunnel(quick.proxyPort, `${host}:443`);
    try {
      raw.on('error', () => undefined);
      raw.write(hello);
      const outcome = await quick.waitFor((e) => e.type === 'tls:client-outcome');
      if (outcome.type !== 'tls:client-outcome') throw new Error('unreachable');
      expect([outcome.outcome, outcome.alert]).toEqual(['timeout', undefined]);
      expect(outcome.explanation).toMatch(/neither finished the handshake nor hung up in time/);
      const conn = quick.events.filter((e) => e.conn === outcome.conn);
      expect(conn.filter((e) => e.type === 'tls:handshake' && e.leg === 'client').map((e) => (e.type === 'tls:handshake' ? `${e.from}:${e.msgType.name}` : ''))).toEqual(
        expect.arrayContaining(['client:client_hello', 'server:server_hello', 'server:finished']),
      );
    } finally {
      raw.destroy();
      await quick.close();
    }
  });
});
