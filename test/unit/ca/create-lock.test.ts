// The CA folder's creation lock: a lock left by a process that no longer runs is taken over at once (its PID is
// checked), one held by a running process is waited for and then refused with TLSLAB_ERR_CA_LOCKED.
// Real files and real processes: a child that has exited gives a PID nobody uses.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CertificateAuthority } from '../../../src/ca';
import { withCreateLock } from '../../../src/ca/create-lock';
import { isTlslabError } from '../../../src/errors';
import { cleanupTempDirs, tempDir } from '../../helpers/ca-temp';

/** Starts a child that lives until killed (or exits at once with `exitAtOnce`); resolves once it has started. */
function child(exitAtOnce: boolean): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['-e', exitAtOnce ? '' : 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    c.once('spawn', () => resolve(c));
    c.once('error', reject);
  });
}

function exited(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) resolve();
    else c.once('exit', () => resolve());
  });
}

/** The PID of a process that ran and has ended. */
async function deadPid(): Promise<number> {
  const c = await child(true);
  await exited(c);
  return c.pid as number;
}

const lockFile = (dir: string): string => path.join(dir, '.tlslab-ca.lock');

afterAll(cleanupTempDirs);

describe('CA creation lock', () => {
  const running: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of running.splice(0)) {
      c.kill('SIGKILL');
      await exited(c);
    }
  });

  it('a lock left by a process that is no longer running is taken over at once: the CA is made', async () => {
    const dir = tempDir();
    const pid = await deadPid();
    writeFileSync(lockFile(dir), `${pid}\n${os.hostname()}\n`);
    // The lock was written just now: an age rule would hold it for a minute, past this test's timeout.
    const ca = await CertificateAuthority.loadOrCreate(dir);
    expect(ca.created).toBe(true);
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('a PID-only lock (no host line) is checked the same way; while held, the lock names this process', async () => {
    const dir = tempDir();
    writeFileSync(lockFile(dir), `${await deadPid()}\n`);
    const inside = await withCreateLock(dir, 'tlslab-ca', () => Promise.resolve(readFileSync(lockFile(dir), 'utf8')), { waitMs: 100 });
    expect(inside).toBe(`${process.pid}\n${os.hostname()}\n`);
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('a lock held by a running process is waited for, then refused with TLSLAB_ERR_CA_LOCKED naming it; the lock stays', async () => {
    const dir = tempDir();
    const holder = await child(false);
    running.push(holder);
    const text = `${holder.pid}\n${os.hostname()}\n`;
    writeFileSync(lockFile(dir), text);
    let ran = false;
    const err = await withCreateLock(dir, 'tlslab-ca', () => {
      ran = true;
      return Promise.resolve();
    }, { waitMs: 200 }).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(isTlslabError(err) && err.code).toBe('TLSLAB_ERR_CA_LOCKED');
    expect((err as Error).message).toContain(`process ${holder.pid}`);
    expect(readFileSync(lockFile(dir), 'utf8')).toBe(text);
  });

  it('waits while the holder runs and takes the lock over when it dies', async () => {
    const dir = tempDir();
    const holder = await child(false);
    running.push(holder);
    writeFileSync(lockFile(dir), `${holder.pid}\n${os.hostname()}\n`);
    let ran = false;
    const waiting = withCreateLock(dir, 'tlslab-ca', () => {
      ran = true;
      return Promise.resolve();
    }, { waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 150));
    expect(ran).toBe(false);
    holder.kill('SIGKILL');
    await exited(holder);
    await waiting;
    expect(ran).toBe(true);
  });

  it('an owner that cannot be checked (another host, or no PID) holds the lock until it is a minute old', async () => {
    for (const text of [`${process.pid}\nsome-other-host.example\n`, '']) {
      const dir = tempDir();
      writeFileSync(lockFile(dir), text);
      const err = await withCreateLock(dir, 'tlslab-ca', () => Promise.resolve(undefined), { waitMs: 150 }).catch((e: unknown) => e);
      expect(isTlslabError(err) && err.code).toBe('TLSLAB_ERR_CA_LOCKED');
      const old = new Date(Date.now() - 120_000);
      utimesSync(lockFile(dir), old, old);
      await expect(withCreateLock(dir, 'tlslab-ca', () => Promise.resolve('ran'), { waitMs: 150 })).resolves.toBe('ran');
    }
  });

  it('several waiters on one stale lock run one at a time, and all run (twenty times over: breaking it is a race)', async () => {
    const dead = await deadPid();
    for (let round = 0; round < 20; round++) {
      const dir = tempDir();
      writeFileSync(lockFile(dir), `${dead}\n${os.hostname()}\n`);
      let active = 0;
      let peak = 0;
      const order: number[] = [];
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          withCreateLock(dir, 'tlslab-ca', async () => {
            active++;
            peak = Math.max(peak, active);
            await new Promise((r) => setTimeout(r, 5));
            order.push(i);
            active--;
          }, { waitMs: 20_000 }),
        ),
      );
      expect([round, peak]).toEqual([round, 1]);
      expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(existsSync(lockFile(dir))).toBe(false);
      expect(existsSync(`${lockFile(dir)}.break`)).toBe(false);
    }
  });
});
