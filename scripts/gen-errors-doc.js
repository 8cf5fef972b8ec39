#!/usr/bin/env node
// Writes docs/errors.md from the one error table, src/errors.ts (run after `npm run build`):
//   node scripts/gen-errors-doc.js
// test/unit/errors-doc.test.ts renders the page from the sources with render() below and fails when the file differs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Each section of the table: its heading and what the reader should know about its codes. */
const SECTIONS = [
  ['proxy', 'Proxy, CA, lab and CLI', ''],
  [
    'decoder',
    'TLS decoder',
    'The decoder never throws: each of these travels as a `tls:decode-error` event with the byte offset in that direction\'s\nstream, and the decoder keeps counting the bytes that follow.\n\n',
  ],
  [
    'captureFile',
    'Capture files',
    'Found while reading a pcap or pcapng file (`tlslab decode`, `tlslab open`; each with the byte offset where it was\nfound), or while writing one (`--record`, exports).\n\n',
  ],
];

/** The page, from `ERROR_SECTIONS` of src/errors.ts. */
function render(sections) {
  const table = (codes) => ['| code | meaning |', '| --- | --- |', ...Object.entries(codes).map(([c, m]) => `| \`${c}\` | ${m} |`)].join('\n');
  const body = SECTIONS.map(([key, title, note]) => `## ${title}\n\n${note}${table(sections[key])}\n`).join('\n');
  return `# Error codes

Every error tlslab reports has a stable code. Codes never change meaning; new ones are added. They appear in the
\`code\` field of \`conn:error\` and \`tls:decode-error\` events (see [events.md](events.md)), in the \`X-Tlslab-Error\`
header of tlslab's own error pages, and at the end of CLI error lines (\`tlslab: … [TLSLAB_ERR_…]\`).

All of them are defined in one table, \`src/errors.ts\`, in the sections below; this page is generated from it
(\`npm run build && node scripts/gen-errors-doc.js\`).

Certificate-verification findings (\`CERT_EXPIRED\`, \`HOSTNAME_MISMATCH\`, …) are not errors of tlslab: they are what
tlslab found wrong with a server's certificate, listed in [findings.md](findings.md).

${body}`;
}

if (require.main === module) {
  const { ERROR_SECTIONS } = require(path.join(__dirname, '..', 'dist', 'errors.js'));
  const out = render(ERROR_SECTIONS);
  fs.writeFileSync(path.join(__dirname, '..', 'docs', 'errors.md'), out);
  console.log(`docs/errors.md: ${Object.values(ERROR_SECTIONS).reduce((n, s) => n + Object.keys(s).length, 0)} codes`);
}

module.exports = { render };
