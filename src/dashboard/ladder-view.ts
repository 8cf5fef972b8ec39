// Draws the two ladders side by side (browser ↔ tlslab, tlslab ↔ server) on a rail of the eight lesson steps.
// DOM only: the model comes from ladder-model.ts; clicks are handed back to the connection view.
import { LESSON_STEPS, type Leg, type LessonStep, type TlslabEvent } from '../events/schema.js';
import { fmtMs, h } from './dom.js';
import { buildLadders, isTls13, stepNotes, type LadderItem, type LegLadder } from './ladder-model.js';

const STEPS: LessonStep[] = [1, 2, 3, 4, 5, 6, 7, 8];
const ACTORS: Readonly<Record<Leg, [string, string]>> = { client: ['Browser', 'tlslab'], upstream: ['tlslab', 'Server'] };

export interface LadderOptions {
  /** Items whose first event is newer than this seq get the "enter" animation. */
  newerThan: number;
  /** Seq of the item whose bytes are shown, to mark it. */
  pickedSeq: number | null;
}

/** Returns the ladders element; each clickable item carries `data-seq`. */
export function renderLadders(events: readonly TlslabEvent[], opt: LadderOptions): HTMLElement {
  const legs = buildLadders(events);
  const notesFor = { client: stepNotes(events, 'client'), upstream: stepNotes(events, 'upstream') };
  const tls13: Record<Leg, boolean> = { client: isTls13(events, 'client'), upstream: isTls13(events, 'upstream') };
  const root = h('div', { class: 'ladders', role: 'group', 'aria-label': 'The two handshakes, step by step' });

  root.append(
    h(
      'div',
      { class: 'band band-head' },
      h('div', { class: 'rail rail-head', text: 'The 8 steps' }),
      legHead(legs.client),
      legHead(legs.upstream),
    ),
  );

  for (const step of STEPS) {
    const failedHere = (['client', 'upstream'] as const).filter((l) => legs[l].failedStep === step);
    const anyItem = legs.client.items.some((i) => i.step === step) || legs.upstream.items.some((i) => i.step === step);
    const band = h('div', { class: `band step-${step}${failedHere.length ? ' band-failed' : ''}${anyItem ? '' : ' band-empty'}`, 'data-step': step });
    band.append(
      h(
        'div',
        { class: 'rail', 'aria-label': `Step ${step}: ${LESSON_STEPS[step]}${failedHere.length ? ' — failed' : ''}` },
        h('span', { class: 'step-no', text: failedHere.length ? `✗ ${step}` : String(step) }),
        h('span', { class: 'step-name', text: LESSON_STEPS[step] }),
      ),
    );
    const notes: string[] = [];
    for (const leg of ['client', 'upstream'] as const) band.append(lane(legs[leg], step, notesFor[leg][step], tls13[leg], opt, notes));
    if (notes.length) {
      band.append(
        h('ol', { class: 'band-notes', 'aria-label': `Notes on step ${step}` }, ...notes.map((n, i) => h('li', { 'data-mark': mark(i) }, h('span', { class: 'note-mark', 'aria-hidden': 'true', text: mark(i) }), h('span', { class: 'note-text', text: n })))),
      );
    }
    root.append(band);
  }
  return root;
}

function legHead(l: LegLadder): HTMLElement {
  const [a, b] = ACTORS[l.leg];
  return h(
    'div',
    { class: `leg-head leg-${l.leg}${l.failedStep ? ' leg-failed' : ''}` },
    h('div', { class: 'leg-title' }, h('span', { text: l.leg === 'client' ? 'Client leg' : 'Upstream leg' }), h('span', { class: 'leg-ver', text: l.version ? l.version.replace(/\s*\(.*\)$/, '') : '' })),
    h('div', { class: 'actors' }, h('span', { class: 'actor', text: a }), h('span', { class: 'actor', text: b })),
  );
}

/** Footnote marks: the same note on both legs is written once under the band. */
function mark(i: number): string {
  return String.fromCharCode(97 + (i % 26));
}

function noteIndex(notes: string[], n: string): number {
  const i = notes.indexOf(n);
  if (i >= 0) return i;
  notes.push(n);
  return notes.length - 1;
}

function lane(l: LegLadder, step: LessonStep, note: string | undefined, tls13: boolean, opt: LadderOptions, notes: string[]): HTMLElement {
  const items = l.items.filter((i) => i.step === step);
  const failed = l.failedStep === step;
  const el = h('div', { class: `lane lane-${l.leg}${failed ? ' lane-failed' : ''}`, 'data-leg': l.leg, 'data-step': step });
  for (const it of items) el.append(item(it, opt, it.note !== undefined ? mark(noteIndex(notes, it.note)) : null));
  // A step note explains an empty band only: written under the band when it is shown, never as a stray footnote.
  if (note && items.length === 0) {
    const m = mark(noteIndex(notes, note));
    el.append(h('p', { class: 'lane-note' }, tls13 ? 'no message here in TLS 1.3 ' : 'no message here with RSA key transport ', h('sup', { class: 'note-mark', text: m })));
  }
  if (failed) {
    el.append(
      h('div', { class: 'fail-box', role: 'alert' }, h('strong', { text: `✗ Step ${step} failed on the ${l.leg === 'client' ? 'client' : 'upstream'} leg` }), h('span', { class: 'fail-text', text: l.failText ?? '' })),
    );
  }
  return el;
}

function item(it: LadderItem, opt: LadderOptions, noteMark: string | null): HTMLElement {
  const isArrow = it.placement === 'arrow-right' || it.placement === 'arrow-left';
  const cls = [
    'msg',
    it.placement,
    `tone-${it.tone}`,
    it.encrypted ? 'enc' : '',
    it.key > opt.newerThan ? 'enter' : '',
    it.key === opt.pickedSeq ? 'picked' : '',
    isArrow ? 'is-arrow' : 'is-box',
  ]
    .filter(Boolean)
    .join(' ');
  const dir = it.placement === 'arrow-right' ? '→' : it.placement === 'arrow-left' ? '←' : '';
  const time = it.ms !== null ? `+${fmtMs(it.ms)}` : '';
  const icon = it.tone === 'fail' ? '✗ ' : it.tone === 'ok' && !isArrow ? '✓ ' : it.tone === 'warn' ? '⚠ ' : '';
  const label = `${icon}${it.label}`;
  const btn = h(
    'button',
    {
      type: 'button',
      class: cls,
      'data-seq': it.key,
      'data-type': it.event.type,
      'aria-label': `${it.label}${dir ? ` ${dir === '→' ? 'sent to the right' : 'sent to the left'}` : ''}${it.encrypted ? ', encrypted' : ''}${time ? `, at ${time}` : ''}`,
    },
    h(
      'span',
      { class: 'msg-top' },
      it.encrypted ? h('span', { class: 'lock', title: 'encrypted on the wire', 'aria-hidden': 'true' }) : null,
      h('span', { class: 'msg-label', text: label }),
      noteMark ? h('sup', { class: 'note-mark', title: it.note ?? '', text: noteMark }) : null,
      time ? h('span', { class: 'msg-time', text: time }) : null,
      isArrow && it.sub ? h('span', { class: 'msg-sub', text: it.sub }) : null,
    ),
    isArrow ? h('span', { class: 'msg-line', 'aria-hidden': 'true' }) : null,
    !isArrow && it.sub ? h('span', { class: 'msg-sub', text: it.sub }) : null,
  );
  return h('div', { class: `msg-wrap ${it.placement}` }, btn);
}
