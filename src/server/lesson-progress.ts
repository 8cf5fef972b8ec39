// Lesson progress kept on the server for the students of classroom mode: per student (by the id the proxy sign-in
// gave them), the lesson open in their panel and the grade the server gave their latest answer to each question.
// In memory and bounded (students, answers per student); nothing here reads a request: the routes validate first.
import type { Student } from '../events/schema';
import type { RoomLessons } from '../events/room';
import type { Grade, LessonService } from '../lessons';

/** A graded answer (an `unavailable` grade is not an answer: it is never kept). */
export type AnsweredGrade = Extract<Grade, { status: 'correct' | 'wrong' }>;

/** One student's progress as `GET /api/lessons/progress` serves it. */
export interface StudentProgress {
  /** The lesson open in their panel, or null. */
  current: string | null;
  /** Lesson id → question id → the grade of their latest answer. */
  grades: Record<string, Record<string, AnsweredGrade>>;
}

export interface ProgressLimits {
  /** Students remembered at most; past it the one whose progress changed longest ago is forgotten. */
  students: number;
  /** Answers kept per student at most (one per question of every lesson they answered); past it a new one is refused. */
  answers: number;
}

export const DEFAULT_PROGRESS_LIMITS: ProgressLimits = Object.freeze({ students: 1000, answers: 2000 });

export type ProgressResult = { ok: true; progress: StudentProgress } | { ok: false; status: 404 | 409; message: string };

interface Entry {
  student: Student;
  current: string | null;
  /** Lesson id → question id → grade (Maps: ids never meet an object's own keys). */
  grades: Map<string, Map<string, AnsweredGrade>>;
  answers: number;
  /** Lesson ids in the order their last question was answered. */
  finished: string[];
  t: number;
}

export interface LessonProgressOptions {
  limits?: Partial<ProgressLimits>;
  now?: () => number;
  /** Called after every change with the student's whole progress as the room overview shows it. */
  onChange?: (student: Student, lessons: RoomLessons) => void;
}

export class LessonProgress {
  /** Students by id, least recently changed first (a change re-inserts). */
  private readonly entries = new Map<string, Entry>();
  private readonly limits: ProgressLimits;
  private readonly now: () => number;
  private readonly onChange: LessonProgressOptions['onChange'];

  constructor(private readonly lessons: LessonService, opts: LessonProgressOptions = {}) {
    this.limits = { ...DEFAULT_PROGRESS_LIMITS, ...opts.limits };
    this.now = opts.now ?? Date.now;
    this.onChange = opts.onChange;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The student's progress (empty when they have none). */
  get(studentId: string): StudentProgress {
    const e = this.entries.get(studentId);
    if (e === undefined) return { current: null, grades: {} };
    const grades: StudentProgress['grades'] = {};
    for (const [lesson, qs] of e.grades) grades[lesson] = Object.fromEntries(qs);
    return { current: e.current, grades };
  }

  /** Sets the lesson open in the student's panel (null: none). */
  setCurrent(student: Student, lessonId: string | null): ProgressResult {
    if (lessonId !== null && this.lessons.get(lessonId) === undefined) return { ok: false, status: 404, message: `No lesson "${lessonId.slice(0, 64)}".` };
    const e = this.entry(student);
    e.current = lessonId;
    this.changed(e);
    return { ok: true, progress: this.get(student.id) };
  }

  /** Keeps `grade` as the student's answer to the question (the caller has graded it against their own connection). */
  record(student: Student, lessonId: string, questionId: string, grade: AnsweredGrade): ProgressResult {
    const lesson = this.lessons.get(lessonId);
    if (lesson === undefined || !lesson.tasks.some((t) => t.questions.some((q) => q.id === questionId))) {
      return { ok: false, status: 404, message: `The lesson "${lessonId.slice(0, 64)}" has no question "${questionId.slice(0, 64)}".` };
    }
    const known = this.entries.get(student.id);
    const qs = known?.grades.get(lessonId);
    if (qs?.has(questionId) !== true && (known?.answers ?? 0) >= this.limits.answers) {
      return { ok: false, status: 409, message: `At most ${this.limits.answers} answers are kept per student.` };
    }
    const e = this.entry(student);
    let byQuestion = e.grades.get(lessonId);
    if (byQuestion === undefined) e.grades.set(lessonId, (byQuestion = new Map<string, AnsweredGrade>()));
    if (!byQuestion.has(questionId)) e.answers++;
    byQuestion.set(questionId, grade);
    e.current = lessonId;
    if (byQuestion.size === questionCount(this.lessons, lessonId) && !e.finished.includes(lessonId)) e.finished.push(lessonId);
    this.changed(e);
    return { ok: true, progress: this.get(student.id) };
  }

  /** The student's progress as the instructor's room overview shows it. */
  summary(studentId: string): RoomLessons | null {
    const e = this.entries.get(studentId);
    return e === undefined ? null : this.roomLessons(e);
  }

  private roomLessons(e: Entry): RoomLessons {
    const total = (id: string): number => questionCount(this.lessons, id);
    const correct = (id: string): number => [...(e.grades.get(id)?.values() ?? [])].filter((g) => g.status === 'correct').length;
    return {
      current: e.current === null ? null : { id: e.current, answered: e.grades.get(e.current)?.size ?? 0, total: total(e.current) },
      finished: e.finished.map((id) => ({ id, correct: correct(id), total: total(id) })),
      t: e.t,
    };
  }

  /** The student's entry, made if new (forgetting the least recently changed student past the limit). */
  private entry(student: Student): Entry {
    const e = this.entries.get(student.id);
    if (e !== undefined) {
      e.student = student; // the same id, the name as they typed it last
      return e;
    }
    const fresh: Entry = { student, current: null, grades: new Map(), answers: 0, finished: [], t: this.now() };
    this.entries.set(student.id, fresh);
    while (this.entries.size > Math.max(1, this.limits.students)) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined || oldest === student.id) break;
      this.entries.delete(oldest);
    }
    return fresh;
  }

  private changed(e: Entry): void {
    e.t = this.now();
    this.entries.delete(e.student.id);
    this.entries.set(e.student.id, e);
    this.onChange?.(e.student, this.roomLessons(e));
  }
}

function questionCount(lessons: LessonService, id: string): number {
  return lessons.get(id)?.tasks.reduce((n, t) => n + t.questions.length, 0) ?? 0;
}
