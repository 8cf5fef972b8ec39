// The lesson panel: pick a lesson, follow its tasks on your own live connections (the server says which connection
// meets each task), answer its questions and see them checked, and open each "where to look" place in the connection
// view. Network: GET /api/lessons, …/status, …/check. Progress stays in this browser (localStorage), except in a
// student's own view (classroom mode), where the server keeps it: GET/PUT /api/lessons/progress, POST …/answer.
import type { LookTarget } from './conn-view.js';
import { h, replace } from './dom.js';
import { KeyScheduleView } from './key-schedule-view.js';
import { ReplayView } from './replay-view.js';

type Leg = 'client' | 'upstream';

/** The lesson as `GET /api/lessons` serves it (answers left out): the fields the panel shows. */
interface Where {
  leg: Leg;
  view: string;
  step?: number;
  message?: string;
  field?: string;
}
interface PanelQuestion {
  kind: 'fact' | 'choice';
  id: string;
  ask: string;
  choices?: string[];
}
interface PanelTask {
  id: string;
  do: string;
  try: string[];
  questions: PanelQuestion[];
}
interface PanelLesson {
  id: string;
  title: string;
  goal: string;
  steps: number[];
  tlslab: { upstreamFailure: string[] };
  open: ({ lab: string } | { url: string })[];
  predict: string[];
  look: { text: string; at: Where; task?: string }[];
  tasks: PanelTask[];
  explanation: string;
}
interface TaskStatus {
  task: string;
  conn: string | null;
  unmet?: string[];
  questions: { id: string; input: 'step' | 'choice' | 'yes-no'; options: string[] }[];
}
type Grade =
  | { status: 'correct' | 'wrong'; answer: string; expected: string; explain?: string }
  | { status: 'unavailable'; reason: string };

const STORE = 'tlslab-lessons';
const POLL_MS = 2000;

interface Saved {
  lesson: string | null;
  /** lesson id → question id → its last grade. */
  grades: Record<string, Record<string, Grade>>;
}

function load(): Saved {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) ?? '') as Saved;
    if (v && typeof v === 'object' && typeof v.grades === 'object') return v;
  } catch {
    // nothing saved yet
  }
  return { lesson: null, grades: {} };
}

async function getJson<T>(url: string, init: { method: 'PUT' | 'POST'; body: unknown } | null = null): Promise<T> {
  const r = await fetch(url, init === null
    ? { headers: { Accept: 'application/json' } }
    : { method: init.method, headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(init.body) });
  const body = (await r.json()) as T & { message?: string };
  if (!r.ok) throw new Error(body.message ?? `${r.status}`);
  return body;
}

/** The explanation's Markdown as plain elements: headings, paragraphs, lists, code blocks (no HTML is interpreted). */
function markdown(text: string): HTMLElement {
  const out = h('div', { class: 'lesson-md' });
  const plain = (t: string): string => t.replace(/\*\*|`/g, '');
  let para: string[] = [];
  let list: HTMLElement | null = null;
  let code: string[] | null = null;
  const flush = (): void => {
    if (para.length) out.append(h('p', { text: plain(para.join(' ')) }));
    para = [];
    list = null;
  };
  for (const line of text.split('\n')) {
    if (code !== null) {
      if (line.startsWith('```')) {
        out.append(h('pre', { text: code.join('\n') }));
        code = null;
      } else code.push(line);
    } else if (line.startsWith('```')) {
      flush();
      code = [];
    } else if (/^#+ /.test(line)) {
      flush();
      out.append(h('h4', { text: plain(line.replace(/^#+ /, '')) }));
    } else if (/^\s*[-*] /.test(line)) {
      if (para.length) flush();
      list ??= out.appendChild(h('ul'));
      list.append(h('li', { text: plain(line.replace(/^\s*[-*] /, '')) }));
    } else if (line.trim() === '') {
      flush();
    } else if (list !== null && /^\s+/.test(line)) {
      list.lastElementChild?.append(` ${plain(line.trim())}`);
    } else {
      para.push(line.trim());
    }
  }
  flush();
  return out;
}

export class LessonPanel {
  readonly el = h('aside', { class: 'lesson-panel', id: 'lessons', 'aria-label': 'Lessons', hidden: true });
  readonly button = h('button', { type: 'button', class: 'toggle lessons-btn', 'aria-pressed': 'false', 'aria-controls': 'lessons', title: 'Guided lessons on your own connections', text: '✎ Lessons' });
  private lessons: PanelLesson[] = [];
  private saved = load();
  /** A student's own view: progress is the server's (never this browser's storage, which classmates may share). */
  private server = false;
  private status: TaskStatus[] = [];
  private timer: number | null = null;
  private readonly replay: ReplayView;
  private readonly keys: KeyScheduleView;

  /**
   * `openConnection`: show a connection in the connection view, at a "where to look" place when one is given; it
   * answers what of that place the connection lacks (null: all of it is there).
   * `dialogs`: the replay and key-schedule dialogs (shared with the connection view's header).
   */
  constructor(private readonly openConnection: (id: string, at?: LookTarget) => string | null, dialogs = { replay: new ReplayView(), keys: new KeyScheduleView() }) {
    this.replay = dialogs.replay;
    this.keys = dialogs.keys;
    this.button.addEventListener('click', () => this.toggle(this.el.hidden));
  }

  /** Keeps progress on the server from now on (a student's own view, classroom mode), starting from what it holds. */
  useServerProgress(): void {
    this.server = true;
    this.saved = { lesson: null, grades: {} };
    getJson<{ current: string | null; grades: Saved['grades'] }>('/api/lessons/progress').then((p) => {
      this.saved = { lesson: p.current, grades: p.grades };
      this.status = [];
      if (!this.el.hidden && this.lessons.length > 0) {
        this.render();
        void this.poll();
      }
    }, () => undefined);
  }

  toggle(on: boolean): void {
    this.el.hidden = !on;
    this.button.setAttribute('aria-pressed', String(on));
    document.body.classList.toggle('with-lessons', on);
    if (!on) {
      if (this.timer !== null) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    void this.start();
  }

  private async start(): Promise<void> {
    if (this.lessons.length === 0) {
      try {
        this.lessons = (await getJson<{ lessons: PanelLesson[] }>('/api/lessons')).lessons;
      } catch (e) {
        replace(this.el, h('p', { class: 'lesson-error', text: `No lessons: ${(e as Error).message}` }));
        return;
      }
    }
    this.render();
    this.timer ??= window.setInterval(() => void this.poll(), POLL_MS);
    void this.poll();
  }

  private get lesson(): PanelLesson | undefined {
    return this.lessons.find((l) => l.id === this.saved.lesson);
  }

  private save(): void {
    if (!this.server) localStorage.setItem(STORE, JSON.stringify(this.saved));
  }

  private async poll(): Promise<void> {
    const l = this.lesson;
    if (l === undefined || this.el.hidden) return;
    try {
      const r = await getJson<{ tasks: TaskStatus[] }>(`/api/lessons/${encodeURIComponent(l.id)}/status`);
      const changed = JSON.stringify(r.tasks) !== JSON.stringify(this.status);
      this.status = r.tasks;
      if (changed) this.render();
    } catch {
      // the next poll tries again
    }
  }

  private render(): void {
    const picker = h('select', { class: 'lesson-pick', 'aria-label': 'Lesson' }, h('option', { value: '', text: 'Pick a lesson…' }),
      ...this.lessons.map((l, i) => h('option', { value: l.id, text: `${i + 1}. ${l.title}`, selected: l.id === this.saved.lesson })));
    picker.addEventListener('change', () => {
      this.saved.lesson = picker.value || null;
      this.status = [];
      this.save();
      if (this.server) void getJson('/api/lessons/progress', { method: 'PUT', body: { current: this.saved.lesson } }).catch(() => undefined);
      this.render();
      void this.poll();
    });
    const l = this.lesson;
    replace(this.el, h('div', { class: 'lesson-head' }, h('strong', { text: 'Lessons' }), picker), l ? this.lessonView(l) : null);
  }

  private lessonView(l: PanelLesson): HTMLElement {
    const grades = (this.saved.grades[l.id] ??= {});
    const total = l.tasks.reduce((n, t) => n + t.questions.length, 0);
    const done = Object.values(grades).filter((g) => g.status !== 'unavailable').length;
    const box = h('div', { class: 'lesson' },
      h('h2', { text: l.title }), h('p', { class: 'lesson-goal', text: l.goal }),
      l.tlslab.upstreamFailure.length > 0 ? h('p', { class: 'lesson-setup', text: `Needs: tlslab start ${l.tlslab.upstreamFailure.map((v) => `--upstream-failure ${v}`).join(' ')}` }) : null,
      h('p', { class: 'lesson-open' }, 'Open: ', ...l.open.flatMap((o) => {
        const url = 'lab' in o ? `https://${o.lab}.lab.tlslab/` : o.url;
        return [h('a', { href: url, target: '_blank', rel: 'noopener', text: url }), ' '];
      })),
      l.predict.length ? h('details', { class: 'lesson-predict', open: done === 0 }, h('summary', { text: 'Predict before you look' }), h('ol', null, ...l.predict.map((p) => h('li', { text: p })))) : null,
      l.look.length ? h('details', { class: 'lesson-look', open: true }, h('summary', { text: 'Where to look' }), h('ul', null, ...l.look.map((x) => this.lookView(l, x)))) : null,
      ...l.tasks.map((t, i) => this.taskView(l, t, i, grades)),
      h('p', { class: 'lesson-progress', text: `${done} of ${total} answered` }),
      done === total ? h('section', { class: 'lesson-explanation' }, h('h3', { text: 'Why' }), markdown(l.explanation)) : null,
    );
    return box;
  }

  /**
   * One "where to look" place: a link that opens it in the connection view on the student's connection (the named
   * task's, else the first task's that has one), or its words until there is one.
   */
  private lookView(l: PanelLesson, x: { text: string; at: Where; task?: string }): HTMLElement {
    const where = `${x.at.leg} leg${x.at.step ? `, step ${x.at.step}` : ''}${x.at.message ? `, ${x.at.message}` : ''}${x.at.field ? `, ${x.at.field}` : ''}${x.at.view !== 'ladder' ? `, ${x.at.view}` : ''}`;
    const n = x.task === undefined ? -1 : l.tasks.findIndex((t) => t.id === x.task);
    const conn = (n === -1 ? this.status.find((t) => t.conn !== null)?.conn : this.status.find((t) => t.task === x.task)?.conn) ?? null;
    const wait = n === -1 ? '(a link once your connection is here)' : `(a link once your connection for task ${n + 1} is here)`;
    if (conn === null) return h('li', null, `${x.text} — ${where} `, h('span', { class: 'look-wait', text: wait }));
    const at: LookTarget = { leg: x.at.leg, view: x.at.view, ...(x.at.step ? { step: x.at.step } : {}), ...(x.at.message ? { message: x.at.message } : {}), ...(x.at.field ? { field: x.at.field } : {}) };
    const link = h('a', { class: 'look-link', href: lookHref(conn, at), title: `Open ${where} of your connection ${conn}`, text: x.text });
    const missing = h('span', { class: 'look-missing', role: 'status' });
    link.addEventListener('click', (ev) => {
      ev.preventDefault();
      const lacks = this.openConnection(conn, at);
      missing.textContent = lacks === null ? '' : ` Not on ${conn} (yet): ${lacks}.`;
    });
    return h('li', null, link, ` — ${where}`, missing);
  }

  private taskView(l: PanelLesson, t: PanelTask, i: number, grades: Record<string, Grade>): HTMLElement {
    const st = this.status.find((s) => s.task === t.id);
    const conn = st?.conn ?? null;
    const found = conn === null
      ? h('p', { class: 'task-wait', text: `Waiting for your connection…${st?.unmet?.length ? ` (the newest one still lacks: ${st.unmet.join('; ')})` : ''}` })
      : h('p', { class: 'task-found' }, 'Your connection: ', h('button', { type: 'button', class: 'linkish task-conn', 'data-conn': conn, text: conn }), ' ',
        h('button', { type: 'button', class: 'task-replay', text: '▶ Replay' }), ' ', h('button', { type: 'button', class: 'task-keys', text: '⚷ Key schedule' }));
    if (conn !== null) {
      found.querySelector('.task-conn')?.addEventListener('click', () => this.openConnection(conn));
      found.querySelector('.task-replay')?.addEventListener('click', () => void this.replay.open(conn));
      found.querySelector('.task-keys')?.addEventListener('click', () => void this.keys.open(conn));
    }
    return h('section', { class: 'lesson-task', 'data-task': t.id },
      h('h3', { text: `Task ${i + 1}` }), h('p', { text: t.do }),
      t.try.length ? h('details', null, h('summary', { text: 'Without a browser' }), h('pre', { text: t.try.join('\n') })) : null,
      found,
      h('ol', { class: 'questions' }, ...t.questions.map((q) => this.questionView(l, q, st, conn, grades))),
    );
  }

  private questionView(l: PanelLesson, q: PanelQuestion, st: TaskStatus | undefined, conn: string | null, grades: Record<string, Grade>): HTMLElement {
    const form = st?.questions.find((x) => x.id === q.id);
    const input = q.kind === 'choice' ? 'choice' : (form?.input ?? 'choice');
    const options = q.kind === 'choice' ? (q.choices ?? []) : (form?.options ?? []);
    let answer: () => string;
    let field: HTMLElement;
    if (input === 'step') {
      const leg = h('select', { 'aria-label': 'Leg' }, h('option', { value: 'client', text: 'client leg' }), h('option', { value: 'upstream', text: 'upstream leg' }));
      const step = h('select', { 'aria-label': 'Step' }, ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => h('option', { value: String(n), text: `step ${n}` })));
      field = h('span', null, leg, ' ', step);
      answer = () => `${leg.value}:${step.value}`;
    } else {
      const sel = h('select', { 'aria-label': 'Answer' }, ...(input === 'yes-no' ? ['yes', 'no'] : options).map((o, i) => h('option', { value: q.kind === 'choice' ? String(i) : o, text: o })));
      field = sel;
      answer = () => sel.value;
    }
    const g = grades[q.id];
    const result = h('span', { class: `grade ${g ? `grade-${g.status}` : ''}`, role: 'status' }, g ? gradeText(g, q.kind) : '');
    const check = h('button', { type: 'button', class: 'check', text: 'Check', disabled: q.kind === 'fact' && conn === null });
    check.addEventListener('click', () => {
      const asked = { question: q.id, answer: answer(), ...(q.kind === 'fact' && conn !== null ? { conn } : {}) };
      const base = `/api/lessons/${encodeURIComponent(l.id)}`;
      const graded = this.server
        ? getJson<Grade>(`${base}/answer`, { method: 'POST', body: asked })
        : getJson<Grade>(`${base}/check?${new URLSearchParams(asked).toString()}`);
      graded.then((grade) => {
        (this.saved.grades[l.id] ??= {})[q.id] = grade;
        this.save();
        this.render();
      }, (e: unknown) => replace(result, `Not checked: ${(e as Error).message}`));
    });
    return h('li', { class: 'question', 'data-question': q.id }, h('p', { text: q.ask }), h('div', { class: 'answer' }, field, ' ', check, ' ', result));
  }
}

/** The dashboard's own address of a place in a connection: `?conn=c12&leg=client&step=1&message=client_hello&field=key_share`. */
export function lookHref(conn: string, at: LookTarget): string {
  const q = new URLSearchParams({ conn, leg: at.leg });
  for (const k of ['step', 'message', 'field', 'view'] as const) {
    const v = at[k];
    if (v !== undefined && !(k === 'view' && v === 'ladder')) q.set(k, String(v));
  }
  return `?${q.toString()}`;
}

function gradeText(g: Grade, kind: PanelQuestion['kind']): string {
  if (g.status === 'unavailable') return `Not yet: ${g.reason}`;
  const truth = kind === 'fact' ? 'your connection says' : 'the answer is';
  const head = g.status === 'correct' ? `✓ Correct: ${g.expected}.` : `✗ Not quite: you said ${g.answer}; ${truth} ${g.expected}.`;
  return g.explain ? `${head} ${g.explain}` : head;
}
