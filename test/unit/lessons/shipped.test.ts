// The lessons that ship in lessons/: all valid, and together they cover the eight steps and every lab case, with the
// topics a course on TLS needs. Each task says how to make its connection without a browser (lessons-lab.test.ts
// runs those lines through a real tlslab).
import { LAB_CASES } from '../../../src/lab';
import { FACTS, formatLessonError, loadLessons, SHIPPED_LESSONS_DIR } from '../../../src/lessons';

const catalog = loadLessons([], SHIPPED_LESSONS_DIR);

it('every shipped lesson parses and checks (errors are printed as file:line: message)', () => {
  expect(catalog.errors.map(formatLessonError)).toEqual([]);
  expect(catalog.lessons.length).toBeGreaterThanOrEqual(12);
});

it('covers every step of the eight-step story and every lab case', () => {
  const steps = new Set(catalog.lessons.flatMap((l) => l.steps));
  expect([...steps].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  const used = new Set(catalog.lessons.flatMap((l) => l.lab));
  expect(LAB_CASES.map((c) => c.name).filter((n) => !used.has(n))).toEqual([]);
});

it('has the lessons a course needs', () => {
  expect(catalog.lessons.map((l) => l.id)).toEqual(expect.arrayContaining([
    'valid-handshake', 'tls13-vs-tls12', 'static-rsa', 'certificate-dates', 'wrong-host', 'chain-of-trust', 'strength-and-purpose',
    'untrusted-ca', 'mirror-vs-block', 'hello-retry-request', 'resumption', 'close-notify', 'alpn-http2', 'key-schedule',
  ]));
});

it('gives every task a command to try and at least one question, most questions checked on the connection, each with its key', () => {
  let fact = 0;
  let all = 0;
  for (const l of catalog.lessons) {
    for (const t of l.tasks) {
      expect([l.id, t.id, t.try.length > 0, t.questions.length > 0]).toEqual([l.id, t.id, true, true]);
      for (const q of t.questions) {
        all++;
        if (q.kind === 'fact') {
          fact++;
          expect(Object.keys(FACTS)).toContain(q.fact);
          expect([l.id, q.id, typeof q.typical]).toEqual([l.id, q.id, 'string']);
        }
      }
    }
  }
  expect(fact / all).toBeGreaterThan(0.6);
});

it('writes its prose without the private words of the project and without dangling placeholders', () => {
  for (const l of catalog.lessons) {
    const text = JSON.stringify(l);
    expect([l.id, /\bseed\b|DESIGN\.md|\.\.\/shared/i.test(text)]).toEqual([l.id, false]);
    expect([l.id, l.explanation.length > 300]).toEqual([l.id, true]);
  }
});
