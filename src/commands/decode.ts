// `tlslab decode FILE [--keylog KEYLOG] [--json] [--verbose]`: decode the TLS in a pcap/pcapng capture.
// The I/O boundary: this file reads the capture and key log and writes stdout; decoding lives in decode-run.ts.
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { TlslabError } from '../errors';
import { decodeCapture } from './decode-run';
import { renderJsonLines, renderTree } from './decode-render';

export interface DecodeArgs {
  file: string;
  keylog?: string;
  json?: boolean;
  verbose?: boolean;
  /** Decrypted application-data bytes kept per record in `previewHex` (default 64). */
  appDataBytes?: number;
}

function readOrFail(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
    const reason = code ?? String(err);
    throw new TlslabError('TLSLAB_ERR_CAPTURE_FILE', `cannot read ${what} ${path}: ${reason}`);
  }
}

/** Decodes `args.file` and returns the output lines; throws TlslabError (TLSLAB_ERR_CAPTURE_FILE) on an unreadable file. */
export function runDecode(args: DecodeArgs): string[] {
  const bytes = readOrFail(args.file, 'capture file');
  const keyLog = args.keylog ? readOrFail(args.keylog, 'key log').toString('utf8') : undefined;
  const r = decodeCapture(bytes, { keyLog, appDataPreview: args.appDataBytes });
  if (!r.ok) throw new TlslabError('TLSLAB_ERR_CAPTURE_FILE', `${args.file} is not a readable capture: ${r.error.message} [${r.error.code}]`);
  return args.json ? renderJsonLines(r.value, args.file) : renderTree(r.value, { verbose: args.verbose, file: args.file });
}

export const decodeCommand: CommandModule<object, DecodeArgs> = {
  command: 'decode <file>',
  describe: 'Decode every TLS connection in a pcap/pcapng capture (keys from --keylog and from the file)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'pcap or pcapng file (tcpdump, dumpcap, Wireshark, tlslab)' })
      .option('keylog', { type: 'string', describe: 'NSS key log (SSLKEYLOGFILE format) to decrypt with' })
      .option('json', { type: 'boolean', default: false, describe: 'JSON Lines: one event per line (docs/decode.md)' })
      .option('app-data-bytes', { type: 'number', default: 64, describe: 'decrypted application-data bytes shown per record (previewHex)' })
      .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'also records, every application-data record, and each handshake field tree' })
      .example('$0 decode capture.pcapng --keylog keys.log', 'the readable tree')
      .example('$0 decode capture.pcapng --json | jq .type', 'JSON Lines'),
  handler: (args) => {
    const lines = runDecode(args);
    // `tlslab decode … | head`: a closed pipe is the reader saying "enough", not an error.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
