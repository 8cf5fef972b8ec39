// The banner under the top bar that says what this page missed or cannot trust: events the server could not deliver
// or had evicted (a `gap`), a schema or protocol mismatch; with Resync and dismiss. DOM only; Resync calls back.
import type { ServerMessage } from '../events/stream.js';
import { h, replace } from './dom.js';

export class GapBanner {
  readonly el = h('div', { class: 'gap-banner', role: 'alert', hidden: true });
  /** Events the server reported missed since the banner was last dismissed or resynced. */
  private missed = 0;

  /** `resync`: reconnect for a fresh snapshot (main.ts restarts the stream). */
  constructor(private readonly resync: () => void) {}

  /** A `gap` message: how many events this page missed and why. */
  gap(m: Extract<ServerMessage, { kind: 'gap' }>): void {
    this.missed += m.missed;
    this.show(
      m.reason === 'slow-consumer'
        ? `This page fell behind: ${this.missed} events were not delivered (seq ${m.fromSeq}–${m.toSeq}). Some ladders may be incomplete; reload to resync.`
        : `${m.missed} events (seq ${m.fromSeq}–${m.toSeq}) were evicted from history before this page got them.`,
      true,
    );
  }

  /** Shows `text`, with a Resync button when `withReload`. */
  show(text: string, withReload: boolean): void {
    const gapBar = this.el;
    const dismiss = h('button', { type: 'button', class: 'gap-x', 'aria-label': 'Dismiss', text: '×' });
    const reload = withReload ? h('button', { type: 'button', class: 'gap-reload', text: 'Resync' }) : null;
    replace(gapBar, h('span', { class: 'gap-icon', 'aria-hidden': 'true', text: '⚠' }), h('span', { class: 'gap-text', text }), reload, dismiss);
    gapBar.hidden = false;
    dismiss.addEventListener('click', () => {
      gapBar.hidden = true;
      this.missed = 0;
    });
    reload?.addEventListener('click', () => {
      gapBar.hidden = true;
      this.missed = 0;
      this.resync();
    });
  }
}
