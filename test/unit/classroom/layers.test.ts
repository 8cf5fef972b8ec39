// src/classroom stays a leaf: it may import itself, the event types, the error table and node:os / node:net /
// node:crypto (address facts, hashes, randomness) — nothing of the proxy, the server, the capture layer or the CLI.
import fs from 'node:fs';
import path from 'node:path';

const DIR = path.join(__dirname, '..', '..', '..', 'src', 'classroom');
const ALLOWED = [/^\.\/[a-z0-9-]+$/, /^\.\.\/events\/[a-z0-9-]+$/, /^\.\.\/errors$/, /^node:(os|net|crypto)$/];

describe('src/classroom imports', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  it('has its modules', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('imports only what the layer table allows', () => {
    const bad = files.flatMap((f) => {
      const text = fs.readFileSync(path.join(DIR, f), 'utf8');
      const specs = [...text.matchAll(/(?:from\s+|require\(|import\()\s*'([^']+)'/g)].map((m) => m[1]);
      return specs.filter((s) => !ALLOWED.some((re) => re.test(s))).map((s) => `${f} → ${s}`);
    });
    expect(bad).toEqual([]);
  });

  it('starts each module with a two-line header comment', () => {
    for (const f of files) {
      const [a, b] = fs.readFileSync(path.join(DIR, f), 'utf8').split('\n');
      expect([f, a?.startsWith('// '), b?.startsWith('// ')]).toEqual([f, true, true]);
    }
  });
});
