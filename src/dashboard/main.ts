// The dashboard entry point: builds the page, connects the stream to the store and the store to the views, and wires
// the parts (follow-mode.ts, url-state.ts, list-server.ts, conn-fetch.ts, gap-banner.ts, student-view.ts) together.
// Network: the /ws stream (stream-client.ts); the REST requests are in list-server.ts and conn-fetch.ts.
import { EVENT_SCHEMA_VERSION } from '../events/schema.js';
import { STREAM_PROTOCOL_VERSION, type ServerMessage } from '../events/stream.js';
import { isDeferred } from '../events/deferred.js';
import { ConnFetch } from './conn-fetch.js';
import { ConnView, type LookTarget } from './conn-view.js';
import { h } from './dom.js';
import { FollowMode } from './follow-mode.js';
import { GapBanner } from './gap-banner.js';
import { KeyScheduleView } from './key-schedule-view.js';
import { LessonPanel } from './lesson-panel.js';
import { ListServer } from './list-server.js';
import { ListView } from './list-view.js';
import { PlaybackBar, sessionExportLinks } from './playback.js';
import { ReplayView } from './replay-view.js';
import { RoomView } from './room-view.js';
import { Store } from './store.js';
import { StreamClient, streamUrl, type LinkState } from './stream-client.js';
import { studentView } from './student-view.js';
import { setUpTheme } from './theme.js';
import { lookFromUrl, params, setParam } from './url-state.js';

const store = new Store();
const conn = new ConnView();
const list = new ListView(store, (id) => open(id));
const room = new RoomView();
/** A connection's summary and events asked for by id (REST). */
const connFetch = new ConnFetch(store);
/** Step-through replay and the key schedule: one pair of dialogs for the connection view's header and the lesson panel. */
const dialogs = { replay: new ReplayView(), keys: new KeyScheduleView() };
conn.dialogs = dialogs;
conn.needDetails = (id) => connFetch.fetchEvents(id);
const lessons = new LessonPanel((id, at) => openAt(id, at ?? null), dialogs);
/** Follow mode, its scope (spotlight) and the background filter, with their buttons in the top bar. */
const followMode = new FollowMode(store, list, conn, (id) => open(id));

// --- header: brand, link state, counts, follow and theme toggles -------------------------------------
const linkPill = h('span', { class: 'link link-connecting', role: 'status', 'aria-live': 'polite', text: 'Connecting…' });
const themeBtn = h('button', { type: 'button', class: 'toggle', 'aria-label': 'Switch between dark and light theme', text: '◐ Theme' });
const roomBtn = h('button', { type: 'button', class: 'toggle room-btn', 'aria-pressed': 'false', 'aria-controls': 'room', title: 'Room overview: every student signed in to the proxy', text: '◫ Room', hidden: true });
const brandSub = h('span', { class: 'brand-sub', text: 'both handshakes, live' });
const gap = new GapBanner(() => {
  client.stop();
  client.start();
});
const studentBar = h('div', { class: 'student-bar', hidden: true });
const header = h(
  'header',
  { class: 'top' },
  h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('span', { class: 'brand-name', text: 'tlslab' }), brandSub),
  h('div', { class: 'top-right' }, followMode.spotPill, linkPill, sessionExportLinks(() => ''), lessons.button, roomBtn, followMode.bgBtn, followMode.followBtn, themeBtn),
);
// `tlslab open`: the replay's controls (the bar stays hidden on a live tlslab).
const playback = new PlaybackBar(() => {
  replaying = true;
  brandSub.textContent = 'both handshakes, replayed from a capture';
  onState(lastLink.s, lastLink.detail);
});
document.body.append(header, playback.el, studentBar, gap.el, room.el, lessons.el, h('div', { class: 'layout' }, list.el, conn.el));
playback.start();
setUpTheme(themeBtn);

// --- follow mode, its scope (spotlight) and the background filter (follow-mode.ts) ---------------------
conn.onSpotlight = (student, from) => followMode.startSpotlight(student, from);
conn.onScope = (next, from) => followMode.startScope(next, from);
let relayout = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(relayout);
  relayout = requestAnimationFrame(() => conn.relayout());
});
list.background = followMode.background;
room.onSpotlight = (student, from) => followMode.startSpotlight(student, from);
room.onShow = (id) => {
  followMode.setFollow(false);
  list.setFilter({ student: id });
  setParam('student', id);
};
list.onStudentFilter = (v) => setParam('student', v === '' ? null : v);

// --- the room overview ----------------------------------------------------------------------------------
const setRoom = (on: boolean): void => {
  room.setOpen(on);
  roomBtn.setAttribute('aria-pressed', String(on));
  setParam('room', on ? '1' : null);
};
roomBtn.addEventListener('click', () => setRoom(!room.open));
document.addEventListener('keydown', (ev) => {
  if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
  if (ev.key === 'f' && !ev.ctrlKey && !ev.metaKey && !ev.altKey) followMode.setFollow(!followMode.on);
  if (ev.key === 'Escape') conn.pick(null);
});

// --- older connections and the list's filters over every connection the server keeps (list-server.ts) ---------
const listServer = new ListServer(store, list);
list.onOlder = (): void => listServer.loadOlder();
list.onFilter = (f): void => listServer.filterChanged(f);

// --- opening a connection ---------------------------------------------------------------------------
const fetched = new Set<string>();
function open(id: string): void {
  const rec = store.conns.get(id);
  if (!rec) {
    connFetch.fetchSummary(id, () => open(id));
    return;
  }
  list.select(id);
  conn.show(rec);
  setParam('conn', followMode.on ? null : id);
  // History may have evicted this connection's events while its summary stayed, or the snapshot left out an older
  // connection's events while live ones arrived since: ask the REST API for them (once).
  const maxSeq = rec.events.length ? rec.events[rec.events.length - 1].seq : -1;
  const missing = (maxSeq < rec.summary.lastSeq || rec.events[0]?.type !== 'conn:open') && !fetched.has(id);
  if (missing) fetched.add(id);
  // The live stream leaves each message's bytes and fields out: the same answer has them, so a click shows them at
  // once (not asked for in follow mode, which opens every new connection on its own: there a click asks).
  if (missing || (!followMode.on && rec.events.some((e) => isDeferred(e) && !rec.detailsGone.has(e.seq)))) connFetch.fetchEvents(id);
}

/**
 * Opens connection `id` at a lesson's "where to look" place (or at its top when `at` is null); answers what of the
 * place the connection lacks, or null.
 */
function openAt(id: string, at: LookTarget | null): string | null {
  if (followMode.on) followMode.setFollow(false);
  open(id);
  if (conn.current !== id) return 'this connection is no longer kept';
  return at === null ? null : conn.reveal(at);
}

// --- the store drives the views, once per animation frame ------------------------------------------
let wantConn = params.get('conn');
let wantLook = wantConn ? lookFromUrl() : null;
followMode.spotlightFromUrl();
const wantStudent = params.get('student');
if (wantStudent) list.setFilter({ student: wantStudent });
if (params.get('room') === '1') setRoom(true);
store.subscribe((c) => {
  list.update(c);
  if (followMode.hidingBackground) followMode.showBackgroundCount();
  if (c.room || c.structural) {
    room.update(store.room);
    roomBtn.hidden = !(store.room !== null && (room.size > 0 || room.open));
    roomBtn.textContent = room.size > 0 ? `◫ Room (${room.size})` : '◫ Room';
  }
  followMode.startWantedSpotlight();
  const target = followMode.takeTarget();
  if (target) {
    open(target);
  } else if (wantConn && store.conns.has(wantConn)) {
    openAt(wantConn, wantLook);
    wantConn = null;
    wantLook = null;
  } else if (conn.current && (c.ids.has(conn.current) || c.structural)) {
    const rec = store.conns.get(conn.current);
    conn.show(rec ?? null);
  }
});

// --- the stream ---------------------------------------------------------------------------------------
function onMessage(m: ServerMessage): void {
  switch (m.kind) {
    case 'hello':
      if (m.schema !== EVENT_SCHEMA_VERSION) gap.show(`The server speaks event schema ${m.schema}, this page ${EVENT_SCHEMA_VERSION}: reload the page (or rebuild the dashboard).`, false);
      else if (m.protocol !== STREAM_PROTOCOL_VERSION) gap.show(`The server speaks stream protocol ${String(m.protocol)}, this page ${STREAM_PROTOCOL_VERSION}: reload the page (or rebuild the dashboard).`, false);
      if (m.student) studentView(m.student, { brandSub, studentBar, roomBtn, conn, lessons });
      break;
    case 'snapshot':
      store.reset(m.events, m.summaries, m.total, m.room);
      // A connection named in the URL that is older than the snapshot's window: asked for by id.
      if (wantConn !== null && !store.conns.has(wantConn)) connFetch.fetchSummary(wantConn, () => undefined);
      if (m.evicted > 0) gap.show(`History holds the latest events only: ${m.evicted} older events were evicted.`, false);
      break;
    case 'events':
      store.apply(m.events);
      break;
    case 'room-lessons':
      store.roomLessons(m.student, m.lessons);
      break;
    case 'gap':
      gap.gap(m);
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

/** Set once the server turns out to replay a capture (`tlslab open`): the stream is then not live traffic. */
let replaying = false;
let lastLink: { s: LinkState; detail: string } = { s: 'connecting', detail: '' };
function onState(s: LinkState, detail: string): void {
  lastLink = { s, detail };
  linkPill.className = `link link-${s}`;
  linkPill.textContent = s === 'live' ? (replaying ? '● Replay' : '● Live') : s === 'connecting' ? '○ Connecting…' : `◌ ${detail}`;
}

const client = new StreamClient(streamUrl(location), { message: onMessage, state: onState });
client.start();
followMode.setHideBackground(followMode.hidingBackground);
if (followMode.on) followMode.setFollow(true);

/** For the browser tests and the curious: the live model, read-only by convention. */
(window as unknown as { tlslab: unknown }).tlslab = { store, list, conn, room };
