// Step-through replay of one connection: its two ladders played message by message with the note for each, back and
// forth, at a chosen speed, in wire order or in the eight steps' order. Network: GET /api/connections/:id/events.
import { LESSON_STEPS, type TlslabEvent } from '../events/schema.js';
import { replayItems, type ReplayItem, type ReplayOrder } from '../lessons/replay.js';
import { apiGet, unreachableText } from './api-fetch.js';
import { h, replace } from './dom.js';

const SPEEDS = [0.5, 1, 2, 4];
const BASE_MS = 1500;

export class ReplayView {
  readonly el = h('dialog', { class: 'replay-dialog', 'aria-label': 'Step-through replay' });
  private events: TlslabEvent[] = [];
  private order: ReplayOrder = 'wire';
  private items: ReplayItem[] = [];
  private at = 0;
  private speed = 1;
  private timer: number | null = null;
  private conn = '';

  constructor() {
    this.el.addEventListener('close', () => this.pause());
  }

  async open(conn: string): Promise<void> {
    this.conn = conn;
    if (!this.el.isConnected) document.body.append(this.el);
    replace(this.el, h('p', { text: `Loading ${conn}…` }));
    if (!this.el.open) this.el.showModal();
    try {
      const r = await apiGet(`/api/connections/${encodeURIComponent(conn)}/events`);
      this.events = r.ok ? ((await r.json()) as TlslabEvent[]) : [];
    } catch {
      const close = h('button', { type: 'button', text: '✕', 'aria-label': 'Close', title: 'Close' });
      close.addEventListener('click', () => this.el.close());
      replace(this.el, close, h('p', { class: 'replay-error', text: unreachableText(`the replay of ${conn}`) }));
      return;
    }
    this.setOrder(this.order);
  }

  private setOrder(order: ReplayOrder): void {
    const current = this.items[this.at]?.seq;
    this.order = order;
    this.items = replayItems(this.events, order);
    const i = this.items.findIndex((x) => x.seq === current);
    this.at = i >= 0 ? i : 0;
    this.render();
  }

  private go(i: number): void {
    this.at = Math.max(0, Math.min(this.items.length - 1, i));
    if (this.at === this.items.length - 1) this.pause();
    this.render();
  }

  private play(): void {
    if (this.at >= this.items.length - 1) this.at = 0;
    this.timer = window.setInterval(() => this.go(this.at + 1), BASE_MS / this.speed);
    this.render();
  }

  private pause(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private render(): void {
    const cur = this.items[this.at];
    const btn = (text: string, label: string, fn: () => void, disabled = false): HTMLButtonElement => {
      const b = h('button', { type: 'button', text, 'aria-label': label, title: label, disabled });
      b.addEventListener('click', fn);
      return b;
    };
    const speed = h('select', { 'aria-label': 'Speed' }, ...SPEEDS.map((s) => h('option', { value: String(s), text: `${s}×`, selected: s === this.speed })));
    speed.addEventListener('change', () => {
      this.speed = Number(speed.value);
      if (this.timer !== null) {
        this.pause();
        this.play();
      }
    });
    const order = h('select', { 'aria-label': 'Order' }, h('option', { value: 'wire', text: 'Wire order', selected: this.order === 'wire' }), h('option', { value: 'story', text: "The eight steps' order", selected: this.order === 'story' }));
    order.addEventListener('change', () => this.setOrder(order.value as ReplayOrder));
    const playing = this.timer !== null;
    const controls = h('div', { class: 'replay-controls' },
      btn('⏮', 'First', () => this.go(0), this.at === 0), btn('◀', 'Back', () => this.go(this.at - 1), this.at === 0),
      btn(playing ? '⏸' : '▶', playing ? 'Pause' : 'Play', () => (playing ? (this.pause(), this.render()) : this.play())),
      btn('▶|', 'Forward', () => this.go(this.at + 1), this.at >= this.items.length - 1),
      speed, order, h('span', { class: 'replay-pos', text: `${this.items.length ? this.at + 1 : 0} / ${this.items.length}` }),
      btn('✕', 'Close', () => this.el.close()));
    const column = (leg: 'client' | 'upstream'): HTMLElement => h('ol', { class: `replay-leg replay-${leg}` },
      h('li', { class: 'replay-leg-head', text: leg === 'client' ? 'Client leg: browser ↔ tlslab' : 'Upstream leg: tlslab ↔ server' }),
      ...this.items.slice(0, this.at + 1).filter((x) => x.leg === leg || x.leg === null).map((x) => h('li', {
        class: `replay-item${x === cur ? ' replay-current' : ''}${x.encrypted ? ' replay-enc' : ''}`,
        text: `${x.from === 'client' ? '→' : x.from === 'server' ? '←' : '•'} ${x.label}${x.encrypted ? ' 🔒' : ''}`,
      })));
    const now = cur === undefined ? h('p', { text: 'No TLS messages on this connection.' }) : h('div', { class: 'replay-now', role: 'status', 'aria-live': 'polite' },
      h('div', { class: 'replay-now-title', text: cur.label }),
      h('div', { class: 'replay-now-where', text: `${cur.leg ? `${cur.leg} leg` : 'connection'}${cur.from ? `, from the ${cur.from}` : ''} · step ${cur.step} (${LESSON_STEPS[cur.step]})${cur.encrypted ? ' · encrypted on the wire' : ''}` }),
      cur.detail ? h('div', { class: 'replay-now-detail', text: cur.detail }) : null,
      cur.note ? h('p', { class: 'replay-now-note', text: cur.note }) : null);
    replace(this.el, h('h2', { text: `Replay of ${this.conn}` }), controls, now, h('div', { class: 'replay-ladders' }, column('client'), column('upstream')));
  }
}
