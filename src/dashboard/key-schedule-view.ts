// The key schedule of one connection, both legs, as the server computes it from the legs' own secrets: inputs
// (transcript hashes, key shares, the unknown shared secret), then each derivation with its label and value.
// Network: GET /api/connections/:id/key-schedule (secrets: the server serves it to the connection's owner only).
import { apiGet, unreachableText } from './api-fetch.js';
import { h, replace } from './dom.js';

interface Input { id: string; name: string; hex: string | null; source: string; messages?: string[]; why?: string }
interface Step {
  id: string; name: string; op: string; formula: string; label?: string; from: string[]; hex: string | null; source: string;
  keyLog?: { label: string; matches: boolean }; wire?: { message: string; matches: boolean }; why?: string; rfc: string;
}
interface LegSchedule { version: string; cipherSuite: string; hash: string; inputs: Input[]; steps: Step[]; notes: string[] }

/** Long values shortened to their first 16 bytes; the whole value is in the tooltip and selectable. */
function hexCell(hex: string | null, why?: string): HTMLElement {
  if (hex === null) return h('span', { class: 'ks-unknown', text: `unknown${why ? `: ${why}` : ''}` });
  return h('code', { class: 'ks-hex', title: hex, text: hex.length > 32 ? `${hex.slice(0, 32)}…` : hex });
}

function legView(name: string, s: LegSchedule | { unavailable: string }): HTMLElement {
  if ('unavailable' in s) return h('section', { class: 'ks-leg' }, h('h3', { text: name }), h('p', { text: s.unavailable }));
  return h('section', { class: 'ks-leg', 'data-leg': name },
    h('h3', { text: `${name}: ${s.version} · ${s.cipherSuite} · ${s.hash}` }),
    ...s.notes.map((n) => h('p', { class: 'ks-note', text: n })),
    h('h4', { text: 'Inputs' }),
    h('table', { class: 'ks-table' }, h('tbody', null, ...s.inputs.map((i) => h('tr', { class: `ks-${i.source}` },
      h('th', { text: i.name }), h('td', { text: i.source }), h('td', null, hexCell(i.hex, i.why), i.messages ? h('div', { class: 'ks-msgs', text: i.messages.join(' · ') }) : null))))),
    h('h4', { text: 'Derivations' }),
    h('table', { class: 'ks-table' }, h('tbody', null, ...s.steps.map((st) => h('tr', { class: `ks-${st.source}`, 'data-step': st.id },
      h('th', { text: st.name }),
      h('td', null, h('div', { text: st.formula }), st.label ? h('div', { class: 'ks-label', text: `label "${st.label}"` }) : null, h('div', { class: 'ks-rfc', text: st.rfc })),
      h('td', null, hexCell(st.hex, st.why),
        st.keyLog ? h('div', { class: st.keyLog.matches ? 'ks-ok' : 'ks-bad', text: `${st.keyLog.matches ? '✓ equals' : '✗ differs from'} the key log's ${st.keyLog.label}` }) : null,
        st.wire ? h('div', { class: st.wire.matches ? 'ks-ok' : 'ks-bad', text: `${st.wire.matches ? '✓ equals' : '✗ differs from'} the ${st.wire.message} on the wire` }) : null))))));
}

export class KeyScheduleView {
  readonly el = h('dialog', { class: 'ks-dialog', 'aria-label': 'Key schedule' });

  async open(conn: string): Promise<void> {
    if (!this.el.isConnected) document.body.append(this.el);
    const close = h('button', { type: 'button', class: 'ks-close', text: '✕', 'aria-label': 'Close' });
    close.addEventListener('click', () => this.el.close());
    replace(this.el, close, h('p', { text: `Loading the key schedule of ${conn}…` }));
    if (!this.el.open) this.el.showModal();
    let r: Response;
    try {
      r = await apiGet(`/api/connections/${encodeURIComponent(conn)}/key-schedule`);
    } catch {
      replace(this.el, close, h('p', { text: unreachableText(`the key schedule of ${conn}`) }));
      return;
    }
    const body = (await r.json()) as { legs?: Record<'client' | 'upstream', LegSchedule | { unavailable: string }>; message?: string };
    if (!r.ok || body.legs === undefined) {
      replace(this.el, close, h('p', { text: body.message ?? `No key schedule (${r.status}).` }));
      return;
    }
    replace(this.el, close, h('h2', { text: `Key schedule of ${conn}` }), legView('client leg', body.legs.client), legView('upstream leg', body.legs.upstream));
  }
}
