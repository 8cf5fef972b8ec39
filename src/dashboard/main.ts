// The dashboard entry point: builds the page, connects the stream to the store and the store to the views.
// Network: the /ws stream (stream-client.ts) and GET /api/connections/:id/events for connections opened after eviction.
import { EVENT_SCHEMA_VERSION, type TlslabEvent } from '../events/schema.js';
import type { ServerMessage } from '../events/stream.js';
import { ConnView } from './conn-view.js';
import { h, replace } from './dom.js';
import { ListView } from './list-view.js';
import { Store } from './store.js';
import { StreamClient, streamUrl, type LinkState } from './stream-client.js';

const params = new URLSearchParams(location.search);
const store = new Store();
const conn = new ConnView();
const list = new ListView(store, (id) => open(id));

// --- header: brand, link state, counts, follow and theme toggles -------------------------------------
const linkPill = h('span', { class: 'link link-connecting', role: 'status', 'aria-live': 'polite', text: 'Connecting…' });
const followBtn = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false', title: 'Follow the newest connection, large (for the projector)', text: '◉ Follow' });
const themeBtn = h('button', { type: 'button', class: 'toggle', 'aria-label': 'Switch between dark and light theme', text: '◐ Theme' });
const gapBar = h('div', { class: 'gap-banner', role: 'alert', hidden: true });
const header = h(
  'header',
  { class: 'top' },
  h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('span', { class: 'brand-name', text: 'tlslab' }), h('span', { class: 'brand-sub', text: 'both handshakes, live' })),
  h('div', { class: 'top-right' }, linkPill, followBtn, themeBtn),
);
document.body.append(header, gapBar, h('div', { class: 'layout' }, list.el, conn.el));

// --- theme --------------------------------------------------------------------------------------------
const themeParam = params.get('theme');
let theme = themeParam === 'light' || themeParam === 'dark' ? themeParam : localStorage.getItem('tlslab-theme') ?? (matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
const applyTheme = (): void => {
  document.documentElement.dataset['theme'] = theme;
};
applyTheme();
themeBtn.addEventListener('click', () => {
  theme = theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem('tlslab-theme', theme);
  applyTheme();
});

// --- follow mode ------------------------------------------------------------------------------------
let follow = params.get('follow') === '1';
const setFollow = (on: boolean): void => {
  follow = on;
  conn.follow = on;
  document.body.classList.toggle('follow', on);
  followBtn.setAttribute('aria-pressed', String(on));
  followBtn.textContent = on ? '◉ Following newest' : '◉ Follow';
  setParam('follow', on ? '1' : null);
  if (on && store.newest) open(store.newest);
};
followBtn.addEventListener('click', () => setFollow(!follow));
document.addEventListener('keydown', (ev) => {
  if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
  if (ev.key === 'f' && !ev.ctrlKey && !ev.metaKey && !ev.altKey) setFollow(!follow);
  if (ev.key === 'Escape') conn.pick(null);
});

// --- opening a connection ---------------------------------------------------------------------------
const fetched = new Set<string>();
function open(id: string): void {
  const rec = store.conns.get(id);
  if (!rec) return;
  list.select(id);
  conn.show(rec);
  setParam('conn', follow ? null : id);
  // History may have evicted this connection's events while its summary stayed: ask the REST API for them.
  const maxSeq = rec.events.length ? (rec.events[rec.events.length - 1] as TlslabEvent).seq : -1;
  if (maxSeq < rec.summary.lastSeq && !fetched.has(id)) {
    fetched.add(id);
    fetch(`/api/connections/${encodeURIComponent(id)}/events`) // same origin: the token cookie goes along
      .then((r) => (r.ok ? (r.json() as Promise<TlslabEvent[] | { events: TlslabEvent[] }>) : null))
      .then((body) => {
        if (body) store.merge(id, Array.isArray(body) ? body : body.events);
      })
      .catch(() => undefined);
  }
}

function setParam(k: string, v: string | null): void {
  const p = new URLSearchParams(location.search);
  if (v === null) p.delete(k);
  else p.set(k, v);
  const q = p.toString();
  history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}`);
}

// --- the store drives the views, once per animation frame ------------------------------------------
let wantConn = params.get('conn');
store.subscribe((c) => {
  list.update(c);
  if (follow && store.newest && store.newest !== conn.current) open(store.newest);
  else if (wantConn && store.conns.has(wantConn)) {
    open(wantConn);
    wantConn = null;
  } else if (conn.current && (c.ids.has(conn.current) || c.structural)) {
    const rec = store.conns.get(conn.current);
    conn.show(rec ?? null);
  }
});

// --- the stream ---------------------------------------------------------------------------------------
let missed = 0;
function onMessage(m: ServerMessage): void {
  switch (m.kind) {
    case 'hello':
      if (m.schema !== EVENT_SCHEMA_VERSION) showGap(`The server speaks event schema ${m.schema}, this page ${EVENT_SCHEMA_VERSION}: reload the page (or rebuild the dashboard).`, false);
      break;
    case 'snapshot':
      store.reset(m.events, m.summaries);
      if (m.evicted > 0) showGap(`History holds the latest events only: ${m.evicted} older events were evicted.`, false);
      break;
    case 'events':
      store.apply(m.events);
      break;
    case 'gap':
      missed += m.missed;
      showGap(
        m.reason === 'slow-consumer'
          ? `This page fell behind: ${missed} events were not delivered (seq ${m.fromSeq}–${m.toSeq}). Some ladders may be incomplete; reload to resync.`
          : `${m.missed} events (seq ${m.fromSeq}–${m.toSeq}) were evicted from history before this page got them.`,
        true,
      );
      break;
    case 'heartbeat':
      break;
    default:
      assertNeverMsg(m);
  }
}
/** A newer server may send kinds this page does not know: note them, never crash the stream on them. */
function assertNeverMsg(m: never): void {
  console.warn('unknown stream message', m);
}

function showGap(text: string, withReload: boolean): void {
  const dismiss = h('button', { type: 'button', class: 'gap-x', 'aria-label': 'Dismiss', text: '×' });
  const reload = withReload ? h('button', { type: 'button', class: 'gap-reload', text: 'Resync' }) : null;
  replace(gapBar, h('span', { class: 'gap-icon', 'aria-hidden': 'true', text: '⚠' }), h('span', { class: 'gap-text', text }), reload, dismiss);
  gapBar.hidden = false;
  dismiss.addEventListener('click', () => {
    gapBar.hidden = true;
    missed = 0;
  });
  reload?.addEventListener('click', () => {
    gapBar.hidden = true;
    missed = 0;
    client.stop();
    client.start();
  });
}

function onState(s: LinkState, detail: string): void {
  linkPill.className = `link link-${s}`;
  linkPill.textContent = s === 'live' ? '● Live' : s === 'connecting' ? '○ Connecting…' : `◌ ${detail}`;
}

const client = new StreamClient(streamUrl(location), { message: onMessage, state: onState });
client.start();
if (follow) setFollow(true);

/** For the browser tests and the curious: the live model, read-only by convention. */
(window as unknown as { tlslab: unknown }).tlslab = { store, list, conn };
