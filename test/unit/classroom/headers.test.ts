// src/classroom's modules each start with a two-line header. What they may import (the event types, the error table, IP
// text, node:os / node:net / node:crypto) is a rule of .dependency-cruiser.cjs, checked by test/unit/layers.test.ts.
import fs from 'node:fs';
import path from 'node:path';

const DIR = path.join(__dirname, '..', '..', '..', 'src', 'classroom');

describe('src/classroom modules', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  it('has its modules', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('starts each module with a two-line header comment', () => {
    for (const f of files) {
      const [a, b] = fs.readFileSync(path.join(DIR, f), 'utf8').split('\n');
      expect([f, a?.startsWith('// '), b?.startsWith('// ')]).toEqual([f, true, true]);
    }
  });
});
