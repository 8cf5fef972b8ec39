// `tlslab open`'s composition: a capture file read as a stream, replayed into a bus, served by the same dashboard
// server as a live tlslab (plus /api/replay), with the same exports. I/O: the files (read), the dashboard's socket.
import fs from 'node:fs';
import crypto from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CaptureStore } from '../capture/capture-store';
import { EventBus } from '../events/bus';
import { TlslabError } from '../errors';
import { silentLogger, type Logger } from '../log';
import type { PcapError } from '../pcap';
import { SessionExports } from '../record/session-exports';
import { startDashboardServer, type DashboardServer } from '../server';
import type { ReplayControl } from '../server/session-routes';
import { PLAYER_ACTIONS, Player, type PlayerAction, type PlayerOptions } from './player';
import { ReplaySource } from './replay-source';

export interface OpenOptions extends PlayerOptions {
  file: string;
  /** An NSS key log to decrypt with (besides any Decryption Secrets Blocks in the file). */
  keylog?: string;
  uiHost?: string;
  /** Dashboard port (default 8081; 0 picks a free one). */
  uiPort?: number;
  token?: string;
  /** Events kept for the dashboard (default 50,000). */
  history?: number;
  log?: Logger;
  /** Each problem found in the file, as it is found (the CLI prints them). */
  onFileError?: (e: PcapError) => void;
}

export interface OpenedCapture {
  dashboard: DashboardServer;
  /** The dashboard's address without the token, and the link that signs a browser in. */
  url: string;
  loginUrl: string;
  token: string | null;
  bus: EventBus;
  player: Player;
  close(): Promise<void>;
}

const isLoopback = (h: string): boolean => h === 'localhost' || h === '::1' || h.startsWith('127.');

/** Heap and buffers in use above which a replay playing all at once asks for a full garbage collection. */
const COMPACT_ABOVE = 128 * 1024 * 1024;

/**
 * A function that collects garbage now, or null where it cannot be had. Replaying all at once makes garbage (events,
 * certificates parsed) far faster than a live proxy does, and V8 then lets the heap grow to several times what is
 * alive before it collects: the process's memory would follow. Collecting when the heap passes a bound keeps it near
 * what is kept (the dashboard's history, the exports' captures).
 */
function collector(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? () => void (gc as () => void)() : null;
  } catch {
    return null;
  }
}

function readKeyLog(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new TlslabError('TLSLAB_ERR_CAPTURE_FILE', `cannot read key log ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export async function openCapture(o: OpenOptions): Promise<OpenedCapture> {
  const log = o.log ?? silentLogger();
  const keyLog = o.keylog ? readKeyLog(o.keylog) : undefined;
  // The exports' raw legs: a quarter of a live tlslab's bound (the file they come from is still there).
  const store = new CaptureStore({ maxConnections: 100, maxBytes: 16 * 1024 * 1024 });
  // Checked after every chunk read (bulk data makes buffers, few events) and every 2,000 events (small connections
  // make many events from few bytes).
  const gc = collector();
  // The bound follows what a collection leaves alive (a third above it), so a large live set is not collected over and over.
  let bound = COMPACT_ABOVE;
  const inUse = (): number => {
    const h = v8.getHeapStatistics();
    return h.used_heap_size + h.external_memory;
  };
  const compact = (): void => {
    if (!gc || inUse() <= bound) return;
    gc();
    bound = Math.max(COMPACT_ABOVE, inUse() * 1.33);
  };
  const source = await ReplaySource.open(o.file, { keyLog, store, onFileError: o.onFileError, onChunk: compact });
  // Each event is stamped with the time the capture gives it, whatever the playback speed.
  let now = 0;
  // Less than a live tlslab's history (24 MiB of events, not 64): a large capture opens in a few hundred MiB, and the
  // events of what was evicted can be played again from the file.
  const bus = new EventBus({ history: o.history, historyBytes: 24 * 1024 * 1024, clock: () => now });
  let sinceCheck = 0;
  const play = (): Player =>
    new Player(source, (d) => {
      now = d.t;
      bus.emit(d.draft);
      if (++sinceCheck >= 2000) {
        sinceCheck = 0;
        compact();
      }
    }, o);
  const exports = new SessionExports(bus, store);
  // The player starts once the dashboard listens: playing all at once is busy work that would only delay it.
  let player: Player | null = null;
  const control: ReplayControl = {
    state: () => ({ ...(player as Player).state(), actions: PLAYER_ACTIONS }),
    command: (action, speed) => {
      if (!(PLAYER_ACTIONS as readonly string[]).includes(action)) return { ok: false, message: `Unknown action "${action.slice(0, 20)}" (known: ${PLAYER_ACTIONS.join(', ')}).` };
      return { ok: true, state: { ...(player as Player).command(action as PlayerAction, speed), actions: PLAYER_ACTIONS } };
    },
  };
  const host = o.uiHost ?? '127.0.0.1';
  let token = o.token ?? null;
  if (!token && !isLoopback(host)) token = crypto.randomBytes(18).toString('base64url');
  let dashboard: DashboardServer;
  try {
    dashboard = await startDashboardServer({ bus, host, port: o.uiPort ?? 8081, token: token ?? undefined, log, pcapng: (id) => exports.pcapng([id]), exports, replay: control });
  } catch (err) {
    await source.close();
    throw err;
  }
  const started = play();
  player = started;
  return {
    dashboard,
    url: dashboard.url,
    loginUrl: dashboard.loginUrl,
    token,
    bus,
    player: started,
    async close() {
      started.stop();
      await started.finished;
      await dashboard.close();
    },
  };
}
