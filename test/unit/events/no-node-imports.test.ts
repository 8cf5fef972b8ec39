// src/events compiles for the browser too: no Node globals by name, `.js` suffixes on relative imports. (No Node
// module either: a rule of .dependency-cruiser.cjs, checked by test/unit/layers.test.ts.)
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const dir = path.resolve(__dirname, '../../../src/events');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('src/events stays browser-safe', () => {
  it.each(files.map((f) => [f]))('%s', (f) => {
    const src = readFileSync(path.join(dir, f), 'utf8');
    const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/'[^'\n]*'|`[^`]*`/g, "''");
    expect(code).not.toMatch(/\b(Buffer|process|__dirname|setImmediate)\b/);
    for (const m of src.matchAll(/from ['"](\.{1,2}\/[^'"]+)['"]/g)) expect(m[1]).toMatch(/\.js$/);
  });
});
