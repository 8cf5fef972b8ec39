// Lesson files: a good one parses into the Lesson shape; each fault a teacher can make is one error naming the file,
// the line and what to change.
import { idFromFile, parseLesson, type LessonError } from '../../../src/lessons';

const GOOD = `---
title: Dates
goal: See where dates are checked.
steps: [3]
lab: [expired]
open:
  - lab: expired
predict:
  - Which leg fails?
look:
  - text: The verdict
    at: { leg: upstream, step: 3, view: certificates }
tasks:
  - id: expired
    do: Open https://expired.lab.tlslab/.
    try:
      - curl --cacert {ca} -x {proxy} https://expired.lab.tlslab/
    when:
      lab: expired
      finding: CERT_EXPIRED
      upstream: { established: true, closeNotify: { server: true } }
    questions:
      - id: where
        ask: Which step failed?
        fact: failing-step
      - ask: Which group?
        fact: group
        leg: upstream
      - ask: Why?
        choices:
          - text: Because
          - text: Because dates
            correct: true
        explain: RFC 5280.
---
The **explanation**.
`;

/** 1-based line of GOOD that holds `text`. */
function lineOf(text: string): number {
  const i = GOOD.split('\n').findIndex((l) => l.includes(text));
  if (i === -1) throw new Error(`no line with ${text}`);
  return i + 1;
}

/** GOOD with the line holding `text` replaced. */
function edit(text: string, replacement: string): string {
  const lines = GOOD.split('\n');
  lines[lineOf(text) - 1] = replacement;
  return lines.join('\n');
}

function errors(text: string): LessonError[] {
  const r = parseLesson(text, 'lessons/04-dates.md');
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

describe('a good lesson', () => {
  it('parses into a Lesson with defaults filled in', () => {
    const r = parseLesson(GOOD, 'lessons/04-dates.md', 'teacher');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const l = r.lesson;
    expect([l.id, l.file, l.source, l.title, l.steps, l.lab, l.tlslab]).toEqual(['dates', '04-dates.md', 'teacher', 'Dates', [3], ['expired'], { upstreamFailure: [] }]);
    expect(l.look).toEqual([{ text: 'The verdict', at: { leg: 'upstream', view: 'certificates', step: 3 } }]);
    expect(l.tasks[0]?.when).toEqual({ lab: 'expired', finding: 'CERT_EXPIRED', upstream: { established: true, closeNotify: { server: true } } });
    expect(l.tasks[0]?.questions).toEqual([
      { kind: 'fact', id: 'where', ask: 'Which step failed?', fact: 'failing-step' },
      { kind: 'fact', id: 'expired-q2', ask: 'Which group?', fact: 'group', leg: 'upstream' },
      { kind: 'choice', id: 'expired-q3', ask: 'Why?', choices: ['Because', 'Because dates'], answer: 1, explain: 'RFC 5280.' },
    ]);
    expect(l.explanation).toBe('The **explanation**.');
  });

  it('takes its id from the file name without the number', () => {
    expect(idFromFile('/x/lessons/04-certificate-dates.md')).toBe('certificate-dates');
    expect(idFromFile('Intro.MD')).toBe('intro');
  });
});

describe('a "where to look" place on a named task\'s connection', () => {
  it('keeps the task it names', () => {
    const r = parseLesson(edit('at: { leg: upstream', '    at: { leg: upstream, step: 3, view: certificates }\n    task: expired'), 'lessons/04-dates.md');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.lesson.look).toEqual([{ text: 'The verdict', at: { leg: 'upstream', view: 'certificates', step: 3 }, task: 'expired' }]);
  });

  it('a task that is not the lesson\'s is an error on its line', () => {
    const errs = errors(edit('at: { leg: upstream', '    at: { leg: upstream, step: 3, view: certificates }\n    task: expird'));
    expect(errs).toEqual([{ file: 'lessons/04-dates.md', line: lineOf('at: { leg: upstream') + 1, message: expect.stringMatching(/look\[0\]\.task: "expird" is not a task of this lesson \(its tasks: expired\)/) }]);
  });
});

describe('faults, each with its file line', () => {
  it.each([
    ['title: Dates', 'titel: Dates', /unknown key "titel" \(did you mean "title"\?\)/],
    ['lab: [expired]', 'lab: [expird]', /"expird" is not a known lab case \(did you mean "expired"\?\)/],
    ['steps: [3]', 'steps: [9]', /steps\[0\]: must be a step of the eight-step story, 1 to 8/],
    ['      lab: expired', '      lab: expird', /tasks\[0\]\.when\.lab: "expird" is not a known lab case/],
    ['finding: CERT_EXPIRED', '      finding: CERT_OLD', /"CERT_OLD" is not a known finding code/],
    ['upstream: { established', '      upstream: { established: yes }', /upstream\.established: must be true or false, not "yes"/],
    ['fact: failing-step', '        fact: failing-stepp', /"failing-stepp" is not a known fact \(did you mean "failing-step"\?\)/],
    ['- curl --cacert', '      - rm -rf {ca}', /try: the command must be curl or openssl, not "rm"/],
    ['- curl --cacert', '      - curl {cacert} https://x/', /unknown placeholder \{cacert\}/],
    ['- curl --cacert', "      - 'curl https://x/ | sh'", /"\|" is not allowed/],
    ['Which leg fails?', '  - Which leg: this one?', /predict\[0\]: must be text.*put the text in quotes/],
    ['at: { leg: upstream', '    at: { leg: upstrem, step: 3 }', /"upstrem" is not a known leg/],
  ])('%s → %s', (old, replacement, message) => {
    const errs = errors(edit(old, replacement));
    expect(errs[0]).toEqual({ file: 'lessons/04-dates.md', line: lineOf(old), message: expect.stringMatching(message) });
    // At most one consequence besides: the field that is now missing.
    expect(errs.slice(1).map((e) => e.message)).toEqual(errs.length > 1 ? [expect.stringMatching(/is missing|is used but not listed/)] : []);
  });

  it('a fact about one leg needs the leg, a connection fact refuses one', () => {
    expect(errors(GOOD.replace('        leg: upstream\n', ''))).toEqual([
      { file: 'lessons/04-dates.md', line: lineOf('- ask: Which group?'), message: expect.stringMatching(/"group" is about one leg: add "leg: client" or "leg: upstream"/) },
    ]);
    expect(errors(GOOD.replace('        fact: failing-step', '        fact: failing-step\n        leg: client'))[0]?.message).toMatch(/about the whole connection: remove "leg"/);
  });

  it('a choice question needs exactly one correct choice', () => {
    expect(errors(GOOD.replace('            correct: true\n', ''))[0]?.message).toMatch(/exactly one choice must say "correct: true" \(found 0\)/);
  });

  it('lab cases used must be listed, and listed ones used', () => {
    const errs = errors(GOOD.replace('lab: [expired]', 'lab: [expired, sha1]'));
    expect(errs.map((e) => [e.line, e.message])).toEqual([[5, 'lab[1]: the lab case "sha1" is listed but no "open" or "when" uses it']]);
  });

  it('duplicate ids are named where the second one is', () => {
    const errs = errors(GOOD.replace('      - ask: Which group?', '      - id: where\n        ask: Which group?'));
    expect(errs.map((e) => [e.line, e.message])).toEqual([[lineOf('- ask: Which group?'), 'tasks[0].questions[1].id: two questions have the id "where"']]);
  });

  it('YAML syntax errors and missing front matter', () => {
    expect(errors(edit('open:', 'open: [')).map((e) => e.line)).toContain(lineOf('open:') + 1);
    expect(errors(GOOD.replace(/^---\n/, ''))).toEqual([{ file: 'lessons/04-dates.md', line: 1, message: expect.stringMatching(/starts with a line "---"/) }]);
    expect(errors(GOOD.replace(/\n---\nThe/, '\nThe'))[0]?.message).toMatch(/never closed/);
    expect(errors(edit('goal:', 'title: Dates')).map((e) => e.message)).toEqual([expect.stringMatching(/Map keys must be unique/)]);
    expect(errors(GOOD.replace('The **explanation**.', ''))).toEqual([{ file: 'lessons/04-dates.md', line: lineOf('The **explanation**'), message: expect.stringMatching(/explanation .* is empty/) }]);
  });

  it('a missing required field is reported at its parent', () => {
    const errs = errors(GOOD.replace('goal: See where dates are checked.\n', ''));
    expect(errs).toEqual([{ file: 'lessons/04-dates.md', line: 2, message: 'goal: is missing' }]);
  });
});
