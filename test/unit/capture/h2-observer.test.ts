// The HTTP/2 observer on REAL bytes: a Node http2 client ↔ h2c server conversation recorded through a tee, replayed split every way.
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { H2Observer, type H2HttpDraft } from '../../../src/capture/h2-observer';

interface Recording {
  client: Buffer;
  server: Buffer;
}

const BIG = 70000; // > 4 DATA frames at the default 16 KiB max frame size
const POST_BODY = Buffer.alloc(20000, 0x61);
const A_LEN = 'got 0 for /a'.length;
const SUBMIT_LEN = `got ${POST_BODY.length} for /submit`.length;

/** Runs four requests on one h2c connection through a byte-recording tee; returns what each side sent. */
async function record(padded: boolean): Promise<Recording> {
  const paddingStrategy = padded ? http2.constants.PADDING_STRATEGY_MAX : http2.constants.PADDING_STRATEGY_NONE;
  const server = http2.createServer({ paddingStrategy });
  server.on('stream', (stream, headers) => {
    const path = headers[':path'];
    let got = 0;
    stream.on('data', (c: Buffer) => (got += c.length));
    stream.on('end', () => {
      if (path === '/empty') stream.respond({ ':status': 204 }, { endStream: true });
      else if (path === '/big') {
        stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'set-cookie': 'sid=s3cret' });
        stream.end(Buffer.alloc(BIG, 0x62));
      } else {
        stream.respond({ ':status': path === '/submit' ? 201 : 200, 'content-type': 'text/plain' });
        stream.end(`got ${got} for ${String(path)}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client: Buffer[] = [];
  const fromServer: Buffer[] = [];
  const tee = net.createServer((down) => {
    const up = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    down.on('data', (c) => { client.push(Buffer.from(c)); up.write(c); });
    up.on('data', (c) => { fromServer.push(Buffer.from(c)); down.write(c); });
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  });
  await new Promise<void>((r) => tee.listen(0, '127.0.0.1', r));
  const session = http2.connect(`http://127.0.0.1:${(tee.address() as AddressInfo).port}`, { paddingStrategy });
  const ask = (headers: http2.OutgoingHttpHeaders, body?: Buffer, options: http2.ClientSessionRequestOptions = {}): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = session.request(headers, options);
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => resolve(n));
      req.on('error', reject);
      req.end(body);
    });
  try {
    expect(await ask({ ':path': '/a', cookie: 'secret=1', authorization: 'Bearer t0k', 'x-plain': 'visible' })).toBe(A_LEN);
    expect(await ask({ ':method': 'POST', ':path': '/submit', 'content-type': 'text/plain' }, POST_BODY, { weight: 200 })).toBe(SUBMIT_LEN);
    expect(await ask({ ':path': '/big' })).toBe(BIG);
    expect(await ask({ ':path': '/empty' })).toBe(0);
  } finally {
    await new Promise<void>((r) => session.close(() => r()));
    await new Promise<void>((r) => tee.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  }
  return { client: Buffer.concat(client), server: Buffer.concat(fromServer) };
}

function observe(rec: Recording, size: number): { events: H2HttpDraft[]; observer: H2Observer } {
  const events: H2HttpDraft[] = [];
  const observer = new H2Observer((e) => events.push(e));
  for (let i = 0; i < rec.client.length; i += size) observer.fromClient(rec.client.subarray(i, i + size));
  for (let i = 0; i < rec.server.length; i += size) observer.fromServer(rec.server.subarray(i, i + size));
  return { events, observer };
}

/** Frame types and flags present in a recording (independent walk, to prove the bytes exercise padding/priority). */
function frameKinds(b: Buffer, preface: boolean): Set<string> {
  const kinds = new Set<string>();
  for (let i = preface ? 24 : 0; i + 9 <= b.length; i += 9 + b.readUIntBE(i, 3)) kinds.add(`${b[i + 3]}/${b[i + 4]}`);
  return kinds;
}

const summary = (events: H2HttpDraft[]): string[] =>
  events.map((e) => (e.type === 'http:request' ? `req ${e.id}/${e.stream} ${e.method} ${e.url} ${e.httpVersion}` : `resp ${e.id}/${e.stream} ${e.status} ${e.bodyBytes}`));

describe.each([[false], [true]])('H2Observer on a recorded Node http2 conversation (padded: %s)', (padded) => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await record(padded);
  });

  it('the recording holds what the test claims: several DATA frames, and padding when asked', () => {
    expect(rec.client.subarray(0, 24).toString('latin1')).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const server = frameKinds(rec.server, false);
    const client = frameKinds(rec.client, true);
    if (padded) {
      expect([...server].some((k) => /^0\/(8|9)$/.test(k))).toBe(true); // DATA with PADDED
      expect([...client].some((k) => k.startsWith('1/') && (Number(k.split('/')[1]) & 0x8) !== 0)).toBe(true); // HEADERS PADDED
    }
    expect([...client].some((k) => k.startsWith('1/') && (Number(k.split('/')[1]) & 0x20) !== 0)).toBe(true); // HEADERS PRIORITY
  });

  it.each(Array.from({ length: 50 }, (_, i) => [i + 1]))('the same requests and responses come out when bytes arrive %i at a time', (size) => {
    const { events, observer } = observe(rec, size);
    const authority = `127.0.0.1:`;
    // Requests numbered from 1 as on HTTP/1 (docs/events.md), the stream id beside; the target as sent (:path).
    expect(summary(events)).toEqual([
      'req 1/1 GET /a 2',
      'req 2/3 POST /submit 2',
      'req 3/5 GET /big 2',
      'req 4/7 GET /empty 2',
      `resp 1/1 200 ${A_LEN}`,
      `resp 2/3 201 ${SUBMIT_LEN}`,
      `resp 3/5 200 ${BIG}`,
      'resp 4/7 204 0',
    ]);
    const first = events[0];
    if (first?.type !== 'http:request') throw new Error('no request');
    // The pseudo-headers stay, first and as sent: the authority is there.
    expect(first.headers.slice(0, 4).map(([n]) => n).sort()).toEqual([':authority', ':method', ':path', ':scheme']);
    expect(first.headers.find(([n]) => n === ':authority')?.[1]).toContain(authority);
    expect(first.headers).toContainEqual(['cookie', '[redacted]']);
    expect(first.headers).toContainEqual(['authorization', '[redacted]']);
    expect(first.headers).toContainEqual(['x-plain', 'visible']);
    const big = events.find((e) => e.type === 'http:response' && e.id === 3);
    expect(big?.type === 'http:response' && big.headers).toContainEqual(['set-cookie', '[redacted]']);
    expect(observer.observing).toEqual({ client: true, server: true });
  });
});

describe('H2Observer on malformed input', () => {
  it('a client that does not send the preface is not observed; nothing throws', () => {
    const events: H2HttpDraft[] = [];
    const o = new H2Observer((e) => events.push(e));
    expect(() => o.fromClient(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).not.toThrow();
    expect(events).toEqual([]);
    expect(o.observing.client).toBe(false);
  });

  it('an oversized frame, a bad HPACK block or an interrupted header block stop that direction only', () => {
    const frame = (len: number, type: number, flags: number, stream: number, payload = Buffer.alloc(0)): Buffer => {
      const h = Buffer.alloc(9);
      h.writeUIntBE(len, 0, 3);
      h[3] = type;
      h[4] = flags;
      h.writeUInt32BE(stream, 5);
      return Buffer.concat([h, payload]);
    };
    const big = new H2Observer(() => undefined);
    big.fromServer(frame(2 * 1024 * 1024, 0, 0, 1));
    expect(big.observing).toEqual({ client: true, server: false });

    const events: H2HttpDraft[] = [];
    const bad = new H2Observer((e) => events.push(e));
    bad.fromServer(frame(1, 1, 0x5, 1, Buffer.from([0x80]))); // HEADERS with indexed field 0
    expect(bad.observing.server).toBe(false);
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
    bad.fromClient(Buffer.concat([preface, frame(1, 1, 0x5, 1, Buffer.from([0x82]))])); // :method GET, END_HEADERS
    expect(bad.observing.client).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['http:request']);

    const cut = new H2Observer(() => undefined);
    cut.fromServer(Buffer.concat([frame(1, 1, 0, 1, Buffer.from([0x88])), frame(0, 6, 0, 0)])); // HEADERS w/o END_HEADERS, then PING
    expect(cut.observing.server).toBe(false);
  });
});

describe('H2Observer limits', () => {
  const frame = (type: number, flags: number, stream: number, payload: Buffer): Buffer => {
    const h = Buffer.alloc(9);
    h.writeUIntBE(payload.length, 0, 3);
    h[3] = type;
    h[4] = flags;
    h.writeUInt32BE(stream, 5);
    return Buffer.concat([h, payload]);
  };
  const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
  /** SETTINGS with SETTINGS_MAX_FRAME_SIZE (0x5) = n (RFC 9113 §6.5.2). */
  const maxFrameSettings = (n: number): Buffer => {
    const p = Buffer.alloc(6);
    p.writeUInt16BE(0x5, 0);
    p.writeUInt32BE(n, 2);
    return frame(0x4, 0, 0, p);
  };
  const STATUS_200 = Buffer.from([0x88]); // HPACK static index 8: :status 200

  function observe(): { o: H2Observer; events: H2HttpDraft[]; limits: string[] } {
    const events: H2HttpDraft[] = [];
    const limits: string[] = [];
    const o = new H2Observer((e) => events.push(e), (from, what) => limits.push(`${from}: ${what}`));
    return { o, events, limits };
  }

  it('holds frames to the receiver SETTINGS_MAX_FRAME_SIZE: 2^14 by default, more once the client raises it', () => {
    const data = frame(0x0, 0x1, 1, Buffer.alloc(20000));
    const strict = observe();
    strict.o.fromClient(PREFACE);
    strict.o.fromServer(Buffer.concat([frame(0x1, 0x4, 1, STATUS_200), data]));
    expect(strict.o.observing.server).toBe(false);
    expect(strict.limits).toEqual([expect.stringMatching(/^server: HTTP\/2 frame of 20000 bytes, larger than the 16384/)]);

    const raised = observe();
    raised.o.fromClient(Buffer.concat([PREFACE, maxFrameSettings(65536)]));
    raised.o.fromServer(Buffer.concat([frame(0x1, 0x4, 1, STATUS_200), data]));
    expect(raised.limits).toEqual([]);
    expect(raised.events).toEqual([expect.objectContaining({ type: 'http:response', status: 200, bodyBytes: 20000 })]);
  });

  it('stops a header block that grows past 256 KiB across CONTINUATION frames, with one report', () => {
    const { o, limits } = observe();
    o.fromClient(Buffer.concat([PREFACE, maxFrameSettings(1 << 20)]));
    o.fromServer(frame(0x1, 0, 1, STATUS_200)); // HEADERS without END_HEADERS
    for (let i = 0; i < 40; i++) o.fromServer(frame(0x9, 0, 1, Buffer.alloc(16384, 0x20))); // CONTINUATION
    expect(o.observing.server).toBe(false);
    expect(limits).toEqual([expect.stringContaining('header block over 256 KiB')]);
  });

  it('skips frames it does not read (GOAWAY, unknown types) whatever their size, and reads what follows', () => {
    const { o, events, limits } = observe();
    o.fromClient(Buffer.concat([PREFACE, maxFrameSettings(1 << 20)]));
    const bytes = Buffer.concat([frame(0x7, 0, 0, Buffer.alloc(500000)), frame(0xfa, 0, 0, Buffer.alloc(300000)), frame(0x1, 0x5, 1, STATUS_200)]);
    for (let i = 0; i < bytes.length; i += 997) o.fromServer(bytes.subarray(i, i + 997));
    expect(limits).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ type: 'http:response', status: 200 })]);
  });
});
