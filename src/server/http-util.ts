// Small HTTP response helpers for the dashboard server: JSON bodies and JSON errors with stable codes.
// Writes to the given ServerResponse and reads small JSON request bodies; no other I/O.
import type { IncomingMessage, ServerResponse } from 'node:http';

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

export type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413 | 415; message: string };

/**
 * A request's JSON body of at most `maxBytes` (`Content-Type: application/json`, which a form on another site cannot
 * send). Longer bodies stop being read at the limit (413); the caller answers and closes.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<JsonBody> {
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    return Promise.resolve({ ok: false, status: 415, message: 'The body must be JSON: Content-Type: application/json.' });
  }
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) return Promise.resolve({ ok: false, status: 413, message: `A body has at most ${maxBytes} bytes.` });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: JsonBody): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        finish({ ok: false, status: 413, message: `A body has at most ${maxBytes} bytes.` });
      } else chunks.push(chunk);
    });
    req.on('error', () => finish({ ok: false, status: 400, message: 'The body could not be read.' }));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        finish({ ok: true, value: JSON.parse(text) as unknown });
      } catch {
        finish({ ok: false, status: 400, message: 'The body is not JSON.' });
      }
    });
  });
}
