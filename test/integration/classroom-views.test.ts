// The views of classroom mode over real sockets: tlslab with its lab, two students signed in to the proxy (curl and
// Node through it), each student's http://tlslab/ (REST, WebSocket by CONNECT tlslab:80 and by a plain upgrade,
// https://tlslab/) carrying only their own connections — checked on every message and every response — and the
// instructor's dashboard with names, the student filter and the room overview.
import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import type { ConnOpenEvent, TlslabEvent } from '../../src/events/schema';
import type { ConnectionSummary, ServerMessage } from '../../src/events/stream';
import type { RoomStudent } from '../../src/events/room';
import { studentId } from '../../src/classroom';
import { rawText } from '../helpers/origin';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

const CODE = 'cedar-harbor-62';
const ADA = 'Ada Lovelace';
const GRACE = 'Grace Hopper';
const ADA_ID = studentId(ADA);
const GRACE_ID = studentId(GRACE);

/** A WebSocket through the proxy that records every message (each is checked by the tests, not only the last). */
class Stream {
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.messages.push(JSON.parse(rawText(d)) as ServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    });
  }
  until(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (pred()) {
          clearTimeout(t);
          resolve();
        } else this.waiters.push(check);
      };
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; ${this.messages.length} messages`)), ms);
      check();
    });
  }
  events(): TlslabEvent[] {
    return this.messages.flatMap((m) => (m.kind === 'snapshot' || m.kind === 'events' ? m.events : []));
  }
  summaries(): ConnectionSummary[] {
    return this.messages.flatMap((m) => (m.kind === 'snapshot' ? m.summaries : []));
  }
  close(): void {
    this.ws.terminate();
  }
}

const basic = (name: string): string => `Basic ${Buffer.from(`${name}:${CODE}`, 'utf8').toString('base64')}`;

describeWithTools(['curl'], 'classroom views: each student their own, the instructor the room', () => {
  let app: TestTlslab;
  let uiPort = 0;
  const streams: Stream[] = [];

  /** `name`'s connections by their conn:open (the truth the views are checked against). */
  const owned = (id: string): Set<string> => new Set(app.events.filter((e): e is ConnOpenEvent => e.type === 'conn:open' && e.student?.id === id).map((e) => e.conn));

  /** A student's /ws through a CONNECT tlslab:80 tunnel (as Chromium sends ws://tlslab/ws). */
  async function tunnelStream(name: string, headers: Record<string, string> = { Origin: 'http://tlslab' }): Promise<Stream> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: app.proxyPort, method: 'CONNECT', path: 'tlslab:80', headers: { 'proxy-authorization': basic(name) } });
      req.on('connect', (res, s) => (res.statusCode === 200 ? resolve(s) : reject(new Error(`CONNECT ${res.statusCode}`))));
      req.on('error', reject);
      req.end();
    });
    const s = new Stream(new WebSocket('ws://tlslab/ws', { createConnection: () => socket, headers }));
    streams.push(s);
    return s;
  }

  /** A student's /ws as a plain upgrade sent to the proxy (`GET /ws`, `Host: tlslab`, signed in). */
  function plainStream(name: string, path = '/ws', headers: Record<string, string> = { Origin: 'http://tlslab' }): Stream {
    const ws = new WebSocket(`ws://tlslab${path}`, {
      createConnection: () => net.connect(app.proxyPort, '127.0.0.1'),
      headers: { 'Proxy-Authorization': basic(name), ...headers },
    });
    const s = new Stream(ws);
    streams.push(s);
    return s;
  }

  /** GET http://tlslab/<path> through the proxy as `name` (null: not signed in). */
  function viaProxy(name: string | null, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: app.proxyPort, path: `http://tlslab${path}`, agent: false,
        headers: { ...(name !== null ? { 'proxy-authorization': basic(name) } : {}), ...headers },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  }
  const apiAs = async <T>(name: string, path: string): Promise<{ status: number; json: T }> => {
    const r = await viaProxy(name, path);
    return { status: r.status, json: JSON.parse(r.body.toString()) as T };
  };

  /** GET on the instructor's dashboard port. */
  function dashboard(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: uiPort, path, headers, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
  }

  /** curl as `name` to a lab origin (or any https URL) through the proxy. */
  const curlAs = (name: string, url: string): ReturnType<typeof run> =>
    run('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '--cacert', app.caFile, '-x', `http://${encodeURIComponent(name)}:${CODE}@127.0.0.1:${app.proxyPort}`, url]);

  let adaTunnel: Stream;
  let adaPlain: Stream;
  let graceTunnel: Stream;
  let instructor: Stream;

  beforeAll(async () => {
    app = await startTestTlslab({ classroom: true, classCode: CODE, host: '127.0.0.1', uiPort: 0, lab: true });
    uiPort = Number(new URL(app.dashboardUrl as string).port);
    // Grace browses before anyone watches: her connection reaches the views in their snapshots.
    await curlAs(GRACE, 'https://valid.lab.tlslab/');
    adaTunnel = await tunnelStream(ADA);
    adaPlain = plainStream(ADA);
    graceTunnel = await tunnelStream(GRACE);
    instructor = new Stream(new WebSocket(`ws://127.0.0.1:${uiPort}/ws`));
    streams.push(instructor);
    await Promise.all([adaTunnel, adaPlain, graceTunnel, instructor].map((s) => s.opened()));
    await Promise.all([adaTunnel, adaPlain, graceTunnel, instructor].map((s) => s.until(() => s.messages.some((m) => m.kind === 'snapshot'), 'a snapshot')));
    // Then both browse live: Ada a valid and an expired origin, Grace a self-signed one.
    await curlAs(ADA, 'https://valid.lab.tlslab/');
    await curlAs(ADA, 'https://expired.lab.tlslab/');
    await curlAs(GRACE, 'https://self-signed.lab.tlslab/');
    const all = new Set([...owned(ADA_ID), ...owned(GRACE_ID)]);
    expect(all.size).toBe(4);
    for (const c of all) await app.waitFor((e) => e.type === 'conn:close' && e.conn === c);
    const closedIn = (s: Stream, ids: Set<string>): boolean => [...ids].every((c) => s.events().some((e) => e.type === 'conn:close' && e.conn === c));
    await adaTunnel.until(() => closedIn(adaTunnel, owned(ADA_ID)), "Ada's closes (tunnel)");
    await adaPlain.until(() => closedIn(adaPlain, owned(ADA_ID)), "Ada's closes (plain)");
    await graceTunnel.until(() => closedIn(graceTunnel, owned(GRACE_ID)), "Grace's closes");
    await instructor.until(() => closedIn(instructor, all), 'every close on the dashboard');
  }, 60_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await app?.close();
  });

  it.each([
    ['Ada, through CONNECT tlslab:80', () => adaTunnel, ADA_ID, GRACE_ID],
    ['Ada, through a plain upgrade', () => adaPlain, ADA_ID, GRACE_ID],
    ['Grace, through CONNECT tlslab:80', () => graceTunnel, GRACE_ID, ADA_ID],
  ])('%s: every message carries her own connections only, and all of them', (_label, stream, me, other) => {
    const s = stream();
    const mine = owned(me);
    const theirs = owned(other);
    expect(mine.size).toBe(2);
    expect(s.messages[0]).toMatchObject({ kind: 'hello', student: { id: me } });
    for (const m of s.messages) {
      if (m.kind === 'snapshot') {
        expect(m.room).toBeUndefined();
        for (const sum of m.summaries) expect(sum.student?.id).toBe(me);
        for (const e of m.events) expect(mine.has(e.conn)).toBe(true);
      } else if (m.kind === 'events') {
        for (const e of m.events) {
          expect(mine.has(e.conn)).toBe(true);
          expect(theirs.has(e.conn)).toBe(false);
        }
      }
    }
    const seen = new Set(s.events().map((e) => e.conn));
    expect(seen).toEqual(mine);
  });

  it("the instructor's stream carries both students' connections with their names, and the room in its snapshot", () => {
    const conns = new Set(instructor.events().map((e) => e.conn));
    for (const c of [...owned(ADA_ID), ...owned(GRACE_ID)]) expect(conns.has(c)).toBe(true);
    const opens = instructor.events().filter((e): e is ConnOpenEvent => e.type === 'conn:open');
    expect(new Set(opens.map((e) => e.student?.name))).toEqual(new Set([ADA, GRACE]));
    const hello = instructor.messages[0];
    expect(hello?.kind === 'hello' && hello.student).toBeFalsy();
    const snap = instructor.messages.find((m) => m.kind === 'snapshot');
    // Only Grace had browsed when the instructor connected.
    expect(snap?.kind === 'snapshot' && snap.room).toEqual([expect.objectContaining({ id: GRACE_ID, name: GRACE, connections: 1, failures: 0, labs: ['valid'] })]);
  });

  it("each student's REST API: own connections only, by every route; another's are unknown", async () => {
    for (const [name, me, other] of [[ADA, ADA_ID, GRACE_ID], [GRACE, GRACE_ID, ADA_ID]] as const) {
      const list = await apiAs<ConnectionSummary[]>(name, '/api/connections');
      expect(list.status).toBe(200);
      expect(new Set(list.json.map((s) => s.id))).toEqual(owned(me));
      for (const s of list.json) expect(s.student).toEqual({ id: me, name });
      // Asking for the other student's by filter gets nothing; the scope is not a filter the request can drop.
      const asked = await apiAs<ConnectionSummary[]>(name, `/api/connections?student=${other}`);
      expect(asked.json).toEqual([]);
      for (const c of owned(me)) {
        const one = await apiAs<ConnectionSummary>(name, `/api/connections/${c}`);
        expect(one.status).toBe(200);
        expect(one.json.student?.id).toBe(me);
        const events = await apiAs<TlslabEvent[]>(name, `/api/connections/${c}/events`);
        expect(events.status).toBe(200);
        expect(events.json.length).toBeGreaterThan(3);
        for (const e of events.json) expect(e.conn).toBe(c);
        const pcap = await viaProxy(name, `/api/connections/${c}/pcapng`);
        expect([pcap.status, pcap.status === 200 ? "" : pcap.body.toString()]).toEqual([200, ""]);
        expect(pcap.body.readUInt32LE(0)).toBe(0x0a0d0d0a); // a pcapng Section Header Block: her own, keys and all
      }
      for (const c of owned(other)) {
        for (const path of [`/api/connections/${c}`, `/api/connections/${c}/events`, `/api/connections/${c}/pcapng`]) {
          const r = await viaProxy(name, path);
          expect(r.status).toBe(404);
          expect(r.body.toString()).not.toContain(other);
          expect(r.body.toString()).not.toContain(name === ADA ? GRACE : ADA);
        }
      }
      // The exports of the selection (pcapng with the keys, HAR with the HTTP): hers only. The other student's unique
      // lab origin (its SNI is in the pcapng's ClientHello bytes, its URL in the HAR) is nowhere in them.
      const elsewhere = name === ADA ? 'self-signed.lab.tlslab' : 'expired.lab.tlslab';
      const mineOnly = name === ADA ? 'expired.lab.tlslab' : 'self-signed.lab.tlslab';
      for (const path of ['/api/export.pcapng', '/api/export.har', `/api/export.har?student=${other}`]) {
        const r = await viaProxy(name, path);
        expect(r.body.includes(elsewhere)).toBe(false);
        if (!path.includes('student=')) {
          expect(r.status).toBe(200);
          expect(r.body.includes(mineOnly)).toBe(true);
        }
      }
      for (const path of ['/api/health', '/api/room']) {
        const r = await viaProxy(name, path);
        expect(r.status).toBe(403);
        expect(r.body.toString()).not.toContain(name === ADA ? GRACE : ADA);
      }
    }
  });

  it('a student asking their stream for another\'s connection (URL filter, then a filter message) gets nothing of it', async () => {
    const grace = [...owned(GRACE_ID)][0];
    const s = plainStream(ADA, `/ws?conn=${grace}`);
    await s.opened();
    await s.until(() => s.messages.some((m) => m.kind === 'snapshot'), 'the snapshot');
    s.ws.send(JSON.stringify({ kind: 'filter', filter: { student: GRACE_ID } }));
    await s.until(() => s.messages.filter((m) => m.kind === 'snapshot').length === 2, 'the second snapshot');
    for (const m of s.messages) {
      if (m.kind === 'snapshot') {
        expect(m.summaries).toEqual([]);
        expect(m.events).toEqual([]);
      }
      if (m.kind === 'events') expect(m.events).toEqual([]);
    }
  });

  it('the view works over https://tlslab/ too, and the CA files and the CA page are there', async () => {
    const r = await run('curl', ['-sS', '--max-time', '10', '--cacert', app.caFile, '-x', `http://Grace%20Hopper:${CODE}@127.0.0.1:${app.proxyPort}`, 'https://tlslab/api/connections']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as ConnectionSummary[];
    // Her own, plus (possibly) the tunnel that carries this very request.
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const s of list) expect(s.student?.id).toBe(GRACE_ID);
    const page = await viaProxy(ADA, '/');
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('/js/dashboard/main.js');
    const script = await viaProxy(ADA, '/js/dashboard/main.js');
    expect(script.status).toBe(200);
    const pem = await viaProxy(ADA, '/tlslab-ca.pem');
    expect(pem.body.toString()).toBe(app.ca.certPem);
    const ca = await viaProxy(ADA, '/ca');
    expect(ca.status).toBe(200);
    expect(ca.body.toString()).toContain(app.ca.fingerprint256);
    expect(ca.body.toString()).not.toContain(`:${uiPort}`); // the instructor's dashboard is not named to students
  });

  it("a page on another origin cannot open a student's stream (it would ride on the proxy sign-in)", async () => {
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:1']) {
      const s = plainStream(ADA, '/ws', { Origin: origin });
      await expect(s.opened()).rejects.toThrow('upgrade answered 403');
    }
    // The dashboard port is not opened by the student view's origin either.
    const d = new Stream(new WebSocket(`ws://127.0.0.1:${uiPort}/ws`, { headers: { Origin: 'http://tlslab' } }));
    streams.push(d);
    await expect(d.opened()).rejects.toThrow('upgrade answered 403');
  });

  it('without a sign-in, http://tlslab/ asks for one (classroom mode); the CA file needs none of the view', async () => {
    const r = await viaProxy(null, '/api/connections');
    expect(r.status).toBe(407);
    expect(r.body.toString()).not.toContain('"id"');
  });

  it('the instructor: names on every summary, the student filter (id, name, any case), the room overview', async () => {
    const all = JSON.parse((await dashboard('/api/connections')).body) as ConnectionSummary[];
    const byStudent = new Map<string, string[]>();
    for (const s of all) if (s.student) byStudent.set(s.student.name, [...(byStudent.get(s.student.name) ?? []), s.id]);
    expect(new Set(byStudent.get(ADA))).toEqual(owned(ADA_ID));
    expect(new Set(byStudent.get(GRACE))).toEqual(owned(GRACE_ID));
    for (const q of [ADA_ID, encodeURIComponent(ADA), encodeURIComponent('ada lovelace'), encodeURIComponent('ADA  LOVELACE')]) {
      const f = JSON.parse((await dashboard(`/api/connections?student=${q}`)).body) as ConnectionSummary[];
      expect(new Set(f.map((s) => s.id))).toEqual(owned(ADA_ID));
    }
    expect(JSON.parse((await dashboard('/api/connections?student=Ada')).body)).toEqual([]);
    const failed = JSON.parse((await dashboard(`/api/connections?student=${GRACE_ID}&failures=1`)).body) as ConnectionSummary[];
    expect(failed.map((s) => s.target.host)).toEqual(['self-signed.lab.tlslab']);

    const room = JSON.parse((await dashboard('/api/room')).body) as RoomStudent[];
    expect(room.map((r) => r.name)).toEqual([ADA, GRACE]);
    // Failures: connections that ended failed or insecure (the expired and self-signed origins, and any other that
    // ended badly — counted from the summaries, the same truth the list shows).
    const failures = (id: string): number => [...owned(id)].filter((c) => ['failed', 'insecure'].includes(app.bus.summary(c)?.status ?? '')).length;
    expect(failures(ADA_ID)).toBeGreaterThanOrEqual(1);
    expect(failures(GRACE_ID)).toBeGreaterThanOrEqual(1);
    expect(room[0]).toMatchObject({ id: ADA_ID, connections: 2, failures: failures(ADA_ID), labs: ['expired', 'valid'] });
    expect(room[1]).toMatchObject({ id: GRACE_ID, failures: failures(GRACE_ID), labs: ['self-signed', 'valid'] });
    // Grace's https://tlslab/ request above opened a connection of hers too: the count follows the events.
    expect(room[1]?.connections).toBe(owned(GRACE_ID).size);
    const adaEvents = app.events.filter((e) => owned(ADA_ID).has(e.conn));
    expect(room[0]?.lastSeen).toBe(adaEvents[adaEvents.length - 1]?.t);
    expect(room[0]?.firstSeen).toBe(adaEvents[0]?.t);
    expect(owned(ADA_ID).has(room[0]?.lastConn)).toBe(true);

    // The instructor's stream filtered by student, by URL.
    const f = new Stream(new WebSocket(`ws://127.0.0.1:${uiPort}/ws?student=${encodeURIComponent('grace hopper')}`));
    streams.push(f);
    await f.opened();
    await f.until(() => f.messages.some((m) => m.kind === 'snapshot'), 'the snapshot');
    expect(new Set(f.summaries().map((s) => s.id))).toEqual(owned(GRACE_ID));
  });
});

describe('single-user mode (no classroom)', () => {
  let app: TestTlslab;
  beforeAll(async () => {
    app = await startTestTlslab({ uiPort: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('http://tlslab/ stays the CA page; no view of anyone through the proxy', async () => {
    const get = (path: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: app.proxyPort, path: `http://tlslab${path}`, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Download the CA certificate');
    expect(page.body).not.toContain('/js/dashboard/main.js');
    const api = await get('/api/connections');
    expect(api.status).toBe(404);
  });
});
