// Every sentence a student reads: filled without holes, sentences that end, and listed word for word in
// docs/classroom.md. To regenerate the list there: `UPDATE_DOCS=1 npx jest test/unit/classroom/student-text.test.ts`.
import fs from 'node:fs';
import path from 'node:path';
import { placeholders, STUDENT_TEXT, studentText, studentTextMarkdown, type StudentTextKey } from '../../../src/classroom/student-text';

const FILE = path.join(__dirname, '..', '..', '..', 'docs', 'classroom.md');
const BEGIN = '<!-- student-text:begin (generated from src/classroom/student-text.ts) -->';
const END = '<!-- student-text:end -->';

/** The values the pages and answers fill in. */
const KNOWN = new Set(['proxy', 'host', 'port', 'pac', 'join', 'view', 'ca', 'caCrt', 'caDer', 'fingerprint', 'seconds', 'limit', 'target']);

describe('student text', () => {
  const keys = Object.keys(STUDENT_TEXT) as StudentTextKey[];

  it('uses only placeholders the callers fill in', () => {
    expect(keys.flatMap((k) => placeholders(k).filter((p) => !KNOWN.has(p)).map((p) => `${k}: {${p}}`))).toEqual([]);
  });

  it('fills placeholders and leaves a missing one visible', () => {
    expect(studentText('limit.failures', { seconds: 6 })).toContain('for 6 seconds');
    expect(studentText('limit.failures')).toContain('{seconds}');
  });

  it('is plain sentences: no HTML, no template holes, no private words', () => {
    for (const k of keys) {
      const s = STUDENT_TEXT[k];
      expect([k, /[<>]/.test(s)]).toEqual([k, false]);
      expect([k, /\$\{|undefined|null|TODO|DESIGN|SEED|issue #?\d/i.test(s)]).toEqual([k, false]);
    }
  });

  it('ends every sentence that is not a heading or a label with a full stop', () => {
    const labels = new Set<StudentTextKey>(['auth.realm', 'join.title', 'join.step-proxy', 'join.step-sign-in', 'join.step-ca', 'join.step-view', 'join.ca-fingerprint', 'join.proxy-setting', 'auth.curl']);
    for (const k of keys) if (!labels.has(k)) expect([k, STUDENT_TEXT[k].trimEnd().endsWith('.')]).toEqual([k, true]);
  });

  it('keeps the realm ASCII without quotes (it goes in a quoted-string of Proxy-Authenticate)', () => {
    expect(STUDENT_TEXT['auth.realm']).toMatch(/^[\x20-\x7e]+$/);
    expect(STUDENT_TEXT['auth.realm']).not.toMatch(/["\\]/);
  });

  it('is listed word for word in docs/classroom.md', () => {
    let doc = fs.readFileSync(FILE, 'utf8');
    const a = doc.indexOf(BEGIN);
    const b = doc.indexOf(END);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    if (process.env.UPDATE_DOCS === '1') {
      doc = `${doc.slice(0, a + BEGIN.length)}\n${studentTextMarkdown()}\n${doc.slice(b)}`;
      fs.writeFileSync(FILE, doc);
    }
    expect(doc.slice(a + BEGIN.length, doc.indexOf(END)).trim()).toBe(studentTextMarkdown());
  });
});
