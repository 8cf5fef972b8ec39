// One row of the connection list: status word and icon, host and time, what failed and the first request, versions,
// ALPN, new or resumed, student and client; its fixed height. DOM only: fills a row element from a summary, no I/O.
import type { ConnectionSummary } from '../events/stream.js';
import { fmtClock, h, replace } from './dom.js';
import { LEG_TEXT, STATUS_TEXT, hostText, versionText } from './status.js';
import type { ConnRecord } from './store.js';

/** Row height in px: keep `--row-h` in style.css the same. */
export const ROW_H = 76;

/** The server was asked for this connection's events and had none left: its details were evicted. */
export function evicted(rec: ConnRecord): boolean {
  return rec.fetched && rec.events.length === 0;
}

/** The time of day a connection opened, to the second: `14:03:07`. */
function clockText(t: number): string {
  return fmtClock(t).slice(0, 8);
}

/** Fills row `el` with connection `s` (`gone`: tlslab no longer keeps its events). */
export function fillRow(el: HTMLElement, s: ConnectionSummary, gone: boolean): void {
  const st = STATUS_TEXT[s.status];
  el.className = `row s-${s.status}${el.classList.contains('selected') ? ' selected' : ''}`;
  const cv = versionText(s.legs.client.version);
  const uv = versionText(s.legs.upstream.version);
  const failed = s.failedLeg ? `✗ ${s.failedLeg} leg` : s.status === 'insecure' ? '⚠ insecure' : '';
  // What failed, in the failed leg's own terms: the verdict's codes, else the upstream cause (e.g. no DNS), else how
  // the browser reacted.
  const codes = s.legs.upstream.verdict && !s.legs.upstream.verdict.ok
    ? s.legs.upstream.verdict.codes.join(', ')
    : s.failedLeg === 'upstream' && s.cause
      ? s.cause
      : s.clientOutcome && s.clientOutcome !== 'accepted' ? s.clientOutcome : '';
  const req = s.firstRequest ? `${s.firstRequest.method} ${s.firstRequest.url}` : null;
  // The two connections a browser often opens per visit: a full handshake, then one that resumes it.
  const session = s.resumed === true ? 'resumed' : s.resumed === false ? 'new' : null;
  const alpn = s.legs.client.alpn;
  el.title = `${s.id} · opened ${fmtClock(s.openedAt)}${req ? ` · ${req}` : ''}${session ? ` · ${session === 'resumed' ? 'resumed an earlier TLS session' : 'full handshake'}` : ''}${gone ? ' · details no longer kept' : ''}`;
  const from = s.student ? `${s.student.name} (${s.client.address})` : s.client.address;
  el.setAttribute('aria-label', `${hostText(s)}, ${st.word}${s.failedLeg ? `, ${s.failedLeg} leg failed${codes ? ` (${codes})` : ''}` : ''}, opened ${clockText(s.openedAt)}${req ? `, ${req}` : ''}, from ${from}, ${cv}${session ? `, ${session}` : ''}`);
  replace(
    el,
    h(
      'span',
      { class: 'st', 'aria-hidden': 'true' },
      h('span', { class: 'st-icon', text: st.icon }),
      h('span', { class: 'st-word', text: st.word }),
      s.failedLeg ? h('span', { class: 'st-leg', title: `the ${s.failedLeg} leg (${LEG_TEXT[s.failedLeg]})`, text: s.failedLeg }) : null,
    ),
    h(
      'span',
      { class: 'row-main' },
      h(
        'span',
        { class: 'row-l1' },
        h('span', { class: 'host', title: hostText(s), text: hostText(s) }),
        h('span', { class: 'when', title: `opened ${fmtClock(s.openedAt)}`, text: clockText(s.openedAt) }),
      ),
      h(
        'span',
        { class: 'row-l2' },
        // The codes in full (what a class reads on the projector); the leg that failed is in the status column.
        failed ? h('span', { class: 'failed-leg', title: `${failed}${codes ? `: ${codes}` : ''}${s.failedLeg ? ` (${LEG_TEXT[s.failedLeg]})` : ''}`, text: codes || failed }) : null,
        req ? h('span', { class: 'req', title: req, text: req }) : failed ? null : h('span', { class: 'req none', text: s.closedAt === null ? 'no request yet' : 'no request' }),
        gone ? h('span', { class: 'tag evicted-tag', title: 'tlslab no longer keeps this connection\'s events (history is bounded): the summary is all that is left', text: 'details evicted' }) : null,
      ),
      h(
        'span',
        { class: 'row-l3' },
        s.student ? h('span', { class: 'student', title: `Student: ${s.student.name}`, text: s.student.name }) : null,
        h('span', { class: 'ver', title: `client leg ${cv}, upstream leg ${uv}`, text: cv === uv ? cv : `${cv} | ${uv}` }),
        alpn ? h('span', { class: 'alpn', title: 'the application protocol on the client leg (ALPN)', text: alpn }) : null,
        session ? h('span', { class: `session session-${session}`, title: session === 'resumed' ? 'The browser resumed an earlier TLS session: no certificate was sent on this connection' : 'A full handshake: tlslab presented its certificate', text: session }) : null,
        h('span', { class: 'client', title: `${s.client.address}:${s.client.port}`, text: s.client.address }),
      ),
    ),
  );
}
