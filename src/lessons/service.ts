// The lessons as the API serves them: the catalog without the answers, a task's progress over one's connections,
// and the grading of one answer. Pure over what it is given (the server passes the connections in scope).
import { findConnection, unmetConditions } from './conditions.js';
import { gradeAnswer, questionForm, type Grade, type QuestionForm } from './grade.js';
import type { LessonCatalog } from './load';
import type { Lesson, Question, Task } from './schema.js';
import type { ConnectionView } from './view.js';

/** A question as served before it is answered: no right choice, no explanation. */
export type PublicQuestion =
  | Omit<Extract<Question, { kind: 'fact' }>, 'explain' | 'typical'>
  | Omit<Extract<Question, { kind: 'choice' }>, 'explain' | 'answer'>;

export interface PublicTask extends Omit<Task, 'questions'> {
  questions: PublicQuestion[];
}

export interface PublicLesson extends Omit<Lesson, 'tasks'> {
  tasks: PublicTask[];
}

/** Where one task stands: the connection that meets it (newest first), and how to ask its questions about it. */
export interface TaskStatus {
  task: string;
  conn: string | null;
  /** When no connection meets `when`: what the newest connection to the task's lab case still lacks. */
  unmet?: string[];
  questions: ({ id: string } & QuestionForm)[];
}

export type CheckResult = { ok: true; grade: Grade } | { ok: false; status: 404 | 400; message: string };

function publicQuestion(q: Question): PublicQuestion {
  if (q.kind === 'fact') {
    const { explain: _explain, typical: _typical, ...rest } = q;
    return rest;
  }
  const { explain: _explain, answer: _answer, ...rest } = q;
  return rest;
}

export class LessonService {
  private readonly byId: Map<string, Lesson>;

  constructor(readonly catalog: LessonCatalog) {
    this.byId = new Map(catalog.lessons.map((l) => [l.id, l]));
  }

  /** Every lesson, in order, without answers and explanations of questions. */
  list(): PublicLesson[] {
    return this.catalog.lessons.map((l) => ({ ...l, tasks: l.tasks.map((t) => ({ ...t, questions: t.questions.map(publicQuestion) })) }));
  }

  get(id: string): Lesson | undefined {
    return this.byId.get(id);
  }

  /** Each task of the lesson against the connections given (the caller passes only those the viewer may see). */
  status(lessonId: string, views: readonly ConnectionView[]): TaskStatus[] | null {
    const lesson = this.byId.get(lessonId);
    if (lesson === undefined) return null;
    return lesson.tasks.map((task) => {
      const match = findConnection(views, task.when);
      const out: TaskStatus = { task: task.id, conn: match?.summary.id ?? null, questions: task.questions.map((q) => ({ id: q.id, ...questionForm(q, match) })) };
      if (match === null && task.when.lab !== undefined) {
        const near = findConnection(views, { lab: task.when.lab });
        if (near !== null) out.unmet = unmetConditions(near, task.when);
      }
      return out;
    });
  }

  /** Grades `answer` to a question; `view` is the connection it is about (null for knowledge questions). */
  check(lessonId: string, questionId: string, answer: string, view: ConnectionView | null): CheckResult {
    const lesson = this.byId.get(lessonId);
    if (lesson === undefined) return { ok: false, status: 404, message: `No lesson "${lessonId.slice(0, 64)}".` };
    const q = lesson.tasks.flatMap((t) => t.questions).find((x) => x.id === questionId);
    if (q === undefined) return { ok: false, status: 404, message: `The lesson "${lesson.id}" has no question "${questionId.slice(0, 64)}".` };
    if (q.kind === 'fact' && view === null) return { ok: false, status: 400, message: 'This question is about one of your connections: name it with conn=.' };
    return { ok: true, grade: gradeAnswer(q, answer, view) };
  }
}
