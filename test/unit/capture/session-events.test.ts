// What a ConnectionSession sends to the bus for a leg's decoder events, on a real Node TLS 1.3 connection (loopback,
// recorded with its key log): in `live` detail exactly the `full` events without their bytes and field trees, and
// each one exactly the decoder's event with `leg` and `conn` after it (the session stamps it without copying it first).
import type { EventDraft } from '../../../src/events/schema';
import { ConnectionSession, type EventSink, type SessionOptions } from '../../../src/capture/session';
import { EventBus } from '../../../src/events/bus';
import { TlsDecoder, type TlsEvent } from '../../../src/tls';
import { captureNodeTls, selfSignedCert, type Capture } from '../../helpers/tls-crypto-capture';
import { asLive } from '../../helpers/tls-decoder';

type Step = { from: 'client' | 'server'; bytes: Buffer } | { keys: string[] };

/**
 * The client's first record, the server's first 4,000 bytes (its handshake flight, then data), the key-log lines (as
 * Node reports them, after the records they open), the client's rest (its Finished), then the rest of the download.
 */
function steps(c: Capture): Step[] {
  const first = 5 + c.c2s.readUInt16BE(3);
  return [
    { from: 'client', bytes: c.c2s.subarray(0, first) },
    { from: 'server', bytes: c.s2c.subarray(0, 4_000) },
    { keys: c.keylog.split('\n').filter((l) => l !== '') },
    { from: 'client', bytes: c.c2s.subarray(first) },
    { from: 'server', bytes: c.s2c.subarray(4_000) },
  ];
}

/** The drafts the session emits for `c` on the given leg, as JSON at the moment they were emitted, and what its listeners saw. */
function drafts(c: Capture, leg: 'client' | 'upstream', opts: SessionOptions): { emitted: string[]; heard: number } {
  const emitted: string[] = [];
  const bus = new EventBus();
  const sink: EventSink = {
    emit: (d: EventDraft) => {
      emitted.push(JSON.stringify(d));
      return bus.emit(d);
    },
  };
  const session = new ConnectionSession(sink, { id: 'c1', ...opts });
  let heard = 0;
  const capture = session.leg(leg);
  capture.onTlsEvent(() => heard++);
  for (const s of steps(c)) {
    if ('keys' in s) for (const line of s.keys) capture.addKeyLog(line);
    else capture.feed(s.from, s.bytes);
  }
  session.close('closed');
  return { emitted: emitted.filter((d) => d.includes('"type":"tls:')), heard };
}

describe('ConnectionSession: a leg’s decoder events on the bus', () => {
  let cap: Capture;
  beforeAll(async () => {
    // 1 MiB from the server: well past the 32 application-data records a direction reports before bulk mode.
    cap = await captureNodeTls({ cert: selfSignedCert(), minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', clientBytes: 3_000, serverBytes: 1 << 20 });
  });

  it.each(['client', 'upstream'] as const)('on the %s leg, live is full without the bytes and field trees', (leg) => {
    const live = drafts(cap, leg, { decoder: { detail: 'live' } });
    const full = drafts(cap, leg, { decoder: { detail: 'full' } });
    const asLiveDraft = (json: string): string => JSON.stringify(asLive(JSON.parse(json) as TlsEvent));
    expect(live.emitted).toEqual(full.emitted.map(asLiveDraft));
    expect(live.emitted.filter((d) => d.includes('"deferred":true')).length).toBeGreaterThan(10);
    expect(live.heard).toBe(full.heard);
  });

  it('each draft is the decoder’s event, key for key, then leg and conn; bulk records are counted, not sent', () => {
    const { emitted, heard } = drafts(cap, 'upstream', { decoder: { detail: 'live' } });
    // The same bytes through a bare decoder with the session's options (no masking applies: the data is random bytes).
    const d = new TlsDecoder({ detail: 'live', appDataRecords: 32 });
    const events: TlsEvent[] = [];
    for (const s of steps(cap)) {
      if ('keys' in s) for (const line of s.keys) events.push(...d.addKeyLog(`${line}\n`));
      else events.push(...d.feed(s.from, s.bytes));
    }
    events.push(...d.end('client'), ...d.end('server'), ...d.finish());
    expect(emitted).toEqual(events.map((e) => JSON.stringify({ ...e, leg: 'upstream', conn: 'c1' })));
    expect(heard).toBe(events.length);
    const appData = emitted.filter((x) => x.includes('"type":"tls:appdata"') && x.includes('"from":"server"'));
    expect(appData).toHaveLength(32);
    expect(d.state.bulk.server.records).toBeGreaterThan(20);
  });
});
