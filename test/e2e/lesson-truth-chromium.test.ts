// What tlslab tells about headless Chromium through it, on the built-in lab: a visit kept open is idle and its later
// reset a normal end; the next visit resumes with no certificate; GREASE ECH and the hybrid post-quantum key share
// named as what they are; the leg that shows tls12-only and static-rsa; the teaching page's step and browser rules;
// the CA page's menus; a refusal of tlslab's CA leading the summary (block mode; mirror mode is in
// lesson-truth-chromium-mirror.test.ts).
import { CLIENT_OUTCOME_TEXT } from '../../src/capture/client-outcome';
import { CHAIN_TEXT, LADDER_TEXT } from '../../src/events/ladder-text';
import { reduceSummaries, SUMMARY_TEXT } from '../../src/events/summary';
import type { Field, TlslabEvent } from '../../src/events/schema';
import { FAILURE_PAGE_TEXT } from '../../src/proxy/pages';
import { EXTENSION_NOTES, KEY_SHARE_NOTES } from '../../src/tls/extension-notes';
import { LESSON_NOTES } from '../../src/tls/lesson';
import { ACCEPTED_UNDER_USER_ROOT } from '../../src/x509/browser-rules';
import { buildLadders } from '../../src/dashboard/ladder-model';
import { visit, SCREENSHOT_DIR } from '../helpers/chromium-proxy';
import { classifiedConn, labHost, mark, LabConn } from '../helpers/lab-proxy-conns';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { acceptedConn, LessonBrowsers } from '../helpers/lesson-truth-browsers';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(60_000);

function summaryOf(app: TestTlslab, id: string) {
  const s = reduceSummaries(app.events.filter((e) => e.conn === id)).get(id);
  if (!s) throw new Error(`no summary for ${id}`);
  return s;
}

function findField(fields: readonly Field[], pred: (f: Field) => boolean): Field | undefined {
  for (const f of fields) {
    if (pred(f)) return f;
    const inner = f.children ? findField(f.children, pred) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

async function until<T>(what: string, get: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWithTools(['chromium', 'certutil'], 'lesson truth with Chromium', () => {
  let block: TestTlslab;
  const browsers = new LessonBrowsers();

  beforeAll(async () => {
    block = await startTestTlslab({ lab: true, uiPort: 0 });
  });
  afterAll(async () => {
    await browsers.close();
    await block?.close();
  });

  it('a visit: idle while Chromium keeps it, its reset after the answers a normal end; the next visit resumes and no certificate is sent; GREASE ECH and X25519MLKEM768 explained', async () => {
    const b = await browsers.through(block, true);
    const page = await (await b.newContext()).newPage();
    const since = mark(block);
    expect((await page.goto(`https://${labHost('valid')}/`))?.status()).toBe(200);
    const first = await acceptedConn(block, labHost('valid'), since);

    // Kept open with every request answered: idle, not a problem.
    const idle = await until('the idle note', () => {
      const s = summaryOf(block, first.id);
      return s.closedAt === null && s.note === SUMMARY_TEXT.idle ? s : null;
    });
    expect([idle.status, idle.failedLeg]).toEqual(['open', null]);

    // The origin ends its idle connection and tlslab passes the end on (its own close_notify); Chromium keeps the
    // socket until it needs it, then opens a new one that resumes the session: no Certificate, and tlslab says so
    // instead of "trusts tlslab's certificate".
    await block.waitFor((e) => e.type === 'tls:alert' && e.conn === first.id && e.leg === 'client' && e.from === 'server' && e.description.code === 0, 15_000);
    await page.goto('about:blank');
    const again = mark(block);
    expect((await page.goto(`https://${labHost('valid')}/`))?.status()).toBe(200);
    const second = await acceptedConn(block, labHost('valid'), again);
    expect(second.id).not.toBe(first.id);
    expect(second.outcome?.resumed).toBe(true);
    expect(second.outcome?.explanation).toBe(CLIENT_OUTCOME_TEXT.acceptedResumed.replace('{host}', labHost('valid')));
    expect(second.all('tls:presented')).toEqual([]);
    expect(second.messages('client', 'server')).not.toContain('certificate');
    const label = buildLadders(second.events).client.items.find((i) => i.event.type === 'tls:client-outcome')?.label;
    expect(label).toBe(LADDER_TEXT.resumed);

    // Chromium closes what it kept — with a reset when it had not read tlslab's close_notify (a Node client resets on
    // purpose in test/integration/lesson-truth-node.test.ts). After every answer, either way, the visit ended ok.
    await page.context().close();
    for (const id of [first.id, second.id]) {
      const close = await block.waitFor((e) => e.type === 'conn:close' && e.conn === id, 15_000);
      const cause = close.type === 'conn:close' ? close.cause : null;
      expect(['client-reset', 'closed']).toContain(cause);
      const ended = summaryOf(block, id);
      expect([ended.status, ended.failedLeg, ended.cause]).toEqual(['ok', null, cause]);
      if (cause === 'client-reset') expect(ended.note).toBe(SUMMARY_TEXT.resetAfterUse);
    }
    // The certificate panel on the dashboard says why there is no certificate, not "Not seen yet".
    const dash = await browsers.dashboard(block, second.id);
    await dash.locator('#chains').getByText(CHAIN_TEXT.resumed).waitFor({ timeout: 8000 });
    await dash.locator('#chains h2').scrollIntoViewIfNeeded();
    await dash.screenshot({ path: `${SCREENSHOT_DIR}/lesson-truth-resumed-1280.png` });
    await dash.close();

    // Chromium's ClientHello: the SNI in clear, then GREASE ECH (random bytes: there is no ECH key through a proxy).
    // The live stream leaves each message's bytes and field tree out; the dashboard asks for them, as here.
    const live = first.one('tls:handshake', (e) => e.leg === 'client' && e.msgType.name === 'client_hello');
    expect(live).toMatchObject({ deferred: true });
    const asked = await fetch(`${block.dashboardUrl ?? ''}api/connections/${first.id}/events`);
    const hello = new LabConn(first.id, (await asked.json()) as TlslabEvent[]).one('tls:handshake', (e) => e.leg === 'client' && e.msgType.name === 'client_hello');
    expect(hello).not.toHaveProperty('deferred');
    expect(hello.details?.kind === 'client_hello' && hello.details.sni).toBe(labHost('valid'));
    expect(hello.hex?.length).toBe((hello.length + 4) * 2);
    const ech = findField(hello.fields ?? [], (f) => f.name === 'encrypted_client_hello');
    expect(ech?.note).toBe(EXTENSION_NOTES[65037]);
    expect(findField(ech?.children ?? [], (f) => f.name === 'payload')?.note).toMatch(/GREASE ECH, random bytes/);
    // Its first key share: X25519MLKEM768, 1,184 bytes of ML-KEM-768 key and 32 of X25519.
    const share = findField(hello.fields ?? [], (f) => f.name === 'KeyShareEntry' && f.value === 'X25519MLKEM768');
    const key = share?.children?.find((f) => f.name === 'key_exchange');
    expect(key ? key.range[1] - key.range[0] - 2 : null).toBe(1216); // less its 2-byte length
    expect(key?.note).toBe(KEY_SHARE_NOTES[4588]?.client);
  });

  it('tls12-only and static-rsa: the page says the upstream leg shows the case; Chromium’s own leg is TLS 1.3; each ChangeCipherSpec its own note', async () => {
    const b = await browsers.through(block, true);
    for (const name of ['tls12-only', 'static-rsa']) {
      const since = mark(block);
      const v = await visit(b, `https://${labHost(name)}/`, `lesson-truth-${name}`);
      expect([name, v.status]).toEqual([name, 200]);
      expect(v.text).toContain('Through tlslab: look at the upstream leg (tlslab ↔ this origin): it shows this case.');
      const conn = await acceptedConn(block, labHost(name), since);
      await block.waitFor((e) => e.type === 'tls:established' && e.conn === conn.id && e.leg === 'upstream');
      const all = new LabConn(conn.id, block.events.filter((e) => e.conn === conn.id));
      const client = all.one('tls:established', (e) => e.leg === 'client');
      const upstream = all.one('tls:established', (e) => e.leg === 'upstream');
      expect([name, client.version.name, upstream.version.name, upstream.keyExchange]).toEqual([name, 'TLS 1.3', 'TLS 1.2', name === 'static-rsa' ? 'rsa' : 'ecdhe']);
      const ladders = buildLadders(all.events);
      const ccsNotes = (leg: 'client' | 'upstream'): Set<string | undefined> => new Set(ladders[leg].items.filter((i) => i.event.type === 'tls:ccs').map((i) => i.note));
      expect(ccsNotes('client')).toEqual(new Set([LESSON_NOTES['change_cipher_spec.tls13']]));
      expect(ccsNotes('upstream')).toEqual(new Set([LESSON_NOTES['change_cipher_spec.tls12']]));
      const ticket = all.maybe('tls:handshake', (e) => e.leg === 'upstream' && e.msgType.name === 'new_session_ticket');
      if (ticket) expect([ticket.step, ticket.encrypted]).toEqual([6, false]);
    }
  });

  it('the teaching page: reset-mid-handshake fails step 1; rsa1024 says what browsers do under a root you added; the failed upstream’s handshake was completed by policy', async () => {
    const b = await browsers.through(block, true);
    const reset = await visit(b, `https://${labHost('reset-mid-handshake')}/`, 'lesson-truth-block-reset-mid-handshake');
    expect(reset.status).toBe(502);
    expect(reset.text).toContain('tlslab · step 1 failed on the upstream leg');
    const since = mark(block);
    const weak = await visit(b, `https://${labHost('rsa1024')}/`, 'lesson-truth-block-rsa1024');
    expect(weak.status).toBe(502);
    expect(weak.text).not.toContain(FAILURE_PAGE_TEXT.browsersRefuse);
    expect(weak.text).toContain(ACCEPTED_UNDER_USER_ROOT.KEY_RSA_TOO_SMALL as string);
    const conn = await acceptedConn(block, labHost('rsa1024'), since);
    const done = buildLadders(conn.events).upstream.items.find((i) => i.event.type === 'tls:established');
    expect([done?.tone, done?.label.startsWith('Handshake completed by policy')]).toEqual(['warn', true]);
    expect(done?.note).toMatch(/would have sent a fatal alert at step 3.*tlslab, by policy \(block\)/);
  });

  it('the CA page names the Chromium menus of today and nothing a student does not have', async () => {
    const b = await browsers.through(block, true);
    const v = await visit(b, 'http://tlslab/');
    expect(v.status).toBe(200);
    expect(v.text).toContain('Settings → Privacy and security → Security → Manage certificates → Local certificates → Custom → Installed by you');
    expect(v.text).not.toContain('trust-ca-nss');
    expect(v.text).not.toMatch(/Manage certificates → Authorities/);
  });

  it('tlslab’s CA not trusted (block mode): ERR_CERT_AUTHORITY_INVALID, and the summary leads with that refusal, the expiry behind it', async () => {
    const b = await browsers.through(block, false);
    const since = mark(block);
    const v = await visit(b, `https://${labHost('expired')}/`);
    expect(v.error).toBe('ERR_CERT_AUTHORITY_INVALID');
    const conn = await classifiedConn(block, labHost('expired'), since, (o) => o === 'rejected-alert');
    await block.waitFor((e) => e.type === 'conn:close' && e.conn === conn.id);
    const s = summaryOf(block, conn.id);
    expect([s.failedLeg, s.cause, s.legs.upstream.verdict?.codes]).toEqual(['client', 'client-rejected-cert', ['CERT_EXPIRED']]);
    expect(s.explanation).toMatch(/^Step 3 failed on the client's side: it refused the certificate and sent alert 46 certificate_unknown/);
    expect(s.explanation).toMatch(/Behind it, tlslab’s own check of the real server failed too: The server's certificate expired on/);
  });

});
