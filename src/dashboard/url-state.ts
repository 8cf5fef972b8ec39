// The page's address as state: the parameters it was opened with (read once, on load) and those kept current as
// the view changes. I/O: location and history.replaceState only, nothing else.
import type { LookTarget } from './conn-look.js';

/** The parameters the page was opened with (the address as it was on load). */
export const params = new URLSearchParams(location.search);

/** Sets parameter `k` in the address bar (null removes it), without a new history entry. */
export function setParam(k: string, v: string | null): void {
  const p = new URLSearchParams(location.search);
  if (v === null) p.delete(k);
  else p.set(k, v);
  const q = p.toString();
  history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}`);
}

/** A place in the connection named by the URL (`leg=`, `step=`, `message=`, `field=`, `view=` beside `conn=`), once. */
export function lookFromUrl(): LookTarget | null {
  const leg = params.get('leg');
  if (leg !== 'client' && leg !== 'upstream') return null;
  const step = Number(params.get('step'));
  const at: LookTarget = { leg, ...(Number.isInteger(step) && step >= 1 && step <= 8 ? { step } : {}) };
  for (const k of ['message', 'field', 'view'] as const) {
    const v = params.get(k);
    if (v !== null && v !== '') at[k] = v.slice(0, 100);
  }
  for (const k of ['leg', 'step', 'message', 'field', 'view']) setParam(k, null);
  return at;
}
