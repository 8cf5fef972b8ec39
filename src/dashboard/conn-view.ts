// The connection view: header and failure summary (with step-through replay and the key schedule), both ladders, the
// hex view of the picked message, the certificate chains and the records/HTTP exchange, and a lesson's "where to look"
// place opened in it (`reveal`). DOM only; re-rendered per animation frame when its events change.
import { FAILURE_CAUSES, LESSON_STEPS, type Field, type Leg, type LessonStep, type Student, type TlsClientOutcomeEvent, type TlsVerdictEvent, type TlslabEvent } from '../events/schema.js';
import { fmtBytes, fmtClock, fmtMs, h, replace } from './dom.js';
import { findingList, renderChains } from './cert-view.js';
import { HexView, type HexSource } from './hex-view.js';
import { HANDSHAKE_LABEL } from './ladder-model.js';
import { renderLadders } from './ladder-view.js';
import { renderRecords } from './records-view.js';
import { LEG_TEXT, STATUS_TEXT, hostText, versionText } from './status.js';
import type { ConnRecord } from './store.js';
import type { ConnectionSummary } from '../events/stream.js';
import { scopeParam, type FollowScope } from './follow-scope.js';
import type { KeyScheduleView } from './key-schedule-view.js';
import type { ReplayView } from './replay-view.js';
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

const WHO = { client: { client: 'browser → tlslab', server: 'tlslab → browser' }, upstream: { client: 'tlslab → server', server: 'server → tlslab' } } as const;

export class ConnView {
  readonly el: HTMLElement;
  private readonly head = h('header', { class: 'conn-head' });
  private readonly ladders = h('div', { class: 'ladders-wrap' });
  private readonly hexWrap = h('div', { class: 'hex-wrap', hidden: true });
  private readonly rest = h('div', { class: 'conn-rest' });
  private readonly hex = new HexView();
  private id: string | null = null;
  private rec: ConnRecord | null = null;
  private renderedSeq = -1;
  private picked: number | null = null;
  follow = false;
  /** The instructor's view: a connection with a student offers "Spotlight" (main.ts sets this; null hides it). */
  onSpotlight: ((student: Student, conn: string) => void) | null = null;
  /** What follow mode is limited to (main.ts sets it): the header offers the other scopes, not this one again. */
  scope: FollowScope | null = null;
  /** A student's own view (main.ts sets it from the server's hello): every connection shown is theirs. */
  ownView = false;
  /** Limits follow mode to this connection's client address or host (main.ts sets this; null hides the buttons). */
  onScope: ((scope: FollowScope, conn: string) => void) | null = null;
  /** Step-through replay and key schedule, shared with the lesson panel (main.ts sets them; null hides the buttons). */
  dialogs: { replay: ReplayView; keys: KeyScheduleView } | null = null;
  /** Asks the server for the bytes the live stream left out of a connection's events (main.ts sets it). */
  needDetails: ((id: string) => void) | null = null;
  /** The hex view shows a message whose bytes were still being asked for: shown again once they are here. */
  private pickedPending = false;
  /** The "where to look" place shown (kept lit while the connection's events re-render), or null. */
  private look: LookTarget | null = null;
  /**
   * The look names a message this view has not drawn yet (its events are still being fetched): once a re-render
   * finds it, its bytes open as `reveal` would have opened them.
   */
  private lookPending = false;
  /** Until then (ms, performance.now()), a re-render (live events moving the layout) scrolls the looked-at place back. */
  private lookHoldUntil = 0;

  constructor() {
    const closeHex = h('button', { type: 'button', class: 'hex-close', 'aria-label': 'Close the hex view', text: '×' });
    closeHex.addEventListener('click', () => this.pick(null));
    this.hexWrap.append(closeHex, this.hex.el);
    this.el = h('main', { class: 'conn-view', id: 'conn-view', tabindex: -1, 'aria-label': 'Connection' }, intro());
    this.el.addEventListener('click', (ev) => {
      const t = ev.target instanceof Element ? ev.target.closest<HTMLElement>('[data-seq]') : null;
      if (t && this.el.contains(t) && !this.hexWrap.contains(t)) this.pick(Number(t.dataset['seq']));
    });
  }

  get current(): string | null {
    return this.id;
  }

  /** Shows connection `rec` (or refreshes it when it is already shown). */
  show(rec: ConnRecord | null): void {
    if (!rec) {
      this.id = null;
      this.rec = null;
      replace(this.el, intro());
      return;
    }
    const switched = rec.summary.id !== this.id;
    if (switched) {
      this.id = rec.summary.id;
      this.picked = null;
      this.look = null;
      this.lookPending = false;
      this.hexWrap.hidden = true;
      this.renderedSeq = this.follow ? -1 : Number.MAX_SAFE_INTEGER;
      replace(this.el, this.head, this.ladders, this.hexWrap, this.rest);
      this.el.scrollTop = 0;
    }
    this.rec = rec;
    this.render();
  }

  private render(): void {
    const rec = this.rec;
    if (!rec) return;
    const s = rec.summary;
    const events = rec.events;
    const t0 = events.find((e) => e.type === 'tls:handshake' && e.leg === 'client' && e.msgType.code === 1)?.t ?? s.openedAt;

    // The ladders first: the header's failure box points at their failing steps instead of repeating them.
    const kept = keptState(rec);
    if (kept === 'evicted') replace(this.ladders, keptNote(kept, events));
    else {
      replace(this.ladders, kept === 'partial' || kept === 'asking' ? keptNote(kept, events) : null, renderLadders(events, { newerThan: this.renderedSeq, pickedSeq: this.picked }));
    }
    const failBoxes = new Map<Leg, HTMLElement>();
    for (const box of this.ladders.querySelectorAll<HTMLElement>('.lane-failed .fail-box')) {
      const leg = box.closest<HTMLElement>('.lane')?.dataset['leg'];
      if ((leg === 'client' || leg === 'upstream') && !failBoxes.has(leg)) failBoxes.set(leg, box);
    }
    this.renderHead(s, events, failBoxes);
    // Follow mode keeps the header on top (CSS): the legs' heading sticks right under it.
    if (this.follow) this.el.style.setProperty('--head-h', `${this.head.offsetHeight}px`);

    if (this.follow) this.keepInView();
    const last = events[events.length - 1];
    this.renderedSeq = last ? last.seq : this.renderedSeq;
    if (this.renderedSeq === Number.MAX_SAFE_INTEGER) this.renderedSeq = -1;
    replace(this.rest, renderChains(events), renderRecords(events, t0, s.closedAt !== null));
    if (this.picked !== null) this.rest.querySelector(`[data-seq="${this.picked}"]`)?.classList.add('picked');
    if (this.pickedPending && this.picked !== null && !rec.detailsLoading) this.pick(this.picked, false);
    const found = this.markLook();
    if (this.lookPending && found.seq !== null) {
      this.openLook(found.target, found.seq);
      this.lookPending = incomplete(rec);
    } else if (found.seq !== null && performance.now() < this.lookHoldUntil) {
      // The events that just arrived moved the ladder: the place a link opened a moment ago stays where it was put.
      found.target?.scrollIntoView({ block: 'center' });
      this.hex.keepLitInView();
    }
  }

  /**
   * Opens a lesson's "where to look" place on the shown connection: lights the step on the leg (and the message in
   * it), scrolls to it and opens the message's bytes at the field; or the leg's certificate chain or records; or the
   * key schedule or the replay. Returns what it could not find (the step or message never happened), or null.
   */
  reveal(at: LookTarget): string | null {
    this.look = at;
    const view = at.view ?? 'ladder';
    if (view === 'key-schedule' || view === 'replay') {
      if (this.id !== null) void (view === 'replay' ? this.dialogs?.replay.open(this.id) : this.dialogs?.keys.open(this.id));
      return null;
    }
    const { target, seq, missing } = this.markLook();
    target?.scrollIntoView({ block: 'center' });
    // A message not drawn yet, or drawn before the rest of the connection's events arrived (they are being fetched and
    // will re-render the view): opened again when a re-render finds it.
    const pending = view === 'ladder' && at.message !== undefined && (seq === null || (this.rec !== null && incomplete(this.rec)));
    if (seq === null || view !== 'ladder') {
      this.lookPending = pending;
      return missing;
    }
    const opened = this.openLook(target, seq);
    this.lookPending = pending;
    return opened ? missing : `no field ${at.field ?? ''} in the ${at.message ?? 'message'}`;
  }

  /** Opens the looked-at message's bytes under the ladder, at the field if one is named; false when it has none. */
  private openLook(target: HTMLElement | null, seq: number): boolean {
    this.lookPending = false;
    this.lookHoldUntil = performance.now() + LOOK_HOLD_MS;
    target?.scrollIntoView({ block: 'center' });
    this.pick(seq, false);
    const field = this.look?.field;
    // Bytes still on their way: the field is focused when they come (render opens the look again).
    return field === undefined || this.pickedPending || this.hex.focusField(field);
  }

  /** Lights the "where to look" place again (after a re-render) and says where it is. */
  private markLook(): { target: HTMLElement | null; seq: number | null; missing: string | null } {
    const at = this.look;
    this.el.querySelectorAll('.look-here').forEach((x) => x.classList.remove('look-here'));
    if (at === null) return { target: null, seq: null, missing: null };
    const view = at.view ?? 'ladder';
    if (view === 'certificates' || view === 'records') {
      const col = this.rest.querySelector<HTMLElement>(view === 'certificates' ? `.chain-${at.leg}` : `.rec-${at.leg}`);
      col?.classList.add('look-here');
      return { target: col, seq: null, missing: col === null ? `no ${view} on the ${at.leg} leg` : null };
    }
    const lane = at.step === undefined ? null : this.ladders.querySelector<HTMLElement>(`.lane[data-leg="${at.leg}"][data-step="${at.step}"]`);
    lane?.classList.add('look-here');
    const message = at.message !== undefined && Object.hasOwn(MESSAGE_CODES, at.message) ? (at.message as MessageName) : null;
    if (message === null) return { target: lane, seq: null, missing: lane === null && at.step !== undefined ? `no step ${at.step} on the ${at.leg} leg` : null };
    // The message on that step, else anywhere on the leg (a lesson's step and the ladder's may differ for a message).
    const events = this.rec?.events ?? [];
    const inLane = lane === null ? [] : [...lane.querySelectorAll<HTMLElement>('[data-seq]')];
    const onLeg = [...this.ladders.querySelectorAll<HTMLElement>(`.lane[data-leg="${at.leg}"] [data-seq]`)];
    const isIt = (b: HTMLElement): boolean => {
      const e = events.find((x) => x.seq === Number(b.dataset['seq']));
      return e !== undefined && isMessage(e, at.leg, message);
    };
    const hit = inLane.find(isIt) ?? onLeg.find(isIt) ?? null;
    hit?.classList.add('look-here');
    return { target: hit ?? lane, seq: hit ? Number(hit.dataset['seq']) : null, missing: hit === null ? `no ${message} on the ${at.leg} leg` : null };
  }

  /**
   * The title, the legs, and one red box naming each failed leg once: where a ladder step is lit, the box names the
   * step and its codes (the sentence is written at the step); otherwise it gives the sentence itself.
   */
  private renderHead(s: ConnectionSummary, events: readonly TlslabEvent[], failBoxes: ReadonlyMap<Leg, HTMLElement>): void {
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
    replace(
      this.head,
      h(
        'div',
        { class: 'conn-title' },
        h('span', { class: `pill s-${s.status}`, text: `${st.icon} ${st.word}` }),
        h('h1', { text: hostText(s) }),
        s.lab ? h('span', { class: 'tag', text: `lab: ${s.lab}` }) : null,
        s.student ? h('span', { class: 'student-tag', title: `Student ${s.student.name} (${s.student.id})`, text: s.student.name }) : null,
        h('span', { class: 'conn-id', text: `${s.id} · from ${s.student ? `${s.student.name}, ` : ''}${s.client.address}:${s.client.port} · opened ${fmtClock(s.openedAt)}${s.closedAt !== null ? ` · lasted ${fmtMs(s.closedAt - s.openedAt)}` : ' · open'}` }),
        this.toolButtons(s.id, events, s.student),
        this.spotlightButton(s.id, s.student),
        this.scopeButtons(s),
        h('a', { class: 'pcapng-link', href: pcapngHref(s.id), download: `tlslab-${s.id}.pcapng`, title: 'Both legs as a pcapng with the session keys inside: Wireshark opens it decrypted', text: 'Open in Wireshark (pcapng)' }),
        h('a', { class: 'pcapng-link', href: `/api/export.har?conn=${encodeURIComponent(s.id)}`, download: `tlslab-${s.id}.har`, title: 'This connection\'s HTTP requests and responses as HAR 1.2 (credentials masked)', text: 'HAR' }),
        h('a', { class: 'pcapng-link', href: `/api/connections/${encodeURIComponent(s.id)}/events`, download: `tlslab-${s.id}-events.json`, title: 'Every event of this connection as JSON (the schema in docs/events.md)', text: 'Events (JSON)' }),
      ),
      h(
        'div',
        { class: 'conn-legs' },
        legLine('Client leg', LEG_TEXT.client, s.legs.client.version, s.legs.client.cipherSuite, s.legs.client.alpn, s.legs.client.bytesIn + s.legs.client.bytesOut, s.resumed),
        legLine('Upstream leg', LEG_TEXT.upstream, s.legs.upstream.version, s.legs.upstream.cipherSuite, s.legs.upstream.alpn, s.legs.upstream.bytesIn + s.legs.upstream.bytesOut, undefined),
      ),
      problems.length ? h('div', { class: 'problems', role: 'alert' }, ...problems) : null,
      note !== null && problems.length === 0 ? h('p', { class: 'conn-note', role: 'note', text: note }) : null,
    );
  }

  /** The window changed size (a projector's resolution): in follow mode, put the failure back in view. */
  relayout(): void {
    if (!this.follow || !this.rec) return;
    this.el.style.setProperty('--head-h', `${this.head.offsetHeight}px`);
    this.keepInView(false);
  }

  /**
   * Follow mode: once a step failed, the header's failure box and that step stay on screen (newer messages such as
   * close_notify do not scroll them away); before that, the newest message is kept in sight as it arrives.
   */
  private keepInView(chase = true): void {
    const fail = this.ladders.querySelector<HTMLElement>('.lane-failed .fail-box');
    if (!fail) {
      if (!chase) return;
      const fresh = this.ladders.querySelectorAll('.enter');
      fresh[fresh.length - 1]?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      return;
    }
    const view = this.el.getBoundingClientRect();
    const y = (el: Element, edge: 'top' | 'bottom' = 'top'): number => el.getBoundingClientRect()[edge] - view.top + this.el.scrollTop;
    const band = fail.closest('.band') ?? fail;
    const boxes = [...band.querySelectorAll('.lane-failed .fail-box')];
    const boxTop = Math.min(...boxes.map((b) => y(b)));
    const boxBottom = Math.max(...boxes.map((b) => y(b, 'bottom'))) + 8;
    // The header sticks on top in follow mode (the failure box is in it), the legs' heading under it, and the failing
    // step's name under both (CSS, with --stuck-h): what is left below them is where the step's box must fit.
    const stuck = this.head.offsetHeight + (this.ladders.querySelector('.band-head')?.getBoundingClientRect().height ?? 0);
    this.el.style.setProperty('--stuck-h', `${stuck}px`);
    const height = this.el.clientHeight;
    let top = 0; // from the top when the failing step fits, with the steps before it in order
    if (Math.max(boxBottom, y(band, 'bottom')) > height) {
      top = y(band) - stuck - 6; // the step right under the headings
      if (boxBottom - top > height) top = Math.min(boxBottom - height, boxTop - stuck - 6); // its box whole, if it can be
    }
    this.el.scrollTop = Math.max(0, top);
  }

  /**
   * "▶ Replay" (the two ladders message by message) and, when tlslab learned the connection's secrets (a `tls:keys`
   * event), "⚷ Key schedule". Whoever sees the connection may replay it; a student's key schedule holds their
   * session's secrets, so only their own view offers it (the server refuses it to the instructor's dashboard too).
   */
  private toolButtons(id: string, events: readonly TlslabEvent[], student: Student | undefined): HTMLElement | null {
    const d = this.dialogs;
    if (d === null) return null;
    const replay = h('button', { type: 'button', class: 'toggle conn-replay', title: 'Play both ladders message by message, with each one\'s step and note', text: '▶ Replay' });
    replay.addEventListener('click', () => void d.replay.open(id));
    const instructorOnStudent = student !== undefined && !this.ownView;
    const keys = events.some((e) => e.type === 'tls:keys') && !instructorOnStudent
      ? h('button', { type: 'button', class: 'toggle conn-keys', title: 'How this connection\'s keys were derived, leg by leg, from its own secrets', text: '⚷ Key schedule' })
      : null;
    keys?.addEventListener('click', () => void d.keys.open(id));
    return h('span', { class: 'conn-tools' }, replay, keys);
  }

  /** "Spotlight NAME" for a student's connection on the instructor's dashboard (not while they are spotlighted). */
  private spotlightButton(conn: string, student: Student | undefined): HTMLElement | null {
    const on = this.onSpotlight;
    if (on === null || student === undefined || (this.scope?.kind === 'student' && this.scope.id === student.id)) return null;
    const b = h('button', { type: 'button', class: 'toggle spotlight-btn', title: `Show this connection large and follow ${student.name}'s newest connections (for the projector)`, text: `◎ Spotlight ${student.name}` });
    b.addEventListener('click', () => on(student, conn));
    return b;
  }

  /** "Spotlight this client" and "… this host": follow mode limited to this connection's address or host. */
  private scopeButtons(s: ConnectionSummary): HTMLElement | null {
    const on = this.onScope;
    if (on === null) return null;
    const host = (s.sni ?? s.target.host).toLowerCase();
    const mk = (scope: FollowScope, text: string, title: string): HTMLElement | null => {
      const cur = this.scope;
      if (cur && cur.kind === scope.kind && scopeParam(cur) === scopeParam(scope)) return null;
      const b = h('button', { type: 'button', class: 'toggle scope-btn', 'data-scope': scope.kind, title, text });
      b.addEventListener('click', () => on(scope, s.id));
      return b;
    };
    const buttons = [
      s.client.address ? mk({ kind: 'client', address: s.client.address }, '◎ Spotlight this client', `Follow mode limited to this client: this connection large, then only newer connections from ${s.client.address} (for the projector)`) : null,
      host ? mk({ kind: 'host', host }, '◎ Spotlight this host', `Follow mode limited to this host: this connection large, then only newer connections to ${host} (for the projector)`) : null,
    ].filter((b): b is HTMLElement => b !== null);
    return buttons.length ? h('span', { class: 'scope-btns' }, ...buttons) : null;
  }

  /** Opens event `seq` in the hex view (or closes it with null), scrolled into view unless `scroll` is false. Certificates scroll to the chains. */
  pick(seq: number | null, scroll = true): void {
    const e = seq === null ? undefined : this.rec?.events.find((x) => x.seq === seq);
    if (e && (e.type === 'tls:verdict' || e.type === 'tls:presented' || e.type === 'tls:client-outcome')) {
      this.el.querySelector('#chains')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
      return;
    }
    const src = e && this.rec ? sourceOf(e, this.rec) : null;
    this.picked = src ? (e as TlslabEvent).seq : null;
    this.pickedPending = src?.pending === 'loading';
    if (this.pickedPending && this.id !== null) this.needDetails?.(this.id);
    this.hexWrap.hidden = !src;
    if (src) {
      this.hex.show(src);
      if (scroll) this.hexWrap.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    }
    this.el.querySelectorAll('.picked').forEach((x) => x.classList.remove('picked'));
    if (this.picked !== null) this.el.querySelectorAll(`[data-seq="${this.picked}"]`).forEach((x) => x.classList.add('picked'));
  }
}

/** What the page shows before a connection is picked: how to read it. */
function intro(): HTMLElement {
  const steps = ([1, 2, 3, 4, 5, 6, 7, 8] as LessonStep[]).map((n) => h('li', null, h('span', { class: 'step-no', text: String(n) }), h('span', { text: LESSON_STEPS[n] })));
  return h(
    'div',
    { class: 'intro' },
    h('h1', { text: 'Two handshakes, side by side' }),
    h('p', { text: 'tlslab sits in the middle: the browser does TLS with tlslab (the client leg), and tlslab does TLS with the real server (the upstream leg). Pick a connection on the left, or press Follow to watch the newest one.' }),
    h('div', { class: 'intro-cols' },
      h('div', null, h('h2', { text: 'The story in 8 steps' }), h('ol', { class: 'intro-steps' }, ...steps)),
      h(
        'div',
        null,
        h('h2', { text: 'How to read it' }),
        h(
          'ul',
          { class: 'intro-legend' },
          h('li', null, h('span', { class: 'pill s-ok', text: '✓ ok' }), ' both legs fine'),
          h('li', null, h('span', { class: 'pill s-failed', text: '✗ failed' }), ' a leg failed: its step is lit'),
          h('li', null, h('span', { class: 'pill s-insecure', text: '⚠ insecure' }), ' relayed despite a bad certificate'),
          h('li', null, h('span', { class: 'pill s-open', text: '◔ open' }), ' still running'),
          h('li', null, h('span', { class: 'lock' }), ' dashed arrow: encrypted on the wire, shown decrypted'),
          h('li', null, 'Click a message to see its bytes; hover a field to light them.'),
          h('li', null, 'Keys: ↑ ↓ Home End in the list, Enter to open, f to follow, Esc to close the bytes.'),
        ),
      ),
    ),
  );
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

/** How much of a connection's story the page holds (see ConnRecord.fetched). */
type Kept = 'all' | 'partial' | 'evicted' | 'asking';

function keptState(rec: ConnRecord): Kept {
  if (rec.events.length === 0) return rec.fetched ? 'evicted' : 'asking';
  if (rec.events[0]?.type === 'conn:open') return 'all';
  return rec.fetched ? 'partial' : 'asking'; // only live events so far: the rest may still be in tlslab's history
}

/** Says plainly that part or all of a connection's events are gone (history is bounded), or are being fetched. */
function keptNote(kept: Kept, events: readonly TlslabEvent[]): HTMLElement {
  const text: Record<Exclude<Kept, 'all'>, string> = {
    evicted: 'Details no longer kept. tlslab keeps only the most recent events (its history is bounded; failed and lab connections are kept longest), and this connection\'s were dropped to make room. The summary above is what remains.',
    partial: `The start of this connection is no longer kept: its first events were dropped from tlslab's bounded history. The ladder begins at event #${events[0]?.seq ?? '?'}; steps before it are missing, not skipped.`,
    asking: 'Asking tlslab for this connection\'s events…',
  };
  if (kept === 'all') return h('span');
  return h('div', { class: `kept-note kept-${kept}`, role: 'status' }, h('strong', { text: kept === 'evicted' ? 'Evicted · ' : kept === 'partial' ? 'Partly evicted · ' : '' }), text[kept]);
}

function findLast<T extends TlslabEvent>(events: readonly TlslabEvent[], pred: (e: TlslabEvent) => e is T): T | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (pred(e)) return e;
  }
  return undefined;
}

/** Record header fields, RFC 8446 §5.1 / RFC 5246 §6.2.1. */
function recordFields(hexLen: number, encrypted: boolean): Field[] {
  const fields: Field[] = [
    encrypted ? { name: 'content_type', range: [0, 1], note: 'TLS 1.3 hides the real type: encrypted records all say application_data (23).' } : { name: 'content_type', range: [0, 1] },
    { name: 'legacy_record_version', range: [1, 3], note: 'Frozen at 0x0303 (or 0x0301 in a first ClientHello) for old middleboxes.' },
    { name: 'length', range: [3, 5] },
    encrypted ? { name: 'encrypted_record', range: [5, hexLen / 2], note: 'Ciphertext and the 16-byte AEAD tag.' } : { name: 'fragment', range: [5, hexLen / 2] },
  ];
  return fields;
}

/** What the hex view says of a deferred event: its bytes are being asked for, or no longer kept. */
function pendingOf(rec: ConnRecord, seq: number): Pick<HexSource, 'hex' | 'fields' | 'pending'> {
  return { hex: '', fields: [], pending: rec.detailsGone.has(seq) ? 'gone' : 'loading' };
}

function sourceOf(e: TlslabEvent, rec: ConnRecord): HexSource | null {
  const all = rec.events;
  switch (e.type) {
    case 'tls:handshake': {
      const title = `${HANDSHAKE_LABEL[e.msgType.code] ?? e.msgType.name} (${e.msgType.name}, type ${e.msgType.code})`;
      const caption = `${e.leg} leg · ${WHO[e.leg][e.from]} · ${e.length + 4} bytes${e.encrypted ? ' · sent encrypted, shown decrypted' : ''}`;
      const bytes = e.hex !== undefined ? { hex: e.hex, fields: e.fields ?? [] } : pendingOf(rec, e.seq);
      const src: HexSource = { title, caption, ...bytes };
      if (e.note !== undefined) src.note = e.note;
      return src;
    }
    case 'tls:record': {
      const title = `Record: ${e.contentType.name}`;
      const caption = `${e.leg} leg · ${WHO[e.leg][e.from]} · offset ${e.offset}${e.truncated ? ' · cut' : ''}`;
      return e.hex !== undefined ? { title, caption, hex: e.hex, fields: recordFields(e.hex.length, e.encrypted) } : { title, caption, ...pendingOf(rec, e.seq) };
    }
    case 'tls:appdata':
      return e.previewHex
        ? { title: 'Application data', hex: e.previewHex, fields: [], caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · first ${e.previewHex.length / 2} of ${e.length} bytes${e.decrypted ? ', decrypted' : ''}` }
        : null;
    case 'tls:ccs': {
      const rec = all.find((r) => r.type === 'tls:record' && r.leg === e.leg && r.from === e.from && r.offset === e.offset);
      if (rec && rec.type === 'tls:record' && rec.hex !== undefined) return { title: 'ChangeCipherSpec', hex: rec.hex, fields: [...recordFields(rec.hex.length, false).slice(0, 3), { name: 'change_cipher_spec', value: 'change_cipher_spec (1)', range: [5, 6] }], caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · offset ${e.offset}` };
      return { title: 'ChangeCipherSpec', hex: '01', fields: [{ name: 'change_cipher_spec', value: '1', range: [0, 1] }], caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · the one-byte message` };
    }
    case 'tls:alert': {
      const hex = e.level.code.toString(16).padStart(2, '0') + e.description.code.toString(16).padStart(2, '0');
      return {
        title: `Alert: ${e.description.name}`,
        hex,
        fields: [
          { name: 'level', value: `${e.level.name} (${e.level.code})`, range: [0, 1] },
          { name: 'description', value: `${e.description.name} (${e.description.code})`, range: [1, 2] },
        ],
        caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · the alert's two bytes${e.encrypted ? ' (sent encrypted, shown decrypted)' : ''}`,
        note: 'RFC 8446 §6: an alert is two bytes, a level and a description.',
      };
    }
    default:
      return null;
  }
}

/** `/api/connections/<id>/pcapng` (same origin: the token cookie goes along). */
export function pcapngHref(id: string): string {
  return `/api/connections/${encodeURIComponent(id)}/pcapng`;
}

/** How long after a "where to look" link opened a place live re-renders keep it in view. */
const LOOK_HOLD_MS = 3000;

/** The page is still asking tlslab for the rest of the connection's events (the snapshot left them out). */
function incomplete(rec: ConnRecord): boolean {
  return keptState(rec) === 'asking' || rec.detailsLoading;
}
