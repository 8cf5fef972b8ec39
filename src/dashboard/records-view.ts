// The decrypted records and the HTTP exchange of one connection, per leg, plus every alert and close_notify.
// DOM only; records are clickable (data-seq) to open them in the hex view.
import type { HttpRequestEvent, HttpResponseEvent, Leg, TlslabEvent } from '../events/schema.js';
import { asciiOf, fmtBytes, fmtMs, h, hexToBytes } from './dom.js';

const WHO: Readonly<Record<Leg, Record<'client' | 'server', string>>> = {
  client: { client: 'browser → tlslab', server: 'tlslab → browser' },
  upstream: { client: 'tlslab → server', server: 'server → tlslab' },
};

/** `closed`: the connection has ended, so a request without a response will never get one here. */
export function renderRecords(events: readonly TlslabEvent[], t0: number, closed: boolean): HTMLElement {
  const reqs = events.filter((e): e is HttpRequestEvent => e.type === 'http:request');
  const resps = events.filter((e): e is HttpResponseEvent => e.type === 'http:response');
  return h(
    'section',
    { class: 'records', 'aria-label': 'Decrypted records and HTTP' },
    h('h2', { text: 'HTTP exchange' }),
    reqs.length === 0 ? h('p', { class: 'muted', text: 'No HTTP request on this connection.' }) : h('div', { class: 'http-list' }, ...reqs.map((r) => httpPair(r, resps.find((x) => x.id === r.id), closed))),
    h('h2', { text: 'Records on both legs' }),
    h('div', { class: 'rec-cols' }, legRecords(events, 'client', t0), legRecords(events, 'upstream', t0)),
  );
}

function httpPair(req: HttpRequestEvent, resp: HttpResponseEvent | undefined, closed: boolean): HTMLElement {
  return h(
    'div',
    { class: 'http' },
    h('div', { class: 'http-req' }, h('div', { class: 'http-line', text: `${req.method} ${req.url} HTTP/${req.httpVersion}` }), headers(req.headers)),
    resp
      ? h('div', { class: `http-resp${resp.status >= 400 ? ' http-err' : ''}` }, h('div', { class: 'http-line', text: `${resp.status} ${resp.statusText} · ${fmtBytes(resp.bodyBytes)} body` }), headers(resp.headers))
      : h('div', { class: 'http-resp muted', text: closed ? 'No response was seen: the connection ended before one arrived.' : 'waiting for the response…' }),
  );
}

function headers(hs: [string, string][]): HTMLElement {
  return h('dl', { class: 'http-headers' }, ...hs.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]));
}

function legRecords(events: readonly TlslabEvent[], leg: Leg, t0: number): HTMLElement {
  const rows: HTMLElement[] = [];
  for (const e of events) {
    if (!('leg' in e) || e.leg !== leg) continue;
    const when = fmtMs(Math.max(0, e.t - t0));
    if (e.type === 'tls:record') {
      rows.push(
        h(
          'button',
          { type: 'button', class: `rec${e.encrypted ? ' enc' : ''}`, 'data-seq': e.seq },
          h('span', { class: 'rec-when', text: when }),
          h('span', { class: 'rec-who', text: WHO[leg][e.from] }),
          h('span', { class: 'rec-type', text: `${e.encrypted ? 'encrypted · ' : ''}${e.contentType.name}${e.innerType ? ` (inside: ${e.innerType.name})` : ''}` }),
          h('span', { class: 'rec-len', text: `${e.length} B @${e.offset}` }),
        ),
      );
    } else if (e.type === 'tls:appdata') {
      rows.push(
        h(
          'button',
          { type: 'button', class: 'rec appdata', 'data-seq': e.seq },
          h('span', { class: 'rec-when', text: when }),
          h('span', { class: 'rec-who', text: WHO[leg][e.from] }),
          h('span', { class: 'rec-type', text: e.decrypted ? 'application data (decrypted)' : 'application data (still encrypted)' }),
          h('span', { class: 'rec-len', text: `${e.length} B` }),
          e.previewHex ? miniDump(e.previewHex) : null,
        ),
      );
    } else if (e.type === 'tls:alert') {
      rows.push(
        h(
          'button',
          { type: 'button', class: `rec alert${e.fatal ? ' fatal' : ''}`, 'data-seq': e.seq },
          h('span', { class: 'rec-when', text: when }),
          h('span', { class: 'rec-who', text: WHO[leg][e.from] }),
          h('span', { class: 'rec-type', text: `${e.fatal ? '✗' : '•'} alert ${e.description.name} (${e.level.name})${e.encrypted ? ', encrypted' : ''}` }),
        ),
      );
    } else if (e.type === 'tls:undecryptable') {
      rows.push(h('div', { class: 'rec warn' }, h('span', { class: 'rec-when', text: when }), h('span', { class: 'rec-who', text: WHO[leg][e.from] }), h('span', { class: 'rec-type', text: `⚠ not decrypted: ${e.message}` })));
    }
  }
  return h('div', { class: `rec-col rec-${leg}` }, h('h3', { text: leg === 'client' ? 'Client leg (browser ↔ tlslab)' : 'Upstream leg (tlslab ↔ server)' }), rows.length ? h('div', { class: 'rec-list' }, ...rows) : h('p', { class: 'muted', text: 'No records yet.' }));
}

/** A small hex + ASCII dump of an application-data preview (at most 64 bytes shown). */
function miniDump(hex: string): HTMLElement {
  const b = hexToBytes(hex).subarray(0, 64);
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const row = Array.from(b.subarray(i, i + 16));
    lines.push(`${row.map((x) => x.toString(16).padStart(2, '0')).join(' ').padEnd(47)}  ${row.map(asciiOf).join('')}`);
  }
  return h('pre', { class: 'mini-dump', text: lines.join('\n') });
}
