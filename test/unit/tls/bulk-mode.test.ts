// Bulk mode (DecoderOptions.appDataRecords) on real connections recorded in the order a proxy sees them: after the
// first application-data records, the rest are counted, not decrypted or reported; alerts and KeyUpdate still are.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionSession } from '../../../src/capture/session';
import { EventBus } from '../../../src/events/bus';
import type { Side, TlslabEvent } from '../../../src/events/schema';
import type { BulkCount, DecoderOptions, TlsEvent } from '../../../src/tls';
import { captureOrdered, clientCertWithNames, orderedRelay, sideBytes, type OrderedChunk } from '../../helpers/tls-bulk-capture';
import { selfSignedCert, type CaptureOptions } from '../../helpers/tls-crypto-capture';
import { ofType, run, type Feed } from '../../helpers/tls-decoder';
import { describeWithTools } from '../../helpers/tools';

const cert = selfSignedCert();
const N = 4;
const MB2 = 2 * 1024 * 1024;
const SIDES = ['client', 'server'] as const;

/** Keys first (as live: a TLS socket logs a secret before it uses it), then the bytes in relay order, then the end. */
const script = (chunks: OrderedChunk[], keylog: string): Feed[] => [
  { keys: keylog }, ...chunks.map((c) => ({ from: c.from, bytes: c.bytes })), { end: 'client' }, { end: 'server' }, { finish: true },
];

type RecordEvent = Extract<TlsEvent, { type: 'tls:record' }>;
const isAppRecord = (e: TlsEvent | TlslabEvent): e is RecordEvent =>
  e.type === 'tls:record' && e.contentType.code === 23 && (e.innerType === undefined || e.innerType.code === 23);

/** Application-data record events after `tls:established`, per side. */
function appRecordsAfterHandshake(events: TlsEvent[]): Record<Side, RecordEvent[]> {
  const out: Record<Side, RecordEvent[]> = { client: [], server: [] };
  let established = false;
  for (const e of events) {
    if (e.type === 'tls:established') established = true;
    else if (established && isAppRecord(e)) out[e.from].push(e);
  }
  return out;
}

/**
 * What bulk mode must leave of a full run: per side, the application-data records after the handshake beyond the
 * first `n`, with the `tls:appdata` each is followed by, removed, and counted.
 */
function expectBulk(events: TlsEvent[], n: number): { events: TlsEvent[]; bulk: Record<Side, BulkCount> } {
  const bulk: Record<Side, BulkCount> = { client: { records: 0, bytes: 0 }, server: { records: 0, bytes: 0 } };
  const seen = { client: 0, server: 0 };
  const dropAppData = { client: false, server: false };
  let established = false;
  const kept: TlsEvent[] = [];
  for (const e of events) {
    if (e.type === 'tls:established') established = true;
    if (established && isAppRecord(e) && ++seen[e.from] > n) {
      bulk[e.from].records++;
      bulk[e.from].bytes += 5 + e.length;
      dropAppData[e.from] = true;
      continue;
    }
    if (e.type === 'tls:appdata' && dropAppData[e.from]) {
      dropAppData[e.from] = false;
      continue;
    }
    kept.push(e);
  }
  return { events: kept, bulk };
}

const plaintext = (events: TlsEvent[], from: Side): Buffer =>
  Buffer.concat(ofType(events, 'tls:appdata').filter((a) => a.from === from).map((a) => Buffer.from(a.previewHex ?? '', 'hex')));

const big: DecoderOptions = { appDataPreview: 1 << 22, maxRecordHex: 64 };

/** Runs the capture with and without bulk mode and checks everything that must hold for any connection. */
function compare(chunks: OrderedChunk[], keylog: string): { full: TlsEvent[]; bulk: TlsEvent[] } {
  const full = run(script(chunks, keylog), big);
  const bulk = run(script(chunks, keylog), { ...big, appDataRecords: N });
  for (const r of [full, bulk]) {
    expect(ofType(r.events, 'tls:decode-error')).toEqual([]);
    expect(ofType(r.events, 'tls:undecryptable')).toEqual([]);
  }
  const want = expectBulk(full.events, N);
  expect(bulk.events).toEqual(want.events);
  const after = appRecordsAfterHandshake(bulk.events);
  const fullAfter = appRecordsAfterHandshake(full.events);
  for (const side of SIDES) {
    expect(after[side]).toHaveLength(N);
    expect(fullAfter[side].length).toBeGreaterThan(50);
    expect(bulk.decoder.state.bulk[side]).toEqual(want.bulk[side]);
    expect(want.bulk[side].records).toBe(fullAfter[side].length - N);
  }
  // Every record framed and every byte counted, bulk or not.
  const { bulk: zero, ...fullState } = full.decoder.state;
  const { bulk: counted, ...bulkState } = bulk.decoder.state;
  expect(bulkState).toEqual(fullState);
  expect(zero).toEqual({ client: { records: 0, bytes: 0 }, server: { records: 0, bytes: 0 } });
  expect(bulkState.bytes).toEqual({ client: sideBytes(chunks, 'client').length, server: sideBytes(chunks, 'server').length });
  expect(counted.client.records + counted.server.records).toBeGreaterThan(0);
  return { full: full.events, bulk: bulk.events };
}

/** close_notify from `sides`, reported as an alert (decrypted) and, in TLS 1.3, inside a type-23 record. */
function expectCloseNotify(events: TlsEvent[], sides: readonly Side[], tls13: boolean): void {
  for (const side of sides) {
    const alerts = ofType(events, 'tls:alert').filter((a) => a.from === side);
    expect(alerts).toEqual([expect.objectContaining({ description: { code: 0, name: 'close_notify' }, encrypted: true, fatal: false })]);
    const last = ofType(events, 'tls:record').filter((r) => r.from === side).at(-1);
    expect(last).toMatchObject({ contentType: { code: tls13 ? 23 : 21 }, encrypted: true });
    if (tls13) expect(last?.innerType?.code).toBe(21);
  }
}

interface Case {
  title: string;
  opts: Omit<CaptureOptions, 'cert'>;
}

const tls12 = (title: string, ciphers: string, version: 'TLSv1' | 'TLSv1.2', noEtm = false): Case => ({
  title, opts: { minVersion: version, maxVersion: version, ciphers, client: noEtm ? { secureOptions: constants.SSL_OP_NO_ENCRYPT_THEN_MAC } : {} },
});

const cases: Case[] = [
  { title: 'TLS 1.3 AES-128-GCM', opts: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' } },
  { title: 'TLS 1.3 ChaCha20-Poly1305', opts: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' } },
  tls12('TLS 1.2 ECDHE AES-128-GCM', 'ECDHE-RSA-AES128-GCM-SHA256', 'TLSv1.2'),
  tls12('TLS 1.2 ECDHE AES-128-CBC-SHA256 encrypt-then-MAC', 'ECDHE-RSA-AES128-SHA256', 'TLSv1.2'),
  tls12('TLS 1.2 ECDHE AES-128-CBC-SHA256 MAC-then-encrypt', 'ECDHE-RSA-AES128-SHA256', 'TLSv1.2', true),
  tls12('TLS 1.0 ECDHE AES-256-CBC-SHA (implicit IV)', 'ECDHE-RSA-AES256-SHA:@SECLEVEL=0', 'TLSv1', true),
  { title: 'TLS 1.3 AES-256-GCM', opts: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384' } },
  { title: 'TLS 1.3 AES-128-CCM', opts: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_CCM_SHA256' } },
];

describe('TlsDecoder bulk mode on real Node TLS connections (2 MiB each way, close_notify both ways)', () => {
  it.each(cases.map((c) => [c.title, c] as const))('%s', async (_t, c) => {
    const cap = await captureOrdered({ cert, clientBytes: MB2, serverBytes: MB2, ...c.opts });
    const { full, bulk } = compare(cap.chunks, cap.keylog);
    expect(plaintext(full, 'client').equals(cap.clientData)).toBe(true);
    expect(plaintext(full, 'server').equals(cap.serverData)).toBe(true);
    const tls13 = c.opts.maxVersion === 'TLSv1.3';
    expectCloseNotify(full, SIDES, tls13);
    expectCloseNotify(bulk, SIDES, tls13);
    if (tls13) {
      // Node's server sends its two NewSessionTickets (266-byte records) after its 2 MiB: in bulk mode, still reported.
      const tickets = (events: TlsEvent[]): number => ofType(events, 'tls:handshake').filter((h) => h.msgType.name === 'new_session_ticket').length;
      expect(tickets(full)).toBe(2);
      expect(tickets(bulk)).toBe(2);
    }
    // The default is today's decoder: every record decrypted and reported.
    expect(run(script(cap.chunks, cap.keylog), big).events).toEqual(full);
    const withInfinity = run(script(cap.chunks, cap.keylog), { ...big, appDataRecords: Infinity });
    expect(withInfinity.events).toEqual(full);
  });

  it('a NewSessionTicket over 2 KiB (the server remembers a large client certificate in it) is reported in bulk mode', async () => {
    const client = clientCertWithNames(80);
    expect(client.der.length).toBeGreaterThan(2048);
    const cap = await captureOrdered({
      cert, clientBytes: MB2, serverBytes: MB2, ...cases[0].opts,
      client: { key: client.key, cert: client.cert }, server: { requestCert: true, rejectUnauthorized: true, ca: client.cert },
    });
    const { full, bulk } = compare(cap.chunks, cap.keylog);
    const tickets = (events: TlsEvent[]) => ofType(events, 'tls:handshake').filter((h) => h.msgType.name === 'new_session_ticket');
    expect(tickets(full).length).toBeGreaterThan(0);
    expect(tickets(bulk)).toEqual(tickets(full));
    for (const t of tickets(bulk)) {
      expect(t.length).toBeGreaterThan(2048);
      expect(t.encrypted).toBe(true);
    }
    // The tickets came inside bulk mode: more than N of the server's application-data records before them.
    const first = full.indexOf(tickets(full)[0]);
    expect(appRecordsAfterHandshake(full.slice(0, first)).server.length).toBeGreaterThan(N);
    expectCloseNotify(bulk, SIDES, true);
  });

  it('without decryption: TLS 1.2 application data beyond N is counted, the alert record still reported', async () => {
    const cap = await captureOrdered({ cert, clientBytes: MB2 / 4, serverBytes: MB2 / 4, ...cases[2].opts });
    const full = run(script(cap.chunks, cap.keylog), { decrypt: false });
    const bulk = run(script(cap.chunks, cap.keylog), { decrypt: false, appDataRecords: N });
    const want = expectBulk(full.events, N);
    expect(bulk.events).toEqual(want.events);
    expect(bulk.decoder.state.bulk).toEqual(want.bulk);
    // Without keys the handshake's end is a guess from data both ways, which may come after all of one side's.
    expect(want.bulk.client.records + want.bulk.server.records).toBeGreaterThan(20);
    for (const side of SIDES) expect(ofType(bulk.events, 'tls:record').filter((r) => r.from === side).at(-1)?.contentType.code).toBe(21);
  });

  it('a session passes appDataEvents to its decoders: at most that many application-data events per direction', async () => {
    const cap = await captureOrdered({ cert, clientBytes: MB2 / 4, serverBytes: MB2 / 4, ...cases[0].opts });
    const bus = new EventBus();
    const seen: TlslabEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const session = new ConnectionSession(bus, { appDataEvents: N });
    session.client.addKeyLog(cap.keylog);
    for (const ch of cap.chunks) session.client.feed(ch.from, ch.bytes);
    session.close('closed');
    const state = session.client.decoder.state;
    let established = false;
    const after = { client: 0, server: 0 };
    for (const e of seen) {
      if (e.type === 'tls:established') established = true;
      else if (established && isAppRecord(e)) after[e.from]++;
    }
    expect(after).toEqual({ client: N, server: N });
    expect(seen.filter((e) => e.type === 'tls:alert').map((e) => e.type === 'tls:alert' && [e.from, e.description.name])).toEqual([
      ['client', 'close_notify'], ['server', 'close_notify'],
    ]);
    for (const side of SIDES) expect(state.bulk[side].records).toBeGreaterThan(20);
    expect(state.bytes).toEqual({ client: cap.c2s.length, server: cap.s2c.length });
  });
});

/** Collects a child's output (the last 64 KiB) and waits for a pattern in what came since the last match. */
function watch(child: ChildProcessWithoutNullStreams): (pattern: RegExp) => Promise<RegExpExecArray> {
  let tail = '';
  let waiter: { pattern: RegExp; resolve: (m: RegExpExecArray) => void } | null = null;
  const check = (): void => {
    const m = waiter ? waiter.pattern.exec(tail) : null;
    if (waiter && m) {
      const w = waiter;
      waiter = null;
      tail = tail.slice(m.index + m[0].length);
      w.resolve(m);
    }
  };
  const onData = (d: Buffer): void => {
    tail = (tail + d.toString('latin1')).slice(-65536);
    check();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return (pattern) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output ends:\n${tail.slice(-500)}`)), 15_000);
      waiter = { pattern, resolve: (m) => (clearTimeout(timer), resolve(m)) };
      check();
    });
}

const exited = (child: ChildProcessWithoutNullStreams): Promise<void> =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** About `bytes` of digit lines ending in `tag` (s_client and s_server take input starting with a letter as a command). */
const payload = (bytes: number, tag: string): string => {
  const line = '0123456789'.repeat(7) + '\n';
  return line.repeat(Math.floor(bytes / line.length)) + tag + '\n';
};

describeWithTools(['openssl'], 'bulk mode across a TLS 1.3 KeyUpdate (openssl s_client / s_server)', () => {
  let dir: string;
  const children: ChildProcessWithoutNullStreams[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlslab-bulk-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'),
      '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
    await Promise.all(children.map(exited));
    rmSync(dir, { recursive: true, force: true });
  });

  it('1 MiB from the client and 10 MiB from the server, a KeyUpdate from each side, 1 MiB each way, close_notify', async () => {
    const half = MB2 / 2;
    const tenMiB = 10 * 1024 * 1024;
    const server = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-tls1_3', '-cert', join(dir, 'cert.pem'), '-key', join(dir, 'key.pem'),
      '-keylogfile', join(dir, 'server.keys'), '-naccept', '1']);
    children.push(server);
    const serverSaw = watch(server);
    const port = Number((await serverSaw(/ACCEPT 127\.0\.0\.1:(\d+)/))[1]);
    const relay = await orderedRelay(port);
    try {
      const client = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${relay.port}`, '-servername', 'localhost', '-tls1_3',
        '-keylogfile', join(dir, 'client.keys')]);
      children.push(client);
      const clientSaw = watch(client);
      await clientSaw(/Verify return code/);
      client.stdin.write(payload(half, '#c1#'));
      await serverSaw(/#c1#/);
      server.stdin.write(payload(tenMiB, '#s1#'));
      await clientSaw(/#s1#/);
      client.stdin.write('k\n'); // s_client command: KeyUpdate, update_not_requested (RFC 8446 §4.6.3)
      await clientSaw(/KEYUPDATE/);
      server.stdin.write('k\n'); // the same on the server
      await serverSaw(/SSL_do_handshake -> 1/);
      client.stdin.write(payload(half, '#c2#'));
      await serverSaw(/#c2#/);
      server.stdin.write(payload(half, '#s2#'));
      await clientSaw(/#s2#/);
      client.stdin.end(); // EOF: s_client sends close_notify; s_server answers with its own and exits (-naccept 1)
      await Promise.all([exited(client), exited(server)]);
    } finally {
      await relay.close();
    }
    const keylog = readFileSync(join(dir, 'client.keys'), 'utf8') + readFileSync(join(dir, 'server.keys'), 'utf8');
    const { full, bulk } = compare(relay.chunks, keylog);
    for (const events of [full, bulk]) {
      const updates = ofType(events, 'tls:handshake').filter((h) => h.msgType.name === 'key_update');
      expect(updates.map((h) => [h.from, h.encrypted])).toEqual([['client', true], ['server', true]]);
    }
    // The KeyUpdates came well inside bulk mode: records were skipped under the old keys and the new ones.
    for (const side of SIDES) {
      const at = full.findIndex((e) => e.type === 'tls:handshake' && e.from === side && e.msgType.name === 'key_update');
      expect(appRecordsAfterHandshake(full)[side].length).toBeGreaterThan(100);
      expect(full.slice(at).filter((e) => isAppRecord(e) && e.from === side).length).toBeGreaterThan(50);
    }
    expectCloseNotify(bulk, SIDES, true);
    expect(plaintext(full, 'client').toString('latin1')).toBe(payload(half, '#c1#') + payload(half, '#c2#'));
    // The server's KeyUpdate came after more than 10 MiB of its records, all but N of them skipped in bulk mode.
    const serverKeyUpdate = bulk.findIndex((e) => e.type === 'tls:handshake' && e.from === 'server' && e.msgType.name === 'key_update');
    const before = full.findIndex((e) => e.type === 'tls:handshake' && e.from === 'server' && e.msgType.name === 'key_update');
    const bytesBefore = appRecordsAfterHandshake(full.slice(0, before)).server.reduce((n, r) => n + r.length, 0);
    expect(bytesBefore).toBeGreaterThan(tenMiB);
    expect(appRecordsAfterHandshake(bulk.slice(0, serverKeyUpdate)).server).toHaveLength(N);
  });
});
