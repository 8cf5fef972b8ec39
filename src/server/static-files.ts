// Serves the dashboard's files: the page and assets from src/dashboard/static, the compiled scripts from
// dist/dashboard-src. The file-system boundary: nothing outside those roots (no traversal, no dotfiles, no certs/).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Content types by extension; anything else is served as bytes. */
const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The repository root: compiled code runs from dist/server/, tests from src/server/ — both two levels down. */
export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface StaticRoots {
  /** Serves `/` (index.html) and `/static/*`. Default: `<repo>/src/dashboard/static`. */
  staticDir: string;
  /** Serves `/js/*`. Default: `<repo>/dist/dashboard-src`. */
  jsDir: string;
  /** Never served from, whatever the roots say. Default: `<repo>/certs`. */
  forbiddenDir: string;
}

export function defaultStaticRoots(): StaticRoots {
  return {
    staticDir: path.join(REPO_ROOT, 'src', 'dashboard', 'static'),
    jsDir: path.join(REPO_ROOT, 'dist', 'dashboard-src'),
    forbiddenDir: path.join(REPO_ROOT, 'certs'),
  };
}

function inside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Maps a URL path below a root to a file path, or null when the path tries to leave the root, names a
 * dotfile, or is malformed. `rest` is still percent-encoded.
 */
export function resolveUnder(root: string, rest: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.length === 0) return null;
  if (segments.some((s) => s === '..' || s.startsWith('.'))) return null;
  const file = path.resolve(root, ...segments);
  return inside(root, file) ? file : null;
}

export type StaticResult = 'served' | 'not-found' | 'refused';

/** Serves one file from under `root` (GET and HEAD), after checking its real path stays inside. */
export async function serveFile(req: IncomingMessage, res: ServerResponse, root: string, rest: string, roots: StaticRoots, extraHeaders: Record<string, string> = {}): Promise<StaticResult> {
  const file = resolveUnder(root, rest);
  if (file === null) return 'refused';
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([fs.realpath(file), fs.realpath(root)]);
  } catch {
    return 'not-found';
  }
  // Symlinks may not lead out of the root, and nothing under certs/ is ever served.
  if (!inside(realRoot, real)) return 'refused';
  const forbidden = await fs.realpath(roots.forbiddenDir).catch(() => roots.forbiddenDir);
  if (real === forbidden || inside(forbidden, real)) return 'refused';
  let body: Buffer;
  try {
    const st = await fs.stat(real);
    if (!st.isFile()) return 'not-found';
    body = await fs.readFile(real);
  } catch {
    return 'not-found';
  }
  res.writeHead(200, {
    'Content-Type': mimeType(real),
    'Content-Length': String(body.length),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ...extraHeaders,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return 'served';
}
