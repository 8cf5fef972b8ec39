// The repository stands alone: no tracked file points at files outside it (a sibling shared/ folder, design or seed
// notes) or uses words a person who clones it cannot resolve (issue numbers, "the seed" of the project).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const SELF = path.relative(REPO, __filename).split(path.sep).join('/');

/** What may not appear, each with why. Built from pieces so that this file does not match itself. */
const FORBIDDEN: { what: string; re: RegExp; excused?: RegExp }[] = [
  { what: 'a path into a folder beside the repository', re: new RegExp(['\\.\\.', 'shared'].join('/')) },
  { what: 'a design document that is not in the repository', re: new RegExp(`\\b${'DESIGN'}\\.md\\b`) },
  { what: 'a seed document that is not in the repository', re: new RegExp(`\\b${'SEED'}\\.md\\b`, 'i') },
  // A random seed (fuzzing, replaying a failure) is a seed anyone can resolve.
  { what: 'the project "seed", a private word', re: new RegExp(`\\bthe ${'seed'}\\b`, 'i'), excused: /fuzz|fast-check|replay|random|PRNG|_SEED\b/i },
  { what: 'an issue number, which means nothing outside the tracker', re: new RegExp(`\\b${'issue'}s? #?\\d`, 'i') },
];

function trackedTextFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\0')
    .filter((f) => f !== '' && f !== SELF && f !== 'package-lock.json' && fs.existsSync(path.join(REPO, f)))
    .filter((f) => !fs.readFileSync(path.join(REPO, f)).subarray(0, 8000).includes(0));
}

describe('the repository stands alone', () => {
  const files = trackedTextFiles();

  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(300);
    expect(files).toContain('README.md');
  });

  it.each(FORBIDDEN.map((f) => [f.what, f] as const))('no tracked file has %s', (_what, rule) => {
    const hits: string[] = [];
    for (const f of files) {
      const lines = fs.readFileSync(path.join(REPO, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (rule.re.test(line) && !(rule.excused?.test(line) ?? false)) hits.push(`${f}:${i + 1}: ${line.trim().slice(0, 160)}`);
      });
    }
    expect(hits).toEqual([]);
  });
});
