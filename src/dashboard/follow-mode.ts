// Follow mode for the projector, its scope (a spotlight on a student, a client or a host) and "hide background", with
// their top-bar buttons. DOM only; settings kept in the address (url-state.ts) and localStorage (hide background).
import type { Student } from '../events/schema.js';
import type { ConnectionSummary } from '../events/stream.js';
import { BACKGROUND_HOSTS, BackgroundHosts } from '../events/background-hosts.js';
import { foldName } from '../events/filter.js';
import type { ConnView } from './conn-view.js';
import { h, replace } from './dom.js';
import { inScope, parseScopeParam, pickFollowTarget, scopeLabel, scopeParam, type FollowScope } from './follow-scope.js';
import type { ListView } from './list-view.js';
import type { Store } from './store.js';
import { params, setParam } from './url-state.js';

/** What "hide background" hides, said plainly (the button's tooltip; docs/dashboard.md says the same). */
const BACKGROUND_TITLE = `Hide the connections browsers make on their own, by host name: ${[...new Set(BACKGROUND_HOSTS.map((b) => b.what))].join(', ')} (${BACKGROUND_HOSTS.map((b) => b.pattern).join(', ')}). By name only: a page opened on one of these hosts is hidden too, and a browser's calls to other hosts are not. Lab origins are never hidden.`;

export class FollowMode {
  readonly followBtn = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false', title: 'Follow the newest connection, large (for the projector)', text: '◉ Follow' });
  readonly spotPill = h('span', { class: 'spot-pill', role: 'status', hidden: true });
  readonly bgBtn = h('button', { type: 'button', class: 'toggle bg-btn', 'aria-pressed': 'false', title: BACKGROUND_TITLE, text: '⊘ Hide background' });
  private follow = params.get('follow') === '1';
  /**
   * What follow mode is limited to: one student (a spotlight), one client address or one host; null for everyone. A
   * student named in the URL is resolved once the stream has shown them (`wantSpotlight` below).
   */
  private scope: FollowScope | null = null;
  /** The connection follow mode has reacted to: it moves on only when `pickFollowTarget` names another. */
  private followed: string | null = null;
  /** Hosts browsers call on their own (src/events/background-hosts.ts), plus any `background=` globs of this page. */
  readonly background = new BackgroundHosts((params.get('background') ?? '').split(','));
  private hideBackground = params.get('hidebg') === '1' || (params.get('hidebg') === null && localStorage.getItem('tlslab-hide-background') === '1');
  /** A student named by `spotlight=`, started once the stream has shown them; a client or host scope starts at once. */
  private wantSpotlight: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly list: ListView,
    private readonly conn: ConnView,
    /** Opens a connection in the connection view (main.ts). */
    private readonly open: (id: string) => void,
  ) {
    this.bgBtn.addEventListener('click', () => this.setHideBackground(!this.hideBackground));
    this.followBtn.addEventListener('click', () => this.setFollow(!this.follow));
  }

  /** Follow mode is on. */
  get on(): boolean {
    return this.follow;
  }

  /** Background connections are left out of the list and of follow mode. */
  get hidingBackground(): boolean {
    return this.hideBackground;
  }

  /** Which connections follow mode and the list may show. */
  private shown(s: ConnectionSummary): boolean {
    return inScope(this.scope, s) && !(this.hideBackground && this.list.isBackground(s));
  }

  /** The connection follow mode should show now (the newest in scope, or a failure it holds). */
  private followTarget(): string | null {
    return pickFollowTarget(this.store.order, (id) => this.store.conns.get(id)?.summary, this.followed, (s) => this.shown(s));
  }

  /** In follow mode, the connection to open now when it is another than the one followed (then followed), else null. */
  takeTarget(): string | null {
    const target = this.follow ? this.followTarget() : null;
    if (target && target !== this.followed) {
      this.followed = target;
      return target;
    }
    return null;
  }

  /** Turns follow mode on (showing the connection it should show now) or off (which ends a spotlight too). */
  setFollow(on: boolean): void {
    this.follow = on;
    this.conn.follow = on;
    if (!on && this.scope) this.endScope();
    document.body.classList.toggle('follow', on);
    this.followBtn.setAttribute('aria-pressed', String(on));
    this.followBtn.textContent = on ? (this.scope ? '◉ Following' : '◉ Following newest') : '◉ Follow';
    setParam('follow', on ? '1' : null);
    this.followed = this.followTarget();
    if (on && this.followed) this.open(this.followed);
  }

  /** Shows connection `from` large, then follows the newer connections of `next`'s scope (for the projector). */
  startScope(next: FollowScope, from: string | null): void {
    this.scope = next;
    this.conn.scope = next;
    setParam('spotlight', scopeParam(next));
    this.showScope();
    this.setFollow(true);
    if (from && this.store.conns.has(from)) this.open(from);
  }

  /** Shows `student`'s connection `from` large, then follows their newer connections. */
  startSpotlight(student: Student, from: string | null): void {
    this.startScope({ kind: 'student', id: student.id, name: student.name }, from);
  }

  private endScope(): void {
    this.scope = null;
    this.conn.scope = null;
    setParam('spotlight', null);
    this.showScope();
    if (this.conn.current) this.conn.show(this.store.conns.get(this.conn.current) ?? null);
  }

  private showScope(): void {
    const scope = this.scope;
    this.spotPill.hidden = scope === null;
    document.body.classList.toggle('spotlight', scope !== null);
    if (!scope) return;
    const end = h('button', { type: 'button', class: 'spot-end', 'aria-label': 'End the spotlight', title: 'End the spotlight (and follow mode)', text: '×' });
    end.addEventListener('click', () => this.setFollow(false));
    replace(this.spotPill, h('span', { class: 'spot-icon', 'aria-hidden': 'true', text: '◎' }), ' Spotlight: ', h('strong', { class: 'spot-name', text: scopeLabel(scope) }), end);
  }

  /** Reads `spotlight=` (on load): a client or host scope starts at once, a student once the stream has shown them. */
  spotlightFromUrl(): void {
    const spotParam = params.get('spotlight');
    if (spotParam) {
      const parsed = parseScopeParam(spotParam);
      if ('scope' in parsed) this.startScope(parsed.scope, null);
      else this.wantSpotlight = parsed.student;
    }
  }

  /** The student `spotlight=` named, spotlighted from their newest connection once the stream has shown them. */
  startWantedSpotlight(): void {
    if (this.wantSpotlight) {
      const who = this.findStudent(this.wantSpotlight);
      if (who) {
        this.wantSpotlight = null;
        this.startSpotlight(who, this.store.newestOf.get(who.id) ?? null);
      }
    }
  }

  /** A student named in the URL (`spotlight=`): by id, or by name in any case; null until the stream has shown them. */
  private findStudent(want: string): Student | null {
    const r = this.store.room?.get(want);
    if (r) return { id: r.id, name: r.name };
    const folded = foldName(want);
    for (const x of this.store.room?.values() ?? []) if (foldName(x.name) === folded) return { id: x.id, name: x.name };
    for (const rec of this.store.conns.values()) {
      const who = rec.summary.student;
      if (who && (who.id === want || foldName(who.name) === folded)) return who;
    }
    return null;
  }

  /** Hides (or shows again) the connections browsers make on their own, in the list and for follow mode. */
  setHideBackground(on: boolean): void {
    this.hideBackground = on;
    localStorage.setItem('tlslab-hide-background', on ? '1' : '0');
    setParam('hidebg', on ? '1' : null);
    this.bgBtn.setAttribute('aria-pressed', String(on));
    this.list.setFilter({ hideBackground: on });
    this.showBackgroundCount();
    const target = this.takeTarget();
    if (target) this.open(target);
  }

  /** The toggle says how many connections it hides, so hiding is never silent. */
  showBackgroundCount(): void {
    this.bgBtn.textContent = this.hideBackground ? `⊘ Background hidden (${this.list.backgroundCount})` : '⊘ Hide background';
  }
}
