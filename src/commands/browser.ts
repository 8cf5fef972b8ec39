// `tlslab browser [URL]`: Chromium (or Firefox) in a throwaway profile that already uses tlslab as its proxy and
// trusts the tlslab CA there only, opening the dashboard beside URL. I/O: temp folders, certutil, the browser process.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { TlslabError } from '../errors';
import { DEFAULT_CERTS_DIR } from './ca';
import { browserProfile, findProgram, type BrowserKind, type BrowserProfile } from './browser-profile';

interface BrowserArgs {
  url?: string;
  proxy: string;
  dashboard: string;
  certs: string;
  browser: 'auto' | BrowserKind;
  untrusted: boolean;
  headless: boolean;
}

/** The proxy as host and port, from `http://host:port`. */
function proxyAddress(url: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TlslabError('TLSLAB_ERR_USAGE', `--proxy "${url}" is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (u.protocol !== 'http:' || u.port === '') throw new TlslabError('TLSLAB_ERR_USAGE', `--proxy "${url}" must be http://HOST:PORT`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

/** Resolves when something accepts a TCP connection at host:port; a clear error when nothing does. */
function checkListening(host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const fail = (why: string): void => {
      s.destroy();
      reject(new TlslabError('TLSLAB_ERR_BROWSER', `nothing answers at ${host}:${port} (${why}): start tlslab first (tlslab start), or name ${what}`));
    };
    s.setTimeout(3000, () => fail('no answer within 3 s'));
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
  });
}

/** Chromium first, Firefox where it is the only one; a named kind must be installed. */
function pickBrowser(wanted: BrowserArgs['browser']): { kind: BrowserKind; program: string } {
  const chromium = findProgram(['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']);
  const firefox = findProgram(['firefox-esr', 'firefox']);
  if ((wanted === 'auto' || wanted === 'chromium') && chromium !== null) return { kind: 'chromium', program: chromium };
  if ((wanted === 'auto' || wanted === 'firefox') && firefox !== null) return { kind: 'firefox', program: firefox };
  const install = wanted === 'firefox' ? 'firefox-esr' : wanted === 'chromium' ? 'chromium' : 'chromium (or firefox-esr)';
  throw new TlslabError('TLSLAB_ERR_BROWSER', `no ${wanted === 'auto' ? 'Chromium or Firefox' : wanted} found on PATH: install one (Debian and Ubuntu: apt-get install ${install})`);
}

export const browserCommand: CommandModule<object, BrowserArgs> = {
  command: 'browser [url]',
  describe: 'Open Chromium (or Firefox) in a throwaway profile that uses tlslab and trusts its CA, with the dashboard beside URL',
  builder: (y: Argv) =>
    y
      .positional('url', { type: 'string', describe: 'The page to open (default: https://valid.lab.tlslab/)' })
      .option('proxy', { type: 'string', default: 'http://127.0.0.1:8080', describe: 'The running tlslab proxy' })
      .option('dashboard', { type: 'string', default: 'http://127.0.0.1:8081/', describe: "The dashboard to open beside the page (with ?token=… if it has one); '' opens none" })
      .option('certs', { type: 'string', default: DEFAULT_CERTS_DIR, defaultDescription: '<repo>/certs', normalize: true, describe: "tlslab's CA folder (tlslab-ca.pem is trusted in the profile)" })
      .option('browser', { choices: ['auto', 'chromium', 'firefox'] as const, default: 'auto' as const, describe: 'Which browser: Chromium when installed, else Firefox' })
      .option('untrusted', { type: 'boolean', default: false, describe: 'Do not trust the tlslab CA: see the browser refuse the client leg (lesson "untrusted-ca")' })
      .option('headless', { type: 'boolean', default: false, hidden: true, describe: 'Run without a window (tests)' })
      .example('$0 browser', 'the lab\'s valid case and the dashboard, in a browser that trusts tlslab')
      .example('$0 browser https://expired.lab.tlslab/', 'open a lab case')
      .epilogue(
        'Nothing is installed system-wide: the CA goes into an NSS database inside a temporary profile (Chromium reads $HOME/.pki/nssdb, ' +
          'so the browser runs with HOME set to that folder; Firefox reads the profile\'s own database), removed when the browser exits. ' +
          'Needs certutil (Debian: libnss3-tools).',
      ),
  handler: async (args) => {
    const { host, port } = proxyAddress(args.proxy);
    const caFile = path.join(args.certs, 'tlslab-ca.pem');
    if (!args.untrusted && !fs.existsSync(caFile)) {
      throw new TlslabError('TLSLAB_ERR_BROWSER', `no tlslab CA at ${caFile}: run tlslab start once (it makes one), or name its folder with --certs`);
    }
    const { kind, program } = pickBrowser(args.browser);
    if (!args.untrusted && findProgram(['certutil']) === null) {
      throw new TlslabError('TLSLAB_ERR_BROWSER', 'certutil is needed to trust the tlslab CA in the profile: install it (Debian and Ubuntu: apt-get install libnss3-tools)');
    }
    await checkListening(host, port, 'it with --proxy');
    // Headless Chromium opens one page only: the dashboard is for people.
    const urls = [args.url ?? 'https://valid.lab.tlslab/', ...(args.dashboard && !args.headless ? [args.dashboard] : [])];
    const profile = browserProfile({ kind, proxy: { host, port }, caPem: args.untrusted ? null : fs.readFileSync(caFile, 'utf8'), dashboard: args.dashboard || null, headless: args.headless, root: os.userInfo().uid === 0 });
    const child = launch(program, profile, urls);
    process.stdout.write([
      `${kind === 'chromium' ? 'Chromium' : 'Firefox'} (${program}) is using tlslab at ${args.proxy}${args.untrusted ? ' and does NOT trust the tlslab CA' : ' and trusts the tlslab CA'},`,
      `in a throwaway profile (${profile.dir}), removed when the browser exits. Nothing was installed system-wide.`,
      `Opening: ${urls.join('  ')}`,
      '',
    ].join('\n'));
    await waitForExit(child, profile);
  },
};

function launch(program: string, profile: BrowserProfile, urls: string[]): ChildProcess {
  const child = spawn(program, [...profile.args, ...urls], { env: { ...process.env, ...profile.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  // Browsers are chatty on stderr; keep the last lines for an error message only.
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString('utf8')).slice(-2000);
  });
  child.once('error', (e) => {
    process.stderr.write(`tlslab: the browser could not be started: ${e.message}\n`);
  });
  child.once('exit', (code) => {
    if (code === 0 || code === null) return;
    process.exitCode = 1;
    process.stderr.write(`tlslab: the browser exited with status ${code}. Its last words:\n${tail.trim().split('\n').slice(-6).join('\n')}\n`);
  });
  return child;
}

/** Until the browser exits (Ctrl-C or SIGTERM closes it); the profile is removed either way. */
function waitForExit(child: ChildProcess, profile: BrowserProfile): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      if (child.exitCode === null) child.kill('SIGTERM');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const done = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      profile.remove();
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });
}
