// `tlslab open` on a recording: a cut or corrupt file names the byte offset of the fault and still opens every intact
// connection before it; playback step by step (each step ends on a step of the story), at real speed, paused, all at
// once, through /api/replay; the CLI's refusals and its warning line.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { TlslabEvent } from '../../src/events/schema';
import { CaptureReader, type PcapError } from '../../src/pcap';
import { decodeFact, TLSLAB_PEN } from '../../src/record/record-format';
import { openCapture, type OpenedCapture } from '../../src/replay/open-capture';
import { requireBuilt, tlslab } from '../helpers/cli';
import { run, tempDir } from '../helpers/capture-tools';
import { comparable } from '../helpers/record-tools';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(60_000);

/** The byte offset of the Custom Block holding `conn`'s conn:open fact. */
function openFactOffset(file: Uint8Array, conn: string): number {
  const r = new CaptureReader();
  for (const item of [...r.push(file), ...r.end()]) {
    if (item.kind !== 'custom' || item.pen !== TLSLAB_PEN) continue;
    const f = decodeFact(item.data);
    if (f?.tlslab === 'event' && f.event.type === 'conn:open' && f.event.conn === conn) return item.offset;
  }
  throw new Error(`no conn:open fact for ${conn}`);
}

/** The offset of the first packet block after `from`. */
function packetAfter(file: Uint8Array, from: number): number {
  const r = new CaptureReader();
  for (const item of [...r.push(file), ...r.end()]) if (item.kind === 'packet' && item.packet.offset > from) return item.packet.offset;
  throw new Error('no packet');
}

async function replay(file: string, opts: Partial<Parameters<typeof openCapture>[0]> = {}): Promise<{ opened: OpenedCapture; errors: PcapError[] }> {
  const errors: PcapError[] = [];
  const opened = await openCapture({ file, uiPort: 0, onFileError: (e) => errors.push(e), ...opts });
  return { opened, errors };
}

describeWithTools(['curl'], 'tlslab open', () => {
  let tmp: ReturnType<typeof tempDir>;
  let app: TestTlslab;
  let record: string;
  let bytes: Buffer;

  beforeAll(async () => {
    tmp = tempDir('tlslab-open-');
    record = path.join(tmp.dir, 'session.pcapng');
    app = await startTestTlslab({ lab: true, record });
    for (const name of ['valid', 'expired', 'tls12-only', 'valid']) {
      await run('curl', ['-sS', '-o', '/dev/null', '--cacert', app.caFile, '-x', app.proxyUrl, `https://${name}.lab.tlslab/`]);
    }
    for (let i = 0; i < 100 && app.bus.summaries().some((s) => s.closedAt === null); i++) await new Promise((r) => setTimeout(r, 50));
    await app.close();
    bytes = fs.readFileSync(record);
  });

  afterAll(() => tmp?.cleanup());

  const live = (ids: string[]) => app.bus.summaries().filter((s) => ids.includes(s.id)).map(comparable);

  it('a cut file: the error names the offset, the connections before it open as they were', async () => {
    const at = openFactOffset(bytes, 'c3');
    const cut = path.join(tmp.dir, 'cut.pcapng');
    fs.writeFileSync(cut, bytes.subarray(0, at + 10));
    const { opened, errors } = await replay(cut);
    try {
      await opened.player.finished;
      expect(errors).toEqual([expect.objectContaining({ code: 'TLSLAB_ERR_PCAP_TRUNCATED', offset: at })]);
      expect(opened.player.state().source.errors).toEqual(errors);
      expect(opened.bus.summaries().map(comparable)).toEqual(live(['c1', 'c2']));
    } finally {
      await opened.close();
    }
  });

  it('a corrupt block: the error names its offset, the connections before it open, the one it cut stays open', async () => {
    const at = packetAfter(bytes, openFactOffset(bytes, 'c3'));
    const bad = Buffer.from(bytes);
    bad.writeUInt32LE(0xfffffff0, at + 4); // an impossible block length
    const file = path.join(tmp.dir, 'corrupt.pcapng');
    fs.writeFileSync(file, bad);
    const { opened, errors } = await replay(file);
    try {
      await opened.player.finished;
      expect(errors).toEqual([expect.objectContaining({ code: 'TLSLAB_ERR_PCAP_BAD_BLOCK', offset: at })]);
      const got = opened.bus.summaries();
      expect(got.filter((s) => s.id !== 'c3').map(comparable)).toEqual(live(['c1', 'c2']));
      expect(got.find((s) => s.id === 'c3')).toMatchObject({ status: 'open', closedAt: null, target: { host: 'tls12-only.lab.tlslab' } });
    } finally {
      await opened.close();
    }
  });

  it('plays step by step, at real speed, paused and all at once through /api/replay', async () => {
    const { opened } = await replay(record, { mode: 'step' });
    const emitted: TlslabEvent[] = [];
    opened.bus.subscribe((e) => emitted.push(e));
    const post = async (body: unknown, type = 'application/json') => fetch(`${opened.url}api/replay`, { method: 'POST', headers: { 'Content-Type': type }, body: JSON.stringify(body) });
    const state = async () => (await (await fetch(`${opened.url}api/replay`)).json()) as { played: number; done: boolean; paused: boolean; mode: string };
    const settle = async (): Promise<void> => {
      // The player stops after a step on its own; wait until it has (a few turns of the event loop).
      for (let i = 0, last = -1; i < 50; i++) {
        const n = (await state()).played;
        if (n === last) return;
        last = n;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await settle();
      expect((await state()).played).toBe(0);
      const stops = new Set(['conn:open', 'tls:handshake', 'tls:ccs', 'tls:alert', 'tls:appdata', 'tls:undecryptable', 'tls:decode-error', 'tls:verdict', 'tls:client-outcome', 'http:request', 'http:response', 'conn:error', 'conn:close']);
      for (let i = 0; i < 6; i++) {
        const before = emitted.length;
        expect((await post({ action: 'step' })).status).toBe(200);
        await settle();
        const step = emitted.slice(before);
        // A step: zero or more events that are not steps of the story, then one that is.
        expect(step.length).toBeGreaterThan(0);
        expect(step.slice(0, -1).filter((e) => stops.has(e.type))).toEqual([]);
        expect(stops.has((step.at(-1) as TlslabEvent).type)).toBe(true);
      }
      expect(emitted[0]).toMatchObject({ type: 'conn:open', conn: 'c1' });
      expect((await post({ action: 'pause' })).status).toBe(200);
      expect(await state()).toMatchObject({ paused: true });
      expect((await post({ action: 'fly' })).status).toBe(400);
      expect((await post({ action: 'all' }, 'text/plain')).status).toBe(415);
      expect((await post({ action: 'play', speed: 1000 })).status).toBe(200);
      expect(await state()).toMatchObject({ mode: 'real', paused: false });
      expect((await post({ action: 'all' })).status).toBe(200);
      await opened.player.finished;
      expect(await state()).toMatchObject({ done: true });
      // Events carry the recorded times, in order, whatever the speed they were played at.
      expect(emitted.every((e, i) => i === 0 || e.t >= (emitted[i - 1]).t)).toBe(true);
      expect(opened.bus.summaries().map(comparable)).toEqual(app.bus.summaries().map(comparable));
    } finally {
      await opened.close();
    }
  });

  describe('the command line', () => {
    beforeAll(() => requireBuilt(), 180_000);

    it('refuses a file that is no capture, or none at all, in one line naming it', async () => {
      const text = path.join(tmp.dir, 'notes.txt');
      fs.writeFileSync(text, 'not a capture at all\n');
      const a = await tlslab(['open', text, '--ui-port', '0']);
      expect(a.code).toBe(1);
      expect(a.stderr).toBe(`tlslab: ${text} is not a readable capture: The file is neither pcap nor pcapng (unknown magic number) [TLSLAB_ERR_CAPTURE_FILE]\n`);
      const b = await tlslab(['open', path.join(tmp.dir, 'missing.pcapng'), '--ui-port', '0']);
      expect(b.code).toBe(1);
      expect(b.stderr).toMatch(/^tlslab: cannot read capture file .*missing\.pcapng: ENOENT \[TLSLAB_ERR_CAPTURE_FILE\]\n$/);
    });

    it('serves a cut file and says where it ends, on one line', async () => {
      const cut = path.join(tmp.dir, 'cut-cli.pcapng');
      const at = openFactOffset(bytes, 'c2');
      fs.writeFileSync(cut, bytes.subarray(0, at + 5));
      const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'tlslab.js'), 'open', cut, '--ui-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      try {
        for (let i = 0; i < 100 && !(out.includes('Read ') && err.includes('\n')); i++) await new Promise((r) => setTimeout(r, 50));
        expect(err).toBe(`tlslab: ${cut}: The file ends in the middle of a header, block or packet: block header at byte ${at} [TLSLAB_ERR_PCAP_TRUNCATED]; the connections before it are shown\n`);
        const url = /Dashboard {3}(http:\/\/\S+)/.exec(out)?.[1];
        const list = (await (await fetch(`${url}api/connections`)).json()) as { id: string }[];
        expect(list.map((s) => s.id)).toEqual(['c1']);
      } finally {
        child.kill('SIGTERM');
      }
    });
  });
});
