// Loads the lessons of a folder (every *.md file but README.md, in file-name order), and the shipped ones with a
// teacher's. I/O boundary: reads the folders; parsing and checking are pure (parse.ts).
import fs from 'node:fs';
import path from 'node:path';
import { TlslabError } from '../errors';
import { parseLesson, type LessonError } from './parse';
import type { Lesson } from './schema.js';

/** The lessons that ship with tlslab: `lessons/` at the repository root (beside src/ and dist/). */
export const SHIPPED_LESSONS_DIR = path.resolve(__dirname, '..', '..', 'lessons');

/** A lesson file larger than this is refused (a lesson is a page or two). */
const MAX_FILE_BYTES = 256 * 1024;
/** Files read from one folder at most. */
const MAX_FILES = 500;

export interface LessonCatalog {
  lessons: Lesson[];
  errors: LessonError[];
}

/** `file:line: message`, the way compilers say it. */
export function formatLessonError(e: LessonError): string {
  return `${e.file}:${e.line}: ${e.message}`;
}

export function loadLessonDir(dir: string, source: Lesson['source']): LessonCatalog {
  let names: string[];
  try {
    if (!fs.statSync(dir).isDirectory()) return fail(dir, 'is not a folder');
    names = fs.readdirSync(dir).filter((n) => n.toLowerCase().endsWith('.md') && n.toLowerCase() !== 'readme.md').sort();
  } catch (err) {
    return fail(dir, `cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (names.length === 0) return fail(dir, 'holds no lesson (*.md files)');
  const out: LessonCatalog = { lessons: [], errors: [] };
  if (names.length > MAX_FILES) {
    out.errors.push({ file: dir, line: 0, message: `holds ${names.length} lesson files; only the first ${MAX_FILES} are read` });
    names = names.slice(0, MAX_FILES);
  }
  for (const name of names) {
    const file = path.join(dir, name);
    let text: string;
    try {
      const size = fs.statSync(file).size;
      if (size > MAX_FILE_BYTES) {
        out.errors.push({ file, line: 0, message: `is ${size} bytes; a lesson file may hold at most ${MAX_FILE_BYTES}` });
        continue;
      }
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      out.errors.push({ file, line: 0, message: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      continue;
    }
    const r = parseLesson(text, file, source);
    if (r.ok) out.lessons.push(r.lesson);
    else out.errors.push(...r.errors);
  }
  return out;
}

/** The shipped lessons, then each teacher folder's; an id used twice is an error (the later lesson is left out). */
export function loadLessons(teacherDirs: readonly string[] = [], shippedDir: string | null = SHIPPED_LESSONS_DIR): LessonCatalog {
  const parts = [
    ...(shippedDir === null ? [] : [{ dir: shippedDir, source: 'shipped' as const }]),
    ...teacherDirs.map((dir) => ({ dir, source: 'teacher' as const })),
  ];
  const out: LessonCatalog = { lessons: [], errors: [] };
  const seen = new Map<string, string>();
  for (const { dir, source } of parts) {
    const c = loadLessonDir(dir, source);
    out.errors.push(...c.errors);
    for (const lesson of c.lessons) {
      const first = seen.get(lesson.id);
      if (first !== undefined) {
        out.errors.push({ file: path.join(dir, lesson.file), line: 1, message: `the lesson id "${lesson.id}" is already used by ${first}: set another "id:"` });
        continue;
      }
      seen.set(lesson.id, path.join(dir, lesson.file));
      out.lessons.push(lesson);
    }
  }
  return out;
}

function fail(file: string, message: string): LessonCatalog {
  return { lessons: [], errors: [{ file, line: 0, message: `the lesson folder ${message}` }] };
}

/** The shipped lessons and the teacher's folders, or a usage error listing every fault (file:line: message). */
export function loadLessonsOrThrow(teacherDirs: readonly string[]): LessonCatalog {
  const catalog = loadLessons(teacherDirs);
  if (catalog.errors.length === 0) return catalog;
  const shown = catalog.errors.slice(0, 20).map((e) => `  ${formatLessonError(e)}`);
  const more = catalog.errors.length > 20 ? [`  … and ${catalog.errors.length - 20} more (tlslab lessons --check DIR lists them all)`] : [];
  throw new TlslabError('TLSLAB_ERR_LESSONS', `--lessons: the lessons have ${catalog.errors.length} error(s):\n${[...shown, ...more].join('\n')}`);
}
