// The connection list: searchable, filterable and virtualised (only the rows in view exist), so it stays smooth
// with thousands of connections; under it, "show older connections" for those the snapshot's window left on the
// server. DOM only; reads the Store, tells main.ts which connection to open and when to load older ones.
import type { ConnectionSummary } from '../events/stream.js';
import { foldName, matchesSearch, parseSearch, searchKey, studentMatches } from '../events/filter.js';
import { fmtClock, h, replace } from './dom.js';
import { LEG_TEXT, STATUS_TEXT, hostText, versionText } from './status.js';
import type { Change, ConnRecord, Store } from './store.js';
import { BackgroundHosts } from '../events/background-hosts.js';

/** Row height in px: keep `--row-h` in style.css the same. */
const ROW_H = 76;
const OVERSCAN = 6;

export interface ListFilter {
  /** The search box as typed: free text and an optional `student:NAME` term (src/events/filter.ts `parseSearch`). */
  text: string;
  failuresOnly: boolean;
  client: string;
  /** The student menu (an id or a name, as the `student` stream filter reads it); '' for everyone. */
  student: string;
  /** Leave out the connections browsers make on their own (`background`'s hosts). */
  hideBackground: boolean;
}

export class ListView {
  readonly el: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly count: HTMLElement;
  private readonly olderBtn: HTMLButtonElement;
  private readonly olderNote: HTMLElement;
  private loadingOlder = false;
  private readonly search: HTMLInputElement;
  private readonly failures: HTMLInputElement;
  private readonly clientSel: HTMLSelectElement;
  private readonly studentSel: HTMLSelectElement;
  private readonly clients = new Set<string>();
  /** Students seen, by id → the option that names them. */
  private readonly students = new Map<string, HTMLOptionElement>();
  private visible: string[] = [];
  private rows = new Map<string, HTMLElement>();
  private keys = new Map<string, { s: ConnectionSummary; key: string }>();
  private filter: ListFilter = { text: '', failuresOnly: false, client: '', student: '', hideBackground: false };
  /** Which hosts are a browser's own calls (main.ts sets the page's, with its `background=` additions). */
  background = new BackgroundHosts();
  /** Per connection: whether it is a background connection, for the host and SNI it was judged on. */
  private bg = new Map<string, { on: string; bg: boolean }>();
  private hiddenBackground = 0;
  /** Called when the student menu changes (main.ts keeps it in the URL). */
  onStudentFilter: ((student: string) => void) | null = null;
  selected: string | null = null;
  /** Called by "show older connections": main.ts loads the next page from the server and calls `olderLoaded`. */
  onOlder: (() => void) | null = null;
  /**
   * The filter changed (main.ts asks the server for matches among the connections this page does not hold: the
   * snapshot sent the newest only).
   */
  onFilter: ((f: ListFilter) => void) | null = null;
  /** What the last search of the server found, shown beside the count ('' for nothing). */
  private serverNote = '';

  constructor(
    private readonly store: Store,
    private readonly onOpen: (id: string) => void,
  ) {
    this.search = h('input', { type: 'search', class: 'search', placeholder: 'Search host, client, code…', 'aria-label': 'Search connections' });
    this.failures = h('input', { type: 'checkbox', id: 'only-failures' });
    this.clientSel = h('select', { 'aria-label': 'Filter by client' }, h('option', { value: '', text: 'All clients' }));
    this.studentSel = h('select', { class: 'student-sel', 'aria-label': 'Filter by student', hidden: true }, h('option', { value: '', text: 'All students' }));
    this.count = h('span', { class: 'list-count', 'aria-live': 'polite' });
    this.spacer = h('div', { class: 'list-spacer' });
    this.scroller = h('div', { class: 'list-scroll', tabindex: 0, role: 'listbox', 'aria-label': 'Connections (arrow keys to move, Enter to open)' }, this.spacer);
    this.olderBtn = h('button', { type: 'button', class: 'older-btn', title: 'Load the next older connections the server keeps (the page opened with the newest only)' });
    this.olderNote = h('span', { class: 'older-note', role: 'status' });
    this.el = h(
      'aside',
      { class: 'list-pane', 'aria-label': 'Connections' },
      h('div', { class: 'filters' }, this.search, h('div', { class: 'filter-row' }, h('label', { class: 'check' }, this.failures, ' Failures only'), this.studentSel, this.clientSel, this.count)),
      this.scroller,
      h('div', { class: 'older', hidden: true }, this.olderBtn, this.olderNote),
    );
    this.olderBtn.addEventListener('click', () => {
      if (this.loadingOlder || this.onOlder === null) return;
      this.loadingOlder = true;
      this.olderNote.textContent = '';
      this.showOlder();
      this.onOlder();
    });
    this.search.addEventListener('input', () => this.setFilter({ text: this.search.value }));
    this.studentSel.addEventListener('change', () => {
      this.setFilter({ student: this.studentSel.value });
      this.onStudentFilter?.(this.studentSel.value);
    });
    this.failures.addEventListener('change', () => this.setFilter({ failuresOnly: this.failures.checked }));
    this.clientSel.addEventListener('change', () => this.setFilter({ client: this.clientSel.value }));
    this.scroller.addEventListener('scroll', () => this.paint(), { passive: true });
    this.scroller.addEventListener('click', (ev) => {
      const row = ev.target instanceof Element ? ev.target.closest<HTMLElement>('.row') : null;
      if (row?.dataset['id']) this.choose(row.dataset['id']);
    });
    this.scroller.addEventListener('keydown', (ev) => this.key(ev));
    new ResizeObserver(() => this.paint()).observe(this.scroller);
  }

  setFilter(f: Partial<ListFilter>): void {
    this.filter = { ...this.filter, ...f };
    if (f.student !== undefined) this.showStudent(f.student);
    this.serverNote = '';
    this.refilter();
    this.paint();
    this.onFilter?.(this.filter);
  }

  /** Says what searching the server's older connections for the current filter found (null: nothing to say). */
  searchedServer(note: string | null): void {
    this.serverNote = note ?? '';
    this.refilter();
  }

  /** The student the menu selects ('' for everyone). */
  get studentFilter(): string {
    return this.filter.student;
  }

  /** Puts the menu on `want` (an id or a name), adding an option for a student not seen yet. */
  private showStudent(want: string): void {
    if (want === '') {
      this.studentSel.value = '';
      return;
    }
    let hit = this.students.get(want);
    if (hit === undefined) {
      for (const rec of this.store.conns.values()) {
        const who = rec.summary.student;
        if (who !== undefined && studentMatches(want, rec.summary)) {
          hit = this.noteStudent(who.id, who.name);
          break;
        }
      }
    }
    if (hit === undefined) {
      hit = h('option', { value: want, text: want });
      this.studentSel.append(hit);
      this.studentSel.hidden = false;
    }
    this.studentSel.value = hit.value;
  }

  /** Called once per animation frame with what changed. */
  update(c: Change): void {
    for (const id of c.ids) {
      const rec = this.store.conns.get(id);
      if (rec) this.note(rec.summary);
    }
    if (c.structural) for (const rec of this.store.conns.values()) this.note(rec.summary);
    if (c.structural) this.showOlder();
    this.refilter();
    this.paint(c.ids);
  }

  /** The page of older connections asked for has been added to the store (`error`: why it could not be loaded). */
  olderLoaded(error: string | null = null): void {
    this.loadingOlder = false;
    this.olderNote.textContent = error ?? '';
    this.showOlder();
  }

  /** The "show older connections" bar: shown while the server keeps connections this page has not loaded. */
  private showOlder(): void {
    const n = this.store.olderOnServer;
    const bar = this.olderBtn.parentElement;
    if (bar) bar.hidden = n === 0 && this.olderNote.textContent === '';
    this.olderBtn.hidden = n === 0;
    this.olderBtn.disabled = this.loadingOlder;
    this.olderBtn.textContent = this.loadingOlder ? 'Loading older connections…' : `Show older connections (${n.toLocaleString('en-US')} more)`;
  }

  /** Selects a connection (and scrolls to it) without opening it again. */
  select(id: string | null, scroll = true): void {
    this.selected = id;
    if (scroll && id) {
      const i = this.visible.indexOf(id);
      if (i >= 0) {
        const top = i * ROW_H;
        if (top < this.scroller.scrollTop || top + ROW_H > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = top - this.scroller.clientHeight / 3;
      }
    }
    this.paint();
  }

  /** Is this a connection a browser made on its own? Cached per connection (judged again only if its SNI changes). */
  isBackground(s: ConnectionSummary): boolean {
    const on = `${s.target.host}|${s.sni ?? ''}`;
    const hit = this.bg.get(s.id);
    if (hit && hit.on === on) return hit.bg;
    const bg = this.background.isBackground(s);
    this.bg.set(s.id, { on, bg });
    return bg;
  }

  /** Background connections the last filtering left out (0 when they are shown). */
  get backgroundCount(): number {
    return this.hiddenBackground;
  }

  /** Rows currently in the DOM (for tests and for the curious). */
  get renderedRows(): number {
    return this.rows.size;
  }

  private note(s: ConnectionSummary): void {
    const addr = s.client.address;
    if (!this.clients.has(addr)) {
      this.clients.add(addr);
      this.clientSel.append(h('option', { value: addr, text: addr }));
    }
    if (s.student !== undefined) this.noteStudent(s.student.id, s.student.name);
  }

  /** The menu's option for a student (added in name order the first time they are seen). */
  private noteStudent(id: string, name: string): HTMLOptionElement {
    const known = this.students.get(id);
    if (known !== undefined) return known;
    const opt = h('option', { value: id, text: name });
    this.students.set(id, opt);
    const after = [...this.students.values()].find((o) => o !== opt && o.text.localeCompare(name, undefined, { sensitivity: 'base' }) > 0);
    if (after) this.studentSel.insertBefore(opt, after);
    else this.studentSel.append(opt);
    this.studentSel.hidden = false;
    // A student asked for by name before they were seen (`?student=`): their own option takes over the placeholder.
    const placeholder = this.studentSel.selectedOptions[0];
    if (placeholder && placeholder.value !== '' && !this.students.has(placeholder.value) && (placeholder.value === id || foldName(placeholder.value) === foldName(name))) {
      placeholder.remove();
      this.studentSel.value = id;
    }
    return opt;
  }

  private choose(id: string): void {
    this.select(id);
    this.onOpen(id);
  }

  private refilter(): void {
    const { failuresOnly, client, student, hideBackground } = this.filter;
    let hidden = 0;
    const search = parseSearch(this.filter.text);
    const text = search.text;
    const out: string[] = [];
    const order = this.store.order;
    for (let i = order.length - 1; i >= 0; i--) {
      const id = order[i];
      const rec = this.store.conns.get(id);
      if (!rec) continue;
      const s = rec.summary;
      if (failuresOnly && s.status !== 'failed' && s.status !== 'insecure') continue;
      if (client && s.client.address !== client) continue;
      if (student && !studentMatches(student, s)) continue;
      if (!matchesSearch(search, s, text ? this.searchKey(s) : '')) continue;
      if (hideBackground && this.isBackground(s)) {
        hidden++;
        continue;
      }
      out.push(id);
    }
    this.visible = out;
    this.hiddenBackground = hidden;
    this.spacer.style.height = `${out.length * ROW_H}px`;
    this.count.textContent = `${out.length === order.length ? `${order.length} connection${order.length === 1 ? '' : 's'}` : `${out.length} of ${order.length}`}${hidden ? ` · ${hidden} background hidden` : ''}${this.serverNote ? ` · ${this.serverNote}` : ''}`;
    this.count.title = hidden ? `${hidden} connection${hidden === 1 ? '' : 's'} to hosts browsers call on their own are hidden (⊘ in the top bar shows them again)` : '';
  }

  private searchKey(s: ConnectionSummary): string {
    const cached = this.keys.get(s.id);
    if (cached && cached.s === s) return cached.key;
    const key = searchKey(s);
    this.keys.set(s.id, { s, key });
    return key;
  }

  /** Renders the rows in view (plus a few), reusing those already there. */
  private paint(changed?: Set<string>): void {
    const h0 = this.scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.min(this.visible.length, Math.ceil((this.scroller.scrollTop + h0) / ROW_H) + OVERSCAN);
    const want = new Set<string>();
    for (let i = first; i < last; i++) want.add(this.visible[i]);
    for (const [id, el] of this.rows) {
      if (!want.has(id)) {
        el.remove();
        this.rows.delete(id);
      }
    }
    let active: string | null = null;
    for (let i = first; i < last; i++) {
      const id = this.visible[i];
      const rec = this.store.conns.get(id);
      if (!rec) continue;
      let el = this.rows.get(id);
      const fresh = !el;
      if (!el) {
        el = h('div', { class: 'row', role: 'option', id: `row-${id}`, 'data-id': id });
        this.rows.set(id, el);
        this.spacer.append(el);
      }
      const key = `${rec.summary.lastSeq}${rec.summary.status}${evicted(rec) ? 'e' : ''}`;
      if (fresh || changed?.has(id) || el.dataset['sum'] !== key) {
        fillRow(el, rec.summary, evicted(rec));
        el.dataset['sum'] = key;
      }
      el.style.transform = `translateY(${i * ROW_H}px)`;
      el.setAttribute('aria-posinset', String(i + 1));
      el.setAttribute('aria-setsize', String(this.visible.length));
      const sel = id === this.selected;
      el.classList.toggle('selected', sel);
      el.setAttribute('aria-selected', String(sel));
      if (sel) active = el.id;
    }
    if (active) this.scroller.setAttribute('aria-activedescendant', active);
    else this.scroller.removeAttribute('aria-activedescendant');
  }

  private key(ev: KeyboardEvent): void {
    const n = this.visible.length;
    if (n === 0) return;
    const cur = this.selected ? this.visible.indexOf(this.selected) : -1;
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_H) - 1);
    const moves: Record<string, number> = { ArrowDown: cur + 1, ArrowUp: cur - 1, PageDown: cur + page, PageUp: cur - page, Home: 0, End: n - 1 };
    if (ev.key in moves) {
      ev.preventDefault();
      const i = Math.max(0, Math.min(n - 1, moves[ev.key]));
      this.choose(this.visible[i]);
    } else if ((ev.key === 'Enter' || ev.key === ' ') && this.selected) {
      ev.preventDefault();
      this.onOpen(this.selected);
    }
  }
}

/** The server was asked for this connection's events and had none left: its details were evicted. */
function evicted(rec: ConnRecord): boolean {
  return rec.fetched && rec.events.length === 0;
}

/** The time of day a connection opened, to the second: `14:03:07`. */
function clockText(t: number): string {
  return fmtClock(t).slice(0, 8);
}

function fillRow(el: HTMLElement, s: ConnectionSummary, gone: boolean): void {
  const st = STATUS_TEXT[s.status];
  el.className = `row s-${s.status}${el.classList.contains('selected') ? ' selected' : ''}`;
  const cv = versionText(s.legs.client.version);
  const uv = versionText(s.legs.upstream.version);
  const failed = s.failedLeg ? `✗ ${s.failedLeg} leg` : s.status === 'insecure' ? '⚠ insecure' : '';
  // What failed, in the failed leg's own terms: the verdict's codes, else the upstream cause (e.g. no DNS), else how
  // the browser reacted.
  const codes = s.legs.upstream.verdict && !s.legs.upstream.verdict.ok
    ? s.legs.upstream.verdict.codes.join(', ')
    : s.failedLeg === 'upstream' && s.cause
      ? s.cause
      : s.clientOutcome && s.clientOutcome !== 'accepted' ? s.clientOutcome : '';
  const req = s.firstRequest ? `${s.firstRequest.method} ${s.firstRequest.url}` : null;
  // The two connections a browser often opens per visit: a full handshake, then one that resumes it.
  const session = s.resumed === true ? 'resumed' : s.resumed === false ? 'new' : null;
  const alpn = s.legs.client.alpn;
  el.title = `${s.id} · opened ${fmtClock(s.openedAt)}${req ? ` · ${req}` : ''}${session ? ` · ${session === 'resumed' ? 'resumed an earlier TLS session' : 'full handshake'}` : ''}${gone ? ' · details no longer kept' : ''}`;
  const from = s.student ? `${s.student.name} (${s.client.address})` : s.client.address;
  el.setAttribute('aria-label', `${hostText(s)}, ${st.word}${s.failedLeg ? `, ${s.failedLeg} leg failed${codes ? ` (${codes})` : ''}` : ''}, opened ${clockText(s.openedAt)}${req ? `, ${req}` : ''}, from ${from}, ${cv}${session ? `, ${session}` : ''}`);
  replace(
    el,
    h(
      'span',
      { class: 'st', 'aria-hidden': 'true' },
      h('span', { class: 'st-icon', text: st.icon }),
      h('span', { class: 'st-word', text: st.word }),
      s.failedLeg ? h('span', { class: 'st-leg', title: `the ${s.failedLeg} leg (${LEG_TEXT[s.failedLeg]})`, text: s.failedLeg }) : null,
    ),
    h(
      'span',
      { class: 'row-main' },
      h(
        'span',
        { class: 'row-l1' },
        h('span', { class: 'host', title: hostText(s), text: hostText(s) }),
        h('span', { class: 'when', title: `opened ${fmtClock(s.openedAt)}`, text: clockText(s.openedAt) }),
      ),
      h(
        'span',
        { class: 'row-l2' },
        // The codes in full (what a class reads on the projector); the leg that failed is in the status column.
        failed ? h('span', { class: 'failed-leg', title: `${failed}${codes ? `: ${codes}` : ''}${s.failedLeg ? ` (${LEG_TEXT[s.failedLeg]})` : ''}`, text: codes || failed }) : null,
        req ? h('span', { class: 'req', title: req, text: req }) : failed ? null : h('span', { class: 'req none', text: s.closedAt === null ? 'no request yet' : 'no request' }),
        gone ? h('span', { class: 'tag evicted-tag', title: 'tlslab no longer keeps this connection\'s events (history is bounded): the summary is all that is left', text: 'details evicted' }) : null,
      ),
      h(
        'span',
        { class: 'row-l3' },
        s.student ? h('span', { class: 'student', title: `Student: ${s.student.name}`, text: s.student.name }) : null,
        h('span', { class: 'ver', title: `client leg ${cv}, upstream leg ${uv}`, text: cv === uv ? cv : `${cv} | ${uv}` }),
        alpn ? h('span', { class: 'alpn', title: 'the application protocol on the client leg (ALPN)', text: alpn }) : null,
        session ? h('span', { class: `session session-${session}`, title: session === 'resumed' ? 'The browser resumed an earlier TLS session: no certificate was sent on this connection' : 'A full handshake: tlslab presented its certificate', text: session }) : null,
        h('span', { class: 'client', title: `${s.client.address}:${s.client.port}`, text: s.client.address }),
      ),
    ),
  );
}
