#!/usr/bin/env node
// Writes docs/lab-handbook.md from lessons/*.md and the generated reference blocks of docs/lessons.md from the
// code's tables (run after `npm run build`):   node scripts/gen-lesson-docs.js
// A unit test (test/unit/lessons/docs.test.ts) fails when either is stale.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const dist = path.join(__dirname, '..', 'dist', 'lessons');
const { loadLessons, formatLessonError } = require(path.join(dist, 'load.js'));
const { labHandbook, lessonReference, fillGenerated } = require(path.join(dist, 'handbook.js'));

const docs = path.join(__dirname, '..', 'docs');
const catalog = loadLessons();
if (catalog.errors.length > 0) {
  for (const e of catalog.errors) process.stderr.write(`${formatLessonError(e)}\n`);
  process.exit(1);
}
fs.writeFileSync(path.join(docs, 'lab-handbook.md'), labHandbook(catalog.lessons));
const file = path.join(docs, 'lessons.md');
fs.writeFileSync(file, fillGenerated(fs.readFileSync(file, 'utf8'), lessonReference()));
process.stdout.write(`docs/lab-handbook.md: ${catalog.lessons.length} lessons; docs/lessons.md: reference tables\n`);
