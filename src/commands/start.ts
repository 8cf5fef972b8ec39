// `tlslab start` — the proxy, the dashboard and the built-in lab, on sensible defaults (`--classroom` for a class).
// Prints where to point the browser (or the classroom banner); runs until Ctrl-C. I/O: the terminal.
import os from 'node:os';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { REPO_ROOT, startTlslab, type RunningTlslab } from '../app';
import { createLogger } from '../log';
import { TlslabError } from '../errors';
import { DEFAULT_TIMEOUTS } from '../proxy/context';
import { installLastResort } from '../last-resort';
import { classroomBanner, lanAddresses } from '../classroom';
import { untilSignal } from './until-signal';

interface StartArgs {
  port: number;
  host?: string;
  'ui-port': number;
  'ui-host'?: string;
  'no-ui'?: boolean;
  ui: boolean;
  certs: string;
  'upstream-ca': string[];
  'upstream-failure': string[];
  lab: boolean;
  token?: string;
  history: number;
  'idle-timeout': number;
  'handshake-timeout'?: number;
  'log-level': string;
  classroom: boolean;
  'class-code'?: string;
  'allow-client': string[];
  record?: string;
  keylog?: string;
  lessons: string[];
  'ignore-host': string[];
}

export const startCommand: CommandModule<object, StartArgs> = {
  command: 'start',
  describe: 'Run the proxy, the dashboard and the failure lab',
  builder: (y: Argv) =>
    y
      .option('port', { alias: 'p', type: 'number', default: 8080, describe: 'Proxy port (browsers use this as their HTTP proxy); 0 picks a free one' })
      .option('host', {
        type: 'string',
        defaultDescription: '127.0.0.1; with --classroom every interface (:: and 0.0.0.0)',
        describe: 'Proxy address to bind. Beyond loopback, clients on other machines cannot reach this machine through the proxy, and clients from public addresses are refused (see --allow-client)',
      })
      .option('ui-port', { type: 'number', default: 8081, describe: 'Dashboard port (HTTP + WebSocket); 0 picks a free one' })
      .option('ui-host', { type: 'string', describe: 'Dashboard address to bind (default: same as --host; with --classroom 127.0.0.1); beyond loopback a token is required' })
      .option('classroom', {
        type: 'boolean',
        default: false,
        describe: 'Classroom mode: the proxy on every interface, students sign in to it (user name = their name, password = the class code), the dashboard on 127.0.0.1 for the instructor; prints the join page and PAC URLs',
      })
      .option('class-code', { type: 'string', describe: 'The class code students type as their proxy password (with --classroom; generated when not given, e.g. maple-rocket-47)' })
      .option('allow-client', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Also serve proxy clients from this public address block (CIDR, e.g. 198.51.100.0/24; repeatable); local-network addresses (RFC 1918 private, 100.64.0.0/10, link-local, fc00::/7) are always served',
      })
      .option('ui', { type: 'boolean', default: true, describe: 'Serve the dashboard (--no-ui to turn it off)' })
      .option('record', {
        type: 'string',
        describe: 'Write every intercepted TLS connection to this pcapng as it happens: both legs, their keys (Wireshark opens it decrypted), the proxy\'s decisions (tunnels without TLS with their bytes; plain HTTP and WebSocket relays as facts, without bytes); reopen it with `tlslab open`. Created 0600, overwritten',
      })
      .option('keylog', {
        type: 'string',
        defaultDescription: '$SSLKEYLOGFILE when set',
        describe: 'Append both legs\' TLS key-log lines (NSS format, as Wireshark reads them) to this file as they come; created 0600',
      })
      .option('lessons', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Also serve the lessons in this folder (Markdown files, docs/lessons.md; repeatable); checked at start, like `tlslab lessons --check DIR`',
      })
      .option('ignore-host', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Relay CONNECT tunnels to matching hosts untouched and leave them off the dashboard (background noise; repeatable): a glob matched against the host (*.googleapis.com; * spans dots; host:PORT for one port) or /regex/ searched in host:port',
      })
      .option('certs', { type: 'string', default: path.join(REPO_ROOT, 'certs'), defaultDescription: '<repo>/certs', describe: 'Folder of the tlslab CA (created on first start)' })
      .option('upstream-ca', { type: 'string', array: true, default: [] as string[], describe: 'Extra PEM file trusted for real servers (repeatable); NODE_EXTRA_CA_CERTS is read too' })
      .option('upstream-failure', {
        type: 'string',
        array: true,
        default: ['block'] as string[],
        describe: 'When a real server fails verification: block (teaching error page), mirror (same flaw to the browser) or allow; HOST=MODE for one host, *.example.com=MODE for its subdomains (repeatable)',
      })
      .option('lab', { type: 'boolean', default: true, describe: 'Run the built-in failure lab (<case>.lab.tlslab); --no-lab turns it off' })
      .option('token', { type: 'string', describe: 'Dashboard access token (generated when the dashboard listens beyond loopback)' })
      .option('history', { type: 'number', default: 50000, describe: 'Events kept for the dashboard' })
      .option('idle-timeout', { type: 'number', default: DEFAULT_TIMEOUTS.tunnelIdleMs / 1000, describe: 'Seconds a CONNECT tunnel may carry nothing either way before tlslab closes it' })
      .option('handshake-timeout', {
        type: 'number',
        defaultDescription: `${DEFAULT_TIMEOUTS.clientHandshakeMs / 1000} (browser), ${DEFAULT_TIMEOUTS.upstreamHandshakeMs / 1000} (server)`,
        describe: 'Seconds a TLS handshake may take on either leg before tlslab ends the connection',
      })
      .option('log-level', { type: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], describe: 'Log detail (logs go to stderr)' })
      .example('$0 start', 'proxy on 127.0.0.1:8080, dashboard on http://127.0.0.1:8081/')
      .example('$0 start --classroom', 'a classroom: students on the LAN sign in to the proxy; the dashboard stays on this machine')
      .example('$0 start --classroom --class-code maple-rocket-47 --upstream-failure mirror', 'the same with a class code of your choice; browsers see real certificate errors'),
  handler: async (args) => {
    const log = createLogger({ level: args['log-level'] });
    // The last resort, not the fix: inputs are checked where they arrive; this keeps one unforeseen bug from ending
    // tlslab for everyone proxying through it (src/last-resort.ts says why it is not installed in tests).
    installLastResort(log);
    const app = await startTlslab({
      host: args.host,
      port: args.port,
      uiHost: args['ui-host'],
      uiPort: args.ui ? args['ui-port'] : false,
      certsDir: args.certs,
      upstreamCa: args['upstream-ca'],
      upstreamFailure: args['upstream-failure'],
      lab: args.lab,
      token: args.token,
      history: args.history,
      classroom: args.classroom,
      classCode: args['class-code'],
      allowClients: args['allow-client'],
      record: args.record,
      keylog: args.keylog ?? (process.env.SSLKEYLOGFILE || undefined),
      lessonDirs: args.lessons,
      ignoreHosts: args['ignore-host'],
      timeouts: {
        tunnelIdleMs: secondsOption(args['idle-timeout'], '--idle-timeout') * 1000,
        ...(args['handshake-timeout'] === undefined
          ? {}
          : { clientHandshakeMs: secondsOption(args['handshake-timeout'], '--handshake-timeout') * 1000, upstreamHandshakeMs: secondsOption(args['handshake-timeout'], '--handshake-timeout') * 1000 }),
      },
      log,
    });
    const lines = app.classroom
      ? classroomBanner({
          lanAddresses: bannerAddresses(app.proxyHost),
          proxyPort: app.proxyPort,
          dashboardUrl: app.dashboardLoginUrl,
          classCode: app.classroom.code,
          caFingerprint256: app.ca.fingerprint256,
        })
      : banner(app);
    const keylogFile = args.keylog ?? (process.env.SSLKEYLOGFILE || undefined);
    const extra = [
      ...(args['ignore-host'].length > 0 ? [`  Ignored     ${args['ignore-host'].join(', ')}  (relayed untouched, not listed)`] : []),
      ...(args.record ? [`  Recording   ${args.record}  (tunnels: both legs' bytes, and the keys of TLS ones; plain HTTP and WebSocket relays: what happened — tlslab open ${args.record}, or Wireshark)`] : []),
      ...(keylogFile ? [`  Key log     ${keylogFile}  (both legs' TLS secrets, appended: Wireshark's tls.keylog_file)`] : []),
    ];
    // Above the closing "Ctrl-C to stop." (and its blank line before it), else at the end.
    const stopAt = lines.findIndex((l) => l.includes('Ctrl-C to stop.'));
    if (stopAt > 0) lines.splice(lines[stopAt - 1] === '' ? stopAt - 1 : stopAt, 0, ...extra);
    else lines.push(...extra);
    process.stdout.write(lines.join('\n'));
    await untilSignal(() => app.close(), () => process.stdout.write('\n  stopping…\n'));
  },
};

/** What `tlslab start` prints outside classroom mode: where to point the browser, the dashboard, the CA. */
function banner(app: RunningTlslab): string[] {
  const dash = app.dashboardLoginUrl ? `${app.dashboardLoginUrl}${app.token ? '  ← yours alone: the link carries the access token' : ''}` : '(off)';
  const caFile = path.join(app.ca.dir, 'tlslab-ca.pem');
  return [
    '',
    '  tlslab is running.',
    '',
    `  Proxy       ${app.proxyUrl}        ← set this as the browser's HTTP and HTTPS proxy`,
    `  Dashboard   ${dash}`,
    `  CA          ${caFile}${app.ca.created ? '  (new: trust it once)' : ''}`,
    `              SHA-256 ${app.ca.fingerprint256}`,
    `  Trust it    through the proxy, open http://tlslab/ ; or: scripts/trust-ca-nss.sh (Chromium/Firefox on Linux)`,
    `  Try         curl --cacert ${caFile} -x ${app.proxyUrl} https://valid.lab.tlslab/`,
    app.lab ? `  Lab         ${app.lab.cases.length} broken origins: ${app.lab.cases.slice(0, 5).map((c) => c.host).join(', ')}, … (http://tlslab/)` : '  Lab         off',
    '',
    '  Ctrl-C to stop.',
    '',
  ];
}

/** The addresses students can use: every LAN address when the proxy listens on every interface, else the one it binds. */
function bannerAddresses(host: string): string[] {
  if (host === '::') return lanAddresses(os.networkInterfaces());
  if (host === '0.0.0.0') return lanAddresses(os.networkInterfaces()).filter((a) => !a.includes(':'));
  return [host];
}

/** A positive number of seconds (a timer needs one), or a usage error naming the option. */
function secondsOption(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new TlslabError('TLSLAB_ERR_USAGE', `${name} needs a positive number of seconds, got ${String(value)}`);
  return value;
}
