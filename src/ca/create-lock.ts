// The CA folder's creation lock: an O_EXCL file holding its owner's PID and host, taken over when that process is
// gone (a crash), waited for (bounded) while it runs. File I/O only on the lock file.
import { promises as fsp, constants as fsc, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TlslabError } from '../errors';
import type { Logger } from '../log';
import { KEY_MODE, exists } from './pem-files';

/** How long a start waits for a lock held by a live process (making a CA takes about a second). */
export const LOCK_WAIT_MS = 30_000;
/** A lock whose owner cannot be checked (another host, or no readable PID) is taken as stale after this long. */
const LOCK_UNCHECKABLE_STALE_MS = 60_000;
const LOCK_POLL_MS = 50;

/** What a lock file says about its owner: the first line is its PID, the second its host name. */
interface LockOwner {
  pid: number | null;
  host: string | null;
}

function parseLock(text: string): LockOwner {
  const [pidLine, hostLine] = text.split('\n');
  const pid = /^[1-9]\d{0,9}$/.test(pidLine?.trim() ?? '') ? Number(pidLine) : null;
  const host = hostLine?.trim() ? hostLine.trim() : null;
  return { pid, host };
}

/** Is a process with this PID running on this machine? (EPERM: it runs, as another user.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type LockState = { kind: 'gone' } | { kind: 'held'; owner: LockOwner } | { kind: 'stale'; ino: number; why: string };

/**
 * Who holds `lock`. Stale when the PID written in it is not running on this host; when its owner cannot be
 * checked (written on another host, or no PID in it — a crash between creating and writing it), when it is older
 * than a minute.
 */
async function inspectLock(lock: string): Promise<LockState> {
  let st: Stats;
  let text: string;
  try {
    st = await fsp.stat(lock);
    text = await fsp.readFile(lock, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw err;
  }
  const owner = parseLock(text);
  const sameHost = owner.host === null || owner.host === os.hostname();
  if (owner.pid !== null && sameHost) {
    return processAlive(owner.pid) ? { kind: 'held', owner } : { kind: 'stale', ino: st.ino, why: `process ${owner.pid} is not running` };
  }
  const age = Date.now() - st.mtimeMs;
  if (age > LOCK_UNCHECKABLE_STALE_MS) return { kind: 'stale', ino: st.ino, why: `its owner cannot be checked and it is ${Math.round(age / 1000)} s old` };
  return { kind: 'held', owner };
}

/** A breaker's guard older than this was left by a process that died while breaking a lock (two file operations). */
const BREAK_GUARD_STALE_MS = 10_000;

/**
 * Removes the stale lock `ino`, and only it. Breakers take turns through a guard file (O_EXCL), and under it the lock
 * is removed only while it is still that inode: a lock taken since is someone's, live. (Renaming the lock aside and
 * putting back a live one, as before, could lose it: a third process could take the empty name in between, and two
 * then ran at once.) When another breaker holds the guard, this one waits a moment and the caller looks again.
 */
async function breakLock(lock: string, ino: number): Promise<void> {
  const guard = `${lock}.break`;
  try {
    await (await fsp.open(guard, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, KEY_MODE)).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const st = await fsp.stat(guard).catch(() => null);
    if (st !== null && Date.now() - st.mtimeMs > BREAK_GUARD_STALE_MS) await fsp.rm(guard, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS / 5));
    return;
  }
  try {
    const st = await fsp.stat(lock).catch(() => null);
    if (st !== null && st.ino === ino) await fsp.rm(lock, { force: true });
  } finally {
    await fsp.rm(guard, { force: true });
  }
}

/**
 * Run `fn` while holding `<dir>/.<name>.lock` (created with O_EXCL, holding this process's PID and host name), so two
 * processes — or two starts in one process — never create the same key files at once. A lock left by a process
 * that is no longer running (a crash) is taken over at once; a lock held by a running process is waited for, at
 * most `waitMs` (then TLSLAB_ERR_CA_LOCKED).
 */
export async function withCreateLock<T>(dir: string, name: string, fn: () => Promise<T>, opts: { waitMs?: number; log?: Logger } = {}): Promise<T> {
  if (!(await exists(dir))) await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
  const lock = path.join(dir, `.${name}.lock`);
  const deadline = Date.now() + (opts.waitMs ?? LOCK_WAIT_MS);
  for (;;) {
    try {
      const handle = await fsp.open(lock, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, KEY_MODE);
      try {
        await handle.writeFile(`${process.pid}\n${os.hostname()}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A read-only folder: nobody can create files there, so there is nothing to lock; loading still works.
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return fn();
      if (code !== 'EEXIST') throw err;
      const state = await inspectLock(lock);
      if (state.kind === 'stale') {
        opts.log?.warn({ lock, reason: state.why }, 'took over a stale CA lock');
        await breakLock(lock, state.ino);
        continue;
      }
      if (state.kind === 'gone') continue;
      if (Date.now() >= deadline) {
        const who = state.owner.pid !== null ? `process ${state.owner.pid}${state.owner.host !== null ? ` on ${state.owner.host}` : ''}` : 'a process that wrote no PID';
        throw new TlslabError('TLSLAB_ERR_CA_LOCKED',
          `${lock} is held by ${who}: another tlslab is making or loading the CA in ${dir}. If none is running, delete the lock file.`);
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lock, { force: true });
  }
}
