// `tlslab ca show | export | init`: look at, hand out, or replace the tlslab teaching CA.
// I/O: reads/writes the CA folder (--certs) through src/ca; prints to stdout. Never prints key material.
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { CertificateAuthority } from '../ca';
import { CERT_MODE, writeFileAtomic } from '../ca/pem-files';
import { TlslabError } from '../errors';

/** `certs/` at the repository root: two levels up from both src/commands and dist/commands. */
export const DEFAULT_CERTS_DIR = path.resolve(__dirname, '../..', 'certs');

interface CaArgs {
  certs: string;
}

function certsOption<T>(y: Argv<T>): Argv<T & CaArgs> {
  return y.option('certs', {
    type: 'string',
    default: DEFAULT_CERTS_DIR,
    defaultDescription: '<repo>/certs',
    describe: 'Folder that holds the CA files (tlslab-ca.pem, tlslab-ca.key, leaf.key, untrusted-ca.*)',
    normalize: true,
  });
}

function showLines(ca: CertificateAuthority): string {
  const rows: [string, string][] = [
    ['subject', ca.subject],
    ['valid from', ca.notBefore.toISOString()],
    ['valid until', ca.notAfter.toISOString()],
    ['SHA-256', ca.fingerprint256],
    ['certificate', `${ca.files.cert}   (the file to trust; also at http://tlslab/ through the proxy)`],
    ['CA key', `${ca.files.key}   (secret: mode 0600, never share it)`],
    ['leaf key', `${ca.files.leafKey}   (secret: shared by every leaf tlslab mints)`],
    ['untrusted', `${ca.files.untrustedCert}   ("tlslab Untrusted Root": mirror mode only, trust it nowhere)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return `tlslab teaching CA\n${rows.map(([k, v]) => `  ${`${k}:`.padEnd(width)}${v}`).join('\n')}\n`;
}

const showCommand: CommandModule<CaArgs, CaArgs & { json: boolean }> = {
  command: 'show',
  describe: 'Print the CA subject, validity, SHA-256 fingerprint and file paths',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of text' })
      .example('$0 ca show', 'compare the fingerprint with the one your browser shows')
      .example('$0 ca show --certs /tmp/certs --json', 'for scripts'),
  handler: async (argv) => {
    const ca = await CertificateAuthority.load(argv.certs);
    process.stdout.write(argv.json ? `${JSON.stringify(ca)}\n` : showLines(ca));
  },
};

const exportCommand: CommandModule<CaArgs, CaArgs & { format: 'pem' | 'der'; out?: string }> = {
  command: 'export',
  describe: 'Write the CA certificate (never the key) as PEM or DER, to stdout or a file',
  builder: (y) =>
    y
      .option('format', { choices: ['pem', 'der'] as const, default: 'pem' as const, describe: 'PEM text, or binary DER (Windows, Android)' })
      .option('out', { alias: 'o', type: 'string', describe: 'Write to this file (mode 0644) instead of stdout', normalize: true })
      .example('$0 ca export > tlslab-ca.pem', 'PEM to a file through the shell')
      .example('$0 ca export --format der --out tlslab-ca.der', 'DER for Windows: double-click to install'),
  handler: async (argv) => {
    const ca = await CertificateAuthority.load(argv.certs);
    const body: string | Buffer = argv.format === 'der' ? ca.certDer : ca.certPem;
    if (argv.out) {
      await writeFileAtomic(path.resolve(argv.out), body, CERT_MODE);
      process.stderr.write(`wrote the tlslab CA certificate (${argv.format.toUpperCase()}, SHA-256 ${ca.fingerprint256}) to ${path.resolve(argv.out)}\n`);
      return;
    }
    if (argv.format === 'der' && process.stdout.isTTY) {
      throw new TlslabError('TLSLAB_ERR_USAGE', 'DER is binary: redirect stdout to a file, or use --out FILE');
    }
    await new Promise<void>((resolve, reject) => process.stdout.write(body, (err) => (err ? reject(err) : resolve())));
  },
};

const initCommand: CommandModule<CaArgs, CaArgs & { force: boolean }> = {
  command: 'init',
  describe: 'Make a new CA (with --force, replace the existing one)',
  builder: (y) =>
    y
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing CA: every browser that trusted the old one must trust the new one' })
      .example('$0 ca init', 'make the CA now instead of on first start')
      .example('$0 ca init --force', 'throw the old CA away and make a new one'),
  handler: async (argv) => {
    const ca = await CertificateAuthority.init(argv.certs, { force: argv.force });
    process.stdout.write(`made a new tlslab CA\n${showLines(ca).split('\n').slice(1).join('\n')}`);
    if (argv.force) process.stdout.write('Browsers and tools that trusted the previous CA must now trust this one (scripts/trust-ca-nss.sh, http://tlslab/).\n');
  },
};

export const caCommand: CommandModule<object, CaArgs> = {
  command: 'ca <command>',
  describe: 'Show, export or (re)create the tlslab teaching CA',
  builder: (y) =>
    certsOption(y)
      .command(showCommand)
      .command(exportCommand)
      .command(initCommand)
      .demandCommand(1, 'Name a subcommand: show, export or init')
      .epilogue(
        'tlslab signs the certificates it shows your browser with its own CA, made on first start in --certs. ' +
          'Trust it only on a machine you use for the lab, and remove it afterwards.',
      ),
  handler: () => undefined,
};
