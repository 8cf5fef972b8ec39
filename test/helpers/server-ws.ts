// Test helpers for the dashboard server: a WebSocket client that records every message, and small HTTP getters.
// Real sockets on 127.0.0.1; every wait has a timeout so a broken server fails the test instead of hanging it.
import * as http from 'node:http';
import WebSocket from 'ws';
import type { TlslabEvent } from '../../src/events/schema';
import type { ServerMessage } from '../../src/events/stream';
import { rawText } from './origin';

export class RecordingClient {
  readonly messages: ServerMessage[] = [];
  readonly ws: WebSocket;
  private waiters: (() => void)[] = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(rawText(data)) as ServerMessage);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  /** Resolves once `pred` holds over the messages so far (checked on every message), or rejects after `ms`. */
  until(pred: (msgs: ServerMessage[]) => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred(this.messages)) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((f) => f !== check);
        reject(new Error(`timed out waiting for ${what}; got ${this.messages.length} messages: ${this.messages.map((m) => m.kind).slice(-10).join(',')}`));
      }, ms);
      check();
    });
  }

  /** Every event received, snapshot first, then live, in arrival order. */
  events(): TlslabEvent[] {
    const out: TlslabEvent[] = [];
    for (const m of this.messages) if (m.kind === 'snapshot' || m.kind === 'events') out.push(...m.events);
    return out;
  }

  /** Events received after the last snapshot (snapshot included). */
  eventsSinceLastSnapshot(): TlslabEvent[] {
    let start = 0;
    this.messages.forEach((m, i) => {
      if (m.kind === 'snapshot') start = i;
    });
    const out: TlslabEvent[] = [];
    for (const m of this.messages.slice(start)) if (m.kind === 'snapshot' || m.kind === 'events') out.push(...m.events);
    return out;
  }

  gaps(): Extract<ServerMessage, { kind: 'gap' }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { kind: 'gap' }> => m.kind === 'gap');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.terminate();
    });
  }
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A GET with the path sent exactly as given (no normalization), so traversal attempts reach the server. */
export function rawGet(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Attempts a WebSocket upgrade; resolves with the HTTP status of a refusal, or 101 when it opened. */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}
