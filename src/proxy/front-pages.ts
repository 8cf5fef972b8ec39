// tlslab's own answers on the plain proxy front (400, 502, 504, 508): short text pages with a stable error code,
// and the events that record a request tlslab refused. I/O: writes to a ServerResponse or a raw upgrade socket.
import type net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors';
import type { ConnOpenEvent, Endpoint, FailureCause } from '../events/schema';
import { ConnectionSession } from '../capture/session';
import { redactUrl, shownHeaderValue } from '../capture/redact';
import type { ProxyContext } from './context';
import { printable } from './target';
import { clientEndpoint, studentOf } from './classroom-gate';

type AnswerStatus = 400 | 502 | 504 | 508;

const REASONS = {
  400: 'Bad Request',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
  508: 'Loop Detected',
} as const satisfies Record<AnswerStatus, string>;

/** A page tlslab answers with itself: the status, the error code, and sentences for the person who sent it. */
export interface FrontAnswer {
  status: AnswerStatus;
  code: ErrorCode;
  /** What happened, in a sentence or two; names only what the client itself sent. */
  text: string;
}

function body(a: FrontAnswer): string {
  return `tlslab: ${a.status} ${REASONS[a.status]}\n\n${a.text}\n\n[${a.code}]\n`;
}

function headers(a: FrontAnswer, text: string): Record<string, string> {
  return {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'X-Tlslab-Error': a.code,
    Connection: 'close',
  };
}

/** Sends the page; once the response has begun, all tlslab can do is cut it short (the client sees it truncated). */
export function sendAnswer(res: ServerResponse, a: FrontAnswer): void {
  if (res.headersSent || res.writableEnded || res.destroyed) {
    res.destroy();
    return;
  }
  const text = body(a);
  res.shouldKeepAlive = false;
  res.writeHead(a.status, REASONS[a.status], headers(a, text));
  res.end(text);
}

/** The same page on a socket Node's HTTP server has handed over (an Upgrade request), then the end of it. */
export function sendRawAnswer(socket: net.Socket, a: FrontAnswer): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const text = body(a);
  const head = Object.entries(headers(a, text)).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${a.status} ${REASONS[a.status]}\r\n${head}\r\n${text}`);
}

/** Header pairs as the client sent them, credentials redacted. */
export function headerPairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    out.push([name, shownHeaderValue(name, raw[i + 1])]);
  }
  return out;
}

/** The browser's end of the connection a request came on. */
export function clientOf(req: IncomingMessage): Endpoint {
  return clientEndpoint(req.socket);
}

const MAX_URL = 4096;

/** Opens a connection entry for a request on the plain front: `conn:open`, then its `http:request`. */
export function openExchange(ctx: ProxyContext, req: IncomingMessage, target: ConnOpenEvent['target'], via: ConnOpenEvent['via'], url: string): ConnectionSession {
  const session = new ConnectionSession(ctx.bus, ctx.sessionOptions);
  const student = studentOf(req);
  session.emit({ type: 'conn:open', client: clientOf(req), target, via, ...(student ? { student } : {}) });
  session.emit({ type: 'http:request', id: 1, method: req.method ?? 'GET', url: redactUrl(printable(url, MAX_URL)), httpVersion: req.httpVersion, headers: headerPairs(req.rawHeaders) });
  return session;
}

/** A request tlslab answered itself without contacting any server: one entry that opens, fails and closes at once. */
export function recordRefused(ctx: ProxyContext, req: IncomingMessage, target: ConnOpenEvent['target'], via: ConnOpenEvent['via'], url: string, a: FrontAnswer, cause: FailureCause = 'bad-request'): void {
  const session = openExchange(ctx, req, target, via, url);
  session.emit({ type: 'conn:error', leg: 'client', code: a.code, cause, message: a.text });
  session.close(cause);
}
