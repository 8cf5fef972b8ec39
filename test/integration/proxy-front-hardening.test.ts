// The proxy front with real sockets: requests that used to end the process (bad ports, odd WebSocket URLs) get a 400
// page and events; WebSocket upgrades are relayed by tlslab and shown; every plain request ends with conn:close.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import WebSocket from 'ws';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { getThroughProxy, parseReply, rawExchange, startFrontOrigin, startRawOrigin, upgradeRequest, type FrontOrigin } from '../helpers/proxy-front';
import type { ConnCloseEvent, ConnErrorEvent, HttpRequestEvent, TlslabEvent } from '../../src/events/schema';
import { TARGET_PROBLEMS, type TargetProblem } from '../../src/proxy/target';

const IDLE_MS = 1500;
let app: TestTlslab;
let origin: FrontOrigin;

beforeAll(async () => {
  origin = await startFrontOrigin();
  app = await startTestTlslab({ timeouts: { plainIdleMs: IDLE_MS } });
});

afterAll(async () => {
  await app?.close();
  await origin?.close();
});

const isRequest = (pred: (url: string) => boolean) => (e: TlslabEvent): e is HttpRequestEvent => e.type === 'http:request' && pred(e.url);
const closeOf = (conn: string) => app.waitFor((e): e is ConnCloseEvent => e.type === 'conn:close' && e.conn === conn);
const errorOf = (conn: string) => app.waitFor((e): e is ConnErrorEvent => e.type === 'conn:error' && e.conn === conn);

/** A good request through the proxy still works: the process is up and serving. */
async function stillServes(): Promise<void> {
  const r = await getThroughProxy(app.proxyPort, `http://127.0.0.1:${origin.port}/alive`);
  expect(r.status).toBe(200);
  expect(r.body).toBe('hello /alive\n');
}

describe('requests that named an impossible target', () => {
  it.each([
    ['port 99999 in the URL', 'GET http://127.0.0.1:99999/p1 HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n\r\n', 'bad-port', '127.0.0.1:99999'],
    ['port 70000 in Host', 'GET /p2 HTTP/1.1\r\nHost: x:70000\r\n\r\n', 'bad-port', 'x:70000'],
    ['port -5', 'GET http://127.0.0.1:-5/p3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'bad-port', '127.0.0.1:-5'],
    ['port 0', 'GET http://127.0.0.1:0/p4 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'bad-port', '127.0.0.1:0'],
    ['a space in Host', 'GET /p5 HTTP/1.1\r\nHost: a b\r\n\r\n', 'bad-host', 'a b'],
    ['no Host (HTTP/1.0)', 'GET /p6 HTTP/1.0\r\n\r\n', 'no-host', ''],
    ['credentials in the URL', 'GET http://user:pw@127.0.0.1/p7 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'userinfo', '[credentials]@127.0.0.1'],
  ])('%s: a 400 page naming the problem, conn:error with a code, conn:close', async (_label, request, problem, shown) => {
    const reply = await rawExchange(app.proxyPort, request);
    const r = parseReply(reply.text);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['x-tlslab-error']).toBe('TLSLAB_ERR_BAD_TARGET');
    expect(r.body).toContain('[TLSLAB_ERR_BAD_TARGET]');
    expect(r.body).not.toContain('pw');
    expect(r.body).toContain(TARGET_PROBLEMS[problem as TargetProblem]);
    if (shown) expect(r.body).toContain(`Asked for: ${shown}`);
    const path = /GET (?:http:\/\/[^/]*)?(\/p\d)/.exec(request)?.[1] as string;
    const req = await app.waitFor(isRequest((u) => u.endsWith(path)));
    const err = await errorOf(req.conn);
    expect(err).toMatchObject({ leg: 'client', code: 'TLSLAB_ERR_BAD_TARGET', cause: 'bad-request' });
    expect((await closeOf(req.conn)).cause).toBe('bad-request');
    await stillServes();
  });

  it.each([
    ['a fragment in the path', upgradeRequest('/w1#x', `127.0.0.1:${1}`), 'bad-path'],
    ['a space in Host', upgradeRequest('/w2', 'a b'), 'bad-host'],
    ['an ftp:// URL', upgradeRequest('ftp://x/w3', 'x'), 'bad-scheme'],
    ['port 99999', upgradeRequest('/w4', 'x:99999'), 'bad-port'],
    ['port 0', upgradeRequest('/w5', 'x:0'), 'bad-port'],
  ])('WebSocket upgrade with %s: a 400 page, events with via websocket, the proxy keeps serving', async (_label, request, problem) => {
    const mark = app.events.length;
    const reply = await rawExchange(app.proxyPort, request);
    const r = parseReply(reply.text);
    expect(r.status).toBe(400);
    expect(r.headers['x-tlslab-error']).toBe('TLSLAB_ERR_BAD_TARGET');
    expect(r.body).toContain(TARGET_PROBLEMS[problem as TargetProblem]);
    const open = await app.waitFor((e) => e.type === 'conn:open' && e.seq > (app.events[mark - 1]?.seq ?? 0) && e.via === 'websocket');
    const err = await errorOf(open.conn);
    expect(err.code).toBe('TLSLAB_ERR_BAD_TARGET');
    expect(err.message).toContain(TARGET_PROBLEMS[problem as TargetProblem]);
    expect((await closeOf(open.conn)).cause).toBe('bad-request');
    await stillServes();
  });

  it('an Upgrade to anything but WebSocket gets a 400 with its own code', async () => {
    const reply = await rawExchange(app.proxyPort, `GET /h2c HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n`);
    expect(parseReply(reply.text).headers['x-tlslab-error']).toBe('TLSLAB_ERR_BAD_UPGRADE');
  });

  it('a request that comes back round (its Via names this tlslab) is refused with 508 instead of looping', async () => {
    const echoed = JSON.parse((await getThroughProxy(app.proxyPort, `http://127.0.0.1:${origin.port}/echo`)).body) as { headers: Record<string, string> };
    expect(echoed.headers.via).toMatch(/^1\.1 tlslab-[0-9a-f]{8}$/);
    const again = await getThroughProxy(app.proxyPort, `http://127.0.0.1:${origin.port}/echo-loop`, { via: echoed.headers.via });
    expect(again.status).toBe(508);
    expect(again.headers['x-tlslab-error']).toBe('TLSLAB_ERR_PROXY_LOOP');
    const req = await app.waitFor(isRequest((u) => u.endsWith('/echo-loop')));
    expect((await closeOf(req.conn)).cause).toBe('bad-request');
  });
});

describe('plain HTTP always ends with conn:close', () => {
  it('absolute form: the server gets the path, Host from the URL, no proxy headers, and a Via', async () => {
    const r = await getThroughProxy(app.proxyPort, `http://127.0.0.1:${origin.port}/echo?a=1`, { 'proxy-authorization': 'Basic eDp5', 'proxy-connection': 'keep-alive' });
    const seen = JSON.parse(r.body) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/echo?a=1');
    expect(seen.headers.host).toBe(`127.0.0.1:${origin.port}`);
    expect(seen.headers['proxy-authorization']).toBeUndefined();
    expect(seen.headers['proxy-connection']).toBeUndefined();
    const req = await app.waitFor(isRequest((u) => u === `http://127.0.0.1:${origin.port}/echo?a=1`));
    expect(req.headers).toContainEqual(['proxy-authorization', '[redacted]']);
    const close = await closeOf(req.conn);
    expect(close.cause).toBe('closed');
    expect(close.bytes.client.toClient).toBe(Buffer.byteLength(r.body));
  });

  it('a client that sends its request and then FIN still gets the response', async () => {
    const reply = await rawExchange(app.proxyPort, `GET http://127.0.0.1:${origin.port}/half HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n\r\n`, { end: true });
    expect(parseReply(reply.text)).toMatchObject({ status: 200, body: 'hello /half\n' });
    const req = await app.waitFor(isRequest((u) => u.endsWith('/half')));
    expect((await closeOf(req.conn)).cause).toBe('closed');
  });

  it('a client that resets while the server is silent: conn:close client-reset, and the server connection is let go', async () => {
    const closedBefore = origin.closedSockets();
    const s = net.connect(app.proxyPort, '127.0.0.1');
    s.on('error', () => undefined);
    s.write(`GET http://127.0.0.1:${origin.port}/silent HTTP/1.1\r\nHost: x\r\n\r\n`);
    const req = await app.waitFor(isRequest((u) => u.endsWith('/silent')));
    await new Promise((r) => setTimeout(r, 100));
    s.resetAndDestroy();
    expect((await closeOf(req.conn)).cause).toBe('client-reset');
    await waitUntil(() => origin.closedSockets() > closedBefore);
  });

  it('a server that never answers: a 504 page after the idle timeout, conn:close upstream-timeout', async () => {
    const reply = await rawExchange(app.proxyPort, `GET http://127.0.0.1:${origin.port}/silent?2 HTTP/1.1\r\nHost: x\r\n\r\n`, { waitMs: IDLE_MS * 4 });
    const r = parseReply(reply.text);
    expect(r.status).toBe(504);
    expect(r.headers['x-tlslab-error']).toBe('TLSLAB_ERR_UPSTREAM_TIMEOUT');
    const req = await app.waitFor(isRequest((u) => u.endsWith('/silent?2')));
    expect((await closeOf(req.conn)).cause).toBe('upstream-timeout');
  });

  it('a client that closes (FIN) while the server is silent: ended by the idle timeout, not left open', async () => {
    const reply = await rawExchange(app.proxyPort, `GET http://127.0.0.1:${origin.port}/silent?3 HTTP/1.1\r\nHost: x\r\n\r\n`, { end: true, waitMs: IDLE_MS * 4 });
    expect(reply.end).not.toBe('timeout');
    const req = await app.waitFor(isRequest((u) => u.endsWith('/silent?3')));
    expect((await closeOf(req.conn)).cause).toBe('upstream-timeout');
  });

  it('a server that resets mid-response: the client sees the response cut, conn:close upstream-reset', async () => {
    const reply = await rawExchange(app.proxyPort, `GET http://127.0.0.1:${origin.port}/reset HTTP/1.1\r\nHost: x\r\n\r\n`);
    const r = parseReply(reply.text);
    expect(r.status).toBe(200);
    expect(r.body.length).toBeLessThan(100000);
    const req = await app.waitFor(isRequest((u) => u.endsWith('/reset')));
    expect((await closeOf(req.conn)).cause).toBe('upstream-reset');
  });

  it('a client that does not read holds the server back (back-pressure): tlslab does not buffer the response', async () => {
    const MiB = 1 << 20;
    const total = 100 * MiB;
    let flushed = 0;
    const big = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(total) });
      const chunk = Buffer.alloc(MiB, 0x61);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += MiB;
          const last = sent >= total;
          const more = res.write(chunk, () => (flushed += MiB));
          if (last) res.end();
          if (!more) return void res.once('drain', pump);
        }
      };
      pump();
    });
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
    const port = (big.address() as net.AddressInfo).port;
    const s = net.connect(app.proxyPort, '127.0.0.1');
    try {
      s.pause();
      s.write(`GET http://127.0.0.1:${port}/big HTTP/1.1\r\nHost: x\r\n\r\n`);
      // Wait until the server has stopped getting its bytes taken (each step is a poll, not a timed assertion).
      let last = -1;
      for (let i = 0; i < 200 && flushed !== last; i++) {
        last = flushed;
        await new Promise((r) => setTimeout(r, 100));
      }
      // Socket buffers on both legs hold some MiB; without back-pressure tlslab took all 100 MiB into memory.
      expect(flushed).toBeGreaterThan(0);
      expect(flushed).toBeLessThan(48 * MiB);
      let received = 0;
      s.on('data', (d: Buffer) => (received += d.length));
      s.resume();
      await waitUntil(() => received > total, 20000);
      expect(flushed).toBe(total);
      const req = await app.waitFor(isRequest((u) => u === `http://127.0.0.1:${port}/big`));
      expect(await app.waitFor((e) => e.type === 'http:response' && e.conn === req.conn)).toMatchObject({ status: 200, bodyBytes: total });
    } finally {
      s.destroy();
      big.closeAllConnections();
      await new Promise((r) => big.close(r));
    }
  });

  it('pipelined requests go to the server one at a time, in order, on one connection', async () => {
    let active = 0;
    let most = 0;
    let connections = 0;
    const counting = http.createServer((req, res) => {
      active += 1;
      most = Math.max(most, active);
      setTimeout(() => {
        active -= 1;
        res.end(`r${req.url}\n`);
      }, 10);
    });
    counting.on('connection', () => (connections += 1));
    await new Promise<void>((r) => counting.listen(0, '127.0.0.1', r));
    const port = (counting.address() as net.AddressInfo).port;
    try {
      const requests = Array.from({ length: 10 }, (_, i) => `POST http://127.0.0.1:${port}/${i} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 3\r\n\r\nabc`).join('');
      const reply = await rawExchange(app.proxyPort, requests, { end: true });
      expect(reply.text.match(/r\/\d+/g)).toEqual(Array.from({ length: 10 }, (_, i) => `r/${i}`));
      expect(most).toBe(1);
      expect(connections).toBe(1);
    } finally {
      counting.closeAllConnections();
      await new Promise((r) => counting.close(r));
    }
  });

  it('a client that pipelines more than 32 requests is cut off before any is forwarded', async () => {
    const before = origin.closedSockets() + origin.openSockets();
    const reply = await rawExchange(app.proxyPort, `GET http://127.0.0.1:${origin.port}/silent?pipe HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(40));
    expect(reply.text).toBe('');
    expect(reply.end).not.toBe('timeout');
    expect(app.events.some((e) => e.type === 'http:request' && e.url.endsWith('/silent?pipe'))).toBe(false);
    expect(origin.closedSockets() + origin.openSockets()).toBe(before);
  });

  it('a port nobody listens on: a 502 page with its code, conn:close upstream-refused', async () => {
    const free = await freePort();
    const r = await getThroughProxy(app.proxyPort, `http://127.0.0.1:${free}/nobody`);
    expect(r.status).toBe(502);
    expect(r.headers['x-tlslab-error']).toBe('TLSLAB_ERR_UPSTREAM_CONNECT');
    expect(r.body).toContain('refused');
    const req = await app.waitFor(isRequest((u) => u.endsWith('/nobody')));
    expect((await closeOf(req.conn)).cause).toBe('upstream-refused');
  });
});

describe('servers that do not answer with valid HTTP', () => {
  const answers: Record<string, string> = {
    '/s99': 'HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok', // Node reads it; writeHead threw on it and ended the process
    '/s101': 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nok',
    '/s1000': 'HTTP/1.1 1000 Odd\r\nContent-Length: 2\r\n\r\nok',
    '/ctl': 'HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 2\r\n\r\nok',
    '/two-lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
    // Node's client drops the connection without a word to the request's owner: this used to wait for the idle timeout.
    '/s101-1.0': 'HTTP/1.0 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nxyz',
  };
  let raw: FrontOrigin;
  beforeAll(async () => {
    raw = await startRawOrigin((p) => Buffer.from(answers[p] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', 'latin1'));
  });
  afterAll(async () => raw?.close());

  it.each(Object.keys(answers).map((p) => [p]))('%s: a 502 page with TLSLAB_ERR_UPSTREAM_HTTP, conn:close upstream-bad-response', async (p) => {
    const r = await getThroughProxy(app.proxyPort, `http://127.0.0.1:${raw.port}${p}`);
    expect(r.status).toBe(502);
    expect(r.headers['x-tlslab-error']).toBe('TLSLAB_ERR_UPSTREAM_HTTP');
    const req = await app.waitFor(isRequest((u) => u.endsWith(`:${raw.port}${p}`)));
    expect(await errorOf(req.conn)).toMatchObject({ leg: 'upstream', code: 'TLSLAB_ERR_UPSTREAM_HTTP', cause: 'upstream-bad-response' });
    expect((await closeOf(req.conn)).cause).toBe('upstream-bad-response');
    await stillServes();
  });
});

describe('WebSocket through the proxy (tlslab relays it)', () => {
  const viaProxy = (url: string, opts: WebSocket.ClientOptions = {}): WebSocket => new WebSocket(url, { ...opts, createConnection: () => net.connect(app.proxyPort, '127.0.0.1') });

  it('relays messages both ways and shows the connection: conn:open via websocket, the upgrade redacted, 101, conn:close', async () => {
    const ws = viaProxy(`ws://127.0.0.1:${origin.port}/ws?token=s3cret`, { headers: { Cookie: 'sid=abc', Authorization: 'Bearer xyz' } });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    ws.send('hi');
    const [text] = (await once(ws, 'message')) as [Buffer];
    expect(text.toString()).toBe('echo: hi');
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const [bin] = (await once(ws, 'message')) as [Buffer];
    expect([...bin]).toEqual([1, 2, 3]);
    ws.close(1000);
    await once(ws, 'close');
    const req = await app.waitFor(isRequest((u) => u.startsWith(`ws://127.0.0.1:${origin.port}/ws?`)));
    expect(req.url).not.toContain('s3cret');
    expect(req.headers).toContainEqual(['Cookie', '[redacted]']);
    expect(req.headers).toContainEqual(['Authorization', '[redacted]']);
    const conn = app.events.filter((e) => e.conn === req.conn);
    expect(conn.find((e) => e.type === 'conn:open')).toMatchObject({ via: 'websocket', target: { host: '127.0.0.1', port: origin.port } });
    expect(conn.find((e) => e.type === 'http:response')).toMatchObject({ status: 101 });
    const close = await closeOf(req.conn);
    expect(close.cause).toBe('closed');
    expect(close.bytes.client.fromClient).toBeGreaterThan(0);
    expect(close.bytes.upstream.fromServer).toBeGreaterThan(0);
  });

  it('a client that sends its upgrade and then FIN: the FIN reaches the server after the answer, and the relay ends at once', async () => {
    const reply = await rawExchange(app.proxyPort, upgradeRequest('/ws?fin', `127.0.0.1:${origin.port}`), { end: true, waitMs: IDLE_MS * 4 });
    expect(parseReply(reply.text).status).toBe(101);
    expect(reply.end).toBe('closed');
    const req = await app.waitFor(isRequest((u) => u.endsWith('/ws?fin')));
    expect((await closeOf(req.conn)).cause).toBe('closed');
  });

  it("a server's answer that comes one byte at a time: passed on unchanged, read as one 101 with its headers", async () => {
    const answer = Buffer.concat([
      Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'),
      Buffer.from('81026869', 'hex'), // RFC 6455 §5.2: FIN + text, unmasked, 2 bytes: "hi"
    ]);
    const slow = net.createServer((s) => {
      s.setNoDelay(true);
      // One byte a millisecond. It cannot reject: write() reports its errors on the socket, and the timer only resolves.
      const bytewise = async (): Promise<void> => {
        for (const byte of answer) {
          s.write(Buffer.from([byte]));
          await new Promise((r) => setTimeout(r, 1));
        }
        s.end();
      };
      s.once('data', () => void bytewise());
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as net.AddressInfo).port;
    try {
      const reply = await rawExchange(app.proxyPort, upgradeRequest('/bytewise', `127.0.0.1:${port}`));
      expect(Buffer.from(reply.text, 'latin1').equals(answer)).toBe(true);
      const req = await app.waitFor(isRequest((u) => u.endsWith('/bytewise')));
      const res = app.events.find((e) => e.conn === req.conn && e.type === 'http:response');
      expect(res).toMatchObject({ status: 101, statusText: 'Switching Protocols', headers: [['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=']] });
      expect((await closeOf(req.conn)).cause).toBe('closed');
    } finally {
      await new Promise((r) => slow.close(r));
    }
  });

  it('a client that does not read holds the server back (back-pressure): tlslab does not buffer the frames', async () => {
    const MiB = 1 << 20;
    const frames = 100;
    let flushed = 0;
    // RFC 6455 §5.2: FIN + binary, unmasked, 64-bit length 1 MiB.
    const frame = Buffer.concat([Buffer.from([0x82, 0x7f, 0, 0, 0, 0, 0, 0x10, 0, 0]), Buffer.alloc(MiB, 0x62)]);
    const streaming = net.createServer((sock) => {
      sock.on('error', () => undefined);
      sock.once('data', () => {
        sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
        let sent = 0;
        const pump = (): void => {
          while (sent < frames) {
            sent += 1;
            if (!sock.write(frame, () => (flushed += 1))) return void sock.once('drain', pump);
          }
        };
        pump();
      });
    });
    await new Promise<void>((r) => streaming.listen(0, '127.0.0.1', r));
    const port = (streaming.address() as net.AddressInfo).port;
    const s = net.connect(app.proxyPort, '127.0.0.1');
    try {
      s.pause();
      s.write(upgradeRequest('/stream', `127.0.0.1:${port}`));
      let last = -1;
      for (let i = 0; i < 200 && flushed !== last; i++) {
        last = flushed;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(flushed).toBeGreaterThan(0);
      expect(flushed).toBeLessThan(48);
      let received = 0;
      s.on('data', (d: Buffer) => (received += d.length));
      s.resume();
      await waitUntil(() => received >= frames * frame.length, 20000);
      expect(flushed).toBe(frames);
    } finally {
      s.destroy();
      await new Promise((r) => streaming.close(r));
    }
  });

  it('a client FIN that came before the relay started (a name was looked up first) still ends the relay at once', async () => {
    const reply = await rawExchange(app.proxyPort, upgradeRequest('/ws?localhost', `localhost:${origin.port}`), { end: true, waitMs: IDLE_MS * 4 });
    expect(parseReply(reply.text).status).toBe(101);
    const req = await app.waitFor(isRequest((u) => u.endsWith('/ws?localhost')));
    expect((await closeOf(req.conn)).cause).toBe('closed');
  });

  it('absolute form (GET ws://…) works too', async () => {
    const reply = await rawExchange(app.proxyPort, upgradeRequest(`ws://127.0.0.1:${origin.port}/ws`, 'ignored.example'), { waitMs: 500 });
    expect(parseReply(reply.text).status).toBe(101);
  });

  it.each([
    ['the browser', 'client', (ws: WebSocket) => ws.send(Buffer.alloc(16 * 1024 * 1024 + 1), { binary: true })],
    ['the server', 'upstream', (ws: WebSocket) => ws.send(`big:${16 * 1024 * 1024 + 1}`)],
  ])('a message over 16 MiB from %s: closed with 1009 on both sides, conn:error and conn:close limit-exceeded', async (_who, leg, send) => {
    const ws = viaProxy(`ws://127.0.0.1:${origin.port}/ws?big=${leg}`, { maxPayload: 64 * 1024 * 1024 });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    send(ws);
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1009);
    const req = await app.waitFor(isRequest((u) => u.endsWith(`?big=${leg}`)));
    expect(await errorOf(req.conn)).toMatchObject({ leg, code: 'TLSLAB_ERR_WS_MESSAGE_TOO_BIG', cause: 'limit-exceeded' });
    expect((await closeOf(req.conn)).cause).toBe('limit-exceeded');
  });

  it('a server that never answers the upgrade: a 504 page after the idle timeout', async () => {
    const reply = await rawExchange(app.proxyPort, upgradeRequest('/ws-silent', `127.0.0.1:${origin.port}`), { waitMs: IDLE_MS * 4 });
    expect(parseReply(reply.text).status).toBe(504);
    const req = await app.waitFor(isRequest((u) => u.endsWith('/ws-silent')));
    expect((await closeOf(req.conn)).cause).toBe('upstream-timeout');
  });

  it('a WebSocket to the proxy itself is refused, not looped', async () => {
    const reply = await rawExchange(app.proxyPort, upgradeRequest('/', `127.0.0.1:${app.proxyPort}`));
    expect(parseReply(reply.text).status).toBe(400);
  });
});

describe('at the end', () => {
  it('every connection this file opened has closed', async () => {
    let opened = 0;
    await waitUntil(() => {
      const open = new Set(app.events.filter((e) => e.type === 'conn:open').map((e) => e.conn));
      const closed = new Set(app.events.filter((e) => e.type === 'conn:close').map((e) => e.conn));
      opened = open.size;
      return [...open].every((c) => closed.has(c));
    });
    expect(opened).toBeGreaterThan(20);
  });
});

describe('the last resort of tlslab start', () => {
  it('logs an uncaught exception and an unhandled rejection (pino, with a code) and the process keeps running', async () => {
    // src/last-resort.ts in a real Node process, with the real pino logger writing JSON to stderr.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-last-resort-'));
    const src = fs.readFileSync(path.join(__dirname, '../../src/last-resort.ts'), 'utf8');
    fs.writeFileSync(path.join(dir, 'last-resort.js'), ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
    const script = `
      const pino = require(${JSON.stringify(require.resolve('pino'))});
      const log = pino({ base: undefined }, pino.destination({ dest: 2, sync: true }));
      const guard = require('./last-resort.js').installLastResort(log);
      setTimeout(() => { throw new Error('boom from a timer'); }, 10);
      setTimeout(() => Promise.reject(new TypeError('rejected nowhere')), 20);
      setTimeout(() => { process.stdout.write('still serving after ' + guard.count()); process.exit(0); }, 200);`;
    const child = spawn(process.execPath, ['-e', script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
    expect(out).toBe('still serving after 2');
    const lines = err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; code: string; kind: string; failure: { name: string; message: string; frames: string[] } });
    expect(lines.map((l) => [l.level, l.code, l.kind, l.failure.name, l.failure.message])).toEqual([
      [50, 'TLSLAB_ERR_INTERNAL', 'uncaughtException', 'Error', 'boom from a timer'],
      [50, 'TLSLAB_ERR_INTERNAL', 'unhandledRejection', 'TypeError', 'rejected nowhere'],
    ]);
    expect(lines[0]?.failure.frames[0]).toMatch(/^at /);
  });
});

function once(emitter: NodeJS.EventEmitter, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));
}

async function waitUntil(pred: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
