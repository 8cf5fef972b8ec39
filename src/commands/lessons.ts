// `tlslab lessons --list` and `tlslab lessons --check DIR`: the lessons available, and a teacher's folder checked
// the way `tlslab start --lessons DIR` checks it. I/O: reads the lesson folders, prints to stdout/stderr.
import type { Argv, CommandModule } from 'yargs';
import { TlslabError } from '../errors';
import fs from 'node:fs';
import path from 'node:path';
import { formatLessonError, loadLessonDir, loadLessons, SHIPPED_LESSONS_DIR, type LessonCatalog } from '../lessons';

interface LessonsArgs {
  list: boolean;
  check?: string[];
  lessons: string[];
  json: boolean;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 2))).join('').trimEnd()).join('\n') + '\n';
}

function sameFolder(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

function printErrors(c: LessonCatalog): void {
  for (const e of c.errors) process.stderr.write(`${formatLessonError(e)}\n`);
}

export const lessonsCommand: CommandModule<object, LessonsArgs> = {
  command: 'lessons',
  describe: 'List the lessons (--list), or check a folder of lessons (--check DIR)',
  builder: (y: Argv) =>
    y
      .option('list', { type: 'boolean', default: false, describe: 'Print the lessons: the shipped ones and those of --lessons DIR' })
      .option('check', { type: 'string', array: true, describe: 'Check the lesson files in this folder (repeatable): every fault as file:line: message; exit status 1 when there is one' })
      .option('lessons', { type: 'string', array: true, default: [] as string[], describe: 'With --list: also list the lessons in this folder (repeatable)' })
      .option('json', { type: 'boolean', default: false, describe: 'With --list: print the lessons as JSON (as GET /api/lessons serves them, answers included)' })
      .example('$0 lessons --list', 'the shipped lessons: id, steps of the TLS story, lab cases, title')
      .example('$0 lessons --check my-lessons/', "check a teacher's folder before `tlslab start --lessons my-lessons/`")
      .epilogue('The file format and how answers are checked: docs/lessons.md. Printable handbook: docs/lab-handbook.md.'),
  handler: (args) => {
    if (!args.list && args.check === undefined) throw new TlslabError('TLSLAB_ERR_USAGE', 'say --list or --check DIR (tlslab lessons --help)');
    if (args.check !== undefined && args.check.length === 0) throw new TlslabError('TLSLAB_ERR_USAGE', '--check needs a folder of lessons');
    if (args.check !== undefined) {
      let failed = false;
      for (const dir of args.check) {
        // The shipped folder checked as itself; any other beside it (a teacher's id may not repeat a shipped one).
        const shipped = sameFolder(dir, SHIPPED_LESSONS_DIR);
        const c = shipped ? loadLessonDir(dir, 'shipped') : loadLessons([dir]);
        const own = c.lessons.filter((l) => shipped || l.source === 'teacher');
        printErrors(c);
        if (c.errors.length > 0) failed = true;
        process.stdout.write(c.errors.length === 0
          ? `${dir}: ${own.length} lesson(s), no errors\n`
          : `${dir}: ${c.errors.length} error(s); ${own.length} lesson(s) without errors\n`);
      }
      if (failed) process.exitCode = 1;
      return;
    }
    const c = loadLessons(args.lessons);
    printErrors(c);
    if (c.errors.length > 0) process.exitCode = 1;
    if (args.json) {
      process.stdout.write(`${JSON.stringify(c.lessons, null, 2)}\n`);
      return;
    }
    process.stdout.write(table([
      ['LESSON', 'STEPS', 'LAB CASES', 'TITLE'],
      ...c.lessons.map((l) => [`${l.id}${l.source === 'teacher' ? ' *' : ''}`, l.steps.join(','), l.lab.join(', ') || '—', l.title]),
    ]));
    if (c.lessons.some((l) => l.source === 'teacher')) process.stdout.write('* from --lessons\n');
  },
};
