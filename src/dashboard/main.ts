// The dashboard entry point: builds the page, connects the stream to the store and the store to the views; follow,
// spotlight, the room overview and a student's own view. Network: the /ws stream (stream-client.ts),
// GET /api/connections/:id/events for a connection whose events the snapshot left out (or history evicted), and
// GET /api/connections?before= / GET /api/connections/:id for connections older than the snapshot's window.
import { EVENT_SCHEMA_VERSION, type Student, type TlslabEvent } from '../events/schema.js';
import { STREAM_PROTOCOL_VERSION, type ConnectionSummary, type ServerMessage } from '../events/stream.js';
import { BACKGROUND_HOSTS, BackgroundHosts } from '../events/background-hosts.js';
import { foldName } from '../events/filter.js';
import { ConnView, type LookTarget } from './conn-view.js';
import { h, replace } from './dom.js';
import { KeyScheduleView } from './key-schedule-view.js';
import { LessonPanel } from './lesson-panel.js';
import { ListView, type ListFilter } from './list-view.js';
import { inScope, parseScopeParam, pickFollowTarget, scopeLabel, scopeParam, type FollowScope } from './follow-scope.js';
import { PlaybackBar, sessionExportLinks } from './playback.js';
import { ReplayView } from './replay-view.js';
import { RoomView } from './room-view.js';
import { Store } from './store.js';
import { isDeferred } from '../events/deferred.js';
import { StreamClient, streamUrl, type LinkState } from './stream-client.js';

const params = new URLSearchParams(location.search);
/** What "hide background" hides, said plainly (the button's tooltip; docs/dashboard.md says the same). */
const BACKGROUND_TITLE = `Hide the connections browsers make on their own, by host name: ${[...new Set(BACKGROUND_HOSTS.map((b) => b.what))].join(', ')} (${BACKGROUND_HOSTS.map((b) => b.pattern).join(', ')}). By name only: a page opened on one of these hosts is hidden too, and a browser's calls to other hosts are not. Lab origins are never hidden.`;
const store = new Store();
const conn = new ConnView();
const list = new ListView(store, (id) => open(id));
const room = new RoomView();
/** Step-through replay and the key schedule: one pair of dialogs for the connection view's header and the lesson panel. */
const dialogs = { replay: new ReplayView(), keys: new KeyScheduleView() };
conn.dialogs = dialogs;
conn.needDetails = (id) => fetchEvents(id);
const lessons = new LessonPanel((id, at) => openAt(id, at ?? null), dialogs);

// --- header: brand, link state, counts, follow and theme toggles -------------------------------------
const linkPill = h('span', { class: 'link link-connecting', role: 'status', 'aria-live': 'polite', text: 'Connecting…' });
const followBtn = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false', title: 'Follow the newest connection, large (for the projector)', text: '◉ Follow' });
const themeBtn = h('button', { type: 'button', class: 'toggle', 'aria-label': 'Switch between dark and light theme', text: '◐ Theme' });
const roomBtn = h('button', { type: 'button', class: 'toggle room-btn', 'aria-pressed': 'false', 'aria-controls': 'room', title: 'Room overview: every student signed in to the proxy', text: '◫ Room', hidden: true });
const spotPill = h('span', { class: 'spot-pill', role: 'status', hidden: true });
const bgBtn = h('button', { type: 'button', class: 'toggle bg-btn', 'aria-pressed': 'false', title: BACKGROUND_TITLE, text: '⊘ Hide background' });
const brandSub = h('span', { class: 'brand-sub', text: 'both handshakes, live' });
const gapBar = h('div', { class: 'gap-banner', role: 'alert', hidden: true });
const studentBar = h('div', { class: 'student-bar', hidden: true });
const header = h(
  'header',
  { class: 'top' },
  h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('span', { class: 'brand-name', text: 'tlslab' }), brandSub),
  h('div', { class: 'top-right' }, spotPill, linkPill, sessionExportLinks(() => ''), lessons.button, roomBtn, bgBtn, followBtn, themeBtn),
);
// `tlslab open`: the replay's controls (the bar stays hidden on a live tlslab).
const playback = new PlaybackBar(() => {
  replaying = true;
  brandSub.textContent = 'both handshakes, replayed from a capture';
  onState(lastLink.s, lastLink.detail);
});
document.body.append(header, playback.el, studentBar, gapBar, room.el, lessons.el, h('div', { class: 'layout' }, list.el, conn.el));
playback.start();

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

// --- follow mode, its scope (spotlight) and the background filter ---------------------------------
let follow = params.get('follow') === '1';
/**
 * What follow mode is limited to: one student (a spotlight), one client address or one host; null for everyone. A
 * student named in the URL is resolved once the stream has shown them (`wantSpotlight` below).
 */
let scope: FollowScope | null = null;
/** The connection follow mode has reacted to: it moves on only when `pickFollowTarget` names another. */
let followed: string | null = null;
/** Hosts browsers call on their own (src/events/background-hosts.ts), plus any `background=` globs of this page. */
const background = new BackgroundHosts((params.get('background') ?? '').split(','));
let hideBackground = params.get('hidebg') === '1' || (params.get('hidebg') === null && localStorage.getItem('tlslab-hide-background') === '1');
/** Which connections follow mode and the list may show. */
const shown = (s: ConnectionSummary): boolean => inScope(scope, s) && !(hideBackground && list.isBackground(s));
/** The connection follow mode should show now (the newest in scope, or a failure it holds). */
const followTarget = (): string | null => pickFollowTarget(store.order, (id) => store.conns.get(id)?.summary, followed, shown);
const setFollow = (on: boolean): void => {
  follow = on;
  conn.follow = on;
  if (!on && scope) endScope();
  document.body.classList.toggle('follow', on);
  followBtn.setAttribute('aria-pressed', String(on));
  followBtn.textContent = on ? (scope ? '◉ Following' : '◉ Following newest') : '◉ Follow';
  setParam('follow', on ? '1' : null);
  followed = followTarget();
  if (on && followed) open(followed);
};

/** Shows connection `from` large, then follows the newer connections of `next`'s scope (for the projector). */
function startScope(next: FollowScope, from: string | null): void {
  scope = next;
  conn.scope = next;
  setParam('spotlight', scopeParam(next));
  showScope();
  setFollow(true);
  if (from && store.conns.has(from)) open(from);
}
/** Shows `student`'s connection `from` large, then follows their newer connections. */
function startSpotlight(student: Student, from: string | null): void {
  startScope({ kind: 'student', id: student.id, name: student.name }, from);
}
function endScope(): void {
  scope = null;
  conn.scope = null;
  setParam('spotlight', null);
  showScope();
  if (conn.current) conn.show(store.conns.get(conn.current) ?? null);
}
function showScope(): void {
  spotPill.hidden = scope === null;
  document.body.classList.toggle('spotlight', scope !== null);
  if (!scope) return;
  const end = h('button', { type: 'button', class: 'spot-end', 'aria-label': 'End the spotlight', title: 'End the spotlight (and follow mode)', text: '×' });
  end.addEventListener('click', () => setFollow(false));
  replace(spotPill, h('span', { class: 'spot-icon', 'aria-hidden': 'true', text: '◎' }), ' Spotlight: ', h('strong', { class: 'spot-name', text: scopeLabel(scope) }), end);
}
/** A student named in the URL (`spotlight=`): by id, or by name in any case; null until the stream has shown them. */
function findStudent(want: string): Student | null {
  const r = store.room?.get(want);
  if (r) return { id: r.id, name: r.name };
  const folded = foldName(want);
  for (const x of store.room?.values() ?? []) if (foldName(x.name) === folded) return { id: x.id, name: x.name };
  for (const rec of store.conns.values()) {
    const who = rec.summary.student;
    if (who && (who.id === want || foldName(who.name) === folded)) return who;
  }
  return null;
}
conn.onSpotlight = (student, from) => startSpotlight(student, from);
conn.onScope = (next, from) => startScope(next, from);

/** Hides (or shows again) the connections browsers make on their own, in the list and for follow mode. */
function setHideBackground(on: boolean): void {
  hideBackground = on;
  localStorage.setItem('tlslab-hide-background', on ? '1' : '0');
  setParam('hidebg', on ? '1' : null);
  bgBtn.setAttribute('aria-pressed', String(on));
  list.setFilter({ hideBackground: on });
  showBackgroundCount();
  if (follow) {
    const target = followTarget();
    if (target && target !== followed) {
      followed = target;
      open(target);
    }
  }
}
/** The toggle says how many connections it hides, so hiding is never silent. */
function showBackgroundCount(): void {
  bgBtn.textContent = hideBackground ? `⊘ Background hidden (${list.backgroundCount})` : '⊘ Hide background';
}
bgBtn.addEventListener('click', () => setHideBackground(!hideBackground));
let relayout = 0;
window.addEventListener('resize', () => {
  cancelAnimationFrame(relayout);
  relayout = requestAnimationFrame(() => conn.relayout());
});
list.background = background;
room.onSpotlight = (student, from) => startSpotlight(student, from);
room.onShow = (id) => {
  setFollow(false);
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
followBtn.addEventListener('click', () => setFollow(!follow));
document.addEventListener('keydown', (ev) => {
  if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
  if (ev.key === 'f' && !ev.ctrlKey && !ev.metaKey && !ev.altKey) setFollow(!follow);
  if (ev.key === 'Escape') conn.pick(null);
});

// --- older connections: the snapshot holds the newest only ----------------------------------------------
/** Connections one "show older connections" loads. */
const OLDER_PAGE = 500;
list.onOlder = (): void => {
  const before = store.oldestFromServer;
  if (before === null) {
    list.olderLoaded(null);
    return;
  }
  fetch(`/api/connections?before=${encodeURIComponent(before)}&limit=${OLDER_PAGE}`) // same origin: the token cookie goes along
    .then(async (r) => {
      if (r.status === 404) {
        store.addOlder([], false);
        list.olderLoaded('The server no longer keeps the connections older than these.');
        return;
      }
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const page = (await r.json()) as ConnectionSummary[];
      store.addOlder(page, page.length === OLDER_PAGE);
      list.olderLoaded(null);
    })
    .catch((err: unknown) => list.olderLoaded(`Older connections could not be loaded (${err instanceof Error ? err.message : String(err)}).`));
};

// --- the list's filters over every connection the server keeps, not only the snapshot's newest -----------
/** Most matches one search of the server adds (newest first). */
const SEARCH_PAGE = 500;
let searchTimer: number | undefined;
let searchSeq = 0;
list.onFilter = (f: ListFilter): void => {
  window.clearTimeout(searchTimer);
  searchSeq++;
  const text = f.text.trim();
  if (store.olderOnServer === 0 || (text === '' && !f.failuresOnly && f.client === '' && f.student === '')) return;
  searchTimer = window.setTimeout(() => searchServer(f, text), 300);
};

/** Asks the server for the connections matching the list's filter (it keeps more than the snapshot sent). */
function searchServer(f: ListFilter, text: string): void {
  const mine = ++searchSeq;
  const q = new URLSearchParams({ limit: String(SEARCH_PAGE) });
  if (text !== '') q.set('q', text.slice(0, 256));
  if (f.failuresOnly) q.set('failures', '1');
  if (f.client !== '') q.set('client', f.client);
  if (f.student !== '') q.set('student', f.student);
  fetch(`/api/connections?${q.toString()}`) // same origin: the token cookie goes along
    .then((r) => (r.ok ? (r.json() as Promise<ConnectionSummary[]>) : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((found) => {
      if (mine !== searchSeq) return; // the filter changed since
      const held = found.filter((s) => store.conns.has(s.id)).length;
      store.addFound(found);
      const more = found.length - held;
      list.searchedServer(`searched all the server keeps: ${more} older match${more === 1 ? '' : 'es'}${found.length === SEARCH_PAGE ? ` (the newest ${SEARCH_PAGE} matches)` : ''}`);
    })
    .catch((err: unknown) => {
      if (mine === searchSeq) list.searchedServer(`the server could not be searched (${err instanceof Error ? err.message : String(err)})`);
    });
}

/** Connections asked for by id (a link, a lesson) that this page did not hold: each asked for once. */
const askedSummary = new Set<string>();
/** Fetches the summary of a connection the snapshot's window left out, then `then()` (if the server still keeps it). */
function fetchSummary(id: string, then: () => void): void {
  if (askedSummary.has(id)) return;
  askedSummary.add(id);
  fetch(`/api/connections/${encodeURIComponent(id)}`)
    .then((r) => (r.ok ? (r.json() as Promise<ConnectionSummary>) : null))
    .then((s) => {
      if (s === null || s.id !== id) return;
      store.addOne(s);
      then();
    })
    .catch(() => undefined);
}

// --- opening a connection ---------------------------------------------------------------------------
const fetched = new Set<string>();
function open(id: string): void {
  const rec = store.conns.get(id);
  if (!rec) {
    fetchSummary(id, () => open(id));
    return;
  }
  list.select(id);
  conn.show(rec);
  setParam('conn', follow ? null : id);
  // History may have evicted this connection's events while its summary stayed, or the snapshot left out an older
  // connection's events while live ones arrived since: ask the REST API for them (once).
  const maxSeq = rec.events.length ? rec.events[rec.events.length - 1].seq : -1;
  const missing = (maxSeq < rec.summary.lastSeq || rec.events[0]?.type !== 'conn:open') && !fetched.has(id);
  if (missing) fetched.add(id);
  // The live stream leaves each message's bytes and fields out: the same answer has them, so a click shows them at
  // once (not asked for in follow mode, which opens every new connection on its own: there a click asks).
  if (missing || (!follow && rec.events.some((e) => isDeferred(e) && !rec.detailsGone.has(e.seq)))) fetchEvents(id);
}

/**
 * Asks for connection `id`'s events as the server keeps them: what this page lacks, and the bytes and field trees the
 * live stream left out (`deferred`), built from the bytes the server still keeps. One request at a time per connection.
 */
function fetchEvents(id: string): void {
  const rec = store.conns.get(id);
  if (!rec || rec.detailsLoading) return;
  store.detailsAsked(id, true);
  fetch(`/api/connections/${encodeURIComponent(id)}/events`) // same origin: the token cookie goes along
    // An answer without events (404: forgotten, or not this view's) says the same as an empty list: nothing more is kept.
    .then((r) => (r.ok ? (r.json() as Promise<unknown>) : []))
    .then((body) => {
      store.detailsAsked(id, false, Array.isArray(body) ? (body as TlslabEvent[]) : []);
      store.markFetched(id); // what the page lacks now is no longer kept
    })
    .catch(() => store.detailsAsked(id, false));
}

/**
 * Opens connection `id` at a lesson's "where to look" place (or at its top when `at` is null); answers what of the
 * place the connection lacks, or null.
 */
function openAt(id: string, at: LookTarget | null): string | null {
  if (follow) setFollow(false);
  open(id);
  if (conn.current !== id) return 'this connection is no longer kept';
  return at === null ? null : conn.reveal(at);
}

/** A place in the connection named by the URL (`leg=`, `step=`, `message=`, `field=`, `view=` beside `conn=`), once. */
function lookFromUrl(): LookTarget | null {
  const leg = params.get('leg');
  if (leg !== 'client' && leg !== 'upstream') return null;
  const step = Number(params.get('step'));
  const at: LookTarget = { leg, ...(Number.isInteger(step) && step >= 1 && step <= 8 ? { step } : {}) };
  for (const k of ['message', 'field', 'view'] as const) {
    const v = params.get(k);
    if (v !== null && v !== '') at[k] = v.slice(0, 100);
  }
  for (const k of ['leg', 'step', 'message', 'field', 'view']) setParam(k, null);
  return at;
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
let wantLook = wantConn ? lookFromUrl() : null;
/** A student named by `spotlight=`, started once the stream has shown them; a client or host scope starts at once. */
let wantSpotlight: string | null = null;
const spotParam = params.get('spotlight');
if (spotParam) {
  const parsed = parseScopeParam(spotParam);
  if ('scope' in parsed) startScope(parsed.scope, null);
  else wantSpotlight = parsed.student;
}
const wantStudent = params.get('student');
if (wantStudent) list.setFilter({ student: wantStudent });
if (params.get('room') === '1') setRoom(true);
store.subscribe((c) => {
  list.update(c);
  if (hideBackground) showBackgroundCount();
  if (c.room || c.structural) {
    room.update(store.room);
    roomBtn.hidden = !(store.room !== null && (room.size > 0 || room.open));
    roomBtn.textContent = room.size > 0 ? `◫ Room (${room.size})` : '◫ Room';
  }
  if (wantSpotlight) {
    const who = findStudent(wantSpotlight);
    if (who) {
      wantSpotlight = null;
      startSpotlight(who, store.newestOf.get(who.id) ?? null);
    }
  }
  const target = follow ? followTarget() : null;
  if (target && target !== followed) {
    followed = target;
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
let missed = 0;
function onMessage(m: ServerMessage): void {
  switch (m.kind) {
    case 'hello':
      if (m.schema !== EVENT_SCHEMA_VERSION) showGap(`The server speaks event schema ${m.schema}, this page ${EVENT_SCHEMA_VERSION}: reload the page (or rebuild the dashboard).`, false);
      else if (m.protocol !== STREAM_PROTOCOL_VERSION) showGap(`The server speaks stream protocol ${String(m.protocol)}, this page ${STREAM_PROTOCOL_VERSION}: reload the page (or rebuild the dashboard).`, false);
      if (m.student) studentView(m.student);
      break;
    case 'snapshot':
      store.reset(m.events, m.summaries, m.total, m.room);
      // A connection named in the URL that is older than the snapshot's window: asked for by id.
      if (wantConn !== null && !store.conns.has(wantConn)) fetchSummary(wantConn, () => undefined);
      if (m.evicted > 0) showGap(`History holds the latest events only: ${m.evicted} older events were evicted.`, false);
      break;
    case 'events':
      store.apply(m.events);
      break;
    case 'room-lessons':
      store.roomLessons(m.student, m.lessons);
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

/**
 * The page is a student's own view (the server said so in `hello`; the server, not this page, keeps it to their
 * connections): who they are, where the CA is, and no instructor controls.
 */
function studentView(me: Student): void {
  document.body.classList.add('student-view');
  document.title = `tlslab — ${me.name}'s connections`;
  brandSub.textContent = 'your connections, live';
  conn.onSpotlight = null;
  conn.onScope = null;
  conn.ownView = true;
  roomBtn.remove();
  lessons.useServerProgress();
  replace(
    studentBar,
    h('span', { class: 'student-me' }, 'Signed in to the proxy as ', h('strong', { class: 'student-name', text: me.name }), '. This view shows the connections made under your name, and only those.'),
    h(
      'span',
      { class: 'student-ca' },
      'tlslab CA certificate: ',
      h('a', { href: '/tlslab-ca.pem', download: 'tlslab-ca.pem', text: 'tlslab-ca.pem' }),
      ' · ',
      h('a', { href: '/tlslab-ca.der', download: 'tlslab-ca.der', text: '.der' }),
      ' · ',
      h('a', { href: '/ca', class: 'ca-steps', text: 'fingerprint and install steps' }),
    ),
  );
  studentBar.hidden = false;
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
setHideBackground(hideBackground);
if (follow) setFollow(true);

/** For the browser tests and the curious: the live model, read-only by convention. */
(window as unknown as { tlslab: unknown }).tlslab = { store, list, conn, room };
