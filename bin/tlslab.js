#!/usr/bin/env node
'use strict';
// The `tlslab` command: runs the compiled CLI (npm install builds it into dist/).
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('tlslab is not built yet: run `npm install` (or `npm run build`) in ' + path.dirname(__dirname) + '\n');
  process.exit(1);
}
require(cli).main(process.argv.slice(2));
