// Reads one lesson file (Markdown with YAML front matter) into a Lesson, or says what is wrong with it, each error
// with its file line. Pure: text in, a Lesson or errors out (load.ts reads the files).
import { LAB_CASES } from '../lab/lab-cases';
import { FINDING_CODES } from '../x509/findings';
import { CONNECTION_CONDITION_KEYS, LEG_CONDITION_KEYS } from './conditions.js';
import { splitFrontMatter, type YamlPath } from './front-matter';
import {
  FACTS, KEY_EXCHANGES, MESSAGE_CODES, TLS_VERSIONS, VIEWS, type ConnectionCondition, type FactName, type Lesson, type LegCondition,
  type LookAt, type MessageName, type OpenTarget, type Question, type Task, type Where,
} from './schema.js';
import { checkTryLine } from './try-command';
import { Reader, type Obj } from './reader';

export interface LessonError {
  file: string;
  line: number;
  message: string;
}

export type ParseResult = { ok: true; lesson: Lesson } | { ok: false; errors: LessonError[] };

const LAB_NAMES: readonly string[] = LAB_CASES.map((c) => c.name);
const LEGS = ['client', 'upstream'] as const;
const STATUSES = ['open', 'ok', 'failed', 'insecure'] as const;
const POLICIES = ['block', 'mirror', 'allow'] as const;
const OUTCOMES = ['accepted', 'rejected-alert', 'closed-in-handshake', 'closed-after-handshake', 'timeout'] as const;
const MESSAGES = Object.keys(MESSAGE_CODES) as MessageName[];
const FACT_NAMES = Object.keys(FACTS) as FactName[];
const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const POLICY_VALUE = /^(([a-z0-9*][a-z0-9.*-]*)=)?(block|mirror|allow)$/i;

/** The id a file name gives: `04-certificate-dates.md` → `certificate-dates`. */
export function idFromFile(file: string): string {
  return file.replace(/^.*[\\/]/, '').replace(/\.md$/i, '').replace(/^\d+[-_]/, '').toLowerCase();
}

/** Parses and checks one lesson file. `file` names it in errors (the folder's relative name is enough). */
export function parseLesson(text: string, file: string, source: Lesson['source'] = 'shipped'): ParseResult {
  const fm = splitFrontMatter(text);
  if (!fm.ok) return { ok: false, errors: fm.errors.map((e) => ({ file, ...e })) };
  const r = new Reader(file, fm.value.lineOf);
  const top = r.obj(fm.value.data, []);
  if (top === null) return { ok: false, errors: r.errors };
  r.keys(top, [], ['id', 'title', 'goal', 'steps', 'lab', 'tlslab', 'open', 'predict', 'look', 'tasks']);
  const id = r.optString(top, ['id']) ?? idFromFile(file);
  if (!ID.test(id)) r.fail(['id'], `the lesson id "${id.slice(0, 80)}" must be lowercase letters, digits and dashes (set "id:" or rename the file)`);
  const lab = r.list(top, ['lab'], (v, p) => r.oneOf(v, p, LAB_NAMES, 'lab case'), false);
  const lesson: Lesson = {
    id,
    file: file.replace(/^.*[\\/]/, ''),
    source,
    title: r.string(top, ['title']) ?? '',
    goal: r.string(top, ['goal']) ?? '',
    steps: r.list(top, ['steps'], (v, p) => r.step(v, p)),
    lab,
    tlslab: readSetup(r, top),
    open: r.list(top, ['open'], (v, p) => readOpen(r, v, p)),
    predict: r.list(top, ['predict'], (v, p) => r.str(v, p), false),
    look: r.list(top, ['look'], (v, p) => readLook(r, v, p), false),
    tasks: r.list(top, ['tasks'], (v, p) => readTask(r, v, p)),
    explanation: fm.value.body.trim(),
  };
  if (lesson.explanation === '') r.errors.push({ file, line: fm.value.bodyLine, message: 'the Markdown explanation after the front matter is empty' });
  checkLabNamed(r, lesson);
  checkUnique(r, lesson);
  return r.errors.length > 0 ? { ok: false, errors: r.errors } : { ok: true, lesson };
}

function readSetup(r: Reader, top: Obj): Lesson['tlslab'] {
  if (top.tlslab === undefined) return { upstreamFailure: [] };
  const o = r.obj(top.tlslab, ['tlslab']);
  if (o === null) return { upstreamFailure: [] };
  r.keys(o, ['tlslab'], ['upstreamFailure']);
  const values = r.list(o, ['tlslab', 'upstreamFailure'], (v, p) => r.str(v, p), false);
  values.forEach((v, i) => {
    if (!POLICY_VALUE.test(v)) r.fail(['tlslab', 'upstreamFailure', i], `"${v.slice(0, 80)}" is not an --upstream-failure value (MODE or HOST=MODE, MODE one of block, mirror, allow)`);
  });
  return { upstreamFailure: values };
}

function readOpen(r: Reader, v: unknown, p: YamlPath): OpenTarget | null {
  const o = r.obj(v, p);
  if (o === null) return null;
  r.keys(o, p, ['lab', 'url']);
  if ((o.lab === undefined) === (o.url === undefined)) {
    r.fail(p, 'each "open" entry is either "lab: CASE" or "url: https://…"');
    return null;
  }
  if (o.lab !== undefined) {
    const lab = r.oneOf(o.lab, [...p, 'lab'], LAB_NAMES, 'lab case');
    return lab === null ? null : { lab };
  }
  const url = r.str(o.url, [...p, 'url']);
  if (url !== null && !/^https?:\/\/[^\s/]+/.test(url)) r.fail([...p, 'url'], `"${url.slice(0, 80)}" is not an http(s) URL`);
  return url === null ? null : { url };
}

function readWhere(r: Reader, v: unknown, p: YamlPath): Where | null {
  const o = r.obj(v, p);
  if (o === null) return null;
  r.keys(o, p, ['leg', 'view', 'step', 'message', 'field']);
  const leg = r.oneOf(o.leg, [...p, 'leg'], LEGS, 'leg');
  const view = o.view === undefined ? 'ladder' : r.oneOf(o.view, [...p, 'view'], VIEWS, 'view');
  if (leg === null || view === null) return null;
  const where: Where = { leg, view };
  if (o.step !== undefined) {
    const s = r.step(o.step, [...p, 'step']);
    if (s !== null) where.step = s;
  }
  if (o.message !== undefined) {
    const m = r.oneOf(o.message, [...p, 'message'], MESSAGES, 'message');
    if (m !== null) where.message = m;
  }
  const field = r.optString(o, [...p, 'field']);
  if (field !== undefined) where.field = field;
  return where;
}

function readLook(r: Reader, v: unknown, p: YamlPath): LookAt | null {
  const o = r.obj(v, p);
  if (o === null) return null;
  r.keys(o, p, ['text', 'at', 'task']);
  const text = r.string(o, [...p, 'text']);
  const at = readWhere(r, o.at, [...p, 'at']);
  const task = r.optString(o, [...p, 'task']);
  if (text === null || at === null) return null;
  return task === undefined ? { text, at } : { text, at, task };
}

function readTask(r: Reader, v: unknown, p: YamlPath): Task | null {
  const o = r.obj(v, p);
  if (o === null) return null;
  r.keys(o, p, ['id', 'do', 'try', 'when', 'questions']);
  const index = p[p.length - 1] as number;
  const id = r.optString(o, [...p, 'id']) ?? `task-${index + 1}`;
  if (!ID.test(id)) r.fail([...p, 'id'], `the task id "${id.slice(0, 80)}" must be lowercase letters, digits and dashes`);
  const tryLines = r.list(o, [...p, 'try'], (t, tp) => {
    const line = r.str(t, tp);
    if (line !== null) for (const problem of checkTryLine(line)) r.fail(tp, `try: ${problem}`);
    return line;
  }, false);
  const when = readCondition(r, o.when, [...p, 'when']);
  const questions = r.list(o, [...p, 'questions'], (q, qp) => readQuestion(r, q, qp, id));
  const does = r.string(o, [...p, 'do']);
  if (does === null || when === null) return null;
  return { id, do: does, try: tryLines, when, questions };
}

function readCondition(r: Reader, v: unknown, p: YamlPath): ConnectionCondition | null {
  const o = r.obj(v, p);
  if (o === null) return null;
  r.keys(o, p, CONNECTION_CONDITION_KEYS);
  if (Object.keys(o).length === 0) r.fail(p, '"when" needs at least one condition (e.g. "lab: valid")');
  const c: ConnectionCondition = {};
  const at = (k: string): YamlPath => [...p, k];
  if (o.lab !== undefined) c.lab = r.oneOf(o.lab, at('lab'), LAB_NAMES, 'lab case') ?? undefined;
  if (o.status !== undefined) c.status = r.oneOf(o.status, at('status'), STATUSES, 'status') ?? undefined;
  if (o.failedLeg !== undefined) c.failedLeg = r.oneOf(o.failedLeg, at('failedLeg'), [...LEGS, 'none'] as const, 'leg') ?? undefined;
  if (o.policy !== undefined) c.policy = r.oneOf(o.policy, at('policy'), POLICIES, 'policy') ?? undefined;
  if (o.clientOutcome !== undefined) c.clientOutcome = r.oneOf(o.clientOutcome, at('clientOutcome'), OUTCOMES, 'client outcome') ?? undefined;
  if (o.finding !== undefined) c.finding = r.oneOf(o.finding, at('finding'), Object.keys(FINDING_CODES), 'finding code') ?? undefined;
  if (o.closed !== undefined) c.closed = r.bool(o.closed, at('closed')) ?? undefined;
  for (const leg of LEGS) if (o[leg] !== undefined) c[leg] = readLegCondition(r, o[leg], at(leg)) ?? undefined;
  return c;
}

function readLegCondition(r: Reader, v: unknown, p: YamlPath): LegCondition | null {
  const o = r.obj(v, p);
  if (o === null) return null;
  r.keys(o, p, LEG_CONDITION_KEYS);
  const c: LegCondition = {};
  const at = (k: string): YamlPath => [...p, k];
  if (o.version !== undefined) c.version = r.oneOf(o.version, at('version'), TLS_VERSIONS, 'version') ?? undefined;
  if (o.keyExchange !== undefined) c.keyExchange = r.oneOf(o.keyExchange, at('keyExchange'), KEY_EXCHANGES, 'key exchange') ?? undefined;
  if (o.group !== undefined) c.group = r.str(o.group, at('group')) ?? undefined;
  if (o.alpn !== undefined) c.alpn = r.str(o.alpn, at('alpn')) ?? undefined;
  if (o.has !== undefined) c.has = r.list(o, at('has'), (m, mp) => r.oneOf(m, mp, MESSAGES, 'message'));
  if (o.lacks !== undefined) c.lacks = r.list(o, at('lacks'), (m, mp) => r.oneOf(m, mp, MESSAGES, 'message'));
  for (const k of ['helloRetryRequest', 'resumed', 'established'] as const) if (o[k] !== undefined) c[k] = r.bool(o[k], at(k)) ?? undefined;
  if (o.clientAlert !== undefined) c.clientAlert = r.str(o.clientAlert, at('clientAlert')) ?? undefined;
  if (o.closeNotify !== undefined) {
    const cn = r.obj(o.closeNotify, at('closeNotify'));
    if (cn !== null) {
      r.keys(cn, at('closeNotify'), ['client', 'server']);
      c.closeNotify = {};
      for (const side of ['client', 'server'] as const) {
        if (cn[side] !== undefined) c.closeNotify[side] = r.bool(cn[side], [...at('closeNotify'), side]) ?? undefined;
      }
    }
  }
  return c;
}

function readQuestion(r: Reader, v: unknown, p: YamlPath, taskId: string): Question | null {
  const o = r.obj(v, p);
  if (o === null) return null;
  r.keys(o, p, ['id', 'ask', 'fact', 'leg', 'message', 'typical', 'choices', 'explain']);
  const index = p[p.length - 1] as number;
  const id = r.optString(o, [...p, 'id']) ?? `${taskId}-q${index + 1}`;
  if (!ID.test(id)) r.fail([...p, 'id'], `the question id "${id.slice(0, 80)}" must be lowercase letters, digits and dashes`);
  const ask = r.string(o, [...p, 'ask']);
  const explain = r.optString(o, [...p, 'explain']);
  const base = { id, ask: ask ?? '', ...(explain !== undefined ? { explain } : {}) };
  if ((o.fact === undefined) === (o.choices === undefined)) {
    r.fail(p, 'a question has either "fact:" (checked against your connection) or "choices:" (one marked correct: true)');
    return null;
  }
  if (o.choices !== undefined) {
    for (const k of ['leg', 'message', 'typical'] as const) if (o[k] !== undefined) r.fail([...p, k], `"${k}" belongs to fact questions`);
    const marked: number[] = [];
    const choices = r.list(o, [...p, 'choices'], (c, cp) => {
      const co = r.obj(c, cp);
      if (co === null) return null;
      r.keys(co, cp, ['text', 'correct']);
      if (co.correct !== undefined && r.bool(co.correct, [...cp, 'correct']) === true) marked.push(cp[cp.length - 1] as number);
      return r.string(co, [...cp, 'text']);
    });
    if (choices.length < 2) r.fail([...p, 'choices'], 'a choice question needs at least two choices');
    if (marked.length !== 1) r.fail([...p, 'choices'], `exactly one choice must say "correct: true" (found ${marked.length})`);
    return ask === null || marked.length !== 1 ? null : { kind: 'choice', ...base, choices, answer: marked[0] };
  }
  const fact = r.oneOf(o.fact, [...p, 'fact'], FACT_NAMES, 'fact');
  if (fact === null || ask === null) return null;
  const q: Question = { kind: 'fact', ...base, fact };
  const typical = r.optString(o, [...p, 'typical']);
  if (typical !== undefined) q.typical = typical;
  if (FACTS[fact].leg) {
    const leg = o.leg === undefined ? null : r.oneOf(o.leg, [...p, 'leg'], LEGS, 'leg');
    if (o.leg === undefined) r.fail(p, `the fact "${fact}" is about one leg: add "leg: client" or "leg: upstream"`);
    if (leg !== null) q.leg = leg;
  } else if (o.leg !== undefined) {
    r.fail([...p, 'leg'], `the fact "${fact}" is about the whole connection: remove "leg"`);
  }
  if (fact === 'has-message') {
    const m = o.message === undefined ? null : r.oneOf(o.message, [...p, 'message'], MESSAGES, 'message');
    if (o.message === undefined) r.fail(p, 'the fact "has-message" needs "message:" (e.g. server_key_exchange)');
    if (m !== null) q.message = m;
  } else if (o.message !== undefined) {
    r.fail([...p, 'message'], '"message" belongs to the fact "has-message"');
  }
  return q;
}

/** Every lab case opened or required must be listed in `lab`, and every listed one used. */
function checkLabNamed(r: Reader, lesson: Lesson): void {
  const used = new Set<string>();
  for (const o of lesson.open) if ('lab' in o) used.add(o.lab);
  for (const t of lesson.tasks) if (t.when.lab !== undefined) used.add(t.when.lab);
  for (const name of used) if (!lesson.lab.includes(name)) r.fail(['lab'], `the lab case "${name}" is used but not listed in "lab"`);
  lesson.lab.forEach((name, i) => {
    if (!used.has(name)) r.fail(['lab', i], `the lab case "${name}" is listed but no "open" or "when" uses it`);
  });
}

function checkUnique(r: Reader, lesson: Lesson): void {
  const ids = lesson.tasks.map((t) => t.id);
  lesson.look.forEach((l, i) => {
    if (l.task !== undefined && !ids.includes(l.task)) r.fail(['look', i, 'task'], `"${l.task.slice(0, 80)}" is not a task of this lesson (its tasks: ${ids.join(', ')})`);
  });
  const tasks = new Set<string>();
  const questions = new Set<string>();
  lesson.tasks.forEach((t, i) => {
    if (tasks.has(t.id)) r.fail(['tasks', i, 'id'], `two tasks have the id "${t.id}"`);
    tasks.add(t.id);
    t.questions.forEach((q, j) => {
      if (questions.has(q.id)) r.fail(['tasks', i, 'questions', j, 'id'], `two questions have the id "${q.id}"`);
      questions.add(q.id);
    });
  });
}
