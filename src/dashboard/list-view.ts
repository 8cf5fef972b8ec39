// The connection list: searchable, filterable and virtualised (only the rows in view exist), so it stays smooth
// with thousands of connections; under it, "show older connections" for those the snapshot's window left on the
// server. DOM only; reads the Store, tells main.ts which connection to open and when to load older ones.
import type { ConnectionSummary } from '../events/stream.js';
import { matchesSearch, parseSearch, searchKey, studentMatches } from '../events/filter.js';
import { h } from './dom.js';
import { ListMenus } from './list-menus.js';
import { ROW_H, evicted, fillRow } from './list-row.js';
import { OlderBar } from './older-bar.js';
import type { Change, Store } from './store.js';
import { BackgroundHosts } from '../events/background-hosts.js';

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
  /** "Show older connections" under the list. */
  private readonly older: OlderBar;
  private readonly search: HTMLInputElement;
  private readonly failures: HTMLInputElement;
  /** The student and client menus. */
  private readonly menus: ListMenus;
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
  /**
   * The filter changed (list-server.ts asks the server for matches among the connections this page does not hold: the
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
    this.menus = new ListMenus(store);
    this.count = h('span', { class: 'list-count', 'aria-live': 'polite' });
    this.spacer = h('div', { class: 'list-spacer' });
    this.scroller = h('div', { class: 'list-scroll', tabindex: 0, role: 'listbox', 'aria-label': 'Connections (arrow keys to move, Enter to open)' }, this.spacer);
    this.older = new OlderBar(store);
    this.el = h(
      'aside',
      { class: 'list-pane', 'aria-label': 'Connections' },
      h('div', { class: 'filters' }, this.search, h('div', { class: 'filter-row' }, h('label', { class: 'check' }, this.failures, ' Failures only'), this.menus.studentSel, this.menus.clientSel, this.count)),
      this.scroller,
      this.older.el,
    );
    this.search.addEventListener('input', () => this.setFilter({ text: this.search.value }));
    const studentSel = this.menus.studentSel;
    studentSel.addEventListener('change', () => {
      this.setFilter({ student: studentSel.value });
      this.onStudentFilter?.(studentSel.value);
    });
    this.failures.addEventListener('change', () => this.setFilter({ failuresOnly: this.failures.checked }));
    const clientSel = this.menus.clientSel;
    clientSel.addEventListener('change', () => this.setFilter({ client: clientSel.value }));
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
    if (f.student !== undefined) this.menus.showStudent(f.student);
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

  /** Called once per animation frame with what changed. */
  update(c: Change): void {
    for (const id of c.ids) {
      const rec = this.store.conns.get(id);
      if (rec) this.menus.note(rec.summary);
    }
    if (c.structural) for (const rec of this.store.conns.values()) this.menus.note(rec.summary);
    if (c.structural) this.older.showOlder();
    this.refilter();
    this.paint(c.ids);
  }

  /** Called by "show older connections": list-server.ts loads the next page from the server and calls `olderLoaded`. */
  get onOlder(): (() => void) | null {
    return this.older.onOlder;
  }

  set onOlder(f: (() => void) | null) {
    this.older.onOlder = f;
  }

  /** The page of older connections asked for has been added to the store (`error`: why it could not be loaded). */
  olderLoaded(error: string | null = null): void {
    this.older.olderLoaded(error);
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
