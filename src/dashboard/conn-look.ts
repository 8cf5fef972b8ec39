// A lesson's "where to look" place in the connection view: what names it (a leg, and a view, step, message or field)
// and finding it among the drawn ladders, chains and records to light it. DOM only (reads and marks the view's nodes).
import type { Leg, TlslabEvent } from '../events/schema.js';
import { isMessage } from '../lessons/view.js';
import { MESSAGE_CODES, type MessageName } from '../lessons/schema.js';

/**
 * A place in the connection view, as a lesson's "where to look" names it (docs/lessons.md): a leg, and optionally the
 * view, a step, a message and a field of it. Read from a link (`?conn=…&leg=…&step=…`) or the lesson panel.
 */
export interface LookTarget {
  leg: Leg;
  view?: string;
  step?: number;
  message?: string;
  field?: string;
}

/** How long after a "where to look" link opened a place live re-renders keep it in view. */
export const LOOK_HOLD_MS = 3000;

/** The connection view's parts a place is looked for in: the whole view, its ladders, and the chains and records. */
export interface LookParts {
  el: HTMLElement;
  ladders: HTMLElement;
  rest: HTMLElement;
}

/** Lights the "where to look" place again (after a re-render) and says where it is. */
export function markLook(at: LookTarget | null, parts: LookParts, events: readonly TlslabEvent[]): { target: HTMLElement | null; seq: number | null; missing: string | null } {
  parts.el.querySelectorAll('.look-here').forEach((x) => x.classList.remove('look-here'));
  if (at === null) return { target: null, seq: null, missing: null };
  const view = at.view ?? 'ladder';
  if (view === 'certificates' || view === 'records') {
    const col = parts.rest.querySelector<HTMLElement>(view === 'certificates' ? `.chain-${at.leg}` : `.rec-${at.leg}`);
    col?.classList.add('look-here');
    return { target: col, seq: null, missing: col === null ? `no ${view} on the ${at.leg} leg` : null };
  }
  const lane = at.step === undefined ? null : parts.ladders.querySelector<HTMLElement>(`.lane[data-leg="${at.leg}"][data-step="${at.step}"]`);
  lane?.classList.add('look-here');
  const message = at.message !== undefined && Object.hasOwn(MESSAGE_CODES, at.message) ? (at.message as MessageName) : null;
  if (message === null) return { target: lane, seq: null, missing: lane === null && at.step !== undefined ? `no step ${at.step} on the ${at.leg} leg` : null };
  // The message on that step, else anywhere on the leg (a lesson's step and the ladder's may differ for a message).
  const inLane = lane === null ? [] : [...lane.querySelectorAll<HTMLElement>('[data-seq]')];
  const onLeg = [...parts.ladders.querySelectorAll<HTMLElement>(`.lane[data-leg="${at.leg}"] [data-seq]`)];
  const isIt = (b: HTMLElement): boolean => {
    const e = events.find((x) => x.seq === Number(b.dataset['seq']));
    return e !== undefined && isMessage(e, at.leg, message);
  };
  const hit = inLane.find(isIt) ?? onLeg.find(isIt) ?? null;
  hit?.classList.add('look-here');
  return { target: hit ?? lane, seq: hit ? Number(hit.dataset['seq']) : null, missing: hit === null ? `no ${message} on the ${at.leg} leg` : null };
}
