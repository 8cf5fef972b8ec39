// The connection view: header and failure summary, both ladders, the hex view of the picked message,
// the certificate chains and the records/HTTP exchange. DOM only; re-rendered per animation frame when its events change.
import { FAILURE_CAUSES, LESSON_STEPS, type Field, type LessonStep, type Student, type TlsClientOutcomeEvent, type TlsVerdictEvent, type TlslabEvent } from '../events/schema.js';
import { fmtBytes, fmtClock, fmtMs, h, replace } from './dom.js';
import { findingList, renderChains } from './cert-view.js';
import { HexView, type HexSource } from './hex-view.js';
import { HANDSHAKE_LABEL } from './ladder-model.js';
import { renderLadders } from './ladder-view.js';
import { renderRecords } from './records-view.js';
import { LEG_TEXT, STATUS_TEXT, hostText, versionText } from './status.js';
import type { ConnRecord } from './store.js';

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
  /** The student being spotlighted, if any: their connection header says so instead of offering it again. */
  spotlighted: string | null = null;

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
    const st = STATUS_TEXT[s.status];
    const t0 = events.find((e) => e.type === 'tls:handshake' && e.leg === 'client' && e.msgType.code === 1)?.t ?? s.openedAt;

    const verdict = findLast(events, (e): e is TlsVerdictEvent => e.type === 'tls:verdict');
    const outcome = findLast(events, (e): e is TlsClientOutcomeEvent => e.type === 'tls:client-outcome');
    const problems: HTMLElement[] = [];
    if (verdict && !verdict.ok) problems.push(h('div', { class: 'problem' }, h('h3', { text: `Upstream leg (${LEG_TEXT.upstream}): the real server's certificate failed verification` }), findingList(verdict.findings)));
    if (outcome && outcome.outcome !== 'accepted') problems.push(h('div', { class: 'problem' }, h('h3', { text: `Client leg (${LEG_TEXT.client}): the browser did not accept tlslab's certificate` }), h('p', { class: 'problem-text', text: outcome.explanation })));
    if (problems.length === 0 && s.status === 'failed') problems.push(h('div', { class: 'problem' }, h('h3', { text: s.failedLeg ? `${s.failedLeg === 'client' ? 'Client' : 'Upstream'} leg failed` : 'The connection failed' }), h('p', { class: 'problem-text', text: s.explanation ?? (s.cause ? FAILURE_CAUSES[s.cause] : '') })));

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
        this.spotlightButton(s.id, s.student),
        h('a', { class: 'pcapng-link', href: pcapngHref(s.id), download: `tlslab-${s.id}.pcapng`, title: 'Both legs as a pcapng with the session keys inside: Wireshark opens it decrypted', text: 'Open in Wireshark (pcapng)' }),
        h('a', { class: 'pcapng-link', href: `/api/export.har?conn=${encodeURIComponent(s.id)}`, download: `tlslab-${s.id}.har`, title: 'This connection\'s HTTP requests and responses as HAR 1.2 (credentials masked)', text: 'HAR' }),
        h('a', { class: 'pcapng-link', href: `/api/connections/${encodeURIComponent(s.id)}/events`, download: `tlslab-${s.id}-events.json`, title: 'Every event of this connection as JSON (the schema in docs/events.md)', text: 'Events (JSON)' }),
      ),
      h(
        'div',
        { class: 'conn-legs' },
        legLine('Client leg', LEG_TEXT.client, s.legs.client.version, s.legs.client.cipherSuite, s.legs.client.alpn, s.legs.client.bytesIn + s.legs.client.bytesOut),
        legLine('Upstream leg', LEG_TEXT.upstream, s.legs.upstream.version, s.legs.upstream.cipherSuite, s.legs.upstream.alpn, s.legs.upstream.bytesIn + s.legs.upstream.bytesOut),
      ),
      problems.length ? h('div', { class: 'problems', role: 'alert' }, ...problems) : null,
    );

    replace(this.ladders, renderLadders(events, { newerThan: this.renderedSeq, pickedSeq: this.picked }));
    if (this.follow) {
      // On the projector, keep the newest message in view as the steps appear.
      const fresh = this.ladders.querySelectorAll('.enter');
      fresh[fresh.length - 1]?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
    const last = events[events.length - 1];
    this.renderedSeq = last ? last.seq : this.renderedSeq;
    if (this.renderedSeq === Number.MAX_SAFE_INTEGER) this.renderedSeq = -1;
    replace(this.rest, renderChains(events), renderRecords(events, t0));
    if (this.picked !== null) this.rest.querySelector(`[data-seq="${this.picked}"]`)?.classList.add('picked');
  }

  /** "Spotlight NAME" for a student's connection on the instructor's dashboard (not while they are spotlighted). */
  private spotlightButton(conn: string, student: Student | undefined): HTMLElement | null {
    const on = this.onSpotlight;
    if (on === null || student === undefined || this.spotlighted === student.id) return null;
    const b = h('button', { type: 'button', class: 'toggle spotlight-btn', title: `Show this connection large and follow ${student.name}'s newest connections (for the projector)`, text: `◎ Spotlight ${student.name}` });
    b.addEventListener('click', () => on(student, conn));
    return b;
  }

  /** Opens event `seq` in the hex view (or closes it with null). Certificates scroll to the chains. */
  pick(seq: number | null): void {
    const e = seq === null ? undefined : this.rec?.events.find((x) => x.seq === seq);
    if (e && (e.type === 'tls:verdict' || e.type === 'tls:presented' || e.type === 'tls:client-outcome')) {
      this.el.querySelector('#chains')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
      return;
    }
    const src = e ? sourceOf(e, this.rec?.events ?? []) : null;
    this.picked = src ? (e as TlslabEvent).seq : null;
    this.hexWrap.hidden = !src;
    if (src) {
      this.hex.show(src);
      this.hexWrap.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
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

function legLine(title: string, who: string, v: { name: string } | null, suite: { name: string } | null, alpn: string | null, bytes: number): HTMLElement {
  return h(
    'div',
    { class: 'leg-line' },
    h('strong', { text: `${title} ` }),
    h('span', { class: 'muted', text: `${who}: ` }),
    h('span', { text: [versionText(v), suite ? versionText(suite) : null, alpn].filter(Boolean).join(' · ') }),
    bytes ? h('span', { class: 'muted', text: ` · ${fmtBytes(bytes)}` }) : null,
  );
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

function sourceOf(e: TlslabEvent, all: readonly TlslabEvent[]): HexSource | null {
  switch (e.type) {
    case 'tls:handshake': {
      const src: HexSource = { title: `${HANDSHAKE_LABEL[e.msgType.code] ?? e.msgType.name} (${e.msgType.name}, type ${e.msgType.code})`, hex: e.hex, fields: e.fields, caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · ${e.length + 4} bytes${e.encrypted ? ' · sent encrypted, shown decrypted' : ''}` };
      if (e.note !== undefined) src.note = e.note;
      return src;
    }
    case 'tls:record':
      return { title: `Record: ${e.contentType.name}`, hex: e.hex, fields: recordFields(e.hex.length, e.encrypted), caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · offset ${e.offset}${e.truncated ? ' · cut' : ''}` };
    case 'tls:appdata':
      return e.previewHex
        ? { title: 'Application data', hex: e.previewHex, fields: [], caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · first ${e.previewHex.length / 2} of ${e.length} bytes${e.decrypted ? ', decrypted' : ''}` }
        : null;
    case 'tls:ccs': {
      const rec = all.find((r) => r.type === 'tls:record' && r.leg === e.leg && r.from === e.from && r.offset === e.offset);
      if (rec && rec.type === 'tls:record') return { title: 'ChangeCipherSpec', hex: rec.hex, fields: [...recordFields(rec.hex.length, false).slice(0, 3), { name: 'change_cipher_spec', value: 'change_cipher_spec (1)', range: [5, 6] }], caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · offset ${e.offset}` };
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
