// Lessons: files a teacher writes (Markdown with YAML front matter), checked when loaded, and evaluated against a
// student's own connections. load.ts reads folders; everything else here is pure.
export * from './schema.js';
export { parseLesson, idFromFile, type LessonError, type ParseResult } from './parse';
export { loadLessons, loadLessonDir, loadLessonsOrThrow, formatLessonError, SHIPPED_LESSONS_DIR, type LessonCatalog } from './load';
export { evaluateFact, type FactValue } from './facts.js';
export { findConnection, matchesCondition, unmetConditions } from './conditions.js';
export { gradeAnswer, questionForm, type Grade, type QuestionForm } from './grade.js';
export type { ConnectionView } from './view.js';
export { splitCommand, checkTryLine, fillTryLine, TRY_PLACEHOLDERS, TRY_PROGRAMS } from './try-command';
export { LessonService, type PublicLesson, type PublicQuestion, type TaskStatus, type CheckResult } from './service';
