// Lesson progress on the server (classroom mode): the store (answers kept per student, finished lessons, the limits)
// and its routes over a real HTTP server — scoped to the student the request is served for, every write checked as
// hostile input (type, size, keys, lengths, origin), and the instructor's view told nothing it may not hold.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBus } from '../../../src/events/bus';
import type { RoomLessons } from '../../../src/events/room';
import type { Student } from '../../../src/events/schema';
import { LessonService, loadLessons, parseLesson } from '../../../src/lessons';
import { handleApi } from '../../../src/server/api';
import { LessonProgress, type AnsweredGrade } from '../../../src/server/lesson-progress';
import { MAX_PROGRESS_BODY } from '../../../src/server/progress-routes';
import { studentScope, WHOLE_ROOM } from '../../../src/server/view-scope';

const QUIZ = `---
id: quiz
title: Two questions
goal: A lesson of knowledge questions only.
steps: [1]
open:
  - url: https://example.com/
tasks:
  - id: t
    do: Open https://example.com/.
    when: { closed: true }
    questions:
      - id: first
        ask: Which message opens a handshake?
        choices:
          - text: ClientHello
            correct: true
          - text: ServerHello
      - id: second
        ask: Which step is the certificate check?
        choices:
          - text: "3"
            correct: true
          - text: "5"
---
Done.
`;

const ADA: Student = { id: 's-000000000000000a', name: 'Ada' };
const BOB: Student = { id: 's-000000000000000b', name: 'Bob' };

function service(): LessonService {
  const quiz = parseLesson(QUIZ, 'quiz.md', 'teacher');
  if (!quiz.ok) throw new Error(`the quiz must parse: ${JSON.stringify(quiz.errors)}`);
  return new LessonService({ lessons: [...loadLessons().lessons, quiz.lesson], errors: [] });
}

const right: AnsweredGrade = { status: 'correct', answer: 'ClientHello', expected: 'ClientHello' };
const wrong: AnsweredGrade = { status: 'wrong', answer: '5', expected: '3' };

describe('LessonProgress (the store)', () => {
  it('keeps each student\'s answers apart, knows when a lesson is finished, and reports every change', () => {
    const changes: [string, RoomLessons][] = [];
    let clock = 1000;
    const p = new LessonProgress(service(), { now: () => clock, onChange: (s, l) => changes.push([s.name, l]) });
    expect(p.get(ADA.id)).toEqual({ current: null, grades: {} });
    expect(p.setCurrent(ADA, 'quiz')).toEqual({ ok: true, progress: { current: 'quiz', grades: {} } });
    expect(changes.at(-1)).toEqual(['Ada', { current: { id: 'quiz', answered: 0, total: 2 }, finished: [], t: 1000 }]);
    clock = 2000;
    expect(p.record(ADA, 'quiz', 'first', right).ok).toBe(true);
    expect(p.summary(ADA.id)).toEqual({ current: { id: 'quiz', answered: 1, total: 2 }, finished: [], t: 2000 });
    expect(p.record(ADA, 'quiz', 'second', wrong).ok).toBe(true);
    expect(p.summary(ADA.id)?.finished).toEqual([{ id: 'quiz', correct: 1, total: 2 }]);
    // Answering again replaces the grade; the lesson stays finished once, and counts the right answers now.
    expect(p.record(ADA, 'quiz', 'second', { ...wrong, status: 'correct', answer: '3' }).ok).toBe(true);
    expect(p.summary(ADA.id)?.finished).toEqual([{ id: 'quiz', correct: 2, total: 2 }]);
    expect(p.get(ADA.id).grades['quiz']?.['second']?.status).toBe('correct');
    // Bob has nothing of Ada's.
    expect(p.get(BOB.id)).toEqual({ current: null, grades: {} });
    expect(p.summary(BOB.id)).toBeNull();
    expect(changes.map(([who]) => who)).toEqual(['Ada', 'Ada', 'Ada', 'Ada']);
  });

  it('refuses unknown lessons and questions', () => {
    const p = new LessonProgress(service());
    expect(p.setCurrent(ADA, 'nope')).toEqual({ ok: false, status: 404, message: 'No lesson "nope".' });
    expect(p.record(ADA, 'quiz', 'third', right)).toEqual(expect.objectContaining({ ok: false, status: 404 }));
    expect(p.record(ADA, 'nope', 'first', right)).toEqual(expect.objectContaining({ ok: false, status: 404 }));
    expect(p.size).toBe(0);
  });

  it('keeps at most `answers` answers per student (a changed answer is not a new one) and forgets the longest-idle student past `students`', () => {
    const p = new LessonProgress(service(), { limits: { answers: 1, students: 2 } });
    expect(p.record(ADA, 'quiz', 'first', right).ok).toBe(true);
    expect(p.record(ADA, 'quiz', 'first', { ...right, status: 'wrong' }).ok).toBe(true);
    expect(p.record(ADA, 'quiz', 'second', right)).toEqual({ ok: false, status: 409, message: 'At most 1 answers are kept per student.' });
    const cy: Student = { id: 's-000000000000000c', name: 'Cy' };
    p.setCurrent(BOB, 'quiz');
    p.setCurrent(ADA, 'quiz'); // Ada changed last: Bob is now the longest idle
    p.setCurrent(cy, 'quiz');
    expect(p.size).toBe(2);
    expect(p.summary(BOB.id)).toBeNull();
    expect(p.get(ADA.id).grades['quiz']?.['first']?.status).toBe('wrong');
  });
});

describe('the progress routes', () => {
  let server: http.Server;
  let base: string;
  let progress: LessonProgress;
  const bus = new EventBus();

  beforeAll(async () => {
    const lessons = service();
    progress = new LessonProgress(lessons);
    for (const [conn, student] of [['c1', ADA], ['c2', BOB]] as const) {
      bus.emit({ type: 'conn:open', conn, client: { address: '10.0.0.2', port: 5000 }, target: { host: 'valid.lab.tlslab', port: 443 }, via: 'connect', lab: 'valid', student });
    }
    // Who asks is what the proxy's sign-in says in tlslab; here a test header stands for it (no header: the dashboard port).
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const who = req.headers['x-test-student'];
      const scope = who === 'ada' ? studentScope(ADA) : who === 'bob' ? studentScope(BOB) : WHOLE_ROOM;
      if (!handleApi(req, res, url, { bus, startedAt: 0, streams: () => ({}) as never, scope, room: () => [], lessons, progress })) res.writeHead(418).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/lessons`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const call = async (who: string | null, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${base}${path}`, {
      method, body,
      headers: { ...(who ? { 'x-test-student': who } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const answer = (who: string, lesson: string, body: unknown): Promise<{ status: number; body: any }> => call(who, 'POST', `/${lesson}/answer`, JSON.stringify(body));

  it('a student reads and writes their own progress; another student never sees it', async () => {
    expect(await call('ada', 'GET', '/progress')).toEqual({ status: 200, body: { current: null, grades: {} } });
    expect((await call('ada', 'PUT', '/progress', JSON.stringify({ current: 'quiz' }))).body.current).toBe('quiz');
    const graded = await answer('ada', 'quiz', { question: 'first', answer: '0' });
    expect(graded).toEqual({ status: 200, body: { status: 'correct', answer: 'ClientHello', expected: 'ClientHello' } });
    // A question about a connection: graded against Ada's own c1 (still open: the server cannot answer yet, and keeps nothing).
    const open = await answer('ada', 'valid-handshake', { question: 'client-version', answer: 'TLS 1.3', conn: 'c1' });
    expect(open.body.status).toBe('unavailable');
    const ada = await call('ada', 'GET', '/progress');
    expect(ada.body).toEqual({ current: 'quiz', grades: { quiz: { first: { status: 'correct', answer: 'ClientHello', expected: 'ClientHello' } } } });
    expect((await call('bob', 'GET', '/progress')).body).toEqual({ current: null, grades: {} });
    // Bob cannot grade against Ada's connection: it answers as an unknown one.
    expect((await answer('bob', 'valid-handshake', { question: 'client-version', answer: 'TLS 1.3', conn: 'c1' })).status).toBe(404);
    expect(progress.summary(BOB.id)).toBeNull();
    expect(progress.summary(ADA.id)?.current).toEqual({ id: 'quiz', answered: 1, total: 2 });
  });

  it('is a student\'s only: the instructor\'s view (and single-user mode) keep progress in the browser', async () => {
    const r = await call(null, 'GET', '/progress');
    expect(r.status).toBe(404);
    expect(r.body.message).toMatch(/keeps it in the browser/);
    expect((await answer('', 'quiz', { question: 'first', answer: '0' })).status).toBe(404);
  });

  it.each([
    ['a body that is not JSON', 'POST', '/quiz/answer', '{"question":', {}, 400, /not JSON/],
    ['an array', 'POST', '/quiz/answer', '[]', {}, 400, /JSON object/],
    ['null', 'PUT', '/progress', 'null', {}, 400, /JSON object/],
    ['an unknown key', 'POST', '/quiz/answer', JSON.stringify({ question: 'first', answer: '0', student: 's-000000000000000b' }), {}, 400, /Unknown parameter "student"/],
    ['__proto__ as a key', 'POST', '/quiz/answer', '{"__proto__":{"x":1},"question":"first","answer":"0"}', {}, 400, /Unknown parameter "__proto__"/],
    ['a number for an answer', 'POST', '/quiz/answer', JSON.stringify({ question: 'first', answer: 0 }), {}, 400, /must be a string/],
    ['an answer of 201 characters', 'POST', '/quiz/answer', JSON.stringify({ question: 'first', answer: 'x'.repeat(201) }), {}, 400, /over 200 characters/],
    ['a control character', 'POST', '/quiz/answer', JSON.stringify({ question: 'first', answer: 'a\u0000b' }), {}, 400, /control characters/],
    ['a missing answer', 'POST', '/quiz/answer', JSON.stringify({ question: 'first' }), {}, 400, /"answer" is missing/],
    ['an unknown question', 'POST', '/quiz/answer', JSON.stringify({ question: 'third', answer: '0' }), {}, 404, /no question "third"/],
    ['an unknown lesson', 'POST', '/nope/answer', JSON.stringify({ question: 'first', answer: '0' }), {}, 404, /No lesson "nope"/],
    ['an unknown current lesson', 'PUT', '/progress', JSON.stringify({ current: 'nope' }), {}, 404, /No lesson "nope"/],
    ['a current that is a number', 'PUT', '/progress', JSON.stringify({ current: 3 }), {}, 400, /lesson id or null/],
    ['two keys in a PUT', 'PUT', '/progress', JSON.stringify({ current: 'quiz', grades: {} }), {}, 400, /"current": LESSON-ID or null/],
    ['a bad connection id', 'POST', '/valid-handshake/answer', JSON.stringify({ question: 'client-version', answer: 'x', conn: 'c1\u007f' }), {}, 400, /control characters/],
    ['a form (text/plain)', 'POST', '/quiz/answer', 'question=first', { 'content-type': 'text/plain' }, 415, /application\/json/],
    ['another site\'s page', 'POST', '/quiz/answer', JSON.stringify({ question: 'first', answer: '0' }), { origin: 'https://evil.example' }, 403, /own view/],
    ['a body over the limit', 'POST', '/quiz/answer', JSON.stringify({ question: 'first', answer: 'x'.repeat(MAX_PROGRESS_BODY) }), {}, 413, /at most 2048 bytes/],
    ['DELETE', 'DELETE', '/progress', undefined, {}, 405, /GET, HEAD, PUT/],
    ['GET on an answer', 'GET', '/quiz/answer', undefined, {}, 405, /POST/],
  ] as const)('refuses %s', async (_name, method, path, body, headers, status, message) => {
    const before = JSON.stringify(progress.get(ADA.id));
    const r = await call('ada', method, path, body, headers);
    expect(r.status).toBe(status);
    expect(r.body.message).toMatch(message);
    expect(JSON.stringify(progress.get(ADA.id))).toBe(before);
  });

  it('stops reading a chunked body (no Content-Length) at the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/quiz/answer`, { method: 'POST', headers: { 'x-test-student': 'ada', 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(`{"question":"first","answer":"${'x'.repeat(MAX_PROGRESS_BODY)}`);
      req.write('"}');
      req.end();
    });
    expect(status).toBe(413);
    expect(progress.get(ADA.id).grades['quiz']?.['first']?.answer).toBe('ClientHello');
  });

  it('takes writes from the view\'s own page', async () => {
    const r = await call('ada', 'PUT', '/progress', JSON.stringify({ current: null }), { origin: 'http://tlslab' });
    expect(r).toEqual({ status: 200, body: expect.objectContaining({ current: null }) });
  });

  it('leaves the read-only check route as it was (it grades, it keeps nothing)', async () => {
    const r = await call('bob', 'GET', '/quiz/check?question=first&answer=0');
    expect(r.body.status).toBe('correct');
    expect(progress.summary(BOB.id)).toBeNull();
  });
});
