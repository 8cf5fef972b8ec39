// `tlslab lab [--list]`: list the failure-lab cases, or run only the lab origins until Ctrl-C.
// I/O: the lab's loopback servers and its PKI folder (<certs>/lab); prints to stdout.
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { Lab, LAB_CASES, labHost, DEFAULT_SLOW_HANDSHAKE_MS } from '../lab';
import { createLogger } from '../log';
import { DEFAULT_CERTS_DIR } from './ca';

interface LabArgs {
  list: boolean;
  json: boolean;
  certs: string;
  'slow-handshake': number;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] + 2))).join('').trimEnd()).join('\n') + '\n';
}

export const labCommand: CommandModule<object, LabArgs> = {
  command: 'lab',
  describe: 'List the failure-lab cases (--list), or run only the lab origins',
  builder: (y) =>
    y
      .option('list', { type: 'boolean', default: false, describe: 'Print the cases (name, host, what each teaches) and exit; starts nothing' })
      .option('json', { type: 'boolean', default: false, describe: 'With --list or when started: print JSON' })
      .option('certs', { type: 'string', default: DEFAULT_CERTS_DIR, defaultDescription: '<repo>/certs', normalize: true, describe: 'CA folder; the lab keeps its own root and keys in <certs>/lab' })
      .option('slow-handshake', { type: 'number', default: DEFAULT_SLOW_HANDSHAKE_MS / 1000, describe: 'Seconds slow-handshake waits before answering the ClientHello' })
      .example('$0 lab --list', 'what the lab has')
      .example('$0 lab', 'run the origins on 127.0.0.1 and print their ports')
      .epilogue(
        'Through `tlslab start` the lab is on by default and every case is reachable as https://<case>.lab.tlslab/ (no DNS needed). ' +
          '`tlslab lab` runs the origins alone, for visiting them directly with curl --resolve or openssl s_client.',
      ),
  handler: async (argv) => {
    if (argv.list) {
      if (argv.json) {
        process.stdout.write(`${JSON.stringify(LAB_CASES.map((c) => ({ name: c.name, host: labHost(c.name), title: c.title, teaches: c.teaches, expected: c.expected })), null, 2)}\n`);
        return;
      }
      process.stdout.write(table([['CASE', 'HOST', 'TEACHES'], ...LAB_CASES.map((c) => [c.name, labHost(c.name), c.teaches])]));
      return;
    }
    const seconds = argv['slow-handshake'];
    const lab = await Lab.start({ certsDir: argv.certs, slowHandshakeMs: Math.round(seconds * 1000), log: createLogger() });
    const rootFile = path.join(lab.dir, 'lab-root.pem');
    if (argv.json) {
      process.stdout.write(`${JSON.stringify({ root: rootFile, cases: lab.cases.map((c) => ({ name: c.name, host: c.host, port: c.port, url: `https://127.0.0.1:${c.port}/` })) })}\n`);
    } else {
      process.stdout.write(table([['CASE', 'HOST', 'ADDRESS'], ...lab.cases.map((c) => [c.name, c.host, `127.0.0.1:${c.port}`])]));
      const v = lab.cases.find((c) => c.name === 'valid');
      process.stdout.write(
        `\nLab root (trust it for these origins only): ${rootFile}\n` +
          (v ? `Try: curl --cacert ${rootFile} --resolve ${v.host}:${v.port}:127.0.0.1 https://${v.host}:${v.port}/\n` : '') +
          'Press Ctrl-C to stop.\n',
      );
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await lab.close();
  },
};
