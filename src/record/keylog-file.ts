// `--keylog FILE` (and SSLKEYLOGFILE): the NSS key-log lines of both legs of every connection, appended as they
// come, in the format Wireshark reads (`LABEL <client random> <secret>`). I/O boundary: the file (0600, appended).
import fs from 'node:fs';
import type { ConnectionSession } from '../capture/session';
import { openPrivateFile } from './recording-file';

export class KeyLogFile {
  readonly path: string;
  private readonly stream: fs.WriteStream;
  private closing: Promise<void> | null = null;
  lines = 0;
  error: NodeJS.ErrnoException | null = null;

  constructor(path: string) {
    this.path = path;
    // Appended, never truncated: a browser may be writing its own lines into the same SSLKEYLOGFILE.
    this.stream = fs.createWriteStream('', { fd: openPrivateFile(path, 'a', 'the key log'), flags: 'a' });
    this.stream.on('error', (err: NodeJS.ErrnoException) => {
      this.error ??= err;
    });
  }

  /** Appends both legs' key-log lines of `session` from now on. */
  watch(session: ConnectionSession): void {
    for (const leg of [session.client, session.upstream]) leg.watch({ keyLog: (_l, line) => this.line(line) });
  }

  line(text: string): void {
    if (this.closing || this.error) return;
    // One write per line: lines are short, and each reaches the file as soon as the event loop gets to it.
    this.stream.write(`${text}\n`);
    this.lines++;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.stream.end(() => resolve());
      this.stream.once('error', () => resolve());
    });
    return this.closing;
  }
}
