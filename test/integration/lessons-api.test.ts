// The lessons over HTTP on a real tlslab: GET /api/lessons (shipped and --lessons folders, no answers), a task's
// status over one's connections, answers checked against a real connection, a connection's key schedule (TLS 1.3 on
// both legs, the Finished values equal to the wire), and the student scope on those routes.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { EventBus } from '../../src/events/bus';
import { LessonService, loadLessons, parseLesson } from '../../src/lessons';
import { handleLessonRoutes } from '../../src/server/lesson-routes';
import { studentScope, WHOLE_ROOM } from '../../src/server/view-scope';
import { startTestTlslab, run, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(60_000);

const TEACHER_LESSON = `---
title: Our own valid case
goal: A teacher's lesson beside the shipped ones.
steps: [1]
lab: [valid]
open:
  - lab: valid
tasks:
  - do: Open https://valid.lab.tlslab/.
    try:
      - curl --cacert {ca} -x {proxy} https://valid.lab.tlslab/
    when: { lab: valid }
    questions:
      - ask: Which version on the client leg?
        fact: version
        leg: client
---
Written by a teacher.
`;

async function get(url: string): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json(), headers: Object.fromEntries(res.headers) };
}

describeWithTools(['curl'], 'lessons and key schedules over HTTP', () => {
  let app: TestTlslab;
  let api: string;
  let teacherDir: string;
  let expiredConn: string;
  let validConn: string;

  beforeAll(async () => {
    teacherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-lessons-'));
    fs.writeFileSync(path.join(teacherDir, 'ours.md'), TEACHER_LESSON);
    app = await startTestTlslab({ lab: true, uiPort: 0, lessonDirs: [teacherDir] });
    api = `${app.dashboardUrl}api`;
    for (const lab of ['expired', 'valid']) {
      await run('curl', ['-s', '-o', '/dev/null', '--cacert', app.caFile, '-x', app.proxyUrl, `https://${lab}.lab.tlslab/`]);
    }
    await app.waitFor((e) => e.type === 'conn:close' && app.bus.summary(e.conn)?.lab === 'valid');
    expiredConn = app.bus.summaries().find((s) => s.lab === 'expired')?.id as string;
    validConn = app.bus.summaries().find((s) => s.lab === 'valid')?.id as string;
  });
  afterAll(async () => {
    await app?.close();
    fs.rmSync(teacherDir, { recursive: true, force: true });
  });

  it('GET /api/lessons: the shipped lessons, then the teacher\'s, without the answers', async () => {
    const r = await get(`${api}/lessons`);
    expect(r.status).toBe(200);
    const lessons = r.body.lessons as { id: string; source: string; tasks: { questions: Record<string, unknown>[] }[] }[];
    expect(lessons.length).toBe(loadLessons().lessons.length + 1);
    expect(lessons.at(-1)).toEqual(expect.objectContaining({ id: 'ours', source: 'teacher', explanation: 'Written by a teacher.' }));
    const questions = lessons.flatMap((l) => l.tasks.flatMap((t) => t.questions));
    expect(questions.filter((q) => 'answer' in q || 'explain' in q || 'typical' in q)).toEqual([]);
    expect(questions.filter((q) => q.kind === 'choice').length).toBeGreaterThan(10);
  });

  it('a task\'s status names the connection that meets it, with the choices read from it', async () => {
    const r = await get(`${api}/lessons/certificate-dates/status`);
    expect(r.status).toBe(200);
    const expired = r.body.tasks.find((t: { task: string }) => t.task === 'expired');
    expect(expired.conn).toBe(expiredConn);
    expect(expired.questions.find((q: { id: string }) => q.id === 'where')).toEqual({ id: 'where', input: 'step', options: [] });
    expect(expired.questions.find((q: { id: string }) => q.id === 'check').options).toContain('validity');
    expect(r.body.tasks.find((t: { task: string }) => t.task === 'not-yet-valid').conn).toBeNull();
  });

  it('checks answers against the student\'s own connection, and knowledge questions without one', async () => {
    const where = (answer: string) => get(`${api}/lessons/certificate-dates/check?question=where&answer=${encodeURIComponent(answer)}&conn=${expiredConn}`);
    expect((await where('upstream:3')).body).toEqual({ status: 'correct', answer: 'upstream:3', expected: 'upstream:3' });
    expect((await where('client:3')).body).toEqual(expect.objectContaining({ status: 'wrong', expected: 'upstream:3' }));
    const group = await get(`${api}/lessons/valid-handshake/check?question=client-group&answer=X25519&conn=${validConn}`);
    expect(group.body).toEqual(expect.objectContaining({ status: 'correct', explain: expect.stringMatching(/key share/) }));
    const choice = await get(`${api}/lessons/valid-handshake/check?question=first-encrypted&answer=1`);
    expect(choice.body).toEqual(expect.objectContaining({ status: 'correct', answer: 'EncryptedExtensions' }));
  });

  it('refuses bad queries with 400 and unknown lessons, questions and connections with 404', async () => {
    expect((await get(`${api}/lessons?x=1`)).status).toBe(400);
    expect((await get(`${api}/lessons/certificate-dates/check?question=where`)).body.message).toMatch(/"answer" is missing/);
    expect((await get(`${api}/lessons/certificate-dates/check?question=where&answer=x&answer=y`)).status).toBe(400);
    expect((await get(`${api}/lessons/certificate-dates/check?question=where&answer=x`)).body.message).toMatch(/name it with conn=/);
    expect((await get(`${api}/lessons/nope/status`)).status).toBe(404);
    expect((await get(`${api}/lessons/certificate-dates/check?question=nope&answer=x`)).status).toBe(404);
    expect((await get(`${api}/lessons/certificate-dates/check?question=where&answer=x&conn=c999`)).status).toBe(404);
  });

  it('GET /api/connections/:id/key-schedule: both legs, computed from the kept bytes and key logs', async () => {
    const r = await get(`${api}/connections/${validConn}/key-schedule`);
    expect([r.status, r.headers['cache-control']]).toEqual([200, 'no-store']);
    for (const leg of ['client', 'upstream'] as const) {
      const v = r.body.legs[leg];
      expect([leg, v.version]).toEqual([leg, 'TLS 1.3']);
      const finished = v.steps.filter((s: { wire?: unknown }) => s.wire !== undefined);
      expect(finished.map((s: { wire: { matches: boolean } }) => s.wire.matches)).toEqual([true, true]);
      expect(v.inputs.find((i: { id: string }) => i.id === 'shared_secret').source).toBe('unknown');
      expect(v.steps.find((s: { id: string }) => s.id === 'c_hs_traffic').label).toBe('tls13 c hs traffic');
    }
    expect((await get(`${api}/connections/c999/key-schedule`)).status).toBe(404);
  });

  it('tlslab start refuses a lesson folder with errors, naming file and line', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-badlessons-'));
    fs.writeFileSync(path.join(bad, 'x.md'), TEACHER_LESSON.replace('lab: [valid]', 'lab: [vallid]'));
    try {
      await expect(startTestTlslab({ lab: false, lessonDirs: [bad] })).rejects.toMatchObject({
        code: 'TLSLAB_ERR_LESSONS', message: expect.stringContaining(`${path.join(bad, 'x.md')}:5: lab[0]: "vallid" is not a known lab case`),
      });
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('a student\'s view', () => {
  it('reads only its own connections\' key schedules and lesson progress', async () => {
    const bus = new EventBus();
    const ada = { id: 's-0000000000000001', name: 'Ada' };
    const bob = { id: 's-0000000000000002', name: 'Bob' };
    for (const [conn, student] of [['c1', ada], ['c2', bob]] as const) {
      bus.emit({ type: 'conn:open', conn, client: { address: '10.0.0.2', port: 5000 }, target: { host: 'valid.lab.tlslab', port: 443 }, via: 'connect', lab: 'valid', student });
    }
    const ours = parseLesson(TEACHER_LESSON, 'ours.md', 'teacher');
    if (!ours.ok) throw new Error('the teacher lesson must parse');
    const lessons = new LessonService({ lessons: [...loadLessons().lessons, ours.lesson], errors: [] });
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (!handleLessonRoutes(req, res, url, { bus, scope: studentScope(ada), lessons, keySchedule: (id) => ({ conn: id }) })) res.writeHead(418).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    try {
      expect((await get(`${base}/connections/c1/key-schedule`)).body).toEqual({ conn: 'c1' });
      expect((await get(`${base}/connections/c2/key-schedule`)).status).toBe(404);
      expect((await get(`${base}/lessons/untrusted-ca/check?question=where&answer=client:3&conn=c2`)).status).toBe(404);
      // Bob's c2 is newer and meets "lab: valid" too; Ada's view finds her own.
      expect((await get(`${base}/lessons/ours/status`)).body.tasks[0].conn).toBe('c1');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('the instructor\'s whole-room view is refused a student\'s key schedule (403, it would reach the projector), not its own', async () => {
    const bus = new EventBus();
    bus.emit({ type: 'conn:open', conn: 'c1', client: { address: '10.0.0.2', port: 5000 }, target: { host: 'valid.lab.tlslab', port: 443 }, via: 'connect', lab: 'valid', student: { id: 's-0000000000000001', name: 'Ada' } });
    bus.emit({ type: 'conn:open', conn: 'c2', client: { address: '127.0.0.1', port: 5001 }, target: { host: 'valid.lab.tlslab', port: 443 }, via: 'connect', lab: 'valid' });
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (!handleLessonRoutes(req, res, url, { bus, scope: WHOLE_ROOM, keySchedule: (id) => ({ conn: id }) })) res.writeHead(418).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    try {
      const refused = await get(`${base}/connections/c1/key-schedule`);
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe('The key schedule of Ada\'s connection "c1" is shown only in Ada\'s own view: it holds their session\'s secrets.');
      expect((await get(`${base}/connections/c2/key-schedule`)).body).toEqual({ conn: 'c2' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
