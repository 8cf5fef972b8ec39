// A second machine on a LAN, on this one: a Linux network namespace joined to this host by a veth pair, with
// addresses inside it only. Needs root and `ip`; tests skip loudly where a namespace cannot be made (never in CI).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { describeUnless, which } from './tools';
import { run, type RunResult } from './tlslab';

/** One subnet on the veth pair: this host's address on it, and the addresses the namespace has on it. */
export interface NetnsSubnet {
  host: string;
  students: string[];
  prefix: number;
}

export interface Netns {
  name: string;
  /** Runs a command inside the namespace (no shell), never throwing on a non-zero exit. */
  exec(cmd: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Starts a long-running command inside the namespace; the caller kills it. */
  spawn(cmd: string, args: string[]): ChildProcess;
  /** Deletes the namespace and the veth pair (safe to call twice). */
  remove(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function quietly(args: string[]): void {
  try {
    ip(args);
  } catch {
    // already gone
  }
}

/** Interface names are at most 15 bytes: `tl<tag>h` / `tl<tag>s`. */
function vethNames(tag: string): { hostSide: string; nsSide: string } {
  if (!/^[a-z0-9]{1,10}$/.test(tag)) throw new Error(`netns tag must be 1–10 lowercase letters or digits, got ${tag}`);
  return { hostSide: `tl${tag}h`, nsSide: `tl${tag}s` };
}

/**
 * Makes namespace `tlslab-<tag>` with a veth pair to this host and the given subnets on it. Leftovers of an earlier
 * run under the same tag (a test killed before its afterAll) are removed first.
 */
export function createNetns(tag: string, subnets: NetnsSubnet[]): Netns {
  const name = `tlslab-${tag}`;
  const { hostSide, nsSide } = vethNames(tag);
  const remove = (): void => {
    quietly(['link', 'del', hostSide]);
    quietly(['netns', 'del', name]);
  };
  remove();
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide]);
    ip(['link', 'set', nsSide, 'netns', name]);
    for (const s of subnets) {
      ip(['addr', 'add', `${s.host}/${s.prefix}`, 'dev', hostSide]);
      for (const a of s.students) ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${a}/${s.prefix}`, 'dev', nsSide]);
    }
    ip(['link', 'set', hostSide, 'up']);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', nsSide, 'up']);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    remove();
    throw err;
  }
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
      remove();
    },
  };
}

let probed: string | null | undefined;

/** Null when namespaces can be made here; otherwise why not. */
function whyNoNetns(): string | null {
  if (probed !== undefined) return probed;
  if (process.getuid?.() !== 0) probed = 'runs as root only (it creates network namespaces)';
  else if (which('ip') === null) probed = 'needs ip on PATH (apt-get install iproute2)';
  else {
    try {
      // One probe per process: test files run side by side in several workers.
      createNetns(`p${process.pid}`, []).remove();
      probed = null;
    } catch (err) {
      probed = `cannot create a network namespace here: ${String((err as Error).message).split('\n')[0]}`;
    }
  }
  return probed;
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
