// Which external tools a test needs. Missing on a developer's machine: the test says so loudly and skips.
// In CI (CI=true) nothing skips: a missing tool fails the run.
import { execFileSync } from 'node:child_process';

const cache = new Map<string, string | null>();

/** Absolute path of `name` on PATH, or null. */
export function which(name: string): string | null {
  if (!cache.has(name)) {
    let found: string | null;
    try {
      found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
    } catch {
      found = null; // `command -v` exits 1 for a name it cannot find
    }
    cache.set(name, found);
  }
  return cache.get(name) ?? null;
}

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** The Debian package that brings a tool, where its name differs from the tool's. */
const DEBIAN_PACKAGE: Readonly<Record<string, string>> = {
  certutil: 'libnss3-tools',
  ss: 'iproute2',
  ip: 'iproute2',
  'firefox-esr': 'firefox-esr',
  chromium: 'chromium',
  tshark: 'tshark',
  dumpcap: 'tshark',
  editcap: 'tshark',
};

/** `apt-get install …` for the tools named. */
export function installHint(tools: readonly string[]): string {
  return `apt-get install ${[...new Set(tools.map((t) => DEBIAN_PACKAGE[t] ?? t))].join(' ')}`;
}

/**
 * `describe` when `why` is null; otherwise, outside CI, a skipped describe with a loud warning; in CI, a describe whose
 * single test (`needs`: what it says it needs) fails saying why.
 */
export function describeUnless(why: string | null, title: string, body: () => void, needs = 'has its tools'): void {
  if (why === null) {
    describe(title, body);
    return;
  }
  if (inCI) {
    describe(title, () => {
      it(`${needs}: ${why}`, () => {
        throw new Error(`CI must not skip: ${title} ${why}`);
      });
    });
    return;
  }
  process.stderr.write(`\n*** SKIPPING "${title}": ${why} ***\n\n`);
  describe.skip(`${title} [SKIPPED: ${why}]`, body);
}

/** `describe` when every tool is present; otherwise skipped loudly, or failing in CI (`describeUnless`). */
export function describeWithTools(tools: string[], title: string, body: () => void): void {
  const missing = tools.filter((t) => which(t) === null);
  describeUnless(missing.length === 0 ? null : `needs ${missing.join(', ')} on PATH (${installHint(missing)})`, title, body);
}
