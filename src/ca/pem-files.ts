// Reads and writes the CA's PEM files: atomic writes (temp file + rename, mode set at creation),
// reads that turn every failure into a TlslabError naming the file. The only file I/O of src/ca.
import { promises as fsp, constants as fsc } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { TlslabError } from '../errors';

/** Modes: certificates are public, keys are for the owner only. */
export const CERT_MODE = 0o644;
export const KEY_MODE = 0o600;

/**
 * Write `content` to `file` atomically: a temp file in the same folder opened with `mode` (so a key is never,
 * even briefly, readable by others), flushed, then renamed over `file`.
 */
export async function writeFileAtomic(file: string, content: string | Buffer, mode: number): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fsp.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
  try {
    // A strict umask can only remove bits; a certificate should still be world-readable, so set it exactly.
    // (Keys are created 0600 and never widened.)
    if (mode === CERT_MODE) await handle.chmod(mode);
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** Does `file` exist (as anything)? A permission error on the folder counts as "exists" so it surfaces on read. */
export async function exists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Read a PEM file; any failure is TLSLAB_ERR_CA_UNREADABLE naming the file and the reason. */
export async function readPemFile(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TlslabError('TLSLAB_ERR_CA_UNREADABLE', `cannot read CA file ${file}: ${e.code ?? ''} ${e.message}`.trim(), { cause: err });
  }
}

const LOCK_STALE_MS = 60_000;

/**
 * Run `fn` while holding `<dir>/.<name>.lock` (created with O_EXCL), so two processes — or two starts in one
 * process — never create the same key files at once. A lock older than a minute is taken as stale.
 */
export async function withCreateLock<T>(dir: string, name: string, fn: () => Promise<T>): Promise<T> {
  if (!(await exists(dir))) await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
  const lock = path.join(dir, `.${name}.lock`);
  for (;;) {
    try {
      const handle = await fsp.open(lock, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, KEY_MODE);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A read-only folder: nobody can create files there, so there is nothing to lock; loading still works.
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return fn();
      if (code !== 'EEXIST') throw err;
      const st = await fsp.stat(lock).catch(() => null);
      if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) await fsp.rm(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lock, { force: true });
  }
}
