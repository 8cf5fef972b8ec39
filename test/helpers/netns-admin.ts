// Making and deleting the network namespaces that stand for a second machine on a LAN: a namespace joined to this
// host by a veth pair, with addresses inside it only. No test logic here, so jest's global setup can use it before
// any worker starts. I/O: `ip` (needs root).
import { execFileSync } from 'node:child_process';

/** One subnet on the veth pair: this host's address on it, and the addresses the namespace has on it. */
export interface NetnsSubnet {
  host: string;
  students: string[];
  prefix: number;
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

/** The namespace's name for `tag`. */
export const netnsName = (tag: string): string => `tlslab-${tag}`;

/** Interface names are at most 15 bytes: `tl<tag>h` / `tl<tag>s`. */
function vethNames(tag: string): { hostSide: string; nsSide: string } {
  if (!/^[a-z0-9]{1,10}$/.test(tag)) throw new Error(`netns tag must be 1–10 lowercase letters or digits, got ${tag}`);
  return { hostSide: `tl${tag}h`, nsSide: `tl${tag}s` };
}

/** Deletes namespace `tlslab-<tag>` and its veth pair (nothing happens when they are not there). */
export function deleteNamespace(tag: string): void {
  quietly(['link', 'del', vethNames(tag).hostSide]);
  quietly(['netns', 'del', netnsName(tag)]);
}

/**
 * Makes namespace `tlslab-<tag>` with a veth pair to this host and the given subnets on it. Leftovers of an earlier
 * run under the same tag (a run killed before its teardown) are removed first; throws when it cannot be made.
 */
export function makeNamespace(tag: string, subnets: readonly NetnsSubnet[]): void {
  const name = netnsName(tag);
  const { hostSide, nsSide } = vethNames(tag);
  deleteNamespace(tag);
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
    deleteNamespace(tag);
    throw err;
  }
}

/** True when namespace `tlslab-<tag>` exists. */
export function namespaceExists(tag: string): boolean {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .some((l) => l.split(' ')[0] === netnsName(tag));
  } catch {
    return false;
  }
}

/** Why namespaces cannot be made here (not root, no `ip`), or null when they may be. */
export function whyNoNamespaces(): string | null {
  if (process.getuid?.() !== 0) return 'runs as root only (it creates network namespaces)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'needs ip on PATH (apt-get install iproute2)';
  }
  return null;
}

/** The reason given when making a namespace failed. */
export function cannotCreate(err: unknown): string {
  return `cannot create a network namespace here: ${String((err as Error).message).split('\n')[0]}`;
}
