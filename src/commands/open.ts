// `tlslab open FILE [--keylog F] [--ui-port N] [--play all|real|step]`: the dashboard for a capture, offline, no proxy.
// I/O: the terminal (the address, problems found in the file); the work is src/replay/open-capture.ts.
import type { Argv, CommandModule } from 'yargs';
import { createLogger } from '../log';
import { TlslabError } from '../errors';
import { openCapture } from '../replay/open-capture';
import { PLAY_MODES, type PlayMode } from '../replay/player';
import { untilSignal } from './until-signal';

interface OpenArgs {
  file: string;
  keylog?: string;
  'ui-port': number;
  'ui-host'?: string;
  token?: string;
  play: PlayMode;
  speed: number;
  history: number;
  'log-level': string;
}

export const openCommand: CommandModule<object, OpenArgs> = {
  command: 'open <file>',
  describe: 'Show a capture (a tlslab --record file, or any pcap/pcapng with its keys) on the dashboard, offline: no proxy runs',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'pcap or pcapng: a `tlslab start --record` file, or a browser/tcpdump capture' })
      .option('keylog', { type: 'string', describe: 'NSS key log (SSLKEYLOGFILE format) to decrypt with, besides the keys inside the file' })
      .option('ui-port', { type: 'number', default: 8081, describe: 'Dashboard port; 0 picks a free one' })
      .option('ui-host', { type: 'string', default: '127.0.0.1', describe: 'Dashboard address; beyond loopback a token is required (one is made if none is given)' })
      .option('token', { type: 'string', describe: 'Dashboard access token' })
      .option('play', {
        type: 'string',
        choices: PLAY_MODES as PlayMode[],
        default: 'all',
        describe: 'all: everything at once; real: as fast as it happened (pauses over 2 s shortened); step: one step of the story per click on the dashboard',
      })
      .option('speed', { type: 'number', default: 1, describe: 'With --play real: how many times faster than it happened' })
      .option('history', { type: 'number', default: 50000, describe: 'Events kept for the dashboard' })
      .option('log-level', { type: 'string', default: 'warn', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], describe: 'Log detail (logs go to stderr)' })
      .example('$0 open lesson.pcapng', 'the recorded session, as it was, at http://127.0.0.1:8081/')
      .example('$0 open lesson.pcapng --play step', 'walk a class through it one step at a time')
      .example('$0 open browser.pcapng --keylog sslkeys.log', "a browser's own capture with its SSLKEYLOGFILE") as unknown as Argv<OpenArgs>,
  handler: async (args) => {
    if (!(Number.isFinite(args.speed) && args.speed > 0 && args.speed <= 1000)) throw new TlslabError('TLSLAB_ERR_USAGE', `--speed needs a number between 0 and 1000, got ${String(args.speed)}`);
    const log = createLogger({ level: args['log-level'] });
    const opened = await openCapture({
      file: args.file,
      keylog: args.keylog,
      uiHost: args['ui-host'],
      uiPort: args['ui-port'],
      token: args.token,
      mode: args.play,
      speed: args.speed,
      history: args.history,
      log,
      onFileError: (e) => process.stderr.write(`tlslab: ${args.file}: ${e.message} at byte ${e.offset} [${e.code}]; the connections before it are shown\n`),
    });
    const how = args.play === 'all' ? 'everything at once' : args.play === 'real' ? `as it happened${args.speed !== 1 ? ` (×${args.speed})` : ''}` : 'one step per click';
    process.stdout.write([
      '',
      `  tlslab is showing ${args.file} (${how}; no proxy is running).`,
      '',
      `  Dashboard   ${opened.loginUrl}${opened.token ? '  ← yours alone: the link carries the access token' : ''}`,
      '  Playback    the controls at the top of the dashboard (or POST /api/replay)',
      '',
      '  Ctrl-C to stop.',
      '',
    ].join('\n'));
    void opened.player.finished.then(() => {
      const s = opened.player.state();
      if (s.error) process.stderr.write(`tlslab: reading ${args.file} stopped: ${s.error}\n`);
      else process.stdout.write(`  Read ${s.counts.packets} packets: ${s.counts.recorded} recorded connections, ${s.counts.single} single connections, ${s.counts.keyLogLines} key-log lines.\n`);
    });
    await untilSignal(() => opened.close());
  },
};
