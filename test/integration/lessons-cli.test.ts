// `tlslab lessons --list` and `--check DIR` through the real bin: the table, JSON, and a teacher's folder with faults
// reported as file:line: message with a non-zero exit status.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLessons } from '../../src/lessons';
import { requireBuilt, tlslab } from '../helpers/cli';

jest.setTimeout(60_000);
beforeAll(() => requireBuilt());

const shipped = loadLessons().lessons;
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-lessons-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const GOOD = (id: string) => `---
id: ${id}
title: A teacher's lesson
goal: Look at a valid connection.
steps: [1, 2]
lab: [valid]
open:
  - lab: valid
tasks:
  - do: Open https://valid.lab.tlslab/.
    try:
      - curl --cacert {ca} -x {proxy} https://valid.lab.tlslab/
    when: { lab: valid }
    questions:
      - ask: Which group did the client leg use?
        fact: group
        leg: client
---
Explained.
`;

it('--list prints every lesson, the shipped ones first, and marks a teacher\'s', async () => {
  fs.writeFileSync(path.join(dir, 'mine.md'), GOOD('mine'));
  const r = await tlslab(['lessons', '--list', '--lessons', dir]);
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^LESSON +STEPS +LAB CASES +TITLE$/);
  expect(lines.slice(1, 1 + shipped.length).map((l) => l.split(/\s+/)[0])).toEqual(shipped.map((l) => l.id));
  expect(lines.at(-2)).toMatch(/^mine \* +1,2 +valid +A teacher's lesson$/);
  const json = JSON.parse((await tlslab(['lessons', '--list', '--json'])).stdout) as { id: string }[];
  expect(json.map((l) => l.id)).toEqual(shipped.map((l) => l.id));
});

it('--check DIR: no errors → exit 0; faults → file:line: message on stderr and exit 1', async () => {
  fs.writeFileSync(path.join(dir, '01-good.md'), GOOD('good'));
  const ok = await tlslab(['lessons', '--check', dir]);
  expect([ok.code, ok.stdout.trim()]).toEqual([0, `${dir}: 1 lesson(s), no errors`]);

  fs.writeFileSync(path.join(dir, '02-bad.md'), GOOD('bad').replace('fact: group', 'fact: grup').replace('steps: [1, 2]', 'steps: [1, 9]'));
  fs.writeFileSync(path.join(dir, '03-clash.md'), GOOD('valid-handshake'));
  const bad = await tlslab(['lessons', '--check', dir]);
  expect(bad.code).toBe(1);
  expect(bad.stderr.trim().split('\n')).toHaveLength(3);
  expect(bad.stderr).toContain(`${path.join(dir, '02-bad.md')}:5: steps[1]: must be a step of the eight-step story, 1 to 8, not 9`);
  expect(bad.stderr).toContain(`${path.join(dir, '02-bad.md')}:16: tasks[0].questions[0].fact: "grup" is not a known fact (did you mean "group"?)`);
  expect(bad.stderr).toContain(`${path.join(dir, '03-clash.md')}:1: the lesson id "valid-handshake" is already used by`);
  expect(bad.stdout.trim()).toBe(`${dir}: 3 error(s); 1 lesson(s) without errors`);
});

it('--check on a folder that is not there, and no option at all, are clear errors', async () => {
  const missing = await tlslab(['lessons', '--check', path.join(dir, 'nope')]);
  expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('nope:0: the lesson folder cannot be read: ENOENT')]);
  const none = await tlslab(['lessons']);
  expect([none.code, none.stderr]).toEqual([1, expect.stringContaining('say --list or --check DIR')]);
});
