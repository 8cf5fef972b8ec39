// Small HTTP response helpers for the dashboard server: JSON bodies and JSON errors with stable codes.
// Writes to the given ServerResponse; no other I/O.
import type { ServerResponse } from 'node:http';

/** Error body of every /api and auth failure: `{ "error": code, "message": sentence }`. */
export interface ErrorBody {
  error: string;
  message: string;
}

const COMMON = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };

export function sendJson(res: ServerResponse, status: number, body: unknown, head = false, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...extra,
  });
  res.end(head ? undefined : text);
}

export function sendError(res: ServerResponse, status: number, error: string, message: string, head = false, extra: Record<string, string> = {}): void {
  sendJson(res, status, { error, message } satisfies ErrorBody, head, extra);
}

/**
 * The URL of a request, or null when its target is not one (`GET http://[ HTTP/1.1` reaches the server: `new URL`
 * would throw). A path is read as a path (`//x` stays the path `//x`, not a host).
 */
export function requestUrl(target: string | undefined): URL | null {
  const t = target ?? '/';
  try {
    return new URL(t.startsWith('/') ? `http://dashboard.invalid${t}` : t);
  } catch {
    return null;
  }
}
