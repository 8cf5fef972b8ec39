// The playback bar of `tlslab open`: play at real speed, pause, next step, all at once, the speed, how far the file
// has been read and any problem found in it; and the session's export links. Network: GET/POST /api/replay (hidden on a
// live tlslab, where that route answers 404) and the /api/export.* links (same origin: the token cookie goes along).
import { fmtClock, h, replace } from './dom.js';

/** What GET /api/replay answers (src/replay/player.ts PlayerState), as far as the bar reads it. */
interface ReplayState {
  mode: 'all' | 'real' | 'step';
  paused: boolean;
  done: boolean;
  speed: number;
  played: number;
  at: number | null;
  source: { file: string; size: number; read: number; errors: { code: string; message: string; offset: number }[] };
  counts: { recorded: number; single: number; packets: number };
  error: string | null;
}

type Action = 'play' | 'pause' | 'step' | 'all';

const SPEEDS = [0.25, 0.5, 1, 2, 5, 10];

/** The links that download the whole session (or, with failures only ticked, its failed connections). */
export function sessionExportLinks(query: () => string): HTMLElement {
  const pcap = h('a', { class: 'export-link', download: 'tlslab-session.pcapng', title: 'Every connection still kept, both legs, with the session keys inside: Wireshark opens it decrypted; tlslab open replays it', text: '⤓ pcapng' });
  const har = h('a', { class: 'export-link', download: 'tlslab-session.har', title: 'Every HTTP request and response as HAR 1.2 (credentials masked, as shown here)', text: '⤓ HAR' });
  const refresh = (): void => {
    const q = query();
    pcap.href = `/api/export.pcapng${q}`;
    har.href = `/api/export.har${q}`;
  };
  refresh();
  for (const a of [pcap, har]) a.addEventListener('mousedown', refresh);
  for (const a of [pcap, har]) a.addEventListener('focus', refresh);
  return h('span', { class: 'export-links', title: 'Download the session' }, h('span', { class: 'muted', text: 'Session' }), pcap, har);
}

export class PlaybackBar {
  readonly el: HTMLElement;
  private readonly status: HTMLElement;
  private readonly problems: HTMLElement;
  private readonly buttons: Record<Action, HTMLButtonElement>;
  private readonly speed: HTMLSelectElement;
  private timer: number | null = null;
  private state: ReplayState | null = null;

  /** `onReplay`: called once, when the server turns out to replay a capture (the page then says so). */
  constructor(private readonly onReplay: () => void = () => undefined) {
    const button = (action: Action, text: string, title: string): HTMLButtonElement => {
      const b = h('button', { type: 'button', class: 'toggle', 'data-action': action, title, text });
      b.addEventListener('click', () => void this.command(action));
      return b;
    };
    this.buttons = {
      play: button('play', '▶ Play', 'Replay as fast as it happened (times the speed); pauses longer than 2 s are shortened'),
      pause: button('pause', '‖ Pause', 'Hold the replay here'),
      step: button('step', 'Next step →', 'Show the next step of the story (a message, an alert, a verdict, an HTTP exchange), then wait'),
      all: button('all', '» All', 'Show everything that is left, at once'),
    };
    this.speed = h('select', { 'aria-label': 'Replay speed' }, ...SPEEDS.map((s) => h('option', { value: String(s), text: `×${s}` })));
    this.speed.value = '1';
    this.speed.addEventListener('change', () => void this.command('play'));
    this.status = h('span', { class: 'playback-status', role: 'status', 'aria-live': 'polite' });
    this.problems = h('div', { class: 'playback-problems', role: 'alert', hidden: true });
    this.el = h(
      'div',
      { class: 'playback', hidden: true, 'aria-label': 'Replay controls' },
      h('span', { class: 'playback-title', text: '⟲ Replay' }),
      this.buttons.play, this.buttons.pause, this.buttons.step, this.buttons.all, this.speed, this.status, this.problems,
    );
  }

  /** Asks the server whether it replays a capture; the bar shows only if it does. */
  start(): void {
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      const r = await fetch('/api/replay', { headers: { Accept: 'application/json' } });
      if (r.status === 204 || r.status === 404) return; // a live tlslab: nothing to play
      if (r.ok) this.show((await r.json()) as ReplayState);
    } catch {
      // the server went away: the stream's pill says so
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = this.state?.done ? null : window.setTimeout(() => void this.refresh(), 1000);
  }

  private async command(action: Action): Promise<void> {
    try {
      const r = await fetch('/api/replay', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ action, speed: Number(this.speed.value) }),
      });
      if (r.ok) this.show((await r.json()) as ReplayState);
    } catch {
      // as above
    }
    this.schedule();
  }

  private show(s: ReplayState): void {
    if (this.state === null) this.onReplay();
    this.state = s;
    this.el.hidden = false;
    document.body.classList.add('replaying');
    const running = !s.done && !s.paused && s.mode !== 'step';
    this.buttons.play.setAttribute('aria-pressed', String(running && s.mode === 'real'));
    this.buttons.all.setAttribute('aria-pressed', String(running && s.mode === 'all'));
    this.buttons.pause.setAttribute('aria-pressed', String(!s.done && s.paused));
    this.buttons.step.setAttribute('aria-pressed', String(!s.done && s.mode === 'step'));
    for (const b of Object.values(this.buttons)) b.disabled = s.done;
    this.speed.disabled = s.done;
    const file = s.source.file.split(/[\\/]/).pop() ?? s.source.file;
    const read = s.source.size > 0 ? Math.min(100, Math.round((100 * s.source.read) / s.source.size)) : 100;
    const where = s.at !== null ? ` · at ${fmtClock(s.at)}` : '';
    const what = s.done ? 'replayed' : s.paused ? 'paused' : s.mode === 'step' ? 'step by step' : s.mode === 'real' ? `playing ×${s.speed}` : 'loading';
    this.status.textContent = `${file}: ${what} · ${s.played} events${where} · file read ${read}% · ${s.counts.recorded} recorded, ${s.counts.single} single connections`;
    const errs = s.source.errors.map((e) => `${e.message} at byte ${e.offset} (${e.code}): the connections before it are shown.`);
    if (s.error) errs.push(`Reading stopped: ${s.error}`);
    replace(this.problems, ...errs.map((t) => h('div', { text: `⚠ ${t}` })));
    this.problems.hidden = errs.length === 0;
  }
}
