// The one-way layers of docs/architecture.md, checked on the source: the sans-IO parts import no I/O module, and no lower
// layer reaches up into the proxy, the capture layer, the server or the dashboard.
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.join(__dirname, '..', '..', 'src');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? filesUnder(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|require\()\s*'([^']+)'/g)].map((m) => m[1]);
}

const IO = /^(node:)?(net|tls|http|https|http2|stream|fs|fs\/promises|child_process|dgram|dns)$/;
const UPPER = new Set(['proxy', 'capture', 'server', 'dashboard', 'commands', 'lab', 'ca', 'app', 'cli']);

/** The top-level part of src/ a relative import lands in (`tls`, `events`, `proxy`, `app`, …). */
function layerOf(file: string, spec: string): string {
  return path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep)[0]?.replace(/\.js$/, '') ?? '';
}

describe.each([
  ['src/tls', /* tls may not even read the trust store */ IO],
  ['src/pcap', IO],
  ['src/events', /^node:|^(net|tls|fs|http|stream|crypto)$/],
  ['src/x509', /^(node:)?(net|http|https|http2|stream|fs|fs\/promises|child_process|dgram|dns)$/],
])('%s', (dir, forbidden) => {
  const files = filesUnder(path.join(SRC, dir.replace(/^src\//, '')));

  it('has source files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('imports no I/O module', () => {
    const bad = files.flatMap((f) => imports(f).filter((m) => forbidden.test(m)).map((m) => `${path.relative(SRC, f)} → ${m}`));
    expect(bad).toEqual([]);
  });

  it('does not reach up the layers', () => {
    const bad = files.flatMap((f) => imports(f).filter((m) => m.startsWith('.') && UPPER.has(layerOf(f, m))).map((m) => `${path.relative(SRC, f)} → ${m}`));
    expect(bad).toEqual([]);
  });
});
