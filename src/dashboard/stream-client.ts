// The WebSocket client: connects to /ws, hands snapshot/events/gap messages on, reconnects with backoff.
// The stream's network boundary; the REST requests are the views' own (conn-fetch.ts, list-server.ts and others).
import type { ClientMessage, ServerMessage } from '../events/stream.js';

export type LinkState = 'connecting' | 'live' | 'reconnecting';

export interface StreamHandlers {
  message(m: ServerMessage): void;
  state(s: LinkState, detail: string): void;
}

/** `ws://host/ws` for the page at `loc`. A dashboard token travels in its HttpOnly cookie, never in a URL. */
export function streamUrl(loc: Location): string {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${loc.host}/ws`;
}

export class StreamClient {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly on: StreamHandlers,
    /** Without a message (heartbeats included) for this long, the link is presumed dead. */
    private readonly silenceMs = 45000,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.ws?.close();
  }

  send(m: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private open(): void {
    this.on.state(this.attempt === 0 ? 'connecting' : 'reconnecting', this.attempt === 0 ? 'Connecting…' : `Reconnecting (attempt ${this.attempt})…`);
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = (): void => {
      this.attempt = 0;
      this.on.state('live', 'Live');
      this.kick();
    };
    ws.onmessage = (ev: MessageEvent): void => {
      this.kick();
      let m: ServerMessage;
      try {
        m = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      this.on.message(m);
    };
    ws.onclose = (): void => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.watchdog) clearTimeout(this.watchdog);
      if (this.stopped) return;
      this.attempt += 1;
      const delay = Math.min(5000, 250 * 2 ** Math.min(this.attempt, 5));
      this.on.state('reconnecting', `Disconnected — reconnecting in ${(delay / 1000).toFixed(1)} s`);
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  private kick(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.ws?.close(), this.silenceMs);
  }
}
