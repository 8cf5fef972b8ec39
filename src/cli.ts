// The `tlslab` command line (yargs): one module per command under src/commands/.
// This file only wires them together and turns TlslabErrors into one clear line and exit code 1.
import yargs from 'yargs';
import { isTlslabError } from './errors';
import { startCommand } from './commands/start';
import { caCommand } from './commands/ca';
import { labCommand } from './commands/lab';
import { decodeCommand } from './commands/decode';
import { lessonsCommand } from './commands/lessons';
import { browserCommand } from './commands/browser';
import { openCommand } from './commands/open';

export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName('tlslab')
    .usage('tlslab — a man-in-the-middle teaching proxy that shows both TLS handshakes, live.\n\nUsage: $0 <command> [options]')
    .command(startCommand)
    .command(caCommand)
    .command(labCommand)
    .command(decodeCommand)
    .command(lessonsCommand)
    .command(browserCommand)
    .command(openCommand)
    .demandCommand(1, 'Name a command: start, browser, lessons, open, ca, lab or decode (tlslab --help lists them).')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue('Docs: README.md, docs/events.md, docs/errors.md');
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli(argv)
      .fail((msg, err) => {
        if (err) throw err;
        process.stderr.write(`tlslab: ${msg}\n(run tlslab --help)\n`);
        process.exit(2);
      })
      .parseAsync();
  } catch (err) {
    if (isTlslabError(err)) {
      process.stderr.write(`tlslab: ${err.message} [${err.code}]\n`);
    } else {
      process.stderr.write(`tlslab: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
    process.exit(1);
  }
}
