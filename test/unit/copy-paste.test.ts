// No copy-paste: jscpd (configured in .jscpd.json) finds no block of six or more lines that src/, scripts/ and
// test/helpers/ share, beyond the exceptions declared below — each with its reason, and each in .jscpd.json.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const JSCPD = path.join(REPO, 'node_modules', 'jscpd', 'run-jscpd.js');

/** Every exception in .jscpd.json (`ignore` globs beyond build output, `ignorePattern`s), with why it is one. */
const DECLARED: Record<string, string> = {
  'const [^=\\n]+ = require\\(':
    "Lines that only require a module (const x = require('…');): the scripts start with the same Node built-ins, and a list of requires holds no logic to share.",
};
const BUILD_OUTPUT = ['**/node_modules/**', '**/dist/**'];

interface JscpdConfig {
  path: string[];
  minLines: number;
  threshold: number;
  ignore?: string[];
  ignorePattern?: string[];
}

describe('copy-paste check (jscpd)', () => {
  const config = JSON.parse(fs.readFileSync(path.join(REPO, '.jscpd.json'), 'utf8')) as JscpdConfig;

  it('looks at src/, scripts/ and test/helpers/ for blocks of six lines or more, with no tolerance', () => {
    expect(config).toMatchObject({ path: ['src', 'scripts', 'test/helpers'], minLines: 6, threshold: 0 });
  });

  it('has only the exceptions declared here, each with a reason', () => {
    const exceptions = [...(config.ignore ?? []).filter((g) => !BUILD_OUTPUT.includes(g)), ...(config.ignorePattern ?? [])];
    expect(exceptions.sort()).toEqual(Object.keys(DECLARED).sort());
    for (const why of Object.values(DECLARED)) expect(why.length).toBeGreaterThan(20);
  });

  it('finds no clone', async () => {
    const out = await new Promise<{ code: number; text: string }>((resolve) => {
      execFile(process.execPath, [JSCPD, '--config', '.jscpd.json'], { cwd: REPO, timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, text: `${stdout}${stderr}` });
      });
    });
    // eslint-disable-next-line no-control-regex -- strips the terminal colour codes jscpd prints
    const text = out.text.replace(/\u001b\[[0-9;]*m/g, '');
    expect({ code: out.code, clones: text.split('\n').filter((l) => /Clone found|^\s+-\s|^\s{3}\S/.test(l)) }).toEqual({ code: 0, clones: [] });
    expect(text).toMatch(/Found 0 clones|No duplicates found/);
  }, 60_000);
});
