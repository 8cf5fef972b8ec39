// The lesson evaluator on real decoded bytes (RFC 8448 §3 on both legs) and on the events tlslab adds for failures:
// every fact, the conditions of a task's `when`, and grading with its aliases and ladder clicks.
import { FACTS, evaluateFact, findConnection, gradeAnswer, matchesCondition, questionForm, unmetConditions, type FactName, type FactQuestion } from '../../../src/lessons';
import { ConnBuilder } from './connection-fixture';

const fact = (name: FactName, leg?: 'client' | 'upstream', extra: Partial<FactQuestion> = {}): FactQuestion => ({
  kind: 'fact', id: 'q', ask: 'Q?', fact: name, ...(leg ? { leg } : {}), ...extra,
});

const verdict = (ok: boolean, codes: { code: string; check: string }[], policy?: string) => ({
  type: 'tls:verdict', leg: 'upstream', step: 3, ok, nodeError: null, host: 'expired.lab.tlslab', ...(policy ? { policy } : {}),
  findings: codes.map((c) => ({ ...c, severity: 'error', certIndex: 0, message: `${c.code} message` })),
  chain: [{ index: 0, subject: 'CN=expired.lab.tlslab', issuer: 'CN=tlslab Lab Root', serialHex: '01', notBefore: '', notAfter: '', san: [], fingerprint256: '', publicKey: 'RSA 2048', signatureAlgorithm: 'sha256WithRSAEncryption', isCA: false, selfSigned: false, checks: [], source: 'sent' }],
});

describe('facts on a decoded RFC 8448 connection', () => {
  const view = new ConnBuilder().open('valid').rfc8448('client').rfc8448('upstream').close().view();

  it.each([
    ['version', 'client', 'TLS 1.3'],
    ['cipher-suite', 'upstream', 'TLS_AES_128_GCM_SHA256'],
    ['group', 'client', 'x25519'],
    ['key-share-groups', 'client', 'x25519'],
    ['key-exchange', 'client', 'ecdhe'],
    ['resumed', 'client', 'no'],
    ['close-notify-from', 'upstream', 'both'],
    ['certificate-count', 'upstream', '1'],
    ['certificate-encrypted', 'client', 'yes'],
    ['key-length', 'client', '16'],
    ['hash', 'client', 'SHA-256'],
    ['alpn', 'client', 'none'],
    ['client-alert', 'client', 'none'],
  ] as const)('%s on the %s leg is %s', (name, leg, value) => {
    const v = evaluateFact(fact(name, leg), view);
    expect(v).toEqual(expect.objectContaining({ value }));
    if ('options' in v && FACTS[name].input === 'choice') expect(v.options).toContain(value);
  });

  it('offers the groups and suites of the ClientHello as choices', () => {
    expect(questionForm(fact('group', 'client'), view)).toEqual({ input: 'choice', options: ['x25519', 'secp256r1', 'secp384r1', 'secp521r1', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192'] });
    expect(questionForm(fact('cipher-suite', 'client'), view).options).toEqual(['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384']);
  });

  it('says why a fact is not there instead of guessing', () => {
    for (const [name, why] of [
      ['failing-step', /Nothing failed/], ['failed-check', /did not verify/], ['hrr-group', /no HelloRetryRequest/],
      ['policy', /no policy/], ['alpn-offer', /no ALPN/], ['certificate-issuer', /No certificate/],
    ] as const) {
      expect(evaluateFact(fact(name, FACTS[name].leg ? 'client' : undefined), view)).toEqual({ unavailable: expect.stringMatching(why) });
    }
  });

  it('has-message reads handshake messages, ChangeCipherSpec and alerts', () => {
    const has = (message: FactQuestion['message']): unknown => (evaluateFact(fact('has-message', 'client', { message }), view) as { value: string }).value;
    expect([has('encrypted_extensions'), has('server_key_exchange'), has('hello_retry_request'), has('new_session_ticket'), has('alert')]).toEqual(['yes', 'no', 'no', 'yes', 'yes']);
  });
});

describe('facts about failures', () => {
  it('an expired upstream under block: failing step upstream:3, check validity, policy, the browser accepted', () => {
    const view = new ConnBuilder().open('expired').add(verdict(false, [{ code: 'CERT_EXPIRED', check: 'validity' }], 'block'))
      .add({ type: 'tls:client-outcome', leg: 'client', step: 3, outcome: 'accepted', explanation: 'ok' }).close('upstream-cert-invalid').view();
    expect(evaluateFact(fact('failing-step'), view)).toEqual({ value: 'upstream:3', options: [] });
    expect(evaluateFact(fact('failed-check'), view)).toEqual(expect.objectContaining({ value: 'validity' }));
    expect(evaluateFact(fact('policy'), view)).toEqual(expect.objectContaining({ value: 'block' }));
    expect(evaluateFact(fact('client-outcome'), view)).toEqual(expect.objectContaining({ value: 'accepted' }));
    expect(evaluateFact(fact('certificate-issuer', 'upstream'), view)).toEqual({ value: 'CN=tlslab Lab Root', options: ['CN=tlslab Lab Root'] });
  });

  it('a browser refusing tlslab: the client leg at step 3, with its alert', () => {
    const view = new ConnBuilder().open('valid')
      .add({ type: 'tls:alert', leg: 'client', from: 'client', step: 3, level: { code: 2, name: 'fatal' }, description: { code: 48, name: 'unknown_ca' }, encrypted: false, fatal: true })
      .add({ type: 'tls:client-outcome', leg: 'client', step: 3, outcome: 'rejected-alert', explanation: 'no' }).close('client-rejected-cert').view();
    expect(evaluateFact(fact('failing-step'), view)).toEqual({ value: 'client:3', options: [] });
    expect(evaluateFact(fact('client-alert', 'client'), view)).toEqual(expect.objectContaining({ value: 'unknown_ca' }));
  });

  it('a reset after the ClientHello fails at the last step the leg reached', () => {
    const view = new ConnBuilder().open('reset-mid-handshake')
      .add({ type: 'tls:handshake', leg: 'upstream', from: 'client', step: 1, msgType: { code: 1, name: 'client_hello' }, length: 0, encrypted: false, offset: 0, hex: '01000000', fields: [] })
      .add({ type: 'conn:error', leg: 'upstream', code: 'TLSLAB_ERR_UPSTREAM_RESET', cause: 'upstream-reset', message: 'reset' }).close('upstream-reset').view();
    expect(evaluateFact(fact('failing-step'), view)).toEqual({ value: 'upstream:1', options: [] });
  });

  it('questions about the end wait for the connection to end', () => {
    const open = new ConnBuilder().open('valid').rfc8448('client').view();
    const still = { ...open, summary: { ...open.summary, closedAt: null } };
    expect(evaluateFact(fact('close-notify-from', 'client'), still)).toEqual({ unavailable: expect.stringMatching(/still open/) });
  });
});

describe('grading', () => {
  const view = new ConnBuilder().open('expired').rfc8448('client').add(verdict(false, [{ code: 'CERT_EXPIRED', check: 'validity' }], 'mirror')).close().view();

  it('compares answers without case, spaces or dashes, and knows group aliases', () => {
    expect(gradeAnswer(fact('group', 'client'), 'X25519', view).status).toBe('correct');
    expect(gradeAnswer(fact('version', 'client'), 'tls1.3', view).status).toBe('correct');
    expect(gradeAnswer(fact('version', 'client'), 'TLS 1.2', view)).toEqual({ status: 'wrong', answer: 'TLS 1.2', expected: 'TLS 1.3' });
    expect(gradeAnswer(fact('hash', 'client'), 'sha256', view).status).toBe('correct');
  });

  it('grades a ladder click as leg:step', () => {
    const q = fact('failing-step', undefined, { explain: 'Because.' });
    expect(gradeAnswer(q, 'upstream:3', view)).toEqual({ status: 'correct', answer: 'upstream:3', expected: 'upstream:3', explain: 'Because.' });
    expect(gradeAnswer(q, '3 upstream', view).status).toBe('correct');
    expect(gradeAnswer(q, 'client:3', view).status).toBe('wrong');
    expect(gradeAnswer(q, 'upstream', view).status).toBe('wrong');
  });

  it('grades choice questions by index or text, with no connection needed', () => {
    const q = { kind: 'choice' as const, id: 'c', ask: '?', choices: ['a', 'b', 'c'], answer: 1 };
    expect(gradeAnswer(q, '1', null)).toEqual({ status: 'correct', answer: 'b', expected: 'b' });
    expect(gradeAnswer(q, 'c', null)).toEqual({ status: 'wrong', answer: 'c', expected: 'b' });
    expect(gradeAnswer(fact('version', 'client'), 'TLS 1.3', null).status).toBe('unavailable');
  });
});

describe('conditions', () => {
  const good = new ConnBuilder('c1').open('valid').rfc8448('client').rfc8448('upstream').close().view();
  const bad = new ConnBuilder('c2').open('expired').add(verdict(false, [{ code: 'CERT_EXPIRED', check: 'validity' }], 'block')).close('upstream-cert-invalid').view();

  it('matches every condition given, on the connection and on each leg', () => {
    expect(matchesCondition(good, { lab: 'valid', failedLeg: 'none', closed: true, client: { version: 'TLS 1.3', group: 'X25519', established: true, has: ['certificate'], lacks: ['server_key_exchange'], resumed: false, closeNotify: { client: true, server: true } } })).toBe(true);
    expect(matchesCondition(bad, { lab: 'expired', finding: 'CERT_EXPIRED', policy: 'block', failedLeg: 'upstream', status: 'failed' })).toBe(true);
  });

  it('names what is not met', () => {
    expect(unmetConditions(good, { lab: 'expired', upstream: { version: 'TLS 1.2', helloRetryRequest: true } })).toEqual([
      'lab: "expired"', 'upstream.version: "TLS 1.2"', 'upstream.helloRetryRequest: true',
    ]);
  });

  it('finds the newest matching connection', () => {
    const later = { ...good, summary: { ...good.summary, id: 'c3', openedAt: good.summary.openedAt + 1000 } };
    expect(findConnection([good, bad, later], { lab: 'valid' })?.summary.id).toBe('c3');
    expect(findConnection([good, bad], { lab: 'sha1' })).toBeNull();
  });
});
