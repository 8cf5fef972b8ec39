// Every lab case through tlslab (default policy: block) with curl, openssl s_client and a Node client, all trusting the
// tlslab CA: the upstream verdict's exact finding codes, the teaching page (HTTP 502), and what each case teaches.
import tls from 'node:tls';
import { describeWithTools } from '../helpers/tools';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { connTo, curl, labHost, mark, nodeClient, opensslClient, type HttpAnswer, type LabConn } from '../helpers/lab-proxy-conns';

jest.setTimeout(60_000);

const SLOW_MS = 400;

interface Expect {
  /** Upstream finding codes, in order; null: the upstream never sent a certificate. */
  codes: string[] | null;
  /** certIndex of the first finding. */
  at?: number | null;
  /** Node's own `authorizationError` on the upstream leg, shown beside tlslab's findings. */
  nodeError?: string | null;
}

/** What tlslab must find for each lab case (src/x509 codes, docs/findings.md). */
const CASES: Record<string, Expect> = {
  valid: { codes: [], nodeError: null },
  expired: { codes: ['CERT_EXPIRED'], at: 0, nodeError: 'CERT_HAS_EXPIRED' },
  'not-yet-valid': { codes: ['CERT_NOT_YET_VALID'], at: 0, nodeError: 'CERT_NOT_YET_VALID' },
  'wrong-host': { codes: ['HOSTNAME_MISMATCH'], at: 0, nodeError: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  'self-signed': { codes: ['CHAIN_SELF_SIGNED_LEAF'], at: 0, nodeError: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
  // The server sends its root; the verifier names the untrusted root (#1), not an unknown issuer.
  'untrusted-root': { codes: ['CHAIN_UNTRUSTED_ROOT'], at: 1, nodeError: 'SELF_SIGNED_CERT_IN_CHAIN' },
  'incomplete-chain': { codes: ['CHAIN_MISSING_INTERMEDIATE'], at: 0, nodeError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
  // Node's upstream connection runs at OpenSSL security level 0, so Node itself says nothing: only tlslab's checks do.
  sha1: { codes: ['ALG_SHA1_SIGNATURE'], at: 0, nodeError: null },
  rsa1024: { codes: ['KEY_RSA_TOO_SMALL'], at: 0, nodeError: null },
  'client-auth-eku': { codes: ['EKU_NO_SERVER_AUTH'], at: 0, nodeError: 'INVALID_PURPOSE' },
  'tls12-only': { codes: [], nodeError: null },
  'static-rsa': { codes: [], nodeError: null },
  'hello-retry': { codes: [], nodeError: null },
  'no-close-notify': { codes: [], nodeError: null },
  'reset-mid-handshake': { codes: null },
  'slow-handshake': { codes: [], nodeError: null },
};
const NAMES = Object.keys(CASES);

let app: TestTlslab;

beforeAll(async () => {
  app = await startTestTlslab({ lab: true, slowHandshakeMs: SLOW_MS });
});
afterAll(async () => {
  await app?.close();
});

it('the table above covers every lab case', () => {
  expect(app.lab?.cases.map((c) => c.name).sort()).toEqual([...NAMES].sort());
});

/** Assertions that hold whichever client made the connection. */
function checkCase(name: string, answer: HttpAnswer, conn: LabConn): void {
  const want = CASES[name];
  const host = labHost(name);
  expect(conn.one('conn:open').lab).toBe(name);
  // The client trusts the tlslab CA: step 3 passes on the client leg, whatever happened upstream.
  const outcome = conn.outcome;
  expect([outcome?.outcome, outcome?.alert]).toEqual(['accepted', undefined]);
  expect(conn.alerts('client', 'client').filter((a) => a.description.code !== 0)).toEqual([]);
  const presented = conn.one('tls:presented');
  expect(presented.mode).toBe('leaf');
  expect(presented.chain[0]?.issuer).toMatch(/tlslab Teaching CA/);
  expect(presented.chain[0]?.san).toContain(`DNS:${host}`);

  if (want.codes === null) {
    // reset-mid-handshake: the origin read the ClientHello and reset; no certificate, nothing to verify.
    const err = conn.one('conn:error');
    expect([err.leg, err.cause, err.code]).toEqual(['upstream', 'upstream-reset', 'TLSLAB_ERR_UPSTREAM_TLS']);
    expect(conn.maybe('tls:verdict')).toBeUndefined();
    expect(conn.messages('upstream', 'client')).toEqual(['client_hello']);
    expect(conn.messages('upstream', 'server')).toEqual([]);
    expect(answer.status).toBe(502);
    expect(answer.text).toContain('X-Tlslab-Error: TLSLAB_ERR_UPSTREAM_TLS');
    expect(answer.text).toContain(`${host}:443 reset the connection during the TLS handshake`);
    expect(conn.one('conn:close').cause).toBe('upstream-reset');
    return;
  }

  const verdict = conn.one('tls:verdict');
  expect(verdict.findings.map((f) => f.code)).toEqual(want.codes);
  expect(verdict.host).toBe(host);
  expect(verdict.step).toBe(3);
  expect(verdict.nodeError).toBe(want.nodeError);
  for (const f of verdict.findings) expect(f.message.length).toBeGreaterThan(20);
  if (want.codes.length === 0) {
    expect([verdict.ok, verdict.policy]).toEqual([true, undefined]);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain(`tlslab lab: ${name} (${host})`);
    expect(conn.one('conn:close').cause).toBe('closed');
  } else {
    expect([verdict.ok, verdict.policy, verdict.findings[0]?.certIndex]).toEqual([false, 'block', want.at]);
    // The teaching page: HTTP 502, every finding code listed, the real page never relayed.
    expect(answer.status).toBe(502);
    expect(answer.text).toContain('X-Tlslab-Error: TLSLAB_ERR_UPSTREAM_CERT');
    expect(answer.text).toContain(`tlslab did not relay to ${host}:443`);
    for (const code of want.codes) expect(answer.text).toContain(`<span class="tag">${code}</span>`);
    if (want.nodeError) expect(answer.text).toContain(`<code>${want.nodeError}</code>`);
    expect(answer.text).not.toContain('If you are reading this');
    expect(conn.one('conn:close').cause).toBe('upstream-cert-invalid');
  }
  // What the case is about, on the upstream leg.
  const upstream = conn.one('tls:established', (e) => e.leg === 'upstream');
  switch (name) {
    case 'tls12-only':
      expect([upstream.version.name, upstream.keyExchange]).toEqual(['TLS 1.2', 'ecdhe']);
      expect(conn.messages('upstream', 'server')).toContain('server_key_exchange');
      expect(conn.one('tls:established', (e) => e.leg === 'client').version.name).toBe('TLS 1.3');
      break;
    case 'static-rsa': {
      // Step 4 of the eight-step story: the client (tlslab, upstream) encrypts the premaster secret with the server's RSA key.
      expect([upstream.version.name, upstream.keyExchange]).toEqual(['TLS 1.2', 'rsa']);
      expect(upstream.cipherSuite.name).toMatch(/^TLS_RSA_WITH_AES_(128|256)_GCM_SHA(256|384)$/);
      const cke = conn.one('tls:handshake', (e) => e.leg === 'upstream' && e.msgType.name === 'client_key_exchange');
      expect([cke.from, cke.encrypted, cke.details?.kind]).toEqual(['client', false, 'client_key_exchange']);
      expect(cke.details?.kind === 'client_key_exchange' && cke.details.method).toBe('rsa');
      expect(conn.messages('upstream', 'server')).not.toContain('server_key_exchange');
      break;
    }
    case 'hello-retry': {
      // RFC 8446 §4.1.4: tlslab's x25519 share is refused; the origin asks for secp384r1, and a second ClientHello follows.
      const hellos = conn.all('tls:handshake', (e) => e.leg === 'upstream' && e.details?.kind === 'server_hello');
      expect(hellos.map((e) => e.details?.kind === 'server_hello' && e.details.helloRetryRequest)).toEqual([true, false]);
      expect(conn.messages('upstream', 'client').filter((m) => m === 'client_hello')).toHaveLength(2);
      expect([upstream.version.name, upstream.group?.name]).toEqual(['TLS 1.3', 'secp384r1']);
      break;
    }
    case 'no-close-notify':
      // Step 8 missing: the body came, then a TCP FIN with no close_notify from the server.
      expect(conn.all('tls:appdata', (e) => e.leg === 'upstream' && e.from === 'server').length).toBeGreaterThan(0);
      expect(conn.alerts('upstream', 'server')).toEqual([]);
      break;
    case 'slow-handshake': {
      // The origin sat on the ClientHello for SLOW_MS: the ServerHello's time shows it (a lower bound, not a benchmark).
      const open = conn.one('conn:open');
      const hello = conn.one('tls:handshake', (e) => e.leg === 'upstream' && e.msgType.name === 'server_hello');
      expect(hello.t - open.t).toBeGreaterThanOrEqual(SLOW_MS);
      break;
    }
    default:
      expect(upstream.version.name).toBe('TLS 1.3');
  }
}

describeWithTools(['curl'], 'curl --cacert through tlslab, every lab case', () => {
  it.each(NAMES)('%s', async (name) => {
    const since = mark(app);
    const answer = await curl(app, name, ['--cacert', app.caFile]);
    expect([answer.code, answer.stderr]).toEqual([0, '']);
    checkCase(name, answer, await connTo(app, labHost(name), since));
  });
});

describeWithTools(['openssl'], 'openssl s_client -proxy -CAfile through tlslab, every lab case', () => {
  it.each(NAMES)('%s', async (name) => {
    const since = mark(app);
    const answer = await opensslClient(app, name, ['-CAfile', app.caFile, '-verify_return_error']);
    expect(answer.text).toMatch(/Verify return code: 0 \(ok\)/);
    expect(answer.text).toMatch(/i:.*tlslab Teaching CA/);
    checkCase(name, answer, await connTo(app, labHost(name), since));
  });
});

describe('a Node client trusting the tlslab CA, every lab case', () => {
  it.each(NAMES)('%s', async (name) => {
    const since = mark(app);
    const answer = await nodeClient(app, name, { ca: app.ca.certPem });
    expect(answer.peer?.issuer).toMatch(/tlslab Teaching CA/);
    checkCase(name, answer, await connTo(app, labHost(name), since));
  });
});

describe('the upstream TLS client context', () => {
  it('is made once for the trust list, not per connection (parsing ~150 roots per connection stalled each ClientHello)', async () => {
    const spy = jest.spyOn(tls, 'createSecureContext');
    try {
      for (const name of ['valid', 'tls12-only', 'valid']) {
        const since = mark(app);
        expect((await nodeClient(app, name, { ca: app.ca.certPem })).status).toBe(200);
        await connTo(app, labHost(name), since);
      }
      // Contexts made with the upstream trust list (Node's roots + the lab root); the test's own clients pass one CA.
      // At most one: the first upstream connection of this tlslab may be one of these three.
      const withRoots = spy.mock.calls.filter(([o]) => Array.isArray(o?.ca) && o.ca.length > tls.rootCertificates.length);
      expect(withRoots.length).toBeLessThanOrEqual(1);
    } finally {
      spy.mockRestore();
    }
  });
});
