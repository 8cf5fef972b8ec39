// Every order in which a connection can end — close_notify + FIN from either side, bare FINs, RSTs, GOAWAYs — on the
// relay, the teaching page (502) and https://tlslab/: each ends with conn:close, tlslab keeps no socket and no timer,
// and a side that closed its sending half still receives everything the other side sends.
import http2 from 'node:http2';
import tls from 'node:tls';
import { makeOriginPki, startHttpsOrigin, type Origin, type TestPki } from '../helpers/origin';
import { connectTunnel, run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';
import { BODY, HALF, bodyOf, clientLeg, clientLegEstablished, closeNotifies, closeOf, connFor, heldSockets, helloThenGo, request, startScriptedOrigin, watchTlslabTimers, type ScriptedOrigin, type TimerWatch } from '../helpers/close-sequences';

jest.setTimeout(20_000);

describeWithTools(['ss', 'openssl'], 'close sequences through tlslab', () => {
  let trusted: TestPki;
  let app: TestTlslab;
  let origin: ScriptedOrigin;
  /** Presents a chain tlslab does not trust: block mode answers with the teaching page. */
  let untrusted: ScriptedOrigin;
  /** Resets every connection as soon as its handshake is done. */
  let resetting: ScriptedOrigin;
  let h2: Origin;
  let target: string;
  let blocked: string;

  beforeAll(async () => {
    trusted = makeOriginPki(['localhost']);
    origin = await startScriptedOrigin(trusted);
    untrusted = await startScriptedOrigin(makeOriginPki(['localhost']));
    resetting = await startScriptedOrigin(trusted, { resetAfterHandshake: true });
    h2 = await startHttpsOrigin(trusted);
    app = await startTestTlslab({ upstreamCa: [trusted.caFile] });
    target = `localhost:${origin.port}`;
    blocked = `localhost:${untrusted.port}`;
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([origin?.close(), untrusted?.close(), resetting?.close(), h2?.close()]);
  });

  /** tlslab's timers set during the test. */
  let timers: TimerWatch;
  beforeEach(() => (timers = watchTlslabTimers()));
  afterEach(() => timers.stop());

  /**
   * After conn:close, tlslab holds neither socket of the connection (its end of the client leg, nor of the upstream)
   * nor any timer for it: a timer left behind would hold the session, and the process, after the close.
   */
  function expectNothingHeld(conn: string, upstream?: ScriptedOrigin | Origin): void {
    expect(timers.pending()).toEqual([]);
    const open = app.events.find((e) => e.type === 'conn:open' && e.conn === conn);
    if (open?.type !== 'conn:open') throw new Error(`no conn:open for ${conn}`);
    const localPort = upstream && 'conns' in upstream ? upstream.conns.at(-1)?.peerPort : undefined;
    const sockets = { proxyPort: app.proxyPort, clientPort: open.client.port, upstreams: upstream ? [{ originPort: upstream.port, localPort }] : [] };
    expect(heldSockets(sockets)).toEqual([]);
  }

  describe('relay', () => {
    it('client close_notify + FIN right after its request: the origin answers after seeing it, the whole response arrives, then everything closes', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.end(request('/after-end'));
      const got = await c.done;
      expect(got).toMatchObject({ ended: true, error: null });
      expect(bodyOf(got.data)).toEqual(BODY);
      const close = await closeOf(app, conn);
      expect(close.cause).toBe('closed');
      expect(origin.conns.at(-1)?.sawEnd).toBe(true);
      // Step 8 each way on each leg: the client's end reached the origin as close_notify, the origin's came back.
      expect(closeNotifies(app, conn).sort()).toEqual(['client:client', 'client:server', 'upstream:client', 'upstream:server']);
      expectNothingHeld(conn, origin);
    });

    it('the same half-close over TLS 1.2', async () => {
      const c = await clientLeg(app, target, { maxVersion: 'TLSv1.2' });
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.end(request('/after-end'));
      const got = await c.done;
      expect(bodyOf(got.data)).toEqual(BODY);
      expect((await closeOf(app, conn)).cause).toBe('closed');
      expectNothingHeld(conn, origin);
    });

    it('client FIN without close_notify after its request: the response still arrives', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.write(request('/after-end'), () => c.raw.end());
      const got = await c.done;
      expect(bodyOf(got.data)).toEqual(BODY);
      expect((await closeOf(app, conn)).cause).toBe('closed');
      expect(closeNotifies(app, conn)).not.toContain('client:client');
      expect(origin.conns.at(-1)?.sawEnd).toBe(true);
      expectNothingHeld(conn, origin);
    });

    it('server close_notify + FIN first (Connection: close): the client gets everything and answers; both legs close', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.write(request('/close'));
      const got = await c.done;
      expect(bodyOf(got.data)).toEqual(BODY);
      expect((await closeOf(app, conn)).cause).toBe('closed');
      expect(closeNotifies(app, conn).sort()).toEqual(['client:client', 'client:server', 'upstream:client', 'upstream:server']);
      expectNothingHeld(conn, origin);
    });

    it('server FIN without close_notify: the client gets the response and an end; both legs close', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.write(request('/fin'));
      const got = await c.done;
      expect(bodyOf(got.data)).toEqual(BODY);
      expect((await closeOf(app, conn)).cause).toBe('closed');
      expect(closeNotifies(app, conn)).not.toContain('upstream:server');
      expectNothingHeld(conn, origin);
    });

    for (const how of ['fin', 'reset'] as const) {
      it(`client ${how === 'fin' ? 'FIN' : 'RST'} right after its ClientHello, mid-handshake`, async () => {
        const port = await helloThenGo(app, target, how);
        const conn = await connFor(app, port);
        // The client hung up in the middle of the handshake: what a client refusing the certificate does.
        expect((await closeOf(app, conn)).cause).toBe('client-rejected-cert');
        expectNothingHeld(conn, origin);
      });
    }

    it('server RST right after its handshake, while the client leg is still shaking hands (five times)', async () => {
      for (let i = 0; i < 5; i++) {
        const raw = await connectTunnel(app.proxyPort, `localhost:${resetting.port}`);
        raw.on('error', () => undefined);
        const conn = await connFor(app, raw.localPort!);
        const t = tls.connect({ socket: raw, servername: 'localhost', ca: app.ca.certPem });
        t.on('error', () => undefined);
        await new Promise((r) => t.once('close', r));
        // A reset that arrives with bytes still unread reaches Node as an end of stream: either way, the server went.
        expect(['closed', 'upstream-reset']).toContain((await closeOf(app, conn)).cause);
        expectNothingHeld(conn, resetting);
      }
    });

    it('client RST after the handshake, before any request', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      await clientLegEstablished(app, conn); // the client's Finished is in, before the reset
      c.raw.resetAndDestroy();
      expect((await closeOf(app, conn)).cause).toBe('client-reset');
      expectNothingHeld(conn, origin);
    });

    it('client RST in the middle of a response', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.write(request('/stall'));
      await c.bodyBytes(HALF);
      c.raw.resetAndDestroy();
      expect((await closeOf(app, conn)).cause).toBe('client-reset');
      expectNothingHeld(conn, origin);
    });

    it('client RST after its own close_notify + FIN, then the rest of the response: the end it announced', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.end(request('/stall'));
      await c.bodyBytes(HALF);
      c.raw.resetAndDestroy();
      await new Promise((r) => c.raw.once('close', r));
      // A socket that has read its peer's FIN no longer polls for a reset: the next byte for it finds the reset.
      origin.conns.at(-1)?.finish();
      // A peer that ended its side and then closed answers any later byte with a reset: after its orderly end,
      // that is the close it announced, not a failure.
      expect((await closeOf(app, conn)).cause).toBe('closed');
      expectNothingHeld(conn, origin);
    });

    it('server RST instead of a response', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.write(request('/rst-before'));
      const got = await c.done;
      expect(got.data.length).toBe(0);
      expect((await closeOf(app, conn)).cause).toBe('upstream-reset');
      expectNothingHeld(conn, origin);
    });

    it('server RST in the middle of a response: the client gets what was sent, then the end', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.write(request('/stall'));
      await c.bodyBytes(HALF); // tlslab has relayed all the origin sent: the reset finds nothing unread
      origin.conns.at(-1)?.reset();
      const got = await c.done;
      expect(bodyOf(got.data)).toEqual(BODY.subarray(0, HALF));
      expect((await closeOf(app, conn)).cause).toBe('upstream-reset');
      expectNothingHeld(conn, origin);
    });

    it('server RST after the client has closed its side', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.end(request('/stall'));
      await c.bodyBytes(HALF);
      origin.conns.at(-1)?.reset();
      expect(bodyOf((await c.done).data)).toEqual(BODY.subarray(0, HALF));
      expect((await closeOf(app, conn)).cause).toBe('upstream-reset');
      expectNothingHeld(conn, origin);
    });

    it('a kept-alive connection that the client ends with close_notify + FIN while idle', async () => {
      const c = await clientLeg(app, target);
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.write(request('/keep'));
      await new Promise((r) => c.tls.once('data', r));
      c.tls.end();
      await c.done;
      expect((await closeOf(app, conn)).cause).toBe('closed');
      expectNothingHeld(conn, origin);
    });

    it('HTTP/2: GOAWAY + close_notify + FIN from the client, the server\'s GOAWAY after; the server\'s bytes still reach the client', async () => {
      const c = await clientLeg(app, `localhost:${h2.port}`, { ALPNProtocols: ['h2'] });
      const conn = await connFor(app, c.raw.localPort!);
      const session = http2.connect(`https://localhost:${h2.port}`, { createConnection: () => c.tls });
      const body = await new Promise<string>((resolve, reject) => {
        const req = session.request({ ':path': '/h2' });
        let text = '';
        req.setEncoding('utf8');
        req.on('data', (s: string) => (text += s));
        req.on('end', () => resolve(text));
        req.on('error', reject);
      });
      expect(body).toBe('hello from origin /h2 via h2\n');
      session.close(); // GOAWAY, then close_notify + FIN once no stream is left
      await c.done;
      expect((await closeOf(app, conn)).cause).toBe('closed');
      // After the client's close_notify, tlslab still relayed the server's GOAWAY (application data) and then
      // its own close_notify: the half-closed client received everything.
      const leg = app.events.filter((e) => e.conn === conn && (e.type === 'tls:alert' || e.type === 'tls:appdata') && e.leg === 'client');
      const clientEnd = leg.findIndex((e) => e.type === 'tls:alert' && e.from === 'client' && e.description.name === 'close_notify');
      expect(clientEnd).toBeGreaterThan(-1);
      const after = leg.slice(clientEnd).flatMap((e) => {
        if (e.type === 'tls:alert') return e.from === 'server' ? [`alert:${e.description.name}`] : [];
        return e.type === 'tls:appdata' && e.from === 'server' ? [e.type] : [];
      });
      expect(after).toContain('tls:appdata');
      expect(after.at(-1)).toBe('alert:close_notify');
      expectNothingHeld(conn, h2);
    });
  });

  describe('teaching page (502)', () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      it(`${version}: request, the page, then the client's close_notify + FIN`, async () => {
        const c = await clientLeg(app, blocked, { maxVersion: version });
        const conn = await connFor(app, c.raw.localPort!);
        c.tls.write(request('/'));
        const got = await c.done;
        expect(got.data.toString('latin1')).toMatch(/^HTTP\/1\.1 502 /);
        expect(Buffer.byteLength(bodyOf(got.data)!)).toBe(Number(/Content-Length: (\d+)/.exec(got.data.toString('latin1'))?.[1]));
        expect((await closeOf(app, conn)).cause).toBe('upstream-cert-invalid');
        expectNothingHeld(conn, untrusted);
      });

      it(`${version}: no request at all, then an encrypted close_notify alert + FIN (a browser's idle connection)`, async () => {
        const c = await clientLeg(app, blocked, { maxVersion: version });
        const conn = await connFor(app, c.raw.localPort!);
        c.tls.end();
        const got = await c.done;
        expect(got).toMatchObject({ ended: true, data: Buffer.alloc(0) });
        expect((await closeOf(app, conn)).cause).toBe('upstream-cert-invalid');
        const alert = app.events.find((e) => e.conn === conn && e.type === 'tls:alert' && e.leg === 'client' && e.from === 'client');
        expect(alert).toMatchObject({ description: { name: 'close_notify' }, encrypted: true });
        expectNothingHeld(conn, untrusted);
      });

      it(`${version}: the client half-closes right after its request and still gets the page`, async () => {
        const c = await clientLeg(app, blocked, { maxVersion: version });
        const conn = await connFor(app, c.raw.localPort!);
        c.tls.end(request('/'));
        const got = await c.done;
        expect(got.data.toString('latin1')).toMatch(/^HTTP\/1\.1 502 [^]*<\/html>\s*$/);
        expect((await closeOf(app, conn)).cause).toBe('upstream-cert-invalid');
        expectNothingHeld(conn, untrusted);
      });

      it(`${version}: openssl s_client, stdin at its end before any request (close_notify + FIN at once)`, async () => {
        const since = app.events.length;
        const r = await run('openssl', ['s_client', '-proxy', `127.0.0.1:${app.proxyPort}`, '-connect', blocked, '-servername', 'localhost', version === 'TLSv1.2' ? '-tls1_2' : '-tls1_3'], { input: '' });
        expect(r.stdout).toContain('BEGIN CERTIFICATE');
        const open = await app.waitFor((e) => e.seq > (app.events[since - 1]?.seq ?? 0) && e.type === 'conn:open');
        expect((await closeOf(app, open.conn)).cause).toBe('upstream-cert-invalid');
        expectNothingHeld(open.conn, untrusted);
      });
    }

    for (const how of ['fin', 'reset'] as const) {
      it(`client ${how === 'fin' ? 'FIN' : 'RST'} right after its ClientHello, mid-handshake`, async () => {
        const conn = await connFor(app, await helloThenGo(app, blocked, how));
        expect((await closeOf(app, conn)).cause).toBe('upstream-cert-invalid');
        expectNothingHeld(conn, untrusted);
      });
    }

    it('client FIN without close_notify and no request', async () => {
      const c = await clientLeg(app, blocked);
      const conn = await connFor(app, c.raw.localPort!);
      c.raw.end();
      await c.done;
      expect((await closeOf(app, conn)).cause).toBe('upstream-cert-invalid');
      expectNothingHeld(conn, untrusted);
    });

    it('client RST after the handshake, and after the page', async () => {
      for (const when of ['handshake', 'page'] as const) {
        const c = await clientLeg(app, blocked, { maxVersion: 'TLSv1.2' });
        const conn = await connFor(app, c.raw.localPort!);
        if (when === 'page') {
          c.tls.write(request('/'));
          await new Promise((r) => c.tls.once('data', r));
        } else await clientLegEstablished(app, conn);
        c.raw.resetAndDestroy();
        expect([when, (await closeOf(app, conn)).cause]).toEqual([when, 'upstream-cert-invalid']);
        expectNothingHeld(conn, untrusted);
      }
    });

    it('openssl s_client sends a request and reads the page to its end (-ign_eof)', async () => {
      const since = app.events.length;
      const r = await run('openssl', ['s_client', '-proxy', `127.0.0.1:${app.proxyPort}`, '-connect', blocked, '-servername', 'localhost', '-ign_eof'], { input: request('/') });
      expect(r.stdout).toMatch(/HTTP\/1\.1 502 [^]*<\/html>/);
      const open = await app.waitFor((e) => e.seq > (app.events[since - 1]?.seq ?? 0) && e.type === 'conn:open');
      expect((await closeOf(app, open.conn)).cause).toBe('upstream-cert-invalid');
      expectNothingHeld(open.conn, untrusted);
    });
  });

  describe('https://tlslab/ (no upstream)', () => {
    it('the client half-closes after its request and still gets the CA page', async () => {
      const c = await clientLeg(app, 'tlslab:443');
      const conn = await connFor(app, c.raw.localPort!);
      c.tls.end(request('/', 'tlslab'));
      const got = await c.done;
      expect(got.data.toString('latin1')).toMatch(/^HTTP\/1\.1 200 [^]*<\/html>\s*$/);
      expect((await closeOf(app, conn)).cause).toBe('closed');
      expectNothingHeld(conn);
    });

    it('a kept-alive connection ended by the client while idle; one with no request; a reset', async () => {
      for (const how of ['idle-end', 'no-request', 'reset'] as const) {
        const c = await clientLeg(app, 'tlslab:443');
        const conn = await connFor(app, c.raw.localPort!);
        if (how === 'idle-end') {
          c.tls.write(request('/tlslab-ca.pem', 'tlslab'));
          await new Promise((r) => c.tls.once('data', r));
        }
        if (how === 'reset') {
          await clientLegEstablished(app, conn);
          c.raw.resetAndDestroy();
        }
        else c.tls.end();
        const cause = (await closeOf(app, conn)).cause;
        expect([how, cause]).toEqual([how, how === 'reset' ? 'client-reset' : how === 'no-request' ? 'client-rejected-cert' : 'closed']);
        expectNothingHeld(conn);
      }
    });
  });

  it('nothing was left open: every conn:open has its conn:close', () => {
    const opened = app.events.filter((e) => e.type === 'conn:open').map((e) => e.conn);
    const closed = new Set(app.events.filter((e) => e.type === 'conn:close').map((e) => e.conn));
    expect(opened.length).toBeGreaterThan(20);
    expect(opened.filter((c) => !closed.has(c))).toEqual([]);
  });
});
