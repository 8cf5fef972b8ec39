// The one-way layers of docs/architecture.md ("Layers"), as rules dependency-cruiser checks on every import, export,
// require() and import() in src/: `npm run lint:layers` (also part of `npm run lint` and `npm test`).
// LAYERS below is the table of that page; test/unit/layers.test.ts checks that the two list the same folders.
'use strict';

/**
 * For each folder of src/ (or top-level file): the other parts of src/ it may import, and — for the pure ones, which
 * must stay free of I/O — the only Node built-ins and npm packages they may use. `core: '*'` / `npm: '*'`: any.
 */
const LAYERS = {
  tls: { may: ['events', 'errors'], core: ['crypto'], npm: [], why: 'the sans-IO decoder: bytes in, events out (node:crypto decrypts, it does no I/O)' },
  x509: { may: ['events', 'errors', 'ip-text'], core: ['crypto', 'url', 'tls'], npm: [], why: 'certificate parsing and checks, pure (node:tls only for its list of root certificates, in trust-store.ts)' },
  pcap: { may: ['errors', 'ip-text'], core: [], npm: [], why: 'capture files and TCP reassembly, pure' },
  events: { may: [], core: [], npm: [], why: 'the event schema, bus and reducers: no Node imports (the dashboard compiles against them)' },
  dashboard: { may: ['events', 'lessons/pure'], core: [], npm: [], why: 'the web UI: compiled against the event schema and the pure reducers only' },
  classroom: { may: ['events', 'errors', 'ip-text'], core: ['os', 'net', 'crypto'], npm: [], why: 'classroom building blocks, pure over injected clocks (address facts, hashes, randomness)' },
  'lessons/pure': { may: ['events'], core: [], npm: [], why: 'the lesson evaluator the dashboard runs too' },
  lessons: { may: ['lessons/pure', 'events', 'errors', 'lab/lab-cases', 'x509'], core: ['fs', 'path'], npm: ['yaml'], why: 'lessons as data: read, parsed and checked' },
  capture: { may: ['tls', 'x509', 'events', 'errors', 'log'], core: '*', npm: '*', why: 'taps, legs, sessions, HTTP observation' },
  ca: { may: ['errors', 'log'], core: '*', npm: '*', why: 'root CA, leaves, mirror chains' },
  lab: { may: ['lab/lab-cases', 'ca', 'events', 'errors', 'log'], core: '*', npm: '*', why: 'built-in origins with broken certificates' },
  'lab/lab-cases': { may: [], core: [], npm: [], why: 'the list of lab cases, data only (lessons read it)' },
  record: { may: ['capture', 'events', 'pcap', 'errors', 'log', 'package.json'], core: '*', npm: '*', why: 'recording and exports' },
  replay: { may: ['capture', 'events', 'pcap', 'record', 'server', 'tls', 'x509', 'errors', 'log'], core: '*', npm: '*', why: 'a capture replayed through the live decoding path (tlslab open)' },
  server: { may: ['events', 'lessons', 'lessons/pure', 'errors', 'log'], core: '*', npm: '*', why: 'dashboard HTTP + WebSocket' },
  proxy: { may: ['capture', 'ca', 'x509', 'classroom', 'lab', 'lab/lab-cases', 'events', 'errors', 'log'], core: '*', npm: '*', why: 'front door, gate, upstream, policy, tunnels' },
  commands: { may: ['*'], core: '*', npm: '*', why: 'one file per CLI command' },
  errors: { may: [], core: [], npm: [], why: 'the error table: a leaf any layer may import' },
  'ip-text': { may: [], core: [], npm: [], why: 'IP address literals as text and bytes: a pure leaf any layer may import' },
  log: { may: [], core: '*', npm: ['pino', 'pino-pretty'], why: 'the root logger' },
  'last-resort': { may: ['errors', 'log'], core: '*', npm: [], why: 'uncaughtException / unhandledRejection handlers of tlslab start' },
  app: { may: ['*'], core: '*', npm: '*', why: 'composition' },
  cli: { may: ['*'], core: '*', npm: '*', why: 'the yargs entry' },
};

/** Files that make up a layer given as `folder/part`. */
const PARTS = {
  'lessons/pure': ['schema', 'view', 'facts', 'conditions', 'grade', 'normalize', 'replay'],
  'lab/lab-cases': ['lab-cases'],
};

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The path regex of a layer: its folder or top-level file, less the parts that are layers of their own. */
function layerPath(name) {
  if (name === 'package.json') return '^package\\.json$';
  if (PARTS[name]) return `^src/${esc(name.split('/')[0])}/(${PARTS[name].map(esc).join('|')})\\.ts$`;
  return `^src/${esc(name)}(/|\\.ts$)`;
}

function layerPathNot(name) {
  return Object.keys(PARTS).filter((p) => p.startsWith(`${name}/`)).map(layerPath);
}

const rules = [
  {
    name: 'no-circular',
    comment: 'No module reaches itself again through imports that run (a cycle of type imports inside one layer is allowed; across layers the rules below forbid it).',
    severity: 'error',
    from: {},
    to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
  },
  {
    name: 'schema-imports-nothing',
    comment: 'src/events/schema.ts is plain types and constants: the server and the dashboard compile against the very same file.',
    severity: 'error',
    from: { path: '^src/events/schema\\.ts$' },
    to: {},
  },
  {
    name: 'lessons-files-in-load-only',
    comment: 'Only src/lessons/load.ts reads lesson files; the rest of src/lessons works on text and data.',
    severity: 'error',
    from: { path: '^src/lessons/', pathNot: '^src/lessons/load\\.ts$' },
    to: { dependencyTypes: ['core'], path: '^(fs|fs/promises)$' },
  },
  {
    name: 'x509-tls-root-store-only',
    comment: 'src/x509 reads node:tls only for its list of root certificates (trust-store.ts).',
    severity: 'error',
    from: { path: '^src/x509/', pathNot: '^src/x509/trust-store\\.ts$' },
    to: { dependencyTypes: ['core'], path: '^tls$' },
  },
];

for (const [name, layer] of Object.entries(LAYERS)) {
  const from = { path: layerPath(name), pathNot: layerPathNot(name) };
  if (!layer.may.includes('*')) {
    rules.push({
      name: `${name}-imports`,
      comment: `src/${name} (${layer.why}) may import only: ${layer.may.length ? layer.may.join(', ') : 'nothing else in src/'}.`,
      severity: 'error',
      from,
      to: { dependencyTypesNot: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: [layerPath(name), ...layer.may.map(layerPath)] },
    });
  }
  if (layer.core !== '*') {
    rules.push({
      name: `${name}-node-modules`,
      comment: `src/${name} (${layer.why}) may use only these Node built-ins: ${layer.core.length ? layer.core.join(', ') : 'none'}.`,
      severity: 'error',
      from,
      to: { dependencyTypes: ['core'], ...(layer.core.length ? { pathNot: `^(${layer.core.map(esc).join('|')})$` } : {}) },
    });
  }
  if (layer.npm !== '*') {
    rules.push({
      name: `${name}-packages`,
      comment: `src/${name} (${layer.why}) may use only these packages: ${layer.npm.length ? layer.npm.join(', ') : 'none'}.`,
      severity: 'error',
      from,
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], ...(layer.npm.length ? { pathNot: `(^|/)node_modules/(${layer.npm.map(esc).join('|')})/` } : {}) },
    });
  }
}

rules.push({
  name: 'unresolvable',
  comment: 'Every import resolves: a rule cannot judge a path it cannot see.',
  severity: 'error',
  from: { path: '^src/' },
  to: { couldNotResolve: true },
});

module.exports = {
  forbidden: rules,
  options: {
    doNotFollow: { path: 'node_modules' },
    // Imports of types count too: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
// For test/unit/layers.test.ts (not enumerable: dependency-cruiser accepts only its own keys).
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
