// The session's exports for the dashboard and its API: the selected connections as pcapng (legs, keys, facts) and
// as HAR. Reads the bus history and the capture store; builds bytes and objects, writes nothing itself.
import type { CaptureStore } from '../capture/capture-store';
import type { EventBus } from '../events/bus';
import { buildHar, type Har } from './har';
import { exportPcapng } from './session-export';

/** tlslab's version, from package.json (two folders up from this file, in src/ and in dist/ alike). */
export function tlslabVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- read at run time from outside src/ (rootDir): an import would pull package.json into the build
    const v = (require('../../package.json') as { version?: unknown }).version;
    return typeof v === 'string' ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

export class SessionExports {
  constructor(
    private readonly bus: EventBus,
    private readonly store: CaptureStore,
    /** Extra trust anchors the upstream verification used (PEM), carried in the pcapng for `tlslab open`. */
    private readonly trust: string[] = [],
  ) {}

  /** The connections `ids` (oldest first) as one pcapng, or null when none has anything to write. */
  pcapng(ids: readonly string[]): Uint8Array | null {
    const conns = ids.map((id) => ({ id, events: this.bus.eventsFor(id), kept: this.store.get(id) })).sort((a, b) => (a.events[0]?.t ?? 0) - (b.events[0]?.t ?? 0));
    return exportPcapng(conns, { trust: this.trust });
  }

  /** The HTTP exchanges of the connections `ids` as HAR 1.2. */
  har(ids: readonly string[]): Har {
    const conns = [];
    for (const id of ids) {
      const summary = this.bus.summary(id);
      if (summary) conns.push({ summary, events: this.bus.eventsFor(id) });
    }
    return buildHar(conns, { name: 'tlslab', version: tlslabVersion() });
  }
}
