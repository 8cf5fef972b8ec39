// One connection asked for by id: its summary when the snapshot's window left it out (a link, a lesson), and its
// events as the server keeps them (with the bytes the stream left out). Network: GET /api/connections/:id(/events).
import type { TlslabEvent } from '../events/schema.js';
import type { ConnectionSummary } from '../events/stream.js';
import { apiGet } from './api-fetch.js';
import type { Store } from './store.js';

export class ConnFetch {
  /** Connections asked for by id (a link, a lesson) that this page did not hold: each asked for once. */
  private readonly askedSummary = new Set<string>();

  constructor(private readonly store: Store) {}

  /** Fetches the summary of a connection the snapshot's window left out, then `then()` (if the server still keeps it). */
  fetchSummary(id: string, then: () => void): void {
    const { store, askedSummary } = this;
    if (askedSummary.has(id)) return;
    askedSummary.add(id);
    apiGet(`/api/connections/${encodeURIComponent(id)}`)
      .then((r) => (r.ok ? (r.json() as Promise<ConnectionSummary>) : null))
      .then((s) => {
        if (s === null || s.id !== id) return;
        store.addOne(s);
        then();
      })
      .catch(() => undefined);
  }

  /**
   * Asks for connection `id`'s events as the server keeps them: what this page lacks, and the bytes and field trees the
   * live stream left out (`deferred`), built from the bytes the server still keeps. One request at a time per connection.
   */
  fetchEvents(id: string): void {
    const store = this.store;
    const rec = store.conns.get(id);
    if (!rec || rec.detailsLoading) return;
    store.detailsAsked(id, true);
    apiGet(`/api/connections/${encodeURIComponent(id)}/events`) // same origin: the token cookie goes along
      // An answer without events (404: forgotten, or not this view's) says the same as an empty list: nothing more is kept.
      .then((r) => (r.ok ? (r.json() as Promise<unknown>) : []))
      .then((body) => {
        store.detailsAsked(id, false, Array.isArray(body) ? (body as TlslabEvent[]) : []);
        store.markFetched(id); // what the page lacks now is no longer kept
      })
      .catch(() => store.detailsAsked(id, false));
  }
}
