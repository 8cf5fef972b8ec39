// What a recording holds of connections that are not intercepted TLS tunnels, as docs/record-replay.md says: a tunnel
// that carries no TLS (relayed raw) is kept with its bytes — both legs, their SYNs marked "(not TLS)" — and its facts;
// a plain-HTTP request and a WebSocket relay are kept as facts — their opening, HTTP exchange, errors and close, so
// `tlslab open` lists them as they were — without their bytes; an `--ignore-host` tunnel is not in the recording at all.
// Real sockets on 127.0.0.1, tshark.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { TlslabEvent } from '../../src/events/schema';
import { CaptureReader } from '../../src/pcap';
import { openCapture, type OpenedCapture } from '../../src/replay/open-capture';
import { decodeFact, TLSLAB_PEN } from '../../src/record/record-format';
import { tempDir } from '../helpers/capture-tools';
import { listenLocal, type Listening } from '../helpers/listen';
import { parseReply, rawExchange, startFrontOrigin, upgradeRequest, type FrontOrigin } from '../helpers/proxy-front';
import { comparable, tsharkStreams } from '../helpers/record-tools';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(60_000);

describeWithTools(['tshark'], 'a recording of connections that are not intercepted TLS tunnels', () => {
  let tmp: ReturnType<typeof tempDir>;
  let app: TestTlslab;
  let origin: FrontOrigin;
  let echo: Listening;
  let record: string;
  /** The facts of the recording: the events it keeps, in file order. */
  let facts: TlslabEvent['type'][];
  let factEvents: { type: string; conn: string; via?: string; target?: { host: string; port: number }; status?: number }[];

  beforeAll(async () => {
    tmp = tempDir('tlslab-record-kinds-');
    record = path.join(tmp.dir, 'kinds.pcapng');
    origin = await startFrontOrigin();
    // A TCP echo server: the far end of the raw and the ignored tunnels.
    echo = await listenLocal(net.createServer((s) => s.pipe(s)));
    app = await startTestTlslab({ record, ignoreHosts: ['localhost'] });
    const raw = await rawExchange(app.proxyPort, `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\n\r\nhello, not TLS\n`, { end: true });
    expect(raw.text).toContain('hello, not TLS');
    const plain = parseReply((await rawExchange(app.proxyPort, `GET http://127.0.0.1:${origin.port}/plain HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nConnection: close\r\n\r\n`)).text);
    expect([plain.status, plain.body]).toEqual([200, 'hello /plain\n']);
    const ws = await rawExchange(app.proxyPort, upgradeRequest(`ws://127.0.0.1:${origin.port}/ws`, `127.0.0.1:${origin.port}`), { end: true, waitMs: 2000 });
    expect(parseReply(ws.text).status).toBe(101);
    const ignored = await rawExchange(app.proxyPort, `CONNECT localhost:${echo.port} HTTP/1.1\r\nHost: localhost:${echo.port}\r\n\r\nignored bytes\n`, { end: true });
    expect(ignored.text).toContain('ignored bytes');
    expect(app.ignoredTunnels()).toBe(1);
    for (let i = 0; i < 100 && (app.bus.summaries().length < 3 || app.bus.summaries().some((s) => s.closedAt === null)); i++) await new Promise((r) => setTimeout(r, 50));
    await app.close();
    const reader = new CaptureReader();
    const items = [...reader.push(fs.readFileSync(record)), ...reader.end()];
    expect(reader.fatal).toBeNull();
    factEvents = [];
    for (const i of items) {
      const f = i.kind === 'custom' && i.pen === TLSLAB_PEN ? decodeFact(i.data) : null;
      if (f?.tlslab === 'event') factEvents.push(f.event);
    }
    facts = factEvents.map((e) => e.type as TlslabEvent['type']);
  });

  afterAll(async () => {
    await origin?.close();
    await echo?.close();
    tmp?.cleanup();
  });

  it('keeps each one as facts: its opening, its HTTP exchange, its errors and its close', () => {
    const opened = app.events.filter((e): e is Extract<TlslabEvent, { type: 'conn:open' }> => e.type === 'conn:open');
    expect(opened.map((e) => [e.via, `${e.target.host}:${e.target.port}`]).sort()).toEqual([
      ['connect', `127.0.0.1:${echo.port}`], ['http', `127.0.0.1:${origin.port}`], ['websocket', `127.0.0.1:${origin.port}`],
    ].sort());
    const byConn = (via: string): string[] => {
      const conn = factEvents.find((e) => e.type === 'conn:open' && e.via === via)?.conn;
      return factEvents.filter((e) => e.conn === conn).map((e) => (e.type === 'http:response' ? `${e.type} ${e.status}` : e.type));
    };
    expect(byConn('connect')).toEqual(['conn:open', 'conn:error', 'conn:close']);
    expect(byConn('http')).toEqual(['conn:open', 'http:request', 'http:response 200', 'conn:close']);
    expect(byConn('websocket')).toEqual(['conn:open', 'http:request', 'conn:upstream', 'http:response 101', 'conn:close']);
    expect(facts.filter((t) => t === 'conn:open')).toHaveLength(3);
  });

  it('holds the raw tunnel\'s bytes on both legs, marked as not TLS; none of the others, nothing of the ignored tunnel', async () => {
    const streams = [...(await tsharkStreams(record)).values()];
    const conn = factEvents.find((e) => e.type === 'conn:open' && e.via === 'connect')?.conn ?? '?';
    expect(streams.map((s) => s.comment?.replace(/: .*/, '')).sort()).toEqual([`tlslab ${conn} client leg (not TLS)`, `tlslab ${conn} upstream leg (not TLS)`]);
    // The upstream leg ends at the echo server; the client leg starts with its CONNECT exchange.
    expect(streams.some((s) => s.ports[1] === echo.port)).toBe(true);
    const payload = await run('tshark', ['-r', record, '-Y', 'tcp.len > 0', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.payload'], { timeoutMs: 60_000 });
    expect(payload.code).toBe(0);
    const text = (s: string): string => Buffer.from(s.replace(/:/g, ''), 'hex').toString('latin1');
    const perStream = new Map<string, string>();
    for (const line of payload.stdout.trim().split('\n')) {
      const [id, hex] = line.split('\t');
      perStream.set(id, (perStream.get(id) ?? '') + text(hex ?? ''));
    }
    const all = [...perStream.values()];
    // Sent once by the client and echoed once by the server, on each leg.
    expect(all.map((t) => t.split('hello, not TLS\n').length - 1).sort()).toEqual([2, 2]);
    expect(all.filter((t) => t.startsWith(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1`))).toHaveLength(1);
    expect(factEvents.some((e) => e.target?.host === 'localhost')).toBe(false);
    expect(fs.readFileSync(record).includes('ignored bytes')).toBe(false);
  });

  it('opens in tlslab open with the same connections as the live session', async () => {
    let opened: OpenedCapture | null = null;
    try {
      opened = await openCapture({ file: record, uiPort: 0 });
      await opened.player.finished;
      expect(opened.player.state()).toMatchObject({ done: true, error: null });
      expect(opened.bus.summaries().map(comparable)).toEqual(app.bus.summaries().map(comparable));
    } finally {
      await opened?.close();
    }
  });
});
