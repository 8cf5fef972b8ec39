// Mirror mode, fail-closed: the upstream's findings become a chain with the same flaws (so the browser refuses it
// for the same reason), or, when a flaw cannot be carried by any chain tlslab mints, the teaching page. Pure.
import type { MirrorSpec } from '../ca';
import { mirrorRule, UNKNOWN_CODE_RULE, type MirrorInput } from './mirror-rules';

export type { MirrorInput } from './mirror-rules';

export type MirrorPlan =
  /** Present a chain made from `spec`. */
  | { kind: 'mirror'; spec: MirrorSpec }
  /** Serve the teaching page: `code` is the first finding no chain can carry, `why` says so to the student. */
  | { kind: 'block'; code: string; why: string };

/**
 * Every error-level finding is either reproduced or blocks; nothing is left out. A finding whose code has no
 * faithful flaw (or that the table does not know) blocks the whole connection: a clean leaf is never presented
 * for a chain that failed verification.
 */
export function planMirror(input: MirrorInput): MirrorPlan {
  const errors = input.findings.filter((f) => f.severity === 'error');
  const spec: MirrorSpec = { names: input.names };
  for (const f of errors) {
    const rule = mirrorRule(f.code);
    if (rule.kind === 'reproduce') rule.apply(spec, f, input);
    // A rule of `nothing` for an error cannot happen (errors never take it), and would still block.
    else return { kind: 'block', code: f.code, why: rule.kind === 'block' ? rule.why : UNKNOWN_CODE_RULE.why };
  }
  // A failed verdict always has an error finding; without one there is no flaw to show, and nothing is presented.
  if (errors.length === 0) return { kind: 'block', code: 'NO_ERROR_FINDING', why: UNKNOWN_CODE_RULE.why };
  return { kind: 'mirror', spec };
}
