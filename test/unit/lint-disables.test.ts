// Every eslint-disable comment in src/, test/ and scripts/ names the rule it turns off and says why, in the same
// comment (`// eslint-disable-next-line rule -- reason`): no blanket disables, no unexplained ones.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const DIRECTIVE = /eslint-disable(?:-next-line|-line)?\b(.*)$/;

it('each eslint-disable names its rules and gives a reason', () => {
  const files = execFileSync('git', ['ls-files', '-z', 'src', 'test', 'scripts'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((f) => /\.(ts|js|mjs|cjs)$/.test(f) && fs.existsSync(path.join(REPO, f)));
  expect(files.length).toBeGreaterThan(300);
  const bad: string[] = [];
  for (const f of files) {
    fs.readFileSync(path.join(REPO, f), 'utf8').split('\n').forEach((line, i) => {
      const m = DIRECTIVE.exec(line);
      // This file's own pattern and description are not directives.
      if (!m || f === 'test/unit/lint-disables.test.ts') return;
      const [rules, reason] = (m[1] ?? '').split(' -- ');
      if (!rules?.trim() || !reason?.trim()) bad.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  expect(bad).toEqual([]);
});
