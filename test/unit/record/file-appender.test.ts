// The recording's file appender, on real files: whatever pieces and flushes come, the file holds exactly the bytes
// handed over, in order; a flush puts all of them in the file; the caller's buffers are given back once copied; whole
// blocks go out past the page cache where the file system allows it, and the appender goes on without that where
// O_DIRECT is refused; a write error stops it cleanly.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileAppender } from '../../../src/record/file-appender';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-file-appender-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function open(name: string): { appender: FileAppender; file: string; errors: NodeJS.ErrnoException[] } {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w', 0o600);
  const errors: NodeJS.ErrnoException[] = [];
  return { appender: new FileAppender({ fd, path: file }, (e) => errors.push(e)), file, errors };
}

/** Whether this file system takes O_DIRECT writes from page-aligned memory (as the appender's arena is). */
function directWorksHere(): boolean {
  const probe = path.join(dir, 'probe');
  try {
    const fd = fs.openSync(probe, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_DIRECT, 0o600);
    try {
      const wasm = (globalThis as { WebAssembly?: { Memory: new (size: { initial: number; maximum: number }) => { buffer: ArrayBuffer } } }).WebAssembly;
      if (!wasm) return false;
      const page = Buffer.from(new wasm.Memory({ initial: 1, maximum: 1 }).buffer);
      return fs.writeSync(fd, page, 0, 4096, 0) === 4096;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

/** Waits until the file holds `n` bytes (the appender's writes complete on libuv's threads). */
async function sizeReaches(file: string, n: number): Promise<number> {
  for (let i = 0; i < 400 && fs.statSync(file).size < n; i++) await new Promise((r) => setTimeout(r, 5));
  return fs.statSync(file).size;
}

/** Pieces of random sizes (1 byte to 300 KiB) and random bytes, `total` bytes in all. */
function pieces(total: number, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let left = total;
  let x = seed;
  while (left > 0) {
    x = (x * 1103515245 + 12345) >>> 0;
    const n = Math.min(left, 1 + (x % (300 * 1024)));
    out.push(crypto.randomBytes(n));
    left -= n;
  }
  return out;
}

describe('FileAppender', () => {
  it('writes exactly the bytes handed over, in order, whatever their sizes and flushes; each buffer is given back once', async () => {
    const { appender, file, errors } = open('mixed.bin');
    const parts = pieces(40 * 1024 * 1024, 7); // more than the arena holds: some pieces wait for a free chunk
    const given: number[] = [];
    parts.forEach((p, i) => {
      appender.write(p, () => given.push(i));
      if (i % 17 === 0) appender.sync();
    });
    await appender.end();
    expect(errors).toEqual([]);
    expect(given).toEqual(parts.map((_, i) => i));
    expect(appender.writableLength).toBe(0);
    expect(fs.readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
  });

  it('a flush puts everything handed over so far in the file, and the next bytes continue it', async () => {
    const { appender, file } = open('flushes.bin');
    const all: Buffer[] = [];
    for (const n of [10, 4096, 5000, 2 * 1024 * 1024 + 3, 1, 8191]) {
      const b = crypto.randomBytes(n);
      all.push(b);
      appender.write(b);
      appender.sync();
      const want = Buffer.concat(all);
      expect(await sizeReaches(file, want.length)).toBe(want.length);
      expect(fs.readFileSync(file).equals(want)).toBe(true);
    }
    await appender.end();
    expect(fs.readFileSync(file).equals(Buffer.concat(all))).toBe(true);
  });

  it('writes whole blocks past the page cache where the file system takes O_DIRECT', async () => {
    const { appender, file } = open('direct.bin');
    const parts = pieces(6 * 1024 * 1024, 3);
    for (const p of parts) appender.write(p);
    await appender.end();
    expect(fs.readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
    if (directWorksHere()) expect(appender.direct).toBe(true);
    else console.warn(`${os.tmpdir()} refuses O_DIRECT: the appender wrote through the page cache (checked above)`);
  });

  it('goes on through the page cache when O_DIRECT refuses its memory', async () => {
    // Without WebAssembly the arena is ordinary memory, not page-aligned: the kernel refuses the first direct write.
    const wasm = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly') as PropertyDescriptor;
    Object.defineProperty(globalThis, 'WebAssembly', { value: undefined, configurable: true, writable: true });
    let opened: ReturnType<typeof open>;
    try {
      opened = open('fallback.bin');
    } finally {
      Object.defineProperty(globalThis, 'WebAssembly', wasm);
    }
    const { appender, file, errors } = opened;
    const parts = pieces(5 * 1024 * 1024, 11);
    for (const p of parts) appender.write(p);
    await appender.end();
    expect(errors).toEqual([]);
    expect(appender.direct).toBe(false);
    expect(fs.readFileSync(file).equals(Buffer.concat(parts))).toBe(true);
  });

  it('stops at a write error: reports it once, gives every buffer back, and still ends', async () => {
    // /dev/full takes every write with ENOSPC (and no O_DIRECT): a disk that is full.
    const fd = fs.openSync('/dev/full', 'w');
    const errors: NodeJS.ErrnoException[] = [];
    const appender = new FileAppender({ fd, path: '/dev/full' }, (e) => errors.push(e));
    const parts = pieces(20 * 1024 * 1024, 5);
    let given = 0;
    for (const p of parts) appender.write(p, () => given++);
    appender.sync();
    await appender.end();
    expect(errors.map((e) => e.code)).toEqual(['ENOSPC']);
    expect(appender.error?.code).toBe('ENOSPC');
    appender.write(Buffer.from('after'), () => given++);
    expect(given).toBe(parts.length + 1);
  });
});
