// The connection view's header: status, host, student, client and duration, one line per leg, a red box naming each
// failed leg once (with a link to its lit step) or a note on one that did not fail, and the header's buttons. DOM only.
import { FAILURE_CAUSES, type Leg, type TlsClientOutcomeEvent, type TlsVerdictEvent, type TlslabEvent } from '../events/schema.js';
import type { ConnectionSummary } from '../events/stream.js';
import { findingList } from './cert-view.js';
import { exportLinks, scopeButtons, spotlightButton, toolButtons, type HeadControls } from './conn-head-buttons.js';
import { fmtBytes, fmtClock, fmtMs, h, replace } from './dom.js';
import { LEG_TEXT, STATUS_TEXT, hostText, versionText } from './status.js';

/**
 * The title, the legs, and one red box naming each failed leg once: where a ladder step is lit, the box names the
 * step and its codes (the sentence is written at the step); otherwise it gives the sentence itself.
 */
export function renderHead(head: HTMLElement, c: HeadControls, s: ConnectionSummary, events: readonly TlslabEvent[], failBoxes: ReadonlyMap<Leg, HTMLElement>): void {
  const st = STATUS_TEXT[s.status];
  const verdict = findLast(events, (e): e is TlsVerdictEvent => e.type === 'tls:verdict');
  const outcome = findLast(events, (e): e is TlsClientOutcomeEvent => e.type === 'tls:client-outcome');
  const problems: HTMLElement[] = [];
  const toStep = (leg: Leg): HTMLElement | null => {
    const box = failBoxes.get(leg);
    const step = box?.closest<HTMLElement>('.band')?.dataset['step'];
    if (!box || !step) return null;
    const b = h('button', { type: 'button', class: 'to-step', title: `Show step ${step} on the ${leg} leg`, text: `step ${step} ↓` });
    b.addEventListener('click', () => box.scrollIntoView({ behavior: 'smooth', block: 'center' }));
    return b;
  };
  if (verdict && !verdict.ok) {
    const codes = verdict.findings.filter((f) => f.severity === 'error');
    problems.push(
      h(
        'div',
        { class: 'problem', 'data-leg': 'upstream' },
        h('h3', null, `Upstream leg (${LEG_TEXT.upstream}): the real server's certificate failed verification`, failBoxes.has('upstream') ? codeList(codes.map((f) => f.code)) : null, toStep('upstream')),
        failBoxes.has('upstream') ? null : findingList(verdict.findings),
      ),
    );
  }
  if (outcome && outcome.outcome !== 'accepted') {
    const alert = outcome.alert ? `${outcome.alert.description.name} (${outcome.alert.description.code})${outcome.alert.encrypted ? ', encrypted' : ''}` : outcome.outcome;
    problems.push(
      h(
        'div',
        { class: 'problem', 'data-leg': 'client' },
        h('h3', null, `Client leg (${LEG_TEXT.client}): the browser did not accept tlslab's certificate`, failBoxes.has('client') ? codeList([alert]) : null, toStep('client')),
        failBoxes.has('client') ? null : h('p', { class: 'problem-text', text: outcome.explanation }),
      ),
    );
  }
  if (problems.length === 0 && s.status === 'failed') {
    const leg = s.failedLeg;
    const sentence = s.explanation ?? (s.cause ? FAILURE_CAUSES[s.cause] : '');
    problems.push(
      h(
        'div',
        { class: 'problem', ...(leg ? { 'data-leg': leg } : {}) },
        h('h3', null, leg ? `${leg === 'client' ? 'Client' : 'Upstream'} leg (${LEG_TEXT[leg]}) failed` : 'The connection failed', leg && failBoxes.has(leg) ? codeList([s.cause ?? 'failed']) : null, leg ? toStep(leg) : null),
        leg && failBoxes.has(leg) ? null : h('p', { class: 'problem-text', text: sentence }),
      ),
    );
  }
  const note = s.note ?? null;
  const title = h(
    'div',
    { class: 'conn-title', 'data-conn': s.id },
    h('span', { class: `pill s-${s.status}`, text: `${st.icon} ${st.word}` }),
    h('h1', { text: hostText(s) }),
    s.lab ? h('span', { class: 'tag', text: `lab: ${s.lab}` }) : null,
    s.student ? h('span', { class: 'student-tag', title: `Student ${s.student.name} (${s.student.id})`, text: s.student.name }) : null,
    h('span', { class: 'conn-id', text: `${s.id} · from ${s.student ? `${s.student.name}, ` : ''}${s.client.address}:${s.client.port} · opened ${fmtClock(s.openedAt)}${s.closedAt !== null ? ` · lasted ${fmtMs(s.closedAt - s.openedAt)}` : ' · open'}` }),
    toolButtons(c, s.id, events, s.student),
    spotlightButton(c, s.id, s.student),
    scopeButtons(c, s),
    ...exportLinks(s.id),
  );
  const rest = [
    h(
      'div',
      { class: 'conn-legs' },
      legLine('Client leg', LEG_TEXT.client, s.legs.client.version, s.legs.client.cipherSuite, s.legs.client.alpn, s.legs.client.bytesIn + s.legs.client.bytesOut, s.resumed),
      legLine('Upstream leg', LEG_TEXT.upstream, s.legs.upstream.version, s.legs.upstream.cipherSuite, s.legs.upstream.alpn, s.legs.upstream.bytesIn + s.legs.upstream.bytesOut, undefined),
    ),
    problems.length ? h('div', { class: 'problems', role: 'alert' }, ...problems) : null,
    note !== null && problems.length === 0 ? h('p', { class: 'conn-note', role: 'note', text: note }) : null,
  ];
  keepTitle(head, title, rest);
}

/**
 * Puts the header together. A connection that is still running is drawn again at each of its events; when the title
 * row (its buttons and links) would come out the same, the one on the page stays, untouched: a button being clicked
 * or holding the keyboard focus is not swapped for a copy under the pointer. When the row changes (the connection
 * closed, a button came or went), the same connection's buttons that stay the same are moved into the new row, not
 * copied, and keep the focus.
 */
function keepTitle(head: HTMLElement, title: HTMLElement, rest: readonly (HTMLElement | null)[]): void {
  const old = head.firstElementChild;
  const sameConn = old instanceof HTMLElement && old.classList.contains('conn-title') && old.dataset['conn'] === title.dataset['conn'];
  if (sameConn && old.outerHTML === title.outerHTML) {
    while (old.nextSibling) old.nextSibling.remove();
    for (const el of rest) if (el) head.append(el);
    return;
  }
  const focused = document.activeElement;
  if (sameConn) {
    const kept = [...old.querySelectorAll('button')];
    for (const b of title.querySelectorAll('button')) {
      const same = kept.find((k) => k.outerHTML === b.outerHTML);
      if (same) b.replaceWith(same);
    }
  }
  replace(head, title, ...rest);
  if (focused instanceof HTMLElement && focused !== document.activeElement && title.contains(focused)) focused.focus();
}

function legLine(title: string, who: string, v: { name: string } | null, suite: { name: string } | null, alpn: string | null, bytes: number, resumed: boolean | undefined): HTMLElement {
  return h(
    'div',
    { class: 'leg-line' },
    h('strong', { text: `${title} ` }),
    h('span', { class: 'muted', text: `${who}: ` }),
    h('span', { text: [versionText(v), suite ? versionText(suite) : null, alpn, resumed === true ? 'resumed session' : resumed === false ? 'full handshake' : null].filter(Boolean).join(' · ') }),
    bytes ? h('span', { class: 'muted', text: ` · ${fmtBytes(bytes)}` }) : null,
  );
}

/** Codes as chips (the sentences are at the step the ladder lights). */
function codeList(codes: readonly string[]): HTMLElement {
  return h('ul', { class: 'problem-codes' }, ...codes.map((c) => h('li', { class: 'finding-code', text: `✗ ${c}` })));
}

function findLast<T extends TlslabEvent>(events: readonly TlslabEvent[], pred: (e: TlslabEvent) => e is T): T | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (pred(e)) return e;
  }
  return undefined;
}
