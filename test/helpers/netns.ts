// A second machine on a LAN, on this one: a Linux network namespace joined to this host by a veth pair, with
// addresses inside it only. Needs root and `ip`; tests skip loudly where a namespace cannot be made (never in CI).
import { spawn, type ChildProcess } from 'node:child_process';
import { LANS, type LanTag } from './lan-setups';
import { cannotCreate, deleteNamespace, makeNamespace, namespaceExists, netnsName, whyNoNamespaces } from './netns-admin';
import { describeUnless, which } from './tools';
import { run, type RunResult } from './tlslab';

export interface Netns {
  name: string;
  /** Runs a command inside the namespace (no shell), never throwing on a non-zero exit. */
  exec(cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Starts a long-running command inside the namespace; the caller kills it. */
  spawn(cmd: string, args: string[]): ChildProcess;
  /** Kills what was started in it; deletes the namespace too when this file made it (safe to call twice). */
  remove(): void;
}

/**
 * The LAN `tag` of test/helpers/lan-setups.ts. Jest's global setup made it before any test file ran (no interface of
 * this machine changes while a browser runs elsewhere); where it did not (a run without that setup), it is made now
 * and deleted by `remove()`.
 */
export function useNetns(tag: LanTag): Netns {
  const prepared = process.env['TLSLAB_NETNS'] === 'ok' && namespaceExists(tag);
  if (!prepared) makeNamespace(tag, LANS[tag]);
  const name = netnsName(tag);
  const children = new Set<ChildProcess>();
  return {
    name,
    exec: (cmd, args, opts = {}) => run('ip', ['netns', 'exec', name, cmd, ...args], opts),
    spawn: (cmd, args) => {
      const child = spawn('ip', ['netns', 'exec', name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    remove: () => {
      for (const c of children) c.kill('SIGKILL');
      if (!prepared) deleteNamespace(tag);
    },
  };
}

let probed: string | null | undefined;

/** Null when namespaces can be made here; otherwise why not. */
function whyNoNetns(): string | null {
  if (probed !== undefined) return probed;
  const setup = process.env['TLSLAB_NETNS'];
  probed = setup !== undefined ? (setup === 'ok' ? null : setup) : (whyNoNamespaces() ?? probe());
  return probed;
}

/** Makes and deletes one namespace (once per process: test files run side by side in several workers). */
function probe(): string | null {
  try {
    makeNamespace(`p${process.pid}`, []);
    deleteNamespace(`p${process.pid}`);
    return null;
  } catch (err) {
    return cannotCreate(err);
  }
}

/**
 * `describe` when network namespaces (and `tools`) are available; otherwise, outside CI, a skipped describe with a
 * loud warning; in CI, a describe whose single test fails saying why.
 */
export function describeWithNetns(tools: string[], title: string, body: () => void): void {
  const missing = tools.filter((t) => which(t) === null);
  describeUnless(whyNoNetns() ?? (missing.length > 0 ? `needs ${missing.join(', ')} on PATH` : null), title, body, 'can simulate a LAN');
}

/** Waits until a spawned child prints `marker` on stdout (it is ready), or fails after `timeoutMs`. */
export function readyLine(child: ChildProcess, marker: string, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`not ready within ${timeoutMs} ms: ${out}${err}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes(marker));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before it was ready: ${out}${err}`));
    });
  });
}
