// Reads and writes the CA's PEM files: atomic writes (temp file + rename, mode set at creation),
// reads that turn every failure into a TlslabError naming the file. File I/O of src/ca (with create-lock.ts).
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
