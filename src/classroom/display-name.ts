// A student's display name (the proxy user name) made safe to show on a projector, and the stable student id
// derived from it. Pure; node:crypto only for the id's hash.
import { createHash } from 'node:crypto';

/** The longest name kept, in code points (cut at a grapheme boundary, never inside a letter and its accents). */
export const NAME_MAX = 32;

export type NameCheck = { ok: true; name: string; id: string } | { ok: false; error: 'empty' };

/**
 * Every code point that is not a visible part of a name: controls (Cc), format characters (Cf: the bidi
 * overrides and isolates U+202A–U+202E and U+2066–U+2069, zero-width joiners and spaces, the BOM, soft
 * hyphens), surrogates (Cs), private use (Co) and unassigned code points (Cn).
 */
const INVISIBLE = /\p{C}/gu;
/** Letters that render as nothing (Hangul fillers, the braille blank, Khmer inherent vowels): blank-name tricks. */
const BLANK_LETTERS = /\u115F|\u1160|\u3164|\uFFA0|\u2800|\u17B4|\u17B5/gu; // alternatives, not a class: U+17B4/5 are combining marks
/** Separators and white space of any script (Z*, tabs, newlines) collapse to one ASCII space. */
const SPACE = /[\p{Z}\s]+/gu;

const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

/** Cuts to at most `max` code points, ending on a grapheme boundary. */
function cut(s: string, max: number): string {
  let out = '';
  let points = 0;
  for (const { segment } of segmenter.segment(s)) {
    const n = [...segment].length;
    if (points + n > max) break;
    out += segment;
    points += n;
  }
  return out;
}

/**
 * Normalizes a typed name: Unicode NFKC (full-width and styled letters become plain ones), invisible code
 * points removed, white space collapsed, trimmed, cut to NAME_MAX. Empty afterwards → refused.
 */
export function normalizeDisplayName(typed: string): NameCheck {
  // Spaces first (a tab is a control: it must become a space, not vanish), then the invisible code points,
  // then NFKC again (removing a joiner can leave a sequence that composes) and the spaces it may have joined.
  const visible = typed.normalize('NFKC').replace(SPACE, ' ').replace(INVISIBLE, '').replace(BLANK_LETTERS, '');
  const name = cut(visible.normalize('NFKC').replace(SPACE, ' ').trim(), NAME_MAX).trim();
  // Accents alone (combining marks, \p{M}) show nothing a person can read.
  if (!/[^\p{M}]/u.test(name)) return { ok: false, error: 'empty' };
  return { ok: true, name, id: studentId(name) };
}

/**
 * The student id for a normalized name: case-insensitive (`Ada`, `ADA` and `ada` are one student), stable across
 * restarts, opaque (`s-` and 16 hex digits of SHA-256), so it can go in URLs, DOM ids and file names.
 */
export function studentId(name: string): string {
  // Upper then lower case approximates Unicode case folding (ß → SS → ss, ς → Σ → σ) without a locale.
  const folded = name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
  return `s-${createHash('sha256').update(`tlslab-student\u0000${folded}`, 'utf8').digest('hex').slice(0, 16)}`;
}
