// Static file path resolution and MIME types (the traversal attempts over real HTTP are in test/integration).
import * as path from 'node:path';
import { defaultStaticRoots, mimeType, REPO_ROOT, resolveUnder } from '../../../src/server/static-files';

describe('static files', () => {
  const root = '/srv/static';

  it('resolves plain paths under the root', () => {
    expect(resolveUnder(root, 'index.html')).toBe('/srv/static/index.html');
    expect(resolveUnder(root, 'a/b%20c.css')).toBe('/srv/static/a/b c.css');
  });

  it.each(['', '/', '..', '../x', 'a/../../x', '..%2fx', '%2e%2e/x', '.env', 'a/.git/config', '%00', 'a%5c..%5cb', '%E0%A4%A'])('refuses %j', (p) => {
    expect(resolveUnder(root, p)).toBeNull();
  });

  it('maps extensions to MIME types', () => {
    expect(mimeType('a.html')).toBe('text/html; charset=utf-8');
    expect(mimeType('a.JS')).toBe('text/javascript; charset=utf-8');
    expect(mimeType('a.css')).toBe('text/css; charset=utf-8');
    expect(mimeType('a.svg')).toBe('image/svg+xml');
    expect(mimeType('a.woff2')).toBe('font/woff2');
    expect(mimeType('a.bin')).toBe('application/octet-stream');
  });

  it('defaults to the repository dashboard folders, never certs/', () => {
    expect(REPO_ROOT).toBe(path.resolve(__dirname, '../../..'));
    const r = defaultStaticRoots();
    expect(r.staticDir).toBe(path.join(REPO_ROOT, 'src/dashboard/static'));
    expect(r.jsDir).toBe(path.join(REPO_ROOT, 'dist/dashboard-src'));
    expect(r.forbiddenDir).toBe(path.join(REPO_ROOT, 'certs'));
  });
});
