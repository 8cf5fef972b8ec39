// The routes of a student's own lesson progress in classroom mode (`/api/lessons/progress`, `/api/lessons/:id/answer`):
// read and written only by the student the proxy signed in, whose id the server takes from the view's scope — no
// parameter names a student. I/O boundary: the request (a small JSON body) and the response; the store is injected.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Student } from '../events/schema';
import type { LessonService } from '../lessons';
import { studentViewOrigin } from './auth';
import { readJsonBody, sendError, sendJson } from './http-util';
import type { LessonProgress } from './lesson-progress';
import { fields, gradeAnswerIn, lessonOf, type LessonRoutesContext } from './lesson-routes';

export interface ProgressRoutesContext extends LessonRoutesContext {
  /** The students' progress (a live tlslab with lessons makes it); without it these routes answer 404. */
  progress?: LessonProgress;
}

/** Longest body of a write: an answer is at most 200 characters, and JSON may spell each one as six. */
export const MAX_PROGRESS_BODY = 2048;

const ANSWER = /^\/api\/lessons\/([^/]+)\/answer$/;

/** Handles `GET|PUT /api/lessons/progress` and `POST /api/lessons/:id/answer`; false for any other path. */
export function handleProgressRoutes(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ProgressRoutesContext): boolean {
  const p = url.pathname;
  const answer = ANSWER.exec(p);
  if (p !== '/api/lessons/progress' && answer === null) return false;
  const head = req.method === 'HEAD';
  const allow = answer === null ? 'GET, HEAD, PUT' : 'POST';
  const reading = answer === null && (req.method === 'GET' || head);
  if (!reading && req.method !== (answer === null ? 'PUT' : 'POST')) {
    sendError(res, 405, 'method-not-allowed', `${p.slice(0, 100)} takes ${allow}.`, false, { Allow: allow });
    return true;
  }
  const student = ctx.scope.student;
  const { lessons, progress } = ctx;
  if (student === null || lessons === undefined || progress === undefined) {
    const why = lessons === undefined ? 'This tlslab serves no lessons.' : 'Lesson progress is kept on the server for students signed in to the proxy in classroom mode (their view at http://tlslab/); this view keeps it in the browser.';
    sendError(res, 404, 'not-found', why, head);
    return true;
  }
  if (url.search !== '') {
    sendError(res, 400, 'bad-request', `${p.slice(0, 100)} takes no query parameters.`, head);
    return true;
  }
  if (reading) {
    sendJson(res, 200, progress.get(student.id), head, { 'Cache-Control': 'no-store' });
    return true;
  }
  // A write comes from the view's own page (or from no browser page at all): no other site rides on the sign-in.
  const from = studentViewOrigin(req);
  if (from === 'other' || from === 'malformed') {
    sendError(res, 403, 'TLSLAB_ERR_AUTH', 'Your progress is written from your own view (http://tlslab/) only.', false, { Connection: 'close' });
    return true;
  }
  const write = answer === null ? putCurrent(res, student, lessons, progress) : postAnswer(res, answer[1], student, ctx, lessons, progress);
  readJsonBody(req, MAX_PROGRESS_BODY).then((body) => {
    if (!body.ok) sendError(res, body.status, 'bad-request', body.message, false, { Connection: 'close' });
    else if (body.value === null || typeof body.value !== 'object' || Array.isArray(body.value)) sendError(res, 400, 'bad-request', 'The body is a JSON object.');
    else write(body.value as Record<string, unknown>);
  }, () => sendError(res, 400, 'bad-request', 'The body could not be read.', false, { Connection: 'close' }));
  return true;
}

/** `PUT /api/lessons/progress` with `{ "current": "lesson-id" | null }`: the lesson open in the student's panel. */
function putCurrent(res: ServerResponse, student: Student, lessons: LessonService, progress: LessonProgress): (body: Record<string, unknown>) => void {
  return (body) => {
    const keys = Object.keys(body);
    if (keys.length !== 1 || keys[0] !== 'current') {
      sendError(res, 400, 'bad-request', 'The body is { "current": LESSON-ID or null }.');
      return;
    }
    const raw = body.current;
    if (raw !== null && typeof raw !== 'string') {
      sendError(res, 400, 'bad-request', '"current" is a lesson id or null.');
      return;
    }
    const current = raw === null ? null : lessonOf(lessons, raw);
    if (raw !== null && current === null) {
      sendError(res, 404, 'not-found', `No lesson "${raw.slice(0, 64)}" (see GET /api/lessons).`);
      return;
    }
    const r = progress.setCurrent(student, current);
    if (r.ok) sendJson(res, 200, r.progress, false, { 'Cache-Control': 'no-store' });
    else sendError(res, r.status, r.status === 404 ? 'not-found' : 'conflict', r.message);
  };
}

/**
 * `POST /api/lessons/:id/answer` with `{ "question", "answer", "conn"? }`: graded by the server as `GET …/check`
 * grades (against the student's own connection), and a correct or wrong grade kept as their answer.
 */
function postAnswer(res: ServerResponse, rawLesson: string, student: Student, ctx: LessonRoutesContext, lessons: LessonService, progress: LessonProgress): (body: Record<string, unknown>) => void {
  return (body) => {
    const lessonId = lessonOf(lessons, rawLesson);
    if (lessonId === null) {
      sendError(res, 404, 'not-found', `No lesson "${rawLesson.slice(0, 64)}" (see GET /api/lessons).`);
      return;
    }
    const q = fields(Object.entries(body), ['question', 'answer', 'conn'], ['question', 'answer']);
    if (!q.ok) {
      sendError(res, 400, 'bad-request', q.message);
      return;
    }
    const graded = gradeAnswerIn(ctx, lessons, lessonId, q.value);
    if (!graded.ok) {
      sendError(res, graded.status, graded.status === 404 ? 'not-found' : 'bad-request', graded.message);
      return;
    }
    const grade = graded.grade;
    if (grade.status === 'unavailable') {
      sendJson(res, 200, grade);
      return;
    }
    const kept = progress.record(student, lessonId, q.value.question ?? '', grade);
    if (kept.ok) sendJson(res, 200, grade, false, { 'Cache-Control': 'no-store' });
    else sendError(res, kept.status, kept.status === 404 ? 'not-found' : 'conflict', kept.message);
  };
}
