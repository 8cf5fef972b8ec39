// The connection view: its header, both ladders, the hex view of the picked message, the certificate chains and the
// records/HTTP exchange, and a lesson's "where to look" place opened in it (`reveal`); in follow mode it keeps the
// failing step in sight. DOM only; re-rendered per animation frame when its events change.
import type { Leg, Student, TlslabEvent } from '../events/schema.js';
import { h, replace } from './dom.js';
import { renderChains } from './cert-view.js';
import { renderHead } from './conn-head.js';
import type { HeadControls } from './conn-head-buttons.js';
import { intro } from './conn-intro.js';
import { incomplete, keptNote, keptState } from './conn-kept.js';
import { LOOK_HOLD_MS, markLook, type LookTarget } from './conn-look.js';
import { HexView } from './hex-view.js';
import { sourceOf } from './hex-source.js';
import { renderLadders } from './ladder-view.js';
import { renderRecords } from './records-view.js';
import type { ConnRecord } from './store.js';
import type { FollowScope } from './follow-scope.js';
import type { KeyScheduleView } from './key-schedule-view.js';
import type { ReplayView } from './replay-view.js';

export type { LookTarget } from './conn-look.js';

export class ConnView implements HeadControls {
  readonly el: HTMLElement;
  private readonly head = h('header', { class: 'conn-head' });
  private readonly ladders = h('div', { class: 'ladders-wrap' });
  private readonly hexWrap = h('div', { class: 'hex-wrap', hidden: true });
  private readonly rest = h('div', { class: 'conn-rest' });
  private readonly hex = new HexView();
  private id: string | null = null;
  private rec: ConnRecord | null = null;
  private renderedSeq = -1;
  private picked: number | null = null;
  follow = false;
  /** The instructor's view: a connection with a student offers "Spotlight" (main.ts sets this; null hides it). */
  onSpotlight: ((student: Student, conn: string) => void) | null = null;
  /** What follow mode is limited to (follow-mode.ts sets it): the header offers the other scopes, not this one again. */
  scope: FollowScope | null = null;
  /** A student's own view (student-view.ts sets it from the server's hello): every connection shown is theirs. */
  ownView = false;
  /** Limits follow mode to this connection's client address or host (main.ts sets this; null hides the buttons). */
  onScope: ((scope: FollowScope, conn: string) => void) | null = null;
  /** Step-through replay and key schedule, shared with the lesson panel (main.ts sets them; null hides the buttons). */
  dialogs: { replay: ReplayView; keys: KeyScheduleView } | null = null;
  /** Asks the server for the bytes the live stream left out of a connection's events (main.ts sets it). */
  needDetails: ((id: string) => void) | null = null;
  /** The hex view shows a message whose bytes were still being asked for: shown again once they are here. */
  private pickedPending = false;
  /** The "where to look" place shown (kept lit while the connection's events re-render), or null. */
  private look: LookTarget | null = null;
  /**
   * The look names a message this view has not drawn yet (its events are still being fetched): once a re-render
   * finds it, its bytes open as `reveal` would have opened them.
   */
  private lookPending = false;
  /** Until then (ms, performance.now()), a re-render (live events moving the layout) scrolls the looked-at place back. */
  private lookHoldUntil = 0;

  constructor() {
    const closeHex = h('button', { type: 'button', class: 'hex-close', 'aria-label': 'Close the hex view', text: '×' });
    closeHex.addEventListener('click', () => this.pick(null));
    this.hexWrap.append(closeHex, this.hex.el);
    this.el = h('main', { class: 'conn-view', id: 'conn-view', tabindex: -1, 'aria-label': 'Connection' }, intro());
    this.el.addEventListener('click', (ev) => {
      const t = ev.target instanceof Element ? ev.target.closest<HTMLElement>('[data-seq]') : null;
      if (t && this.el.contains(t) && !this.hexWrap.contains(t)) this.pick(Number(t.dataset['seq']));
    });
  }

  get current(): string | null {
    return this.id;
  }

  /** Shows connection `rec` (or refreshes it when it is already shown). */
  show(rec: ConnRecord | null): void {
    if (!rec) {
      this.id = null;
      this.rec = null;
      replace(this.el, intro());
      return;
    }
    const switched = rec.summary.id !== this.id;
    if (switched) {
      this.id = rec.summary.id;
      this.picked = null;
      this.look = null;
      this.lookPending = false;
      this.hexWrap.hidden = true;
      this.renderedSeq = this.follow ? -1 : Number.MAX_SAFE_INTEGER;
      replace(this.el, this.head, this.ladders, this.hexWrap, this.rest);
      this.el.scrollTop = 0;
    }
    this.rec = rec;
    this.render();
  }

  private render(): void {
    const rec = this.rec;
    if (!rec) return;
    const s = rec.summary;
    const events = rec.events;
    const t0 = events.find((e) => e.type === 'tls:handshake' && e.leg === 'client' && e.msgType.code === 1)?.t ?? s.openedAt;

    // The ladders first: the header's failure box points at their failing steps instead of repeating them.
    const kept = keptState(rec);
    if (kept === 'evicted') replace(this.ladders, keptNote(kept, events));
    else {
      replace(this.ladders, kept === 'partial' || kept === 'asking' ? keptNote(kept, events) : null, renderLadders(events, { newerThan: this.renderedSeq, pickedSeq: this.picked }));
    }
    const failBoxes = new Map<Leg, HTMLElement>();
    for (const box of this.ladders.querySelectorAll<HTMLElement>('.lane-failed .fail-box')) {
      const leg = box.closest<HTMLElement>('.lane')?.dataset['leg'];
      if ((leg === 'client' || leg === 'upstream') && !failBoxes.has(leg)) failBoxes.set(leg, box);
    }
    renderHead(this.head, this, s, events, failBoxes);
    // Follow mode keeps the header on top (CSS): the legs' heading sticks right under it.
    if (this.follow) this.el.style.setProperty('--head-h', `${this.head.offsetHeight}px`);

    if (this.follow) this.keepInView();
    const last = events[events.length - 1];
    this.renderedSeq = last ? last.seq : this.renderedSeq;
    if (this.renderedSeq === Number.MAX_SAFE_INTEGER) this.renderedSeq = -1;
    replace(this.rest, renderChains(events), renderRecords(events, t0, s.closedAt !== null));
    if (this.picked !== null) this.rest.querySelector(`[data-seq="${this.picked}"]`)?.classList.add('picked');
    if (this.pickedPending && this.picked !== null && !rec.detailsLoading) this.pick(this.picked, false);
    const found = markLook(this.look, { el: this.el, ladders: this.ladders, rest: this.rest }, this.rec?.events ?? []);
    if (this.lookPending && found.seq !== null) {
      this.openLook(found.target, found.seq);
      this.lookPending = incomplete(rec);
    } else if (found.seq !== null && performance.now() < this.lookHoldUntil) {
      // The events that just arrived moved the ladder: the place a link opened a moment ago stays where it was put.
      found.target?.scrollIntoView({ block: 'center' });
      this.hex.keepLitInView();
    }
  }

  /**
   * Opens a lesson's "where to look" place on the shown connection: lights the step on the leg (and the message in
   * it), scrolls to it and opens the message's bytes at the field; or the leg's certificate chain or records; or the
   * key schedule or the replay. Returns what it could not find (the step or message never happened), or null.
   */
  reveal(at: LookTarget): string | null {
    this.look = at;
    const view = at.view ?? 'ladder';
    if (view === 'key-schedule' || view === 'replay') {
      if (this.id !== null) void (view === 'replay' ? this.dialogs?.replay.open(this.id) : this.dialogs?.keys.open(this.id));
      return null;
    }
    const { target, seq, missing } = markLook(this.look, { el: this.el, ladders: this.ladders, rest: this.rest }, this.rec?.events ?? []);
    target?.scrollIntoView({ block: 'center' });
    // A message not drawn yet, or drawn before the rest of the connection's events arrived (they are being fetched and
    // will re-render the view): opened again when a re-render finds it.
    const pending = view === 'ladder' && at.message !== undefined && (seq === null || (this.rec !== null && incomplete(this.rec)));
    if (seq === null || view !== 'ladder') {
      this.lookPending = pending;
      return missing;
    }
    const opened = this.openLook(target, seq);
    this.lookPending = pending;
    return opened ? missing : `no field ${at.field ?? ''} in the ${at.message ?? 'message'}`;
  }

  /** Opens the looked-at message's bytes under the ladder, at the field if one is named; false when it has none. */
  private openLook(target: HTMLElement | null, seq: number): boolean {
    this.lookPending = false;
    this.lookHoldUntil = performance.now() + LOOK_HOLD_MS;
    target?.scrollIntoView({ block: 'center' });
    this.pick(seq, false);
    const field = this.look?.field;
    // Bytes still on their way: the field is focused when they come (render opens the look again).
    return field === undefined || this.pickedPending || this.hex.focusField(field);
  }

  /** The window changed size (a projector's resolution): in follow mode, put the failure back in view. */
  relayout(): void {
    if (!this.follow || !this.rec) return;
    this.el.style.setProperty('--head-h', `${this.head.offsetHeight}px`);
    this.keepInView(false);
  }

  /**
   * Follow mode: once a step failed, the header's failure box and that step stay on screen (newer messages such as
   * close_notify do not scroll them away); before that, the newest message is kept in sight as it arrives.
   */
  private keepInView(chase = true): void {
    const fail = this.ladders.querySelector<HTMLElement>('.lane-failed .fail-box');
    if (!fail) {
      if (!chase) return;
      const fresh = this.ladders.querySelectorAll('.enter');
      fresh[fresh.length - 1]?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      return;
    }
    const view = this.el.getBoundingClientRect();
    const y = (el: Element, edge: 'top' | 'bottom' = 'top'): number => el.getBoundingClientRect()[edge] - view.top + this.el.scrollTop;
    const band = fail.closest('.band') ?? fail;
    const boxes = [...band.querySelectorAll('.lane-failed .fail-box')];
    const boxTop = Math.min(...boxes.map((b) => y(b)));
    const boxBottom = Math.max(...boxes.map((b) => y(b, 'bottom'))) + 8;
    // The header sticks on top in follow mode (the failure box is in it), the legs' heading under it, and the failing
    // step's name under both (CSS, with --stuck-h): what is left below them is where the step's box must fit.
    const stuck = this.head.offsetHeight + (this.ladders.querySelector('.band-head')?.getBoundingClientRect().height ?? 0);
    this.el.style.setProperty('--stuck-h', `${stuck}px`);
    const height = this.el.clientHeight;
    let top = 0; // from the top when the failing step fits, with the steps before it in order
    if (Math.max(boxBottom, y(band, 'bottom')) > height) {
      top = y(band) - stuck - 6; // the step right under the headings
      if (boxBottom - top > height) top = Math.min(boxBottom - height, boxTop - stuck - 6); // its box whole, if it can be
    }
    this.el.scrollTop = Math.max(0, top);
  }

  /** Opens event `seq` in the hex view (or closes it with null), scrolled into view unless `scroll` is false. Certificates scroll to the chains. */
  pick(seq: number | null, scroll = true): void {
    const e = seq === null ? undefined : this.rec?.events.find((x) => x.seq === seq);
    if (e && (e.type === 'tls:verdict' || e.type === 'tls:presented' || e.type === 'tls:client-outcome')) {
      this.el.querySelector('#chains')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
      return;
    }
    const src = e && this.rec ? sourceOf(e, this.rec) : null;
    this.picked = src ? (e as TlslabEvent).seq : null;
    this.pickedPending = src?.pending === 'loading';
    if (this.pickedPending && this.id !== null) this.needDetails?.(this.id);
    this.hexWrap.hidden = !src;
    if (src) {
      this.hex.show(src);
      if (scroll) this.hexWrap.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    }
    this.el.querySelectorAll('.picked').forEach((x) => x.classList.remove('picked'));
    if (this.picked !== null) this.el.querySelectorAll(`[data-seq="${this.picked}"]`).forEach((x) => x.classList.add('picked'));
  }
}
