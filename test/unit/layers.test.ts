// The one-way layers of docs/architecture.md, as the rule set in .dependency-cruiser.cjs: src/ keeps them, every part of
// src/ is in the table and in the rules, and a tree that breaks them on purpose (test/fixtures/layers/) is rejected.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const CONFIG = path.join(REPO, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'layers');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

/** dependency-cruiser's own CLI (its API is ESM-only, which jest's CommonJS sandbox cannot load) over `src` in `cwd`. */
function cruise(cwd: string): Promise<Violation[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', 'src'], { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      // It exits non-zero when it finds violations: the JSON on stdout says which.
      if (!stdout) return reject(new Error(`dependency-cruiser printed nothing (${err?.message ?? 'no error'}): ${stderr}`));
      try {
        const out = JSON.parse(stdout) as { summary: { violations: Violation[] } };
        resolve(out.summary.violations);
      } catch (e) {
        reject(new Error(`dependency-cruiser printed no JSON: ${String(e)}\n${stderr}`));
      }
    });
  });
}

const shown = (v: Violation): string => `${v.rule.name}: ${v.from} → ${v.to}`;

describe('layer rules (.dependency-cruiser.cjs)', () => {
  it('src/ keeps them', async () => {
    expect((await cruise(REPO)).map(shown)).toEqual([]);
  }, 60_000);

  it('reject each deliberate break in test/fixtures/layers, and nothing else there', async () => {
    const found = (await cruise(FIXTURE)).map(shown).sort();
    expect(found).toEqual(
      [
        // A socket in the sans-IO decoder, and the decoder reaching up into the proxy.
        'tls-node-modules: src/tls/leaky-decoder.ts → net',
        'tls-imports: src/tls/leaky-decoder.ts → src/proxy/front.ts',
        // A file read in the pure pcap layer, through a double-quoted dynamic import.
        'pcap-node-modules: src/pcap/reader.ts → fs',
        // The schema importing anything at all.
        'schema-imports-nothing: src/events/schema.ts → src/events/counter.ts',
        // Two modules that import each other at run time.
        'no-circular: src/events/counter.ts → src/events/ticker.ts',
        // An npm package in the dashboard.
        expect.stringMatching(/^dashboard-packages: src\/dashboard\/main\.ts → .*node_modules\/ws\/index\.js$/) as unknown as string,
      ].sort(),
    );
  }, 60_000);

  it('cover every part of src/, and docs/architecture.md has a row for each', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the config is CommonJS, loaded as dependency-cruiser loads it
    const layers = Object.keys((require(CONFIG) as { LAYERS: Record<string, unknown> }).LAYERS);
    const parts = fs
      .readdirSync(path.join(REPO, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory() || d.name.endsWith('.ts'))
      .map((d) => d.name.replace(/\.ts$/, ''));
    expect(parts.filter((p) => !layers.includes(p))).toEqual([]);
    expect(layers.filter((l) => !l.includes('/') && !parts.includes(l))).toEqual([]);

    const doc = fs.readFileSync(path.join(REPO, 'docs', 'architecture.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Layers'));
    const rows = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`src\/([\w-]+)(?:\/|\.ts)`/g)].map((n) => n[1]));
    expect(parts.filter((p) => !rows.includes(p)).sort()).toEqual([]);
    expect(rows.filter((r) => !parts.includes(r))).toEqual([]);
  });
});
