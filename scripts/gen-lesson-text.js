#!/usr/bin/env node
// Writes docs/lesson-text.md — every sentence a student reads, from the tables in the code — (run after `npm run build`):
//   node scripts/gen-lesson-text.js
// A unit test (test/unit/lesson-text-doc.test.ts) fails when the page and the tables disagree.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { lessonTextMarkdown } = require(path.join(__dirname, '..', 'dist', 'commands', 'lesson-text.js'));

const file = path.join(__dirname, '..', 'docs', 'lesson-text.md');
const text = lessonTextMarkdown();
fs.writeFileSync(file, text);
console.log(`docs/lesson-text.md: ${text.split('\n').filter((l) => l.startsWith('| `')).length} sentences`);
