// The list over every connection the server keeps, not only the snapshot's newest: older pages for "show older
// connections", and the list's filters searched on the server. Network: GET /api/connections?before= and ?q= (fetch).
import { apiGet } from './api-fetch.js';
import type { ConnectionSummary } from '../events/stream.js';
import type { ListFilter, ListView } from './list-view.js';
import type { Store } from './store.js';

/** Connections one "show older connections" loads. */
const OLDER_PAGE = 500;
/** Most matches one search of the server adds (newest first). */
const SEARCH_PAGE = 500;

export class ListServer {
  private searchTimer: number | undefined;
  private searchSeq = 0;

  constructor(
    private readonly store: Store,
    private readonly list: ListView,
  ) {}

  /** Loads the next page of older connections into the store (the list's "show older connections"). */
  loadOlder(): void {
    const { store, list } = this;
    const before = store.oldestFromServer;
    if (before === null) {
      list.olderLoaded(null);
      return;
    }
    apiGet(`/api/connections?before=${encodeURIComponent(before)}&limit=${OLDER_PAGE}`) // same origin: the token cookie goes along
      .then(async (r) => {
        if (r.status === 404) {
          store.addOlder([], false);
          list.olderLoaded('The server no longer keeps the connections older than these.');
          return;
        }
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        const page = (await r.json()) as ConnectionSummary[];
        store.addOlder(page, page.length === OLDER_PAGE);
        list.olderLoaded(null);
      })
      .catch((err: unknown) => list.olderLoaded(`Older connections could not be loaded (${err instanceof Error ? err.message : String(err)}).`));
  }

  /** The list's filter changed: when the server keeps more than the page holds, it is searched too (after 300 ms). */
  filterChanged(f: ListFilter): void {
    window.clearTimeout(this.searchTimer);
    this.searchSeq++;
    const text = f.text.trim();
    if (this.store.olderOnServer === 0 || (text === '' && !f.failuresOnly && f.client === '' && f.student === '')) return;
    this.searchTimer = window.setTimeout(() => this.searchServer(f, text), 300);
  }

  /** Asks the server for the connections matching the list's filter (it keeps more than the snapshot sent). */
  private searchServer(f: ListFilter, text: string): void {
    const { store, list } = this;
    const mine = ++this.searchSeq;
    const q = new URLSearchParams({ limit: String(SEARCH_PAGE) });
    if (text !== '') q.set('q', text.slice(0, 256));
    if (f.failuresOnly) q.set('failures', '1');
    if (f.client !== '') q.set('client', f.client);
    if (f.student !== '') q.set('student', f.student);
    apiGet(`/api/connections?${q.toString()}`) // same origin: the token cookie goes along
      .then((r) => (r.ok ? (r.json() as Promise<ConnectionSummary[]>) : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((found) => {
        if (mine !== this.searchSeq) return; // the filter changed since
        const held = found.filter((s) => store.conns.has(s.id)).length;
        store.addFound(found);
        const more = found.length - held;
        list.searchedServer(`searched all the server keeps: ${more} older match${more === 1 ? '' : 'es'}${found.length === SEARCH_PAGE ? ` (the newest ${SEARCH_PAGE} matches)` : ''}`);
      })
      .catch((err: unknown) => {
        if (mine === this.searchSeq) list.searchedServer(`the server could not be searched (${err instanceof Error ? err.message : String(err)})`);
      });
  }
}
