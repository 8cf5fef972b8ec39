// What tlslab tells about real connections made by curl through it, on the built-in lab: step 8 on no-close-notify
// (the server's missing close_notify, tlslab's own on the client leg, the body counted to the close), the teaching
// page recorded as a response and naming the right step, what browsers really do with a 1024-bit key, a refusal of
// tlslab's CA leading the summary in block mode, TLS 1.2 on the client leg (the ticket before the ChangeCipherSpec,
// each ChangeCipherSpec's own note), and the presented chain verified as a client verifies it (mirror mode).
import { reduceSummaries, SUMMARY_TEXT } from '../../src/events/summary';
import { LADDER_TEXT } from '../../src/events/ladder-text';
import { LESSON_NOTES } from '../../src/tls/lesson';
import { CLIENT_OUTCOME_TEXT } from '../../src/capture/client-outcome';
import { TCP_END_TEXT } from '../../src/capture/tcp-end';
import { FAILURE_PAGE_TEXT } from '../../src/proxy/pages';
import { ACCEPTED_UNDER_USER_ROOT } from '../../src/x509/browser-rules';
import { buildLadders } from '../../src/dashboard/ladder-model';
import { describeWithTools } from '../helpers/tools';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { connTo, curl, labHost, mark, type LabConn } from '../helpers/lab-proxy-conns';

jest.setTimeout(60_000);

function summaryOf(app: TestTlslab, conn: LabConn) {
  const s = reduceSummaries(app.events.filter((e) => e.conn === conn.id)).get(conn.id);
  if (!s) throw new Error(`no summary for ${conn.id}`);
  return s;
}

describeWithTools(['curl'], 'lesson truth with curl (block mode)', () => {
  let app: TestTlslab;
  beforeAll(async () => {
    app = await startTestTlslab({ lab: true });
  });
  afterAll(async () => {
    await app?.close();
  });
  const trusting = (): string[] => ['--cacert', app.caFile];

  it('no-close-notify: the server’s TCP end without close_notify on the upstream leg (step 8), tlslab’s own close_notify on the client leg, the body counted to the close', async () => {
    const since = mark(app);
    const answer = await curl(app, 'no-close-notify', trusting());
    expect([answer.code, answer.status]).toEqual([0, 200]);
    const conn = await connTo(app, labHost('no-close-notify'), since);
    // The server: FIN, no close_notify before it.
    expect(conn.alerts('upstream', 'server')).toEqual([]);
    const end = conn.one('tls:tcp-end', (e) => e.leg === 'upstream');
    expect(end).toMatchObject({ from: 'server', how: 'fin', closeNotify: false, step: 8, note: TCP_END_TEXT.serverFin });
    // tlslab still ends the client leg politely: that close_notify is its own.
    expect(conn.alerts('client', 'server').map((a) => a.description.name)).toEqual(['close_notify']);
    const ladders = buildLadders(conn.events);
    const own = ladders.client.items.find((i) => i.event.type === 'tls:alert' && i.event.from === 'server');
    expect(own?.note).toBe(LADDER_TEXT.tlslabOwnCloseNotify);
    const flagged = ladders.upstream.items.find((i) => i.event.type === 'tls:tcp-end');
    expect([flagged?.step, flagged?.tone, flagged?.label]).toEqual([8, 'warn', 'The server closed TCP without close_notify']);
    // The body had no length: its response is reported at the close, with every byte curl got.
    const body = answer.text.slice(answer.text.lastIndexOf('\r\n\r\n') + 4);
    const response = conn.one('http:response');
    expect(response).toMatchObject({ status: 200, endsWithClose: true, bodyBytes: Buffer.byteLength(body) });
    expect(response.bodyBytes).toBeGreaterThan(500);
    const s = summaryOf(app, conn);
    expect([s.status, s.note, s.responses]).toEqual(['ok', SUMMARY_TEXT.truncatable, 1]);
  });

  it('the teaching page (HTTP 502) is recorded as the response to the request, body and all', async () => {
    const since = mark(app);
    const answer = await curl(app, 'expired', trusting());
    expect(answer.status).toBe(502);
    const conn = await connTo(app, labHost('expired'), since);
    const body = answer.text.slice(answer.text.indexOf('\r\n\r\n', answer.text.indexOf(' 502 ')) + 4);
    expect(conn.one('http:response')).toMatchObject({ id: 1, status: 502, bodyBytes: Buffer.byteLength(body) });
    expect(summaryOf(app, conn)).toMatchObject({ requests: 1, responses: 1 });
    // The completed upstream handshake is no success: a browser would have stopped at step 3.
    const done = buildLadders(conn.events).upstream.items.find((i) => i.event.type === 'tls:established');
    expect([done?.tone, done?.label.startsWith('Handshake completed by policy'), done?.note]).toEqual(['warn', true, expect.stringContaining('would have sent a fatal alert')]);
  });

  it('reset-mid-handshake: the page names step 1 on the upstream leg, as the dashboard does', async () => {
    const since = mark(app);
    const answer = await curl(app, 'reset-mid-handshake', trusting());
    expect(answer.status).toBe(502);
    expect(answer.text).toContain('tlslab · step 1 failed on the upstream leg');
    expect(answer.text).not.toContain('step 3 failed');
    const conn = await connTo(app, labHost('reset-mid-handshake'), since);
    expect(buildLadders(conn.events).upstream.failedStep).toBe(1);
  });

  it('rsa1024: the page and the finding say what browsers really do under a root the user added', async () => {
    const since = mark(app);
    const answer = await curl(app, 'rsa1024', trusting());
    expect(answer.status).toBe(502);
    expect(answer.text).not.toContain(FAILURE_PAGE_TEXT.browsersRefuse);
    expect(answer.text).toContain('Chromium and Firefox load a certificate with a 1024-bit RSA key');
    const conn = await connTo(app, labHost('rsa1024'), since);
    const finding = conn.one('tls:verdict').findings[0];
    expect(finding?.message).toMatch(/Browsers refuse them from public certificate authorities, but Chromium and Firefox still load a 1024-bit key under a root the user added/);
    expect(ACCEPTED_UNDER_USER_ROOT.KEY_RSA_TOO_SMALL).toBeDefined();
    // An expired certificate, by contrast, every browser refuses.
    expect((await curl(app, 'expired', trusting())).text).toContain(FAILURE_PAGE_TEXT.browsersRefuse);
  });

  it('block mode, tlslab’s CA not trusted: the summary leads with the client’s refusal, the upstream expiry behind it', async () => {
    const since = mark(app);
    const answer = await curl(app, 'expired', []);
    expect(answer.code).toBe(60);
    const conn = await connTo(app, labHost('expired'), since);
    expect(conn.outcome?.alert?.description.code).toBe(48);
    const s = summaryOf(app, conn);
    expect([s.failedLeg, s.cause]).toEqual(['client', 'client-rejected-cert']);
    expect(s.explanation).toMatch(/^Step 3 failed on the client's side: it refused the certificate and sent alert 48 unknown_ca/);
    expect(s.explanation).toContain('Behind it, tlslab’s own check of the real server failed too: ');
    expect(s.explanation).toMatch(/expired/);
    expect(s.legs.upstream.verdict).toEqual({ ok: false, codes: ['CERT_EXPIRED'] });
  });

  it('tls12-only: TLS 1.3 on the client leg, TLS 1.2 upstream; the ticket comes before the server’s ChangeCipherSpec (step 6), and each ChangeCipherSpec carries its own version’s note', async () => {
    const since = mark(app);
    const answer = await curl(app, 'tls12-only', trusting());
    expect(answer.status).toBe(200);
    const conn = await connTo(app, labHost('tls12-only'), since);
    expect(conn.one('tls:established', (e) => e.leg === 'client').version.name).toBe('TLS 1.3');
    expect(conn.one('tls:established', (e) => e.leg === 'upstream').version.name).toBe('TLS 1.2');
    // RFC 5077 §3.3: NewSessionTicket, in clear, then the server's ChangeCipherSpec and Finished.
    const ticket = conn.one('tls:handshake', (e) => e.leg === 'upstream' && e.msgType.name === 'new_session_ticket');
    const serverCcs = conn.one('tls:ccs', (e) => e.leg === 'upstream' && e.from === 'server');
    expect([ticket.step, ticket.encrypted, ticket.note]).toEqual([6, false, LESSON_NOTES['new_session_ticket.tls12']]);
    expect(ticket.seq).toBeLessThan(serverCcs.seq);
    for (const ccs of conn.all('tls:ccs', (e) => e.leg === 'upstream')) expect([ccs.compatibility, ccs.note]).toEqual([false, LESSON_NOTES['change_cipher_spec.tls12']]);
    for (const ccs of conn.all('tls:ccs', (e) => e.leg === 'client')) expect([ccs.compatibility, ccs.note]).toEqual([true, LESSON_NOTES['change_cipher_spec.tls13']]);
    // On the ladder, the TLS 1.3 note sits only under TLS 1.3's ChangeCipherSpec, the TLS 1.2 one under TLS 1.2's.
    const ladders = buildLadders(conn.events);
    const notes = (leg: 'client' | 'upstream'): Set<string | undefined> => new Set(ladders[leg].items.filter((i) => i.event.type === 'tls:ccs').map((i) => i.note));
    expect(notes('client')).toEqual(new Set([LESSON_NOTES['change_cipher_spec.tls13']]));
    expect(notes('upstream')).toEqual(new Set([LESSON_NOTES['change_cipher_spec.tls12']]));
    // TLS 1.3's tickets, on the client leg, stay in step 7.
    for (const t of conn.all('tls:handshake', (e) => e.leg === 'client' && e.msgType.name === 'new_session_ticket')) expect([t.step, t.note]).toEqual([7, LESSON_NOTES['new_session_ticket.tls13']]);
  });
});

describeWithTools(['curl'], 'lesson truth with curl (mirror mode): the presented chain verified as the client verifies it', () => {
  let app: TestTlslab;
  beforeAll(async () => {
    app = await startTestTlslab({ lab: true, upstreamFailure: ['mirror'] });
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['valid', 0, []],
    ['untrusted-root', 60, ['CHAIN_UNTRUSTED_ROOT']],
    ['incomplete-chain', 60, ['CHAIN_MISSING_INTERMEDIATE']],
    ['expired', 60, ['CERT_EXPIRED']],
  ])('%s: curl exits %i; tls:presented finds %j, trusting tlslab’s CA only', async (name, code, codes) => {
    const since = mark(app);
    const answer = await curl(app, name, ['--cacert', app.caFile]);
    expect(answer.code).toBe(code);
    const conn = await connTo(app, labHost(name), since);
    const presented = conn.one('tls:presented');
    expect(presented.verdict?.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(codes);
    expect(presented.verdict).toMatchObject({ ok: codes.length === 0, host: labHost(name), anchor: app.ca.subject });
    // The sent certificates come with every check a browser makes (the name too), and the anchor with them if reached.
    expect(presented.chain[0]?.checks.map((c) => c.check)).toContain('hostname');
    // tlslab sends its CA with the leaf: the path ends there, at the one certificate the client trusts.
    if (codes.length === 0) expect(presented.chain.at(-1)?.checks.find((c) => c.check === 'chain')?.message).toMatch(/tlslab Teaching CA.* is in the trust store, so the chain ends here, trusted/);
    if (name === 'incomplete-chain') {
      const missing = presented.verdict?.findings.find((f) => f.code === 'CHAIN_MISSING_INTERMEDIATE');
      expect(missing?.detail?.['missingIssuer']).toContain('tlslab Mirror Intermediate');
    }
  });

  it('rsa1024, accepted in mirror mode: the explanation says what browsers do under a user-added root, no “clicked through”', async () => {
    const since = mark(app);
    // Node-based and browser clients accept a 1024-bit leaf under a root they were given; curl on Debian (level 2) does
    // not, so ask it for security level 1, as a browser's rules amount to here.
    const answer = await curl(app, 'rsa1024', ['--cacert', app.caFile, '--ciphers', 'DEFAULT@SECLEVEL=1']);
    expect(answer.status).toBe(200);
    const conn = await connTo(app, labHost('rsa1024'), since);
    expect(conn.outcome?.outcome).toBe('accepted');
    expect(conn.outcome?.explanation).toContain(ACCEPTED_UNDER_USER_ROOT.KEY_RSA_TOO_SMALL as string);
    expect(conn.outcome?.explanation).not.toMatch(/clicked|proceed past/);
    expect(CLIENT_OUTCOME_TEXT.acceptedMirror).toMatch(/proceed past the browser’s warning/);
  });
});
