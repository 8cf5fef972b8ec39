// Test helper: runs the real `tlslab` CLI (src/cli.ts main()) in a child process straight from the TypeScript
// sources, transpiled on load (no type check, no dist/ build), to see its real stdout, stderr and exit code.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

const BOOT = `
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
const Module = require('module');
const resolve = Module._resolveFilename;
// src/events and src/dashboard import with '.js' suffixes (as jest's moduleNameMapper, map them to the .ts file).
Module._resolveFilename = function (request, ...rest) {
  try {
    return resolve.call(this, request, ...rest);
  } catch (e) {
    if (request.startsWith('.') && request.endsWith('.js')) return resolve.call(this, request.slice(0, -3), ...rest);
    throw e;
  }
};
require.extensions['.ts'] = (m, file) => {
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
  });
  m._compile(out.outputText, file);
};
require(${JSON.stringify(join(ROOT, 'src', 'cli.ts'))}).main(process.argv.slice(1));
`;

export function runCli(args: string[], timeoutMs = 60000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', BOOT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TLSLAB_LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
