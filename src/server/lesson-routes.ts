// The lesson routes of the API (`/api/lessons…`) and a connection's key schedule, within the view's scope. I/O
// boundary: the request and response; the lessons and key schedules come injected (this layer imports neither).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../events/bus';
import { newestFirst } from '../events/summary';
import type { ConnectionView, Grade, LessonService } from '../lessons';
import { checkQueryLength, connectionId } from './api-query';
import { sendError, sendJson } from './http-util';
import { inScope, type ViewScope } from './view-scope';

export interface LessonRoutesContext {
  bus: EventBus;
  scope: ViewScope;
  /** The lessons (`tlslab start` loads them); without them `/api/lessons` answers 404. */
  lessons?: LessonService;
  /** A connection's key schedule, both legs, or null when its capture is not kept (it holds session secrets). */
  keySchedule?: (id: string) => unknown;
}

/** Connections (newest first) a lesson's progress is looked for in. */
const PROGRESS_CONNECTIONS = 300;
const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_ANSWER = 200;

export type Fields = { ok: true; value: Record<string, string> } | { ok: false; message: string };

/**
 * Exactly the parameters allowed, each once, each a string of at most 200 characters without control characters, the
 * required ones not empty: a query string's (`url.searchParams`) or a JSON body's (`Object.entries`).
 */
export function fields(entries: Iterable<[string, unknown]>, allowed: readonly string[], required: readonly string[]): Fields {
  const value: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!allowed.includes(k)) return { ok: false, message: `Unknown parameter "${k.slice(0, 32)}" (allowed: ${allowed.join(', ') || 'none'}).` };
    if (Object.hasOwn(value, k)) return { ok: false, message: `The parameter "${k}" is given twice.` };
    if (typeof v !== 'string') return { ok: false, message: `The parameter "${k}" must be a string.` };
    if (v.length > MAX_ANSWER || /\p{Cc}/u.test(v)) return { ok: false, message: `The parameter "${k}" is over ${MAX_ANSWER} characters or holds control characters.` };
    value[k] = v;
  }
  for (const k of required) if (value[k] === undefined || value[k] === '') return { ok: false, message: `The parameter "${k}" is missing.` };
  return { ok: true, value };
}

function query(url: URL, allowed: readonly string[], required: readonly string[]): Fields {
  return fields(url.searchParams, allowed, required);
}

/** A lesson id from a path, if it names a lesson. */
export function lessonOf(lessons: LessonService, raw: string): string | null {
  return ID.test(raw) && lessons.get(raw) !== undefined ? raw : null;
}

export type Graded = { ok: true; grade: Grade } | { ok: false; status: 400 | 404; message: string };

/**
 * One answer graded by the server (`question`, `answer` and, for a question about a connection, `conn`: one this view
 * may see). The one grading path of `GET …/check` and `POST …/answer`.
 */
export function gradeAnswerIn(ctx: LessonRoutesContext, lessons: LessonService, lessonId: string, q: Record<string, string>): Graded {
  let view: ConnectionView | null = null;
  if (q.conn !== undefined) {
    const checked = connectionId(q.conn);
    if (!checked.ok) return { ok: false, status: 400, message: checked.message };
    view = viewOf(ctx, checked.value);
    if (view === null) return { ok: false, status: 404, message: `No connection "${checked.value.slice(0, 64)}" is known (it may have been evicted).` };
  }
  const r = lessons.check(lessonId, q.question ?? '', q.answer ?? '', view);
  return r.ok ? r : { ok: false, status: r.status, message: r.message };
}

/** Handles `/api/lessons…` and `/api/connections/:id/key-schedule`; false for any other path. */
export function handleLessonRoutes(req: IncomingMessage, res: ServerResponse, url: URL, ctx: LessonRoutesContext): boolean {
  const p = url.pathname;
  const head = req.method === 'HEAD';
  const ks = /^\/api\/connections\/([^/]+)\/key-schedule$/.exec(p);
  if (p !== '/api/lessons' && !p.startsWith('/api/lessons/') && ks === null) return false;
  if (req.method !== 'GET' && !head) {
    sendError(res, 405, 'method-not-allowed', 'The API is read-only: use GET.', false, { Allow: 'GET, HEAD' });
    return true;
  }
  const length = checkQueryLength(url);
  if (!length.ok) {
    sendError(res, 400, 'bad-request', length.message, head);
    return true;
  }
  if (ks !== null) {
    keyScheduleRoute(res, ks[1], url, ctx, head);
    return true;
  }
  const lessons = ctx.lessons;
  if (lessons === undefined) {
    sendError(res, 404, 'not-found', 'This tlslab serves no lessons.', head);
    return true;
  }
  if (p === '/api/lessons') {
    const q = query(url, [], []);
    if (!q.ok) sendError(res, 400, 'bad-request', q.message, head);
    else sendJson(res, 200, { lessons: lessons.list() }, head);
    return true;
  }
  const m = /^\/api\/lessons\/([^/]+)\/(status|check)$/.exec(p);
  const lessonId = lessonOf(lessons, m?.[1] ?? '');
  if (m === null || lessonId === null) {
    sendError(res, 404, 'not-found', `No lesson route at ${p.slice(0, 100)} (see GET /api/lessons).`, head);
    return true;
  }
  if (m[2] === 'status') {
    const q = query(url, [], []);
    if (!q.ok) sendError(res, 400, 'bad-request', q.message, head);
    else sendJson(res, 200, { lesson: lessonId, tasks: lessons.status(lessonId, views(ctx)) }, head);
    return true;
  }
  const q = query(url, ['question', 'answer', 'conn'], ['question', 'answer']);
  const r = q.ok ? gradeAnswerIn(ctx, lessons, lessonId, q.value) : { ok: false as const, status: 400 as const, message: q.message };
  if (!r.ok) sendError(res, r.status, r.status === 404 ? 'not-found' : 'bad-request', r.message, head);
  else sendJson(res, 200, r.grade, head);
  return true;
}

/** One connection as lessons see it, if this view may see it. */
function viewOf(ctx: LessonRoutesContext, id: string): ConnectionView | null {
  const summary = ctx.bus.summary(id);
  if (summary === undefined || !inScope(ctx.scope, summary)) return null;
  return { summary, events: ctx.bus.eventsFor(id) };
}

/** The newest connections this view may see. */
function views(ctx: LessonRoutesContext): ConnectionView[] {
  const out: ConnectionView[] = [];
  for (const s of newestFirst(ctx.bus.summaries())) {
    if (!inScope(ctx.scope, s)) continue;
    out.push({ summary: s, events: ctx.bus.eventsFor(s.id) });
    if (out.length >= PROGRESS_CONNECTIONS) break;
  }
  return out;
}

/**
 * `GET /api/connections/:id/key-schedule`: secrets of the connection, so its owner's only. A student's connection's
 * schedule is refused to the whole-room view (403): the instructor's screen is the projector, and the class must not
 * read a classmate's session secrets off it. Connections without a student (single-user mode, the instructor's own)
 * are the whole-room view's.
 */
function keyScheduleRoute(res: ServerResponse, rawId: string, url: URL, ctx: LessonRoutesContext, head: boolean): void {
  const checked = connectionId(rawId);
  if (!checked.ok) {
    sendError(res, 400, 'bad-request', checked.message, head);
    return;
  }
  const q = query(url, [], []);
  if (!q.ok) {
    sendError(res, 400, 'bad-request', q.message, head);
    return;
  }
  const id = checked.value;
  const owner = ctx.bus.summary(id)?.student;
  if (ctx.scope.student === null && owner !== undefined) {
    sendError(res, 403, 'forbidden', `The key schedule of ${owner.name}'s connection "${id.slice(0, 64)}" is shown only in ${owner.name}'s own view: it holds their session's secrets.`, head);
    return;
  }
  const schedule = inScope(ctx.scope, ctx.bus.summary(id)) ? (ctx.keySchedule?.(id) ?? null) : null;
  if (schedule === null) {
    sendError(res, 404, 'not-found', `No key schedule for "${id.slice(0, 64)}": unknown, too old (its capture was dropped), or no TLS seen.`, head);
    return;
  }
  sendJson(res, 200, schedule, head, { 'Cache-Control': 'no-store' });
}
