// The bar under the connection list: "Show older connections (N more)" while the server keeps connections the
// snapshot's window left out, and why a page could not be loaded. DOM only; reads the Store (list-server.ts loads).
import { h } from './dom.js';
import type { Store } from './store.js';

export class OlderBar {
  readonly el: HTMLElement;
  private readonly olderBtn: HTMLButtonElement;
  private readonly olderNote: HTMLElement;
  private loadingOlder = false;
  /** Called by "show older connections": list-server.ts loads the next page from the server and calls `olderLoaded`. */
  onOlder: (() => void) | null = null;

  constructor(private readonly store: Store) {
    this.olderBtn = h('button', { type: 'button', class: 'older-btn', title: 'Load the next older connections the server keeps (the page opened with the newest only)' });
    this.olderNote = h('span', { class: 'older-note', role: 'status' });
    this.el = h('div', { class: 'older', hidden: true }, this.olderBtn, this.olderNote);
    this.olderBtn.addEventListener('click', () => {
      if (this.loadingOlder || this.onOlder === null) return;
      this.loadingOlder = true;
      this.olderNote.textContent = '';
      this.showOlder();
      this.onOlder();
    });
  }

  /** The page of older connections asked for has been added to the store (`error`: why it could not be loaded). */
  olderLoaded(error: string | null = null): void {
    this.loadingOlder = false;
    this.olderNote.textContent = error ?? '';
    this.showOlder();
  }

  /** The "show older connections" bar: shown while the server keeps connections this page has not loaded. */
  showOlder(): void {
    const n = this.store.olderOnServer;
    const bar = this.olderBtn.parentElement;
    if (bar) bar.hidden = n === 0 && this.olderNote.textContent === '';
    this.olderBtn.hidden = n === 0;
    this.olderBtn.disabled = this.loadingOlder;
    this.olderBtn.textContent = this.loadingOlder ? 'Loading older connections…' : `Show older connections (${n.toLocaleString('en-US')} more)`;
  }
}
