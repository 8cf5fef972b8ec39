// Every task of every shipped lesson, made for real: its `try` lines (curl, openssl) run through a real tlslab with
// the lab on, and the connection they produce must meet the task's `when`, every fact question must be answerable
// from it, and the instructor's key (`typical`) must name what it found. So the lessons' claims about what a student
// will see are checked against real traffic.
import { evaluateFact, fillTryLine, findConnection, loadLessons, unmetConditions, type ConnectionView, type Lesson } from '../../src/lessons';
import { canonical } from '../../src/lessons/normalize';
import { describeWithTools } from '../helpers/tools';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';

jest.setTimeout(60_000);

const { lessons, errors } = loadLessons();

/** Lessons grouped by the tlslab they need (its --upstream-failure values). */
const groups = new Map<string, Lesson[]>();
for (const l of lessons) {
  const key = JSON.stringify(l.tlslab.upstreamFailure);
  groups.set(key, [...(groups.get(key) ?? []), l]);
}

it('the shipped lessons load', () => {
  expect(errors).toEqual([]);
});

async function closedConnections(app: TestTlslab, before: Set<string>): Promise<ConnectionView[]> {
  for (let i = 0; i < 100; i++) {
    const fresh = app.bus.summaries().filter((s) => !before.has(s.id));
    if (fresh.length > 0 && fresh.every((s) => s.closedAt !== null)) {
      return fresh.map((s) => ({ summary: s, events: app.bus.eventsFor(s.id) }));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the connections did not close within 10 s');
}

for (const [setup, group] of groups) {
  const upstreamFailure = JSON.parse(setup) as string[];
  describeWithTools(['curl', 'openssl'], `lessons run with --upstream-failure ${upstreamFailure.join(' ') || '(default)'}`, () => {
    let app: TestTlslab;
    beforeAll(async () => {
      app = await startTestTlslab({ lab: true, slowHandshakeMs: 300, ...(upstreamFailure.length ? { upstreamFailure } : {}) });
    });
    afterAll(async () => {
      await app?.close();
    });

    for (const lesson of group) {
      for (const task of lesson.tasks) {
        it(`${lesson.id} / ${task.id}: the try lines make a connection that meets "when", and every fact is there`, async () => {
          const before = new Set(app.bus.summaries().map((s) => s.id));
          const values = { proxy: app.proxyUrl, proxyHostPort: `127.0.0.1:${app.proxyPort}`, ca: app.caFile };
          for (const line of task.try) {
            const [cmd, ...args] = fillTryLine(line, values);
            await run(cmd, [...args, ...(cmd === 'curl' ? ['-s', '-o', '/dev/null', '--max-time', '15'] : [])], { timeoutMs: 20_000 });
          }
          const views = await closedConnections(app, before);
          const match = findConnection(views, task.when);
          if (match === null) throw new Error(`no connection meets "when"; unmet: ${JSON.stringify(views.map((v) => unmetConditions(v, task.when)))}`);
          for (const q of task.questions) {
            if (q.kind !== 'fact') continue;
            const v = evaluateFact(q, match);
            expect([q.id, v]).toEqual([q.id, expect.objectContaining({ value: expect.any(String) })]);
            if ('value' in v && v.options.length > 0) expect([q.id, v.options]).toEqual([q.id, expect.arrayContaining([v.value])]);
            // The instructor's key says what most students see: it names what curl got here.
            if ('value' in v && q.typical !== undefined) {
              const [key, got, core] = [canonical(q.typical), canonical(v.value), canonical(q.typical.split(' (')[0])];
              expect([q.id, q.typical, key.includes(got) || got.includes(core)]).toEqual([q.id, q.typical, true]);
            }
          }
        });
      }
    }
  });
}
