// Smoke test of the benchmark scripts: they run end to end with tiny sizes and print their tables.
// No timing is asserted (figures on a shared machine mean nothing in a test); real child processes on loopback.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireBuilt } from '../helpers/cli';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '..', '..');

/** The data rows of the table that follows `title` in the output, split into cells. */
function rowsAfter(out: string, title: string): string[][] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith(title));
  expect(start).toBeGreaterThanOrEqual(0);
  // The table's header row starts with "peer" (a title may run over several lines before it); rows follow its rule.
  const header = lines.findIndex((l, i) => i > start && l.startsWith('peer'));
  const rows: string[][] = [];
  for (const l of lines.slice(header + 2)) {
    if (l.trim() === '' || l.startsWith('  ')) break;
    rows.push(l.trim().split(/\s{2,}/));
  }
  return rows;
}

describe('scripts/bench', () => {
  beforeAll(() => requireBuilt(), 180_000);

  it('proxy.js measures direct, tlslab and http-mitm-proxy with tiny sizes and prints every table', async () => {
    const { stdout } = await run(process.execPath, [
      'scripts/bench/proxy.js', '--peers', 'direct,tlslab,http-mitm-proxy', '--rounds', '1', '--seconds', '0.5',
      '--workers', '2', '--conns', '1', '--bulk-mb', '1', '--max-requests', '40', '--latency-probes', '3',
    ], { cwd: REPO, timeout: 150_000 });
    for (const title of ['New-connection HTTPS', 'Keep-alive', 'Bulk', 'Integrity', 'Relay-path latency', 'First connection to a new host', 'Proxy process memory', 'Targets']) {
      expect(stdout).toContain(title);
    }
    const peers = ['direct', 'tlslab', 'http-mitm-proxy'];
    for (const title of ['New-connection HTTPS', 'Keep-alive']) {
      const rows = rowsAfter(stdout, title);
      expect(rows.map((r) => r[0])).toEqual(peers);
      // Columns: peer, round, req/s, p50, p95, ok, errors: every peer answered, none failed, at most the cap.
      for (const r of rows) {
        expect(Number(r[5])).toBeGreaterThan(0);
        expect(Number(r[5])).toBeLessThanOrEqual(40);
        expect(Number(r[6])).toBe(0);
      }
    }
    const bulk = rowsAfter(stdout, 'Bulk');
    expect(bulk.map((r) => [r[0], r[4]])).toEqual(peers.map((p) => [p, 'yes']));
    // A first connection to a new host: tlslab minted a leaf for each new name and every probe got its answer.
    const first = rowsAfter(stdout, 'First connection to a new host');
    expect(first.map((r) => [r[0], r[r.length - 1]])).toEqual([['direct', '0'], ['tlslab', '0']]);
    expect(stdout).toMatch(/[✓✗] new connections ≥ stock http-mitm-proxy: tlslab \d+ req\/s vs \d+ req\/s/);
    expect(stdout).toMatch(/[✓✗] proxy CPU per new connection ≤ 1\.2× stock http-mitm-proxy: tlslab [\d.]+ ms vs [\d.]+ ms/);
    expect(stdout).toMatch(/[✓✗] bulk ≥ stock http-mitm-proxy: tlslab \d+ MiB\/s/);
    expect(stdout).toMatch(/[✓✗] a first connection to a new host p50 ≤ 2× the next one: [\d.]+ ms vs [\d.]+ ms/);
    expect(stdout).toContain('keep-alive target: tlslab and mitmdump not both measured');
  }, 180_000);

  it('proxy.js refuses an unknown option with its usage', async () => {
    await expect(run(process.execPath, ['scripts/bench/proxy.js', '--nope'], { cwd: REPO, timeout: 20_000 })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown option --nope'),
    });
  });

  it('classroom.js runs signed-in students with their own views and finds no isolation violation', async () => {
    const { stdout } = await run(process.execPath, ['scripts/bench/classroom.js', '--students', '3', '--burst', '2', '--seconds', '1'], { cwd: REPO, timeout: 90_000 });
    const done = Number(/connections completed +(\d+) \(0 failed\)/.exec(stdout)?.[1]);
    expect(done).toBeGreaterThanOrEqual(6);
    // Every connection the students made reached the instructor's view with its student's name.
    expect(stdout).toContain(`connections the instructor saw ${done} signed-in`);
    expect(stdout).toMatch(/isolation violations +0 \(must be 0\) over [1-9]\d* events in student views/);
    expect(stdout).toMatch(/event-to-view latency, p95 +instructor [\d.]+ ms; students: median [\d.]+ ms/);
  }, 120_000);

  it('dashboard-open.js fills a tlslab past the snapshot window and opens a view from Node and Chromium', async () => {
    const { stdout } = await run(process.execPath, ['scripts/bench/dashboard-open.js', '--connections', '450', '--real', '8', '--rounds', '1'], { cwd: REPO, timeout: 120_000 });
    expect(stdout).toMatch(/real TLS connections through the proxy: 8 in/);
    expect(stdout).toMatch(/kept: 450 summaries/);
    // The view's snapshot is the window, with the total beside it.
    expect(stdout).toMatch(/snapshot +[\d.]+ MB after [\d.]+ ms: 300 summaries of 450, events of [1-9]\d* connections/);
    expect(stdout).toMatch(/first \.row visible +\d+ ms after navigation/);
  }, 150_000);

  it('run.js runs the benchmarks it is asked for and names what it ran', async () => {
    const { stdout } = await run(process.execPath, ['scripts/bench/run.js', '--quick', '--only', 'leaf-issuance'], { cwd: REPO, timeout: 60_000 });
    expect(stdout).toContain('=== leaf-issuance (scripts/bench/leaf-issuance.js) ===');
    expect(stdout).toMatch(/=== summary ===\nleaf-issuance +ok in [\d.]+ s — node scripts\/bench\/leaf-issuance.js 50/);
  }, 90_000);
});
