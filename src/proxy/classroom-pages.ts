// What the proxy answers when it is asked directly, as a server, in classroom mode: the join page at `/` and the PAC
// file at `/proxy.pac` (no sign-in: browsers fetch PAC files without credentials). I/O: writes a ServerResponse.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { joinPage, JOIN_PATH, PAC_CONTENT_TYPE, PAC_PATH, pacFile } from '../classroom';

export interface OwnPageInput {
  /** The proxy's address as this client reached it (the socket's local address, never the Host header). */
  host: string;
  port: number;
  caFingerprint256: string;
}

/** Serves the join page or the PAC file for `path` (origin form, query included); false for any other path. */
export function serveClassroomPage(req: IncomingMessage, res: ServerResponse, path: string, p: OwnPageInput): boolean {
  const route = path.split('?')[0];
  let type: string;
  let body: string;
  if (route === PAC_PATH) {
    type = PAC_CONTENT_TYPE;
    body = pacFile(p.host, p.port);
  } else if (route === JOIN_PATH) {
    type = 'text/html; charset=utf-8';
    body = joinPage({ proxyHost: p.host, proxyPort: p.port, caFingerprint256: p.caFingerprint256 });
  } else {
    return false;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0', 'Cache-Control': 'no-store' });
    res.end();
    return true;
  }
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // The join page has no script and loads nothing: say so, so nothing injected could run either.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
