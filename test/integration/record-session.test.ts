// A session of curl, openssl and Chromium through tlslab with --record and --keylog (TLS 1.3 and 1.2, an expired lab
// origin behind a teaching page, a client leg that refuses tlslab's CA), then: tshark decrypts both legs of the
// recording with no options and agrees with tlslab; `tlslab open` shows the same connections, verdicts and steps; the
// key log decrypts a separate capture of the same traffic, which opens as single connections.
import fs from 'node:fs';
import path from 'node:path';
import type { TlslabEvent } from '../../src/events/schema';
import { openCapture, type OpenedCapture } from '../../src/replay/open-capture';
import { parseLegComment } from '../../src/record/record-format';
import { run, startCapture, tempDir } from '../helpers/capture-tools';
import { launchChromium, makeNssHome, visit } from '../helpers/chromium-proxy';
import { comparable, steps, tlslabLeg, tsharkStreams, type StreamView } from '../helpers/record-tools';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(120_000);

describeWithTools(['tshark', 'dumpcap', 'curl', 'openssl', 'certutil', 'chromium'], 'a recorded session', () => {
  let tmp: ReturnType<typeof tempDir>;
  let app: TestTlslab;
  let record: string;
  let keylog: string;
  let sniffed: string;
  let live: TlslabEvent[];
  const labPorts: number[] = [];

  beforeAll(async () => {
    tmp = tempDir('tlslab-record-');
    record = path.join(tmp.dir, 'session.pcapng');
    keylog = path.join(tmp.dir, 'keys.log');
    sniffed = path.join(tmp.dir, 'tcpdump.pcapng');
    app = await startTestTlslab({ lab: true, record, keylog });
    for (const c of app.lab?.cases ?? []) if (['valid', 'tls12-only', 'expired'].includes(c.name)) labPorts.push(c.port);
    const cap = await startCapture([app.proxyPort, ...labPorts], sniffed);
    const curl = (args: string[]) => run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', app.caFile, '-x', app.proxyUrl, ...args]);
    expect((await curl(['https://valid.lab.tlslab/hello'])).stdout).toBe('200');
    expect((await curl(['--tls-max', '1.2', 'https://tls12-only.lab.tlslab/'])).stdout).toBe('200');
    expect((await curl(['https://expired.lab.tlslab/'])).stdout).toBe('502'); // the teaching page
    // openssl does not trust tlslab's CA: it refuses the client leg with unknown_ca.
    const o = await run('openssl', ['s_client', '-proxy', `127.0.0.1:${app.proxyPort}`, '-connect', 'valid.lab.tlslab:443', '-servername', 'valid.lab.tlslab', '-verify_return_error'], { input: '' });
    expect(o.code).not.toBe(0);
    const home = makeNssHome([{ nick: 'tlslab', pem: fs.readFileSync(app.caFile, 'utf8') }]);
    try {
      const browser = await launchChromium(home, { proxyUrl: app.proxyUrl });
      try {
        expect(await visit(browser, 'https://valid.lab.tlslab/chromium')).toMatchObject({ error: null, status: 200 });
        expect(await visit(browser, 'https://expired.lab.tlslab/')).toMatchObject({ error: null, status: 502 });
      } finally {
        await browser.close();
      }
    } finally {
      home.remove();
    }
    // Chromium resets its sockets when it closes: wait until every connection has ended, then stop.
    for (let i = 0; i < 100 && app.bus.summaries().some((s) => s.closedAt === null); i++) await new Promise((r) => setTimeout(r, 100));
    await cap.stop();
    await app.close();
    live = app.events;
  });

  afterAll(() => tmp?.cleanup());

  it('wrote the recording and the key log as private files, with every connection', () => {
    for (const f of [record, keylog]) expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    const stats = app.recording?.();
    expect(stats).toMatchObject({ file: record, droppedBlocks: 0, lostBytes: 0, legsWithoutAddresses: 0, error: null });
    expect(stats?.connections).toBe(app.bus.summaries().length);
    expect(app.bus.summaries().every((s) => s.closedAt !== null)).toBe(true);
    const lines = fs.readFileSync(keylog, 'utf8').trim().split('\n');
    expect(lines.every((l) => /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/.test(l))).toBe(true);
    const keyEvents = live.filter((e) => e.type === 'tls:keys').reduce((n, e) => n + (e.type === 'tls:keys' ? e.labels.length : 0), 0);
    expect(lines.length).toBe(keyEvents);
  });

  it('tshark decrypts both legs of the recording with no options, and its fields agree with tlslab', async () => {
    const streams = await tsharkStreams(record);
    const legs = [...streams.values()].filter((s) => s.comment !== null);
    // Every leg that carried TLS bytes is in the file, named by its SYN's comment.
    const expected = new Set(live.filter((e) => e.type === 'tls:record').map((e) => (e.type === 'tls:record' ? `${e.conn}/${e.leg}` : '')));
    const named = new Map(legs.map((s) => {
      const n = parseLegComment(s.comment as string);
      return [`${n?.conn}/${n?.leg}`, s] as [string, StreamView];
    }));
    expect([...expected].filter((k) => !named.has(k))).toEqual([]);
    for (const [key, t] of named) {
      const [conn, leg] = key.split('/') as [string, 'client' | 'upstream'];
      const ours = tlslabLeg(live, conn, leg);
      expect({ key, suite: t.suite, client: t.client, server: t.server }).toEqual({ key, suite: ours.suite, client: ours.client, server: ours.server });
    }
    // Decrypted: tshark reads the HTTP/1.1 requests on curl's client legs and on the upstream legs.
    const requests = live.filter((e): e is Extract<TlslabEvent, { type: 'http:request' }> => e.type === 'http:request' && e.httpVersion === '1.1');
    for (const r of requests) expect(named.get(`${r.conn}/client`)?.requests).toContain(r.url);
    expect(named.get(`${requests[0]?.conn}/upstream`)?.requests).toEqual(['/hello']);
    expect(named.get(`${requests[0]?.conn}/upstream`)?.statuses).toEqual([200]);
  });

  it('tlslab open shows the same connections, verdicts and steps as the live session', async () => {
    let opened: OpenedCapture | null = null;
    try {
      opened = await openCapture({ file: record, uiPort: 0 });
      await opened.player.finished;
      const state = opened.player.state();
      expect(state).toMatchObject({ done: true, error: null, source: { errors: [] } });
      expect(state.counts.single).toBe(0);
      const replay = opened.bus.summaries().map(comparable);
      expect(replay).toEqual(app.bus.summaries().map(comparable));
      const bus = opened.bus;
      const replayed = bus.summaries().flatMap((x) => bus.eventsFor(x.id));
      for (const s of app.bus.summaries()) {
        const a = steps(live, s.id);
        const b = steps(replayed, s.id);
        expect({ id: s.id, ...b }).toEqual({ id: s.id, ...a });
      }
      // The dashboard server answers for the replay as for a live session.
      const list = (await (await fetch(`${opened.url}api/connections`)).json()) as unknown[];
      expect(list).toHaveLength(app.bus.summaries().length);
    } finally {
      await opened?.close();
    }
  });

  it('the key log decrypts a separate capture of the same traffic, which opens as single connections', async () => {
    const ours = await tsharkStreams(record);
    const byPorts = new Map([...ours.values()].filter((s) => s.comment).map((s) => [s.ports.join('>'), s]));
    // A client leg opens with its CONNECT exchange, on the wire and in the recording alike (which keeps its request line).
    const tlsOnly = (v: StreamView): StreamView => ({ ...v, requests: v.requests.filter((r) => !/^[^/]+:\d+$/.test(r)) });
    const theirs = [...(await tsharkStreams(sniffed, ['-o', `tls.keylog_file:${keylog}`])).values()].filter((s) => byPorts.has(s.ports.join('>')));
    // Every leg of the recording was on the wire, and the key log decrypts each one just as the recording's own keys do.
    expect(theirs.length).toBe(byPorts.size);
    const ok = new Set(app.bus.summaries().filter((x) => x.status === 'ok').map((x) => x.id));
    const prefix = (wire: number[], rec: number[]): number[] => wire.slice(0, rec.length);
    for (const t of theirs) {
      const r = byPorts.get(t.ports.join('>')) as StreamView;
      const named = parseLegComment(r.comment as string);
      if (named && ok.has(named.conn)) {
        expect({ ports: t.ports, suite: t.suite, client: t.client, server: t.server, requests: t.requests }).toEqual({ ports: r.ports, suite: r.suite, client: r.client, server: r.server, requests: r.requests });
        continue;
      }
      // A connection that failed: once tlslab hung up on one side, what that side still sent (session tickets, a
      // close_notify) reached the wire but not tlslab. The recording holds what tlslab read: a prefix of the wire.
      for (const side of ['client', 'server'] as const) {
        expect([r.comment, side, prefix(t[side].handshakes, r[side].handshakes), prefix(t[side].alerts, r[side].alerts)]).toEqual([r.comment, side, r[side].handshakes, r[side].alerts]);
      }
      expect({ suite: t.suite, requests: t.requests }).toEqual({ suite: r.suite, requests: r.requests });
    }
    // Without the key log, tshark sees no decrypted request in that capture.
    const blind = [...(await tsharkStreams(sniffed)).values()].map(tlsOnly).flatMap((s) => s.requests);
    expect(blind).toEqual([]);
    let opened: OpenedCapture | null = null;
    try {
      opened = await openCapture({ file: sniffed, keylog, uiPort: 0 });
      await opened.player.finished;
      const summaries = opened.bus.summaries().filter((s) => byPorts.has(`${s.client.port}>${s.target.port}`) || [...byPorts.keys()].some((k) => k.startsWith(`${s.client.port}>`)));
      expect(summaries.length).toBe(byPorts.size);
      expect(opened.player.state().counts.recorded).toBe(0);
      for (const s of summaries) {
        // A single connection is drawn on the upstream lane; its TLS decrypts with the key log.
        expect(s.legs.client.version).toBeNull();
        expect(s.legs.upstream.version).not.toBeNull();
      }
      const bus = opened.bus;
      const requests = bus.summaries().flatMap((x) => bus.eventsFor(x.id)).filter((e) => e.type === 'http:request').length;
      expect(requests).toBeGreaterThanOrEqual(live.filter((e) => e.type === 'http:request').length);
    } finally {
      await opened?.close();
    }
  });
});
