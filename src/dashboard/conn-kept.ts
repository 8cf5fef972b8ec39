// How much of a connection's story the page holds: all of it, a part (history dropped its start), nothing any more
// (evicted), or not yet (being asked for); and the note that says so above the ladder. DOM only; reads a ConnRecord.
import type { TlslabEvent } from '../events/schema.js';
import { h } from './dom.js';
import type { ConnRecord } from './store.js';

/** How much of a connection's story the page holds (see ConnRecord.fetched). */
export type Kept = 'all' | 'partial' | 'evicted' | 'asking';

export function keptState(rec: ConnRecord): Kept {
  if (rec.events.length === 0) return rec.fetched ? 'evicted' : 'asking';
  if (rec.events[0]?.type === 'conn:open') return 'all';
  return rec.fetched ? 'partial' : 'asking'; // only live events so far: the rest may still be in tlslab's history
}

/** Says plainly that part or all of a connection's events are gone (history is bounded), or are being fetched. */
export function keptNote(kept: Kept, events: readonly TlslabEvent[]): HTMLElement {
  const text: Record<Exclude<Kept, 'all'>, string> = {
    evicted: 'Details no longer kept. tlslab keeps only the most recent events (its history is bounded; failed and lab connections are kept longest), and this connection\'s were dropped to make room. The summary above is what remains.',
    partial: `The start of this connection is no longer kept: its first events were dropped from tlslab's bounded history. The ladder begins at event #${events[0]?.seq ?? '?'}; steps before it are missing, not skipped.`,
    asking: 'Asking tlslab for this connection\'s events…',
  };
  if (kept === 'all') return h('span');
  return h('div', { class: `kept-note kept-${kept}`, role: 'status' }, h('strong', { text: kept === 'evicted' ? 'Evicted · ' : kept === 'partial' ? 'Partly evicted · ' : '' }), text[kept]);
}

/** The page is still asking tlslab for the rest of the connection's events (the snapshot left them out). */
export function incomplete(rec: ConnRecord): boolean {
  return keptState(rec) === 'asking' || rec.detailsLoading;
}
