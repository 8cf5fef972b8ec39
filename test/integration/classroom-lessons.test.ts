// Lesson progress in classroom mode over real sockets: tlslab with its lab, two students signed in to the proxy who
// each browse a lab case (curl) and answer lesson questions from their own http://tlslab/ (REST sent to the proxy,
// signed in); each reads back their own progress and never the other's, neither can grade against the other's
// connection, and the instructor's stream (and GET /api/room) says live who finished which lesson and who is on which.
import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import type { ConnOpenEvent } from '../../src/events/schema';
import type { ServerMessage } from '../../src/events/stream';
import type { RoomLessons, RoomStudent } from '../../src/events/room';
import { studentId } from '../../src/classroom';
import { rawText } from '../helpers/origin';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

const CODE = 'amber-falcon-31';
const ADA = 'Ada Lovelace';
const GRACE = 'Grace Hopper';
const ADA_ID = studentId(ADA);
const GRACE_ID = studentId(GRACE);

interface Reply {
  status: number;
  json: any;
}

describeWithTools(['curl'], 'lesson progress in classroom mode: each student their own, the instructor who finished', () => {
  let app: TestTlslab;
  let uiPort = 0;
  const messages: { instructor: ServerMessage[]; ada: ServerMessage[] } = { instructor: [], ada: [] };
  const sockets: WebSocket[] = [];
  let adaConn = '';
  let graceConn = '';
  /** Ada's right answers, as the server graded them. */
  let adaCorrect = -1;

  /** A request to http://tlslab/<path> sent to the proxy, signed in as `name` (what a student's browser sends). */
  function asStudent(name: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: app.proxyPort, method, path: `http://tlslab${path}`, agent: false,
        headers: {
          'proxy-authorization': `Basic ${Buffer.from(`${name}:${CODE}`, 'utf8').toString('base64')}`,
          ...(text !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}),
          ...headers,
        },
      }, (res) => {
        let data = '';
        res.on('data', (d: Buffer) => (data += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: data ? JSON.parse(data) : null }));
      });
      req.on('error', reject);
      req.end(text);
    });
  }

  function watch(url: string, into: ServerMessage[], headers: Record<string, string> = {}, createConnection?: () => net.Socket): Promise<void> {
    const ws = new WebSocket(url, { headers, ...(createConnection ? { createConnection } : {}) });
    sockets.push(ws);
    ws.on('message', (d) => into.push(JSON.parse(rawText(d)) as ServerMessage));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  /** Waits until `pred` holds for the messages so far (checked as each arrives). */
  async function until(list: ServerMessage[], pred: (m: ServerMessage[]) => boolean, what: string): Promise<void> {
    for (let i = 0; i < 300 && !pred(list); i++) await new Promise((r) => setTimeout(r, 50));
    if (!pred(list)) throw new Error(`never saw ${what}; got ${list.map((m) => m.kind).join(', ')}`);
  }

  const lessonsOf = (id: string): RoomLessons | undefined => {
    const live = messages.instructor.filter((m): m is Extract<ServerMessage, { kind: 'room-lessons' }> => m.kind === 'room-lessons' && m.student.id === id);
    return live.at(-1)?.lessons;
  };

  beforeAll(async () => {
    app = await startTestTlslab({ classroom: true, classCode: CODE, host: '127.0.0.1', uiPort: 0, lab: true });
    uiPort = Number(new URL(app.dashboardUrl as string).port);
    await watch(`ws://127.0.0.1:${uiPort}/ws`, messages.instructor);
    await watch('ws://tlslab/ws', messages.ada, { 'Proxy-Authorization': `Basic ${Buffer.from(`${ADA}:${CODE}`).toString('base64')}`, Origin: 'http://tlslab' }, () => net.connect(app.proxyPort, '127.0.0.1'));
    for (const name of [ADA, GRACE]) {
      const r = await run('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '--cacert', app.caFile, '-x', `http://${encodeURIComponent(name)}:${CODE}@127.0.0.1:${app.proxyPort}`, 'https://valid.lab.tlslab/']);
      expect(r.code).toBe(0);
    }
    const opens = app.events.filter((e): e is ConnOpenEvent => e.type === 'conn:open' && e.lab === 'valid');
    adaConn = opens.find((e) => e.student?.id === ADA_ID)?.conn as string;
    graceConn = opens.find((e) => e.student?.id === GRACE_ID)?.conn as string;
    for (const c of [adaConn, graceConn]) await app.waitFor((e) => e.type === 'conn:close' && e.conn === c);
  }, 60_000);

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await app?.close();
  });

  it('each student writes their own progress, graded against their own connection; neither sees the other\'s', async () => {
    expect(await asStudent(ADA, 'GET', '/api/lessons/progress')).toEqual({ status: 200, json: { current: null, grades: {} } });
    expect((await asStudent(ADA, 'PUT', '/api/lessons/progress', { current: 'valid-handshake' }, { origin: 'http://tlslab' })).json.current).toBe('valid-handshake');
    expect((await asStudent(GRACE, 'PUT', '/api/lessons/progress', { current: 'certificate-dates' })).json.current).toBe('certificate-dates');

    // Ada answers every question of the lesson; the questions about a connection are read from her own.
    const version = await asStudent(ADA, 'POST', '/api/lessons/valid-handshake/answer', { question: 'client-version', answer: 'TLS 1.3', conn: adaConn });
    expect(version).toEqual({ status: 200, json: { status: 'correct', answer: 'TLS 1.3', expected: 'TLS 1.3' } });
    const grades = [version.json];
    for (const [question, answer] of [['client-group', 'x25519'], ['issuer', 'Let\'s Encrypt']] as const) {
      const r = await asStudent(ADA, 'POST', '/api/lessons/valid-handshake/answer', { question, answer, conn: adaConn });
      expect([question, r.status, ['correct', 'wrong'].includes(r.json.status)]).toEqual([question, 200, true]);
      grades.push(r.json);
    }
    expect(grades[2]).toEqual(expect.objectContaining({ status: 'wrong', expected: expect.stringMatching(/tlslab/) }));
    grades.push((await asStudent(ADA, 'POST', '/api/lessons/valid-handshake/answer', { question: 'first-encrypted', answer: '1' })).json);
    expect(grades[3]).toEqual(expect.objectContaining({ status: 'correct', answer: 'EncryptedExtensions' }));
    adaCorrect = grades.filter((g) => g.status === 'correct').length;

    // Grace cannot grade against Ada's connection (it answers as unknown), and keeps nothing from trying.
    const theirs = await asStudent(GRACE, 'POST', '/api/lessons/valid-handshake/answer', { question: 'client-version', answer: 'TLS 1.3', conn: adaConn });
    expect(theirs.status).toBe(404);
    const own = await asStudent(GRACE, 'POST', '/api/lessons/valid-handshake/answer', { question: 'client-version', answer: 'TLS 1.2', conn: graceConn });
    expect(own.json).toEqual({ status: 'wrong', answer: 'TLS 1.2', expected: 'TLS 1.3' });

    const ada = await asStudent(ADA, 'GET', '/api/lessons/progress');
    expect(ada.json.current).toBe('valid-handshake');
    expect(Object.keys(ada.json.grades)).toEqual(['valid-handshake']);
    expect(Object.values(ada.json.grades['valid-handshake']).map((g: any) => g.status)).toEqual(grades.map((g) => g.status));
    const grace = await asStudent(GRACE, 'GET', '/api/lessons/progress');
    expect(grace.json).toEqual({ current: 'valid-handshake', grades: { 'valid-handshake': { 'client-version': own.json } } });
    // Another site's page in a student's browser cannot write for them.
    expect((await asStudent(ADA, 'PUT', '/api/lessons/progress', { current: null }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await asStudent(ADA, 'GET', '/api/lessons/progress')).json.current).toBe('valid-handshake');
  });

  it('the instructor\'s stream says live who finished which lesson and who is on which; GET /api/room too', async () => {
    await until(messages.instructor, () => (lessonsOf(ADA_ID)?.finished.length ?? 0) === 1, "Ada's finished lesson");
    expect(adaCorrect).toBeGreaterThanOrEqual(2);
    expect(lessonsOf(ADA_ID)).toEqual({ current: { id: 'valid-handshake', answered: 4, total: 4 }, finished: [{ id: 'valid-handshake', correct: adaCorrect, total: 4 }], t: expect.any(Number) });
    await until(messages.instructor, () => lessonsOf(GRACE_ID)?.current?.answered === 1, "Grace's answer");
    expect(lessonsOf(GRACE_ID)).toEqual({ current: { id: 'valid-handshake', answered: 1, total: 4 }, finished: [], t: expect.any(Number) });

    const room = await new Promise<RoomStudent[]>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: uiPort, path: '/api/room', agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(JSON.parse(body) as RoomStudent[]));
      }).on('error', reject);
    });
    expect(room.map((r) => [r.name, r.lessons?.finished.map((f) => f.id), r.lessons?.current?.id])).toEqual([
      [ADA, ['valid-handshake'], 'valid-handshake'],
      [GRACE, [], 'valid-handshake'],
    ]);
    expect(room.find((r) => r.id === ADA_ID)?.lessons).toEqual(lessonsOf(ADA_ID));
    // A fresh instructor's snapshot holds the same.
    const fresh: ServerMessage[] = [];
    await watch(`ws://127.0.0.1:${uiPort}/ws`, fresh);
    await until(fresh, (l) => l.some((m) => m.kind === 'snapshot'), 'a snapshot');
    const snap = fresh.find((m): m is Extract<ServerMessage, { kind: 'snapshot' }> => m.kind === 'snapshot');
    expect(snap?.room?.find((r) => r.id === GRACE_ID)?.lessons).toEqual(lessonsOf(GRACE_ID));
    // A student's own stream never carries the room, nor anyone's progress.
    expect(messages.ada.length).toBeGreaterThan(1);
    expect(messages.ada.filter((m) => m.kind === 'room-lessons' || (m.kind === 'snapshot' && m.room !== undefined))).toEqual([]);
    // Nor does the dashboard port keep progress of its own: that view keeps it in the browser.
    const mine = await fetch(`http://127.0.0.1:${uiPort}/api/lessons/progress`);
    expect(mine.status).toBe(404);
  });
});
