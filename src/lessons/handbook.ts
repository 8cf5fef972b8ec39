// The printable lab handbook (docs/lab-handbook.md: a page per lesson, then the instructor's key) and the reference
// tables of docs/lessons.md, generated from the lessons and the code's closed unions. Pure: values in, Markdown out.
import { LESSON_STEPS } from '../events/schema.js';
import { LAB_CASES } from '../lab/lab-cases';
import {
  CONNECTION_CONDITION_DOCS, FACTS, LEG_CONDITION_DOCS, MESSAGE_CODES, VIEWS, type Lesson, type Question, type Where,
} from './schema.js';
import { fillTryLine, TRY_PLACEHOLDERS } from './try-command';

const PAGE_BREAK = '<div style="page-break-after: always"></div>';
/** What the try lines say in print: tlslab's defaults. */
const PRINTED = { proxy: 'http://127.0.0.1:8080', proxyHostPort: '127.0.0.1:8080', ca: 'certs/tlslab-ca.pem' };
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

const INPUT_HINT = {
  step: 'click the failing step on the ladder of your connection',
  choice: 'read it from your connection',
  'yes-no': 'yes or no, from your connection',
} as const;

const labUrl = (name: string): string => `https://${name}.lab.tlslab/`;
const anchor = (i: number, l: Lesson): string => `${i + 1}-${l.title}`.toLowerCase().replace(/[^a-z0-9 _-]/g, '').trim().replace(/ /g, '-');

/** Which task's connection a "where to look" place is on, when the lesson names one. */
function taskText(l: Lesson, task: string | undefined): string {
  const n = task === undefined ? -1 : l.tasks.findIndex((t) => t.id === task);
  return n === -1 ? '' : `, on the connection of task ${n + 1}`;
}

export function whereText(w: Where): string {
  const parts = [`${w.leg} leg`];
  if (w.step !== undefined) parts.push(`step ${w.step} (${LESSON_STEPS[w.step]})`);
  if (w.message !== undefined) parts.push(w.message);
  if (w.field !== undefined) parts.push(`field \`${w.field}\``);
  if (w.view !== 'ladder') parts.push(`${w.view} view`);
  return parts.join(', ');
}

function tryText(line: string): string {
  return fillTryLine(line, PRINTED).map((w) => (/[\s"]/.test(w) ? `'${w}'` : w)).join(' ');
}

function setup(l: Lesson): string | null {
  if (l.tlslab.upstreamFailure.length === 0) return null;
  return `\`tlslab start ${l.tlslab.upstreamFailure.map((v) => `--upstream-failure ${v}`).join(' ')}\``;
}

function studentQuestion(q: Question, n: number): string[] {
  const out = [`${n}. ${q.ask}`];
  if (q.kind === 'choice') q.choices.forEach((c, i) => out.push(`   - (${LETTERS[i]}) ${c}`));
  else out.push(`   *(${INPUT_HINT[FACTS[q.fact].input]})*`);
  out.push('', '   Answer: ______________________________', '');
  return out;
}

function studentPage(l: Lesson, i: number): string[] {
  const out = [`## ${i + 1}. ${l.title}`, '', `**Goal.** ${l.goal}`, ''];
  out.push(`**Steps of the story:** ${l.steps.map((s) => `${s} ${LESSON_STEPS[s]}`).join(' · ')}`, '');
  const s = setup(l);
  if (s) out.push(`**tlslab for this lesson:** ${s} (your instructor starts it).`, '');
  out.push(`**Open** ${l.open.map((o) => ('lab' in o ? labUrl(o.lab) : o.url)).join(', ')}`, '');
  if (l.predict.length > 0) out.push('**Before you look, predict.**', '', ...l.predict.map((p, k) => `${k + 1}. ${p}`), '');
  if (l.look.length > 0) out.push('**Where to look.**', '', ...l.look.map((x) => `- ${x.text} — *${whereText(x.at)}${taskText(l, x.task)}*`), '');
  l.tasks.forEach((t, k) => {
    out.push(`### Task ${k + 1}`, '', t.do, '');
    if (t.try.length > 0) out.push('Without a browser:', '', '```', ...t.try.map(tryText), '```', '');
    let n = 0;
    for (const q of t.questions) out.push(...studentQuestion(q, ++n));
  });
  return out;
}

function keyPage(l: Lesson, i: number): string[] {
  const out = [`### ${i + 1}. ${l.title}`, ''];
  l.tasks.forEach((t, k) => {
    out.push(`**Task ${k + 1}.**`, '');
    let n = 0;
    for (const q of t.questions) {
      n++;
      const answer = q.kind === 'choice'
        ? `(${LETTERS[q.answer]}) ${q.choices[q.answer]}`
        : `${q.typical ?? '—'} *(checked on the student's own connection: ${FACTS[q.fact].what}${q.leg ? `, ${q.leg} leg` : ''}${q.message ? `, message ${q.message}` : ''})*`;
      out.push(`${n}. ${answer}${q.explain ? ` — ${q.explain}` : ''}`);
    }
    out.push('');
  });
  out.push('**Explanation shown after the tasks:**', '', ...l.explanation.split('\n').map((line) => line.replace(/^(#+) /, '$1## ')), '');
  return out;
}

/** docs/lab-handbook.md. */
export function labHandbook(lessons: readonly Lesson[]): string {
  const out = [
    '# tlslab lab handbook',
    '',
    '<!-- Generated from lessons/*.md by `node scripts/gen-lesson-docs.js` (after `npm run build`); a unit test checks it is current. Do not edit by hand. -->',
    '',
    'One page per lesson for students, then the instructor\'s key. Start tlslab (`tlslab start`), then a browser that',
    'uses it and trusts its CA (`tlslab browser` opens one, with the dashboard beside it). Each lesson asks you to open',
    'a page, predict what you will see, look at the right place in the connection view, and answer questions. The',
    'dashboard\'s lesson panel checks the answers about *your own* connection; on paper, write them down. The',
    '"Without a browser" lines make the same connection with curl (the CA file and proxy shown are tlslab\'s defaults).',
    '',
    '| # | Lesson | Steps | Lab cases |',
    '| --- | --- | --- | --- |',
    ...lessons.map((l, i) => `| ${i + 1} | [${l.title}](#${anchor(i, l)}) | ${l.steps.join(', ')} | ${l.lab.map((c) => `\`${c}\``).join(', ') || '—'} |`),
    '',
  ];
  lessons.forEach((l, i) => out.push(PAGE_BREAK, '', ...studentPage(l, i)));
  out.push(PAGE_BREAK, '', "## Instructor's key", '', 'For questions about the student\'s own connection the app reads the answer from that connection; the key says what most students will see.', '');
  lessons.forEach((l, i) => out.push(...keyPage(l, i)));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** The generated reference tables of docs/lessons.md, by block name. */
export function lessonReference(): Record<string, string> {
  const rows = (head: string, lines: string[]): string => [head, head.replace(/[^|]+/g, ' --- ').replace(/ {2,}/g, ' '), ...lines].join('\n');
  return {
    facts: rows('| fact | about | answered by | what it reads |', Object.entries(FACTS).map(([name, f]) =>
      `| \`${name}\` | ${f.leg ? 'one leg (`leg:`)' : 'the connection'} | ${f.input} | ${f.what}${name === 'has-message' ? ' (`message:` names it)' : ''} |`)),
    conditions: rows('| condition | meaning |', Object.entries(CONNECTION_CONDITION_DOCS).map(([k, v]) => `| \`${k}\` | ${v} |`)),
    'leg-conditions': rows('| leg condition | meaning |', Object.entries(LEG_CONDITION_DOCS).map(([k, v]) => `| \`${k}\` | ${v} |`)),
    names: [
      `Messages (\`message:\`, \`has\`, \`lacks\`): ${Object.keys(MESSAGE_CODES).map((m) => `\`${m}\``).join(', ')}.`,
      '',
      `Views (\`view:\`): ${VIEWS.map((v) => `\`${v}\``).join(', ')}.`,
      '',
      `Lab cases (\`lab:\`): ${LAB_CASES.map((c) => `\`${c.name}\``).join(', ')}.`,
      '',
      `Placeholders in \`try\` lines: ${Object.entries(TRY_PLACEHOLDERS).map(([k, v]) => `\`{${k}}\` ${v}`).join('; ')}.`,
    ].join('\n'),
  };
}

/** `text` with each `<!-- generated: NAME -->…<!-- end: NAME -->` block replaced by `blocks[NAME]`. */
export function fillGenerated(text: string, blocks: Record<string, string>): string {
  return text.replace(/<!-- generated: ([a-z-]+) -->\n[\s\S]*?<!-- end: \1 -->/g, (whole, name: string) =>
    blocks[name] === undefined ? whole : `<!-- generated: ${name} -->\n${blocks[name]}\n<!-- end: ${name} -->`);
}
