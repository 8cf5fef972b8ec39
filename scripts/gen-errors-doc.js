#!/usr/bin/env node
// Writes docs/errors.md from the three error-code tables (run after `npm run build`):
//   node scripts/gen-errors-doc.js
// A unit test (test/unit/errors-doc.test.ts) fails when a code is missing from the page.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const dist = path.join(__dirname, '..', 'dist');
const { ERRORS } = require(path.join(dist, 'errors.js'));
const { DECODE_ERRORS } = require(path.join(dist, 'tls', 'errors.js'));
const { PCAP_ERRORS } = require(path.join(dist, 'pcap', 'errors.js'));

const table = (codes) => ['| code | meaning |', '| --- | --- |', ...Object.entries(codes).map(([c, m]) => `| \`${c}\` | ${m} |`)].join('\n');
const out = `# Error codes

Every error tlslab reports has a stable code. Codes never change meaning; new ones are added. They appear in the
\`code\` field of \`conn:error\` and \`tls:decode-error\` events (see [events.md](events.md)), in the \`X-Tlslab-Error\`
header of tlslab's own error pages, and at the end of CLI error lines (\`tlslab: … [TLSLAB_ERR_…]\`).

Certificate-verification findings (\`CERT_EXPIRED\`, \`HOSTNAME_MISMATCH\`, …) are not errors of tlslab: they are what
tlslab found wrong with a server's certificate, listed in [findings.md](findings.md).

## Proxy, CA, lab and CLI

Source: \`src/errors.ts\`.

${table(ERRORS)}

## TLS decoder

Source: \`src/tls/errors.ts\`. The decoder never throws: each of these travels as a \`tls:decode-error\` event with the
byte offset in that direction's stream, and the decoder keeps counting the bytes that follow.

${table(DECODE_ERRORS)}

## Capture files (\`tlslab decode\`)

Source: \`src/pcap/errors.ts\`.

${table(PCAP_ERRORS)}
`;
fs.writeFileSync(path.join(__dirname, '..', 'docs', 'errors.md'), out);
console.log(`docs/errors.md: ${Object.keys(ERRORS).length + Object.keys(DECODE_ERRORS).length + Object.keys(PCAP_ERRORS).length} codes`);
