// Details on demand, on real traffic: the live stream leaves record and message bytes and field trees out
// (`deferred`), `GET /api/connections/:id/events` builds them from the kept raw legs, and a connection whose bytes were
// dropped from the bounded capture store answers them still deferred. tlslab with its lab origins, curl through it.
import type { Field, TlslabEvent } from '../../src/events/schema';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

type Of<T extends TlslabEvent['type']> = Extract<TlslabEvent, { type: T }>;
type Bytes = Of<'tls:record'> | Of<'tls:handshake'>;

const isBytes = (e: TlslabEvent): e is Bytes => e.type === 'tls:record' || e.type === 'tls:handshake';

/** An event as the live stream has it: without what details on demand add. */
function withoutDetail(e: TlslabEvent): unknown {
  if (!isBytes(e)) return e;
  const { hex: _h, deferred: _d, ...rest } = e;
  if (rest.type === 'tls:record') {
    const { truncated: _t, ...r } = rest;
    return r;
  }
  const { fields: _f, ...m } = rest;
  return m;
}

describeWithTools(['curl'], 'details on demand (tlslab + lab origins + curl)', () => {
  let app: TestTlslab;

  beforeAll(async () => {
    // Two connections' bytes kept: the third connection pushes the first one's out.
    app = await startTestTlslab({ uiPort: 0, lab: true, keptCaptures: { maxConnections: 2 } });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  const visit = async (name: string, extra: string[] = []): Promise<string> => {
    const from = app.events.length;
    const r = await run('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, ...extra, `https://${name}.lab.tlslab/`]);
    const open = await app.waitFor((e) => e.type === 'conn:open' && app.events.indexOf(e) >= from && e.target.host === `${name}.lab.tlslab`);
    await app.waitFor((e) => e.type === 'conn:close' && e.conn === open.conn, 15_000);
    expect(r.stderr === '' || name === 'expired').toBe(true);
    return open.conn;
  };
  const eventsOf = async (id: string): Promise<TlslabEvent[]> => {
    const r = await fetch(`${app.dashboardUrl ?? ''}api/connections/${id}/events`);
    expect(r.status).toBe(200);
    return (await r.json()) as TlslabEvent[];
  };

  let evicted = '';
  const kept: string[] = [];
  it('the live events leave every record and message without its bytes, and say so', async () => {
    evicted = await visit('expired');
    kept.push(await visit('valid'), await visit('static-rsa', ['--tls-max', '1.2']));
    for (const id of [evicted, ...kept]) {
      const live = app.events.filter((e) => e.conn === id).filter(isBytes);
      expect(live.filter((e) => e.type === 'tls:handshake').length).toBeGreaterThanOrEqual(8);
      for (const e of live) {
        expect(e.deferred).toBe(true);
        expect(e).not.toHaveProperty('hex');
        expect(e).not.toHaveProperty('fields');
      }
    }
  }, 60_000);

  it('the API fills them in from the kept bytes: every message whole, its fields and certificates where they were', async () => {
    for (const id of kept) {
      const live = app.events.filter((e) => e.conn === id);
      const full = await eventsOf(id);
      // The same events, in the same order, with the same facts: only the bytes added.
      expect(full.map(withoutDetail)).toEqual(live.map(withoutDetail));
      for (const e of full.filter(isBytes)) {
        expect(e).not.toHaveProperty('deferred');
        const bytes = Buffer.from(e.hex ?? '', 'hex');
        if (e.type === 'tls:record') {
          expect(bytes[0]).toBe(e.contentType.code);
          expect(bytes.readUInt16BE(3)).toBe(e.length);
          continue;
        }
        expect(bytes.length).toBe(e.length + 4);
        expect(bytes[0]).toBe(e.msgType.code);
        const names = (e.fields ?? []).map((f: Field) => f.name);
        expect(names[0]).toBe('msg_type');
        if (e.details?.kind === 'certificate') {
          const { certificates, ranges } = e.details;
          expect(certificates.length).toBeGreaterThan(0);
          certificates.forEach((der, i) => expect(bytes.subarray(ranges[i][0], ranges[i][1]).toString('hex')).toBe(der));
        }
      }
      const legs = new Set(full.filter(isBytes).map((e) => `${e.leg}:${e.from}`));
      expect(legs).toEqual(new Set(['client:client', 'client:server', 'upstream:client', 'upstream:server']));
    }
    // The TLS 1.2 connection's ServerHello says TLS 1.2 in its field tree; its ClientKeyExchange is there whole.
    const t12 = (await eventsOf(kept[1])).filter((e): e is Of<'tls:handshake'> => e.type === 'tls:handshake' && e.leg === 'upstream');
    const sh = t12.find((e) => e.msgType.code === 2);
    expect(JSON.stringify(sh?.fields)).toContain('TLS 1.2');
    expect(t12.some((e) => e.msgType.code === 16 && e.hex !== undefined)).toBe(true);
  });

  it('a connection whose bytes were dropped keeps its events, still deferred: its details are no longer kept', async () => {
    const full = await eventsOf(evicted);
    const live = app.events.filter((e) => e.conn === evicted);
    expect(full.length).toBe(live.length);
    expect(full.filter(isBytes).every((e) => e.deferred === true && e.hex === undefined)).toBe(true);
    // Its verdict, with the finding the lesson needs, is there all the same.
    expect(full.find((e) => e.type === 'tls:verdict')).toMatchObject({ type: 'tls:verdict', ok: false });
  });

  it('asking again gives the same answer (built once, remembered)', async () => {
    expect(await eventsOf(kept[0])).toEqual(await eventsOf(kept[0]));
  });
});
