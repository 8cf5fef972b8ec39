// Plays a replayed capture into the bus: all at once, at the speed it happened, or one step of the story at a time,
// so an instructor can walk a class through a recorded handshake as if it were live. I/O: timers only.
import type { TlslabEventType } from '../events/schema';
import type { ReplayCounts, TimedDraft } from './capture-replay';
import type { ReplaySource, SourceProgress } from './replay-source';

export type PlayMode = 'all' | 'real' | 'step';
export type PlayerAction = 'play' | 'pause' | 'step' | 'all';

export const PLAY_MODES: readonly PlayMode[] = ['all', 'real', 'step'];
export const PLAYER_ACTIONS: readonly PlayerAction[] = ['play', 'pause', 'step', 'all'];

/**
 * Where "next step" stops: after each event the ladders draw as one line of the story (a handshake message, a
 * ChangeCipherSpec, an alert, application data, the verdict, an HTTP exchange, a connection opening or closing).
 * Records and key-log notes go along with the step they belong to.
 */
const STEP_STOPS = {
  'conn:open': true,
  'conn:upstream': false,
  'tls:record': false,
  'tls:handshake': true,
  'tls:ccs': true,
  'tls:alert': true,
  'tls:appdata': true,
  'tls:keys': false,
  'tls:undecryptable': true,
  'tls:decode-error': true,
  'tls:established': false,
  'tls:verdict': true,
  'tls:presented': false,
  'tls:client-outcome': true,
  'tls:tcp-end': true,
  'http:request': true,
  'http:response': true,
  'conn:error': true,
  'conn:close': true,
} as const satisfies Record<TlslabEventType, boolean>;

export interface PlayerOptions {
  mode?: PlayMode;
  /** Real-time speed factor (default 1: as it happened; 2 = twice as fast). */
  speed?: number;
  /** Longest pause between two events at real speed, in ms (default 2,000): idle minutes are not replayed. */
  maxPauseMs?: number;
}

export interface PlayerState {
  mode: PlayMode;
  paused: boolean;
  /** Every event of the file has been played. */
  done: boolean;
  speed: number;
  /** Events played so far. */
  played: number;
  /** Capture time of the first and of the last event played (ms since the epoch). */
  first: number | null;
  at: number | null;
  /** The file: its size, how far it has been read, the problems found in it. */
  source: SourceProgress;
  counts: ReplayCounts;
  /** Why playing stopped early (the file could not be read any more). */
  error: string | null;
}

export class Player {
  private mode: PlayMode;
  private paused = false;
  private speed: number;
  private readonly maxPauseMs: number;
  private credit = 0;
  private peeked: TimedDraft | null = null;
  private played = 0;
  private first: number | null = null;
  private lastT: number | null = null;
  private lastWall = 0;
  private done = false;
  private stopped = false;
  private error: string | null = null;
  private wake: (() => void) | null = null;
  /** Resolves when the whole file has been played (or reading it failed, or the player was stopped). */
  readonly finished: Promise<void>;

  constructor(
    private readonly source: ReplaySource,
    private readonly emit: (d: TimedDraft) => void,
    opts: PlayerOptions = {},
  ) {
    this.mode = opts.mode ?? 'all';
    this.speed = validSpeed(opts.speed) ?? 1;
    this.maxPauseMs = opts.maxPauseMs ?? 2000;
    this.finished = this.run();
  }

  state(): PlayerState {
    return {
      mode: this.mode,
      paused: this.paused,
      done: this.done,
      speed: this.speed,
      played: this.played,
      first: this.first,
      at: this.lastT,
      source: this.source.progress(),
      counts: { ...this.source.replay.counts, skipped: { ...this.source.replay.counts.skipped } },
      error: this.error,
    };
  }

  /**
   * `play`: at real speed (times `speed`) from here; `pause`; `step`: the next step of the story, then wait; `all`:
   * everything left, at once.
   */
  command(action: PlayerAction, speed?: number): PlayerState {
    const s = validSpeed(speed);
    if (s !== undefined) this.speed = s;
    switch (action) {
      case 'play':
        this.mode = 'real';
        this.paused = false;
        this.lastWall = Date.now();
        break;
      case 'pause':
        this.paused = true;
        break;
      case 'step':
        this.mode = 'step';
        this.paused = false;
        this.credit += 1;
        break;
      case 'all':
        this.mode = 'all';
        this.paused = false;
        break;
      default: {
        const never: never = action;
        throw new Error(`unknown action ${String(never)}`);
      }
    }
    this.wake?.();
    return this.state();
  }

  /** Stops playing (the server is closing). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private waitFor(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(() => done(), ms);
      const done = (): void => {
        if (timer) clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    let sinceYield = 0;
    try {
      for (;;) {
        if (this.stopped) return;
        if (this.paused || (this.mode === 'step' && this.credit <= 0)) {
          await this.waitFor(null);
          continue;
        }
        this.peeked ??= await this.source.next();
        const d = this.peeked;
        if (d === null) break;
        if (this.mode === 'real' && this.lastT !== null) {
          const wait = this.lastWall + Math.min(Math.max(0, d.t - this.lastT) / this.speed, this.maxPauseMs) - Date.now();
          if (wait > 1) {
            await this.waitFor(wait);
            continue; // a command may have come in meanwhile
          }
        }
        this.peeked = null;
        this.emit(d);
        this.played++;
        this.first ??= d.t;
        this.lastT = d.t;
        this.lastWall = Date.now();
        if (this.mode === 'step' && STEP_STOPS[d.draft.type]) this.credit -= 1;
        // Let the dashboard server send what was played (and answer its viewers) between batches.
        if (++sinceYield >= 256 || this.mode !== 'all') {
          sinceYield = 0;
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      this.done = true;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.done = true;
    } finally {
      await this.source.close().catch(() => undefined);
    }
  }
}

function validSpeed(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) && v > 0 && v <= 1000 ? v : undefined;
}
