// Every finding code is in the catalogue and documented in docs/findings.md with the same check and severity.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FINDING_CODES } from '../../../src/x509';
import { NODE_ERRORS } from '../../../src/x509/node-errors';

const root = join(__dirname, '..', '..', '..');
const doc = readFileSync(join(root, 'docs', 'findings.md'), 'utf8');
const srcDir = join(root, 'src', 'x509');

/** Rows `| \`CODE\` | check | severity | sentence |` of the doc. */
const documented = new Map<string, { check: string; severity: string; sentence: string }>();
for (const m of doc.matchAll(/^\| `([A-Z0-9_]+)` \| ([a-z-]+) \| (error|warning) \| (.+) \|$/gm)) {
  documented.set(m[1], { check: m[2], severity: m[3], sentence: m[4] });
}

describe('docs/findings.md', () => {
  it.each(Object.entries(FINDING_CODES))('documents %s with its check and severity', (code, spec) => {
    expect(documented.get(code)).toMatchObject({ check: spec.check, severity: spec.severity });
    expect(documented.get(code)!.sentence.length).toBeGreaterThan(20);
  });

  it('documents no code that does not exist', () => {
    expect([...documented.keys()].filter((c) => !(c in FINDING_CODES))).toEqual([]);
  });

  it('covers every code the source uses', () => {
    // Codes appear in src/x509 as quoted SCREAMING_CASE strings with a known prefix.
    const used = new Set<string>();
    for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.ts') && f !== 'node-errors.ts')) {
      const text = readFileSync(join(srcDir, file), 'utf8');
      for (const m of text.matchAll(/'((?:CERT|CHAIN|HOSTNAME|SIGNATURE|ALG|KEY|EKU|BC|KU|NODE)_[A-Z0-9_]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/^\s+((?:CERT|CHAIN|HOSTNAME|SIGNATURE|ALG|KEY|EKU|BC|KU|NODE)_[A-Z0-9_]+): \{ check/gm)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThanOrEqual(Object.keys(FINDING_CODES).length);
    expect([...used].filter((c) => !documented.has(c))).toEqual([]);
  });

  it('maps Node errors only to codes that exist', () => {
    for (const info of Object.values(NODE_ERRORS)) for (const code of info.findings) expect(FINDING_CODES).toHaveProperty(code);
  });
});
