// The hex view: a message's bytes as a hex dump beside its field tree; hovering a field lights its bytes,
// hovering a byte lights the innermost field that contains it (the Illustrated TLS idea, on live traffic). DOM only.
import type { Field } from '../events/schema.js';
import { asciiOf, h, hexToBytes, replace } from './dom.js';

export interface HexSource {
  title: string;
  hex: string;
  fields: Field[];
  /** One line under the title, e.g. "client leg · browser → tlslab · decrypted". */
  caption?: string;
  note?: string;
  /**
   * The bytes are not here (the live stream leaves them out): `loading` while they are asked for, `gone` when tlslab no
   * longer keeps them. `hex` and `fields` are then empty.
   */
  pending?: 'loading' | 'gone';
}

/** What the hex view says in place of bytes it does not have. */
const PENDING_TEXT: Record<NonNullable<HexSource['pending']>, string> = {
  loading: 'Loading this message\'s bytes and fields…',
  gone: 'Details no longer kept: tlslab builds a message\'s bytes and fields from the raw bytes of the connection, which it keeps only for its most recent connections (and the first 256 KiB of each leg). This connection\'s were dropped to make room; its ladder, verdicts and summary remain.',
};

interface FlatField {
  field: Field;
  depth: number;
  /** Index of the top-level field it belongs to (for the background tint). */
  top: number;
  li: HTMLLIElement;
}

const BYTES_PER_ROW = 16;
/** Larger messages are cut in the dump (the field tree stays whole). */
const MAX_BYTES = 16384;

export class HexView {
  readonly el: HTMLElement;
  private readonly dump: HTMLElement;
  private readonly tree: HTMLElement;
  private readonly status: HTMLElement;
  private readonly head: HTMLElement;
  private byteEls: HTMLElement[] = [];
  private asciiEls: HTMLElement[] = [];
  private flat: FlatField[] = [];
  /** For each byte, the index in `flat` of the innermost field containing it, or -1. */
  private inner = new Int32Array(0);
  private lit: { from: number; to: number; fid: number } | null = null;

  constructor() {
    this.head = h('div', { class: 'hex-head' });
    this.status = h('div', { class: 'hex-status', 'aria-live': 'polite', text: 'Hover a field or a byte.' });
    this.dump = h('div', { class: 'hex-dump', role: 'region', 'aria-label': 'Hex dump' });
    this.tree = h('ul', { class: 'field-tree', role: 'tree', 'aria-label': 'Fields' });
    this.el = h('section', { class: 'hex-view', 'aria-label': 'Message bytes' }, this.head, this.status, h('div', { class: 'hex-body' }, this.dump, h('div', { class: 'tree-wrap' }, this.tree)));

    this.dump.addEventListener('mouseover', (ev) => {
      const i = byteIndex(ev.target);
      if (i === null) return;
      const fid = this.inner[i] ?? -1;
      if (fid >= 0) this.light(fid, true);
      else this.showByte(i);
    });
    this.tree.addEventListener('mouseover', (ev) => this.fromTree(ev.target));
    this.tree.addEventListener('focusin', (ev) => this.fromTree(ev.target));
    this.tree.addEventListener('keydown', (ev) => this.treeKey(ev));
  }

  show(src: HexSource): void {
    const bytes = hexToBytes(src.hex);
    const shown = Math.min(bytes.length, MAX_BYTES);
    replace(
      this.head,
      h('h3', { text: src.title }),
      src.caption ? h('div', { class: 'hex-caption', text: src.caption }) : null,
      src.note ? h('p', { class: 'hex-note', text: src.note }) : null,
    );
    this.lit = null;
    this.status.textContent = src.pending
      ? PENDING_TEXT[src.pending]
      : src.fields.length ? 'Hover a field or a byte: its bytes light up and it is named here.' : `${bytes.length} bytes (no field tree for this one).`;
    this.status.classList.toggle('hex-pending', src.pending !== undefined);
    this.status.dataset['pending'] = src.pending ?? '';

    // Field tree, flattened in pre-order so that children come after their parent.
    this.flat = [];
    replace(this.tree);
    const addAll = (fields: Field[], depth: number, top: number | null, parent: HTMLElement): void => {
      fields.forEach((f, idx) => {
        const topIdx = top ?? idx;
        const fid = this.flat.length;
        const li = h(
          'li',
          { role: 'treeitem', tabindex: fid === 0 ? 0 : -1, 'data-fid': fid, 'data-name': f.name, class: `field t${topIdx % 6}` },
          h('div', { class: 'field-line' }, h('span', { class: 'fname', text: f.name }), f.value !== undefined ? h('span', { class: 'fval', text: f.value }) : null, h('span', { class: 'frange', text: rangeText(f) })),
          f.note ? h('div', { class: 'fnote', text: f.note }) : null,
        );
        this.flat.push({ field: f, depth, top: topIdx, li });
        parent.append(li);
        if (f.children?.length) {
          const ul = h('ul', { role: 'group' });
          li.append(ul);
          addAll(f.children, depth + 1, topIdx, ul);
        }
      });
    };
    addAll(src.fields, 0, null, this.tree);

    this.inner = new Int32Array(shown).fill(-1);
    const tint = new Int8Array(shown).fill(-1);
    this.flat.forEach((ff, fid) => {
      const [a, b] = ff.field.range;
      for (let i = Math.max(0, a); i < Math.min(b, shown); i++) {
        this.inner[i] = fid;
        tint[i] = ff.top % 6;
      }
    });

    // The dump: offset | 16 bytes | ASCII.
    this.byteEls = [];
    this.asciiEls = [];
    const frag = document.createDocumentFragment();
    for (let row = 0; row < shown; row += BYTES_PER_ROW) {
      const hexCell = h('span', { class: 'hex-bytes' });
      const ascCell = h('span', { class: 'hex-ascii' });
      for (let i = row; i < Math.min(row + BYTES_PER_ROW, shown); i++) {
        const b = bytes[i];
        const t = tint[i];
        const cls = t >= 0 ? ` t${t}` : '';
        const be = h('span', { class: `b${cls}`, 'data-i': i, text: b.toString(16).padStart(2, '0') });
        const ae = h('span', { class: `a${cls}`, 'data-i': i, text: asciiOf(b) });
        this.byteEls.push(be);
        this.asciiEls.push(ae);
        hexCell.append(be);
        ascCell.append(ae);
      }
      frag.append(h('div', { class: 'hex-row' }, h('span', { class: 'hex-off', text: row.toString(16).padStart(4, '0') }), hexCell, ascCell));
    }
    replace(this.dump, frag);
    if (shown < bytes.length) this.dump.append(h('div', { class: 'hex-more', text: `… ${bytes.length - shown} more bytes not shown` }));
  }

  /**
   * Lights the first field named `name` (in the tree's order: a parent before its children), scrolls the tree and the
   * dump to it, and focuses its line; false when this message has no such field.
   */
  focusField(name: string): boolean {
    const fid = this.flat.findIndex((ff) => ff.field.name === name);
    const ff = this.flat[fid];
    if (ff === undefined) return false;
    this.light(fid);
    this.revealInTree(ff.li);
    // The page too, where the tree does not scroll; centred, so the place a link opened is not left on the very edge.
    ff.li.querySelector('.field-line')?.scrollIntoView({ block: 'center' });
    for (const other of this.flat) other.li.tabIndex = -1;
    ff.li.tabIndex = 0;
    ff.li.focus({ preventScroll: true });
    return true;
  }

  /** Scrolls the lit field's tree line back into view (after the page around it moved), if a field is lit. */
  keepLitInView(): void {
    const ff = this.lit === null ? undefined : this.flat[this.lit.fid];
    ff?.li.querySelector('.field-line')?.scrollIntoView({ block: 'center' });
  }

  /** Lights field `fid` (its bytes and its tree line) and names it in the status line. */
  light(fid: number, fromBytes = false): void {
    const ff = this.flat[fid];
    if (!ff) return;
    this.clear();
    const [a, b] = ff.field.range;
    const to = Math.min(b, this.byteEls.length);
    for (let i = Math.max(0, a); i < to; i++) {
      this.byteEls[i]?.classList.add('lit');
      this.asciiEls[i]?.classList.add('lit');
    }
    ff.li.classList.add('lit');
    this.lit = { from: a, to, fid };
    const f = ff.field;
    replace(
      this.status,
      h('strong', { class: 'status-name', text: f.name }),
      f.value !== undefined ? h('span', { class: 'status-value', text: ` = ${f.value}` }) : null,
      h('span', { class: 'status-range', text: ` · ${rangeText(f)}` }),
      f.note ? h('span', { class: 'status-note', text: ` — ${f.note}` }) : null,
    );
    if (fromBytes) this.revealInTree(ff.li);
    else this.revealBytes(Math.max(0, a), to);
  }

  /**
   * Scrolls the dump so the lit bytes `[from, to)` are in view (a 2 KB ClientHello's server_name sits near byte 1900,
   * far below the first rows): the whole range when it fits, else its start. Only the dump scrolls, not the page.
   */
  private revealBytes(from: number, to: number): void {
    const first = this.byteEls[from];
    const last = this.byteEls[Math.max(from, to - 1)];
    if (!first || !last) return;
    const dump = this.dump;
    const box = dump.getBoundingClientRect();
    const top = first.getBoundingClientRect().top - box.top + dump.scrollTop;
    const bottom = last.getBoundingClientRect().bottom - box.top + dump.scrollTop;
    const view = dump.clientHeight;
    if (top >= dump.scrollTop && bottom <= dump.scrollTop + view) return;
    dump.scrollTop = bottom - top <= view ? Math.max(0, top - (view - (bottom - top)) / 2) : Math.max(0, top - 8);
  }

  private clear(): void {
    if (!this.lit) return;
    for (let i = Math.max(0, this.lit.from); i < this.lit.to; i++) {
      this.byteEls[i]?.classList.remove('lit');
      this.asciiEls[i]?.classList.remove('lit');
    }
    this.flat[this.lit.fid]?.li.classList.remove('lit');
    this.lit = null;
  }

  private showByte(i: number): void {
    this.clear();
    const b = parseInt(this.byteEls[i]?.textContent ?? '0', 16);
    this.status.textContent = `byte ${i}: 0x${b.toString(16).padStart(2, '0')} (${b}) — not inside a parsed field`;
  }

  private fromTree(target: EventTarget | null): void {
    const li = target instanceof Element ? target.closest<HTMLElement>('li[data-fid]') : null;
    if (li) this.light(Number(li.dataset['fid']));
  }

  private treeKey(ev: KeyboardEvent): void {
    const li = ev.target instanceof Element ? ev.target.closest<HTMLElement>('li[data-fid]') : null;
    if (!li) return;
    const fid = Number(li.dataset['fid']);
    const next = ev.key === 'ArrowDown' ? fid + 1 : ev.key === 'ArrowUp' ? fid - 1 : null;
    if (next === null) return;
    const target = this.flat[next];
    if (!target) return;
    ev.preventDefault();
    li.tabIndex = -1;
    target.li.tabIndex = 0;
    target.li.focus();
  }

  private revealInTree(li: HTMLElement): void {
    const wrap = this.tree.parentElement;
    if (!wrap) return;
    const top = li.offsetTop;
    if (top < wrap.scrollTop || top > wrap.scrollTop + wrap.clientHeight - 24) wrap.scrollTop = Math.max(0, top - wrap.clientHeight / 3);
  }
}

function byteIndex(target: EventTarget | null): number | null {
  if (!(target instanceof HTMLElement) || target.dataset['i'] === undefined) return null;
  return Number(target.dataset['i']);
}

function rangeText(f: Field): string {
  const [a, b] = f.range;
  const n = b - a;
  return n === 1 ? `byte ${a}` : `bytes ${a}–${b - 1} (${n})`;
}
