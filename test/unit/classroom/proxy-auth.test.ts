// Proxy-Authorization: Basic (RFC 7617) read into name and password, hostile input included; then the whole
// sign-in check against the class code. Properties (fast-check): a typed result for any input, never a throw.
import fc from 'fast-check';
import { studentId } from '../../../src/classroom/display-name';
import { authenticate, COUNTS_AS_ATTEMPT, MAX_HEADER, parseProxyAuthorization } from '../../../src/classroom/proxy-auth';

const basic = (userPass: string | Buffer): string => `Basic ${Buffer.from(userPass).toString('base64')}`;
const CODE = 'maple-rocket-47';

describe('parseProxyAuthorization', () => {
  it('reads user and password (RFC 7617 §2 example, and UTF-8 per §2.1)', () => {
    expect(parseProxyAuthorization('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')).toEqual({ kind: 'basic', user: 'Aladdin', password: 'open sesame' });
    expect(parseProxyAuthorization(basic('Zoë Ångström:maple-rocket-47'))).toEqual({ kind: 'basic', user: 'Zoë Ångström', password: 'maple-rocket-47' });
    expect(parseProxyAuthorization(basic('test:123£'))).toEqual({ kind: 'basic', user: 'test', password: '123£' }); // §2.1's example
  });

  it('splits at the first colon: the password may hold colons, the user may not', () => {
    expect(parseProxyAuthorization(basic('ada:a:b:c'))).toEqual({ kind: 'basic', user: 'ada', password: 'a:b:c' });
    expect(parseProxyAuthorization(basic(':code'))).toEqual({ kind: 'basic', user: '', password: 'code' });
  });

  it('takes the scheme in any case, extra spaces and tabs, and base64 without padding', () => {
    for (const h of ['basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'BASIC   QWxhZGRpbjpvcGVuIHNlc2FtZQ==', '\tBasic\tQWxhZGRpbjpvcGVuIHNlc2FtZQ== ', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ']) {
      expect(parseProxyAuthorization(h)).toEqual({ kind: 'basic', user: 'Aladdin', password: 'open sesame' });
    }
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['   ', 'missing'],
    [[], 'missing'],
  ])('%j → %s', (h, kind) => expect(parseProxyAuthorization(h as string | undefined)).toEqual({ kind }));

  it.each([
    ['Bearer abc', 'not-basic'],
    ['Digest username="a"', 'not-basic'],
    ['Basic', 'not-basic'],
    ['Basic ', 'not-basic'],
    ['Basic a b', 'not-basic'],
    ['BasicQWxh', 'not-basic'],
    ['Basic !!!!', 'bad-base64'],
    ['Basic QWxh=ZGRp', 'bad-base64'],
    ['Basic QWxhZ===', 'bad-base64'],
    ['Basic Q', 'bad-base64'],
    [basic(Buffer.from([0x61, 0x3a, 0xff, 0xfe])), 'not-utf8'],
    [basic(Buffer.from([0xc3, 0x28, 0x3a, 0x61])), 'not-utf8'], // a broken two-byte sequence
    [basic(Buffer.from([0xed, 0xa0, 0x80, 0x3a])), 'not-utf8'], // an encoded surrogate
    [basic('no colon here'), 'no-colon'],
    [basic(''), 'not-basic'], // "Basic " with nothing after it
    [basic('ada\u0000:code'), 'control-character'],
    [basic('ada:co\nde'), 'control-character'],
    [basic('ada\u0085:code'), 'control-character'],
    [`Basic ${'A'.repeat(MAX_HEADER)}`, 'too-long'],
  ])('%j is malformed: %s', (h, problem) => expect(parseProxyAuthorization(h)).toEqual({ kind: 'malformed', problem }));

  it('refuses repeated headers instead of choosing one', () => {
    expect(parseProxyAuthorization([basic('a:b'), basic('c:d')])).toEqual({ kind: 'malformed', problem: 'not-basic' });
    expect(parseProxyAuthorization([basic('a:b')])).toEqual({ kind: 'basic', user: 'a', password: 'b' });
  });

  it('properties: any string or bytes give a typed result, never a throw', () => {
    const kinds = new Set(['missing', 'malformed', 'basic']);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 1200 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => basic(Buffer.from(b))),
          fc.string({ unit: 'binary', maxLength: 200 }).map((s) => basic(s)),
          fc.base64String({ maxLength: 80 }).map((s) => `Basic ${s}`),
        ),
        (h) => {
          const r = parseProxyAuthorization(h);
          expect(kinds.has(r.kind)).toBe(true);
          if (r.kind === 'basic') {
            expect(r.user).not.toContain(':');
            // eslint-disable-next-line no-control-regex -- control characters are what must not come through
            expect(r.user + r.password).not.toMatch(/[\u0000-\u001f\u007f]/);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('properties: whatever a client encodes as UTF-8 user:password comes back as it was', () => {
    const noCtl = (s: string) => !/\p{Cc}|\p{Cs}/u.test(s);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => noCtl(s) && !s.includes(':')), fc.string({ unit: 'grapheme', maxLength: 40 }).filter(noCtl), (user, password) => {
        expect(parseProxyAuthorization(basic(`${user}:${password}`))).toEqual({ kind: 'basic', user, password });
      }),
    );
  });
});

describe('authenticate', () => {
  it('lets a student in with their normalized name and id', () => {
    expect(authenticate(basic(` Ada  Lovelace :${CODE}`), CODE)).toEqual({ ok: true, name: 'Ada Lovelace', id: studentId('Ada Lovelace') });
    expect(authenticate(basic('ada lovelace:Maple Rocket 47'), CODE)).toMatchObject({ ok: true, id: studentId('Ada Lovelace') });
  });

  it('two names from one address are two students; one name in two cases is one', () => {
    const a = authenticate(basic(`Ada:${CODE}`), CODE);
    const b = authenticate(basic(`Grace:${CODE}`), CODE);
    const c = authenticate(basic(`ADA:${CODE}`), CODE);
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (a.ok && b.ok && c.ok) {
      expect(a.id).not.toBe(b.id);
      expect(c.id).toBe(a.id);
    }
  });

  it.each([
    [undefined, 'missing'],
    ['Bearer x', 'not-basic'],
    [basic(`Ada:wrong-code-11`), 'wrong-code'],
    [basic(`Ada:`), 'wrong-code'],
    [basic(`:${CODE}`), 'empty-name'],
    [basic(`\u200b \u202e:${CODE}`), 'empty-name'],
    [basic(`:nope`), 'wrong-code'], // the code is checked first
  ])('%j → %s', (h, failure) => expect(authenticate(h, CODE)).toEqual({ ok: false, failure }));

  it('counts every failure but a missing header as an attempt', () => {
    expect(Object.entries(COUNTS_AS_ATTEMPT).filter(([, counts]) => !counts).map(([f]) => f)).toEqual(['missing']);
  });

  it('never throws and lets in only the right code', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }), (user, password) => {
        const r = authenticate(basic(`${user.replace(/:/g, '')}:${password}`), CODE);
        if (r.ok) expect(password.toLowerCase().replace(/[\s\-_.]/g, '')).toBe('maplerocket47');
      }),
      { numRuns: 2000 },
    );
  });
});
