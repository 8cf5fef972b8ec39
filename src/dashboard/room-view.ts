// The room overview panel of the instructor's dashboard (classroom mode): one line per student — connections,
// failures, lab cases reached, the lessons they finished and the one they are on, last seen — with "Show" (filter the
// list) and "Spotlight". DOM only; reads the Store.
import type { Student } from '../events/schema.js';
import { roomRows, type Room, type RoomLessons, type RoomStudent } from '../events/room.js';
import { fmtClock, h, replace } from './dom.js';

/** `just now`, `42 s ago`, `7 min ago`, `2 h ago`. */
export function ago(t: number, now: number): string {
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export class RoomView {
  readonly el: HTMLElement;
  private readonly body = h('tbody');
  private readonly caption = h('p', { class: 'room-caption' });
  private rows: RoomStudent[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Filter the list to this student (their id). */
  onShow: ((id: string) => void) | null = null;
  /** Spotlight this student from `conn` (their newest connection). */
  onSpotlight: ((student: Student, conn: string) => void) | null = null;

  constructor() {
    const table = h(
      'table',
      { class: 'room-table' },
      h('thead', null, h('tr', null, ...['Student', 'Connections', 'Failures', 'Lab cases reached', 'Lessons', 'Last seen', ''].map((t) => h('th', { scope: 'col', text: t })))),
      this.body,
    );
    this.el = h('section', { class: 'room-pane', id: 'room', 'aria-label': 'Room overview', hidden: true }, h('h2', { class: 'room-title', text: 'Room overview' }), this.caption, h('div', { class: 'room-scroll' }, table));
    this.body.addEventListener('click', (ev) => {
      const b = ev.target instanceof Element ? ev.target.closest<HTMLButtonElement>('button[data-act]') : null;
      const r = this.rows.find((x) => x.id === b?.dataset['id']);
      if (!b || !r) return;
      if (b.dataset['act'] === 'show') this.onShow?.(r.id);
      else this.onSpotlight?.({ id: r.id, name: r.name }, r.lastConn);
    });
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  /** Shows or hides the panel; while shown, "last seen" is kept current. */
  setOpen(on: boolean): void {
    this.el.hidden = !on;
    if (on && this.timer === null) this.timer = setInterval(() => this.render(), 5000);
    if (!on && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if (on) this.render();
  }

  /** New room lines (called when the store says the room changed). */
  update(room: Room | null): void {
    this.rows = room === null ? [] : roomRows(room.values());
    if (this.open) this.render();
  }

  get size(): number {
    return this.rows.length;
  }

  private render(): void {
    const now = Date.now();
    const failing = this.rows.filter((r) => r.failures > 0).length;
    const finished = this.rows.reduce((n, r) => n + (r.lessons?.finished.length ?? 0), 0);
    this.caption.textContent = this.rows.length === 0
      ? 'No student has signed in to the proxy yet.'
      : `${this.rows.length} student${this.rows.length === 1 ? '' : 's'} · ${this.rows.reduce((n, r) => n + r.connections, 0)} connections · ${failing} with a failure · ${finished} lesson${finished === 1 ? '' : 's'} finished`;
    replace(
      this.body,
      ...this.rows.map((r) =>
        h(
          'tr',
          { class: 'room-row', 'data-id': r.id },
          h('th', { scope: 'row', class: 'room-name', text: r.name }),
          h('td', { class: 'num', text: r.connections }),
          h('td', { class: `num${r.failures > 0 ? ' room-fail' : ''}`, text: r.failures > 0 ? `✗ ${r.failures}` : '0' }),
          h('td', { class: 'room-labs' }, ...(r.labs.length ? r.labs.map((l) => h('span', { class: 'tag', text: l })) : [h('span', { class: 'muted', text: '—' })])),
          lessonsCell(r.lessons),
          h('td', { class: 'room-seen', title: fmtClock(r.lastSeen), text: ago(r.lastSeen, now) }),
          h(
            'td',
            { class: 'room-acts' },
            h('button', { type: 'button', class: 'toggle', 'data-act': 'show', 'data-id': r.id, title: `List ${r.name}'s connections only`, text: 'Show' }),
            h('button', { type: 'button', class: 'toggle', 'data-act': 'spotlight', 'data-id': r.id, title: `Follow ${r.name}'s newest connection, large`, text: '◎ Spotlight' }),
          ),
        ),
      ),
    );
  }
}

/** The lessons a student finished (✓ id, right answers of all) and the one open in their panel (→ id, answered of all). */
function lessonsCell(l: RoomLessons | undefined): HTMLElement {
  const done = l?.finished ?? [];
  const cur = l?.current && !done.some((f) => f.id === l.current?.id) ? l.current : null;
  if (done.length === 0 && cur === null) return h('td', { class: 'room-lessons' }, h('span', { class: 'muted', text: '—' }));
  return h(
    'td',
    { class: 'room-lessons' },
    ...done.map((f) => h('span', { class: 'tag lesson-done', 'data-lesson': f.id, title: `Finished: ${f.correct} of ${f.total} answers right`, text: `✓ ${f.id} ${f.correct}/${f.total}` })),
    cur ? h('span', { class: 'tag lesson-on', 'data-lesson': cur.id, title: `On this lesson: ${cur.answered} of ${cur.total} questions answered`, text: `→ ${cur.id} ${cur.answered}/${cur.total}` }) : null,
  );
}
