// The decoder on RFC 8448 §3 (Simple 1-RTT Handshake): every record, every message, decryption, key timing, splits.
import { createCipheriv } from 'node:crypto';
import type { Field } from '../../../src/events/schema';
import { ofType, run, withoutKeys, type Feed } from '../../helpers/tls-decoder';
import { c2s, keylog, rfc8448, s2c } from '../../helpers/tls-rfc8448';

const chRecordLength = rfc8448.records[0].record.length / 2;
/** Causal order: ClientHello, the whole server flight and data, then the client's Finished and data. */
const bytesScript: Feed[] = [
  { from: 'client', bytes: c2s.subarray(0, chRecordLength) },
  { from: 'server', bytes: s2c },
  { from: 'client', bytes: c2s.subarray(chRecordLength) },
];
const keysFirst: Feed[] = [{ keys: keylog }, ...bytesScript, { finish: true }];
const keysLast: Feed[] = [...bytesScript, { keys: keylog }, { finish: true }];

const find = (fields: Field[] | undefined, name: string): Field => {
  if (fields === undefined) throw new Error(`no field tree (looking for ${name})`);
  const f = fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name} in ${fields.map((x) => x.name).join(', ')}`);
  return f;
};

describe("TlsDecoder's live detail on RFC 8448 §3", () => {
  const full = run(keysFirst).events;
  const live = run(keysFirst, { detail: 'live' }).events;

  it('leaves out the bytes of records and messages and the field trees, and says so, and nothing else', () => {
    expect(live.map((e) => e.type)).toEqual(full.map((e) => e.type));
    const deferred = live.filter((e) => (e.type === 'tls:record' || e.type === 'tls:handshake'));
    expect(deferred).toHaveLength(9 + 8);
    for (const e of deferred) {
      expect(e).toMatchObject({ deferred: true });
      expect(e).not.toHaveProperty('hex');
      expect(e).not.toHaveProperty('fields');
    }
    // Put the bytes back, and the events are the full ones: same details, steps, notes, offsets and order.
    const restored = live.map((e, i) => {
      const f = full[i];
      if ((e.type !== 'tls:record' && e.type !== 'tls:handshake') || (f.type !== 'tls:record' && f.type !== 'tls:handshake')) return e;
      const { deferred: _d, ...rest } = e;
      return { ...rest, hex: f.hex, ...(f.type === 'tls:handshake' ? { fields: f.fields } : {}), ...(f.type === 'tls:record' && f.truncated ? { truncated: true } : {}) };
    });
    expect(restored).toEqual(full);
    expect(full.filter((e) => 'deferred' in e)).toEqual([]);
  });
});

describe('TlsDecoder on RFC 8448 §3 with keys', () => {
  const { events, decoder } = run(keysFirst);

  it('emits one tls:record per RFC record, with its exact bytes and stream offset', () => {
    const records = ofType(events, 'tls:record');
    const expected = rfc8448.records;
    for (const side of ['client', 'server'] as const) {
      const dir = side === 'client' ? 'client_to_server' : 'server_to_client';
      const want = expected.filter((r) => r.direction === dir);
      const got = records.filter((r) => r.from === side);
      expect(got.map((r) => r.hex)).toEqual(want.map((r) => r.record));
      expect(got.map((r) => r.offset)).toEqual(want.map((r) => r.stream_offset));
      expect(got.map((r) => r.encrypted)).toEqual(want.map((r) => r.encrypted));
      expect(got.map((r) => r.innerType?.code ?? r.contentType.code)).toEqual(want.map((r) => r.inner_content_type ?? r.outer_content_type));
    }
    expect(decoder.state.records).toEqual({ client: 4, server: 5 });
    expect(decoder.state.bytes).toEqual({ client: c2s.length, server: s2c.length });
  });

  it('emits every handshake message with the RFC bytes, decrypting the protected ones', () => {
    const hs = ofType(events, 'tls:handshake');
    const m = rfc8448.handshake_messages;
    expect(hs.filter((h) => h.from === 'server').map((h) => h.hex)).toEqual([
      m.server_hello, m.encrypted_extensions, m.server_certificate, m.server_certificate_verify, m.server_finished,
      rfc8448.post_handshake_messages.new_session_ticket,
    ]);
    expect(hs.filter((h) => h.from === 'client').map((h) => h.hex)).toEqual([m.client_hello, m.client_finished]);
    expect(hs.map((h) => [h.msgType.name, h.encrypted, h.offset])).toEqual([
      ['client_hello', false, 5], ['server_hello', false, 5], ['encrypted_extensions', true, null], ['certificate', true, null],
      ['certificate_verify', true, null], ['finished', true, null], ['new_session_ticket', true, null], ['finished', true, null],
    ]);
    expect(ofType(events, 'tls:decode-error')).toEqual([]);
    expect(ofType(events, 'tls:undecryptable')).toEqual([]);
  });

  it('names the ClientHello fields with values and byte ranges into the message hex', () => {
    const ch = ofType(events, 'tls:handshake')[0];
    const hex = ch.hex ?? '';
    const bytesOf = (f: Field): string => hex.slice(f.range[0] * 2, f.range[1] * 2);
    expect(find(ch.fields, 'msg_type').value).toBe('client_hello (0x01)');
    expect(find(ch.fields, 'length')).toMatchObject({ value: '192 bytes', range: [1, 4] });
    expect(find(ch.fields, 'legacy_version')).toMatchObject({ value: 'TLS 1.2 (0x0303)', range: [4, 6] });
    const random = find(ch.fields, 'random');
    expect(random.range).toEqual([6, 38]);
    expect(bytesOf(random)).toBe(rfc8448.client_random);
    const suites = find(ch.fields, 'cipher_suites');
    expect(suites.children?.slice(1).map((c) => c.value)).toEqual([
      'TLS_AES_128_GCM_SHA256 (0x1301)', 'TLS_CHACHA20_POLY1305_SHA256 (0x1303)', 'TLS_AES_256_GCM_SHA384 (0x1302)',
    ]);
    expect(bytesOf(suites)).toBe('0006130113031302');
    const exts = find(ch.fields, 'extensions');
    const sni = find(exts.children ?? [], 'server_name');
    expect(sni.value).toBe('server');
    expect(bytesOf(sni)).toBe('0000000b0009000006736572766572');
    const keyShare = find(exts.children ?? [], 'key_share');
    expect(JSON.stringify(keyShare)).toContain('x25519 (0x001d)');
    expect(find(exts.children ?? [], 'supported_versions').children?.[2].children?.[1].value).toBe('TLS 1.3 (0x0304)');
    expect(ch.details).toMatchObject({ kind: 'client_hello', sni: 'server', ja4: 't13d030900_55b375c5d22e_59cd3dafc54d' });
    expect(ch.step).toBe(1);
  });

  it('names the ServerHello fields and the negotiated parameters', () => {
    const sh = ofType(events, 'tls:handshake')[1];
    expect(find(sh.fields, 'cipher_suite')).toMatchObject({ value: 'TLS_AES_128_GCM_SHA256 (0x1301)', range: [39, 41] });
    expect(sh.hex?.slice(6 * 2, 38 * 2)).toBe(rfc8448.server_random);
    expect(sh.details).toEqual({
      kind: 'server_hello', version: { code: 0x0304, name: 'TLS 1.3' }, random: rfc8448.server_random, sessionId: '',
      cipherSuite: { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256' },
      extensions: [{ code: 51, name: 'key_share' }, { code: 43, name: 'supported_versions' }], alpn: null,
      keyShareGroup: { code: 29, name: 'x25519' }, helloRetryRequest: false,
    });
    expect(sh.note).toMatch(/key exchange happens inside the hellos, in key_share/);
    expect(decoder.state).toMatchObject({ version: 0x0304, cipherSuite: 0x1301, sni: 'server', alpn: null, handshakeDone: true });
    expect(decoder.clientRandom).toBe(rfc8448.client_random);
  });

  it('gives the certificate DER and its range', () => {
    const cert = ofType(events, 'tls:handshake').find((h) => h.msgType.code === 11);
    if (cert?.details?.kind !== 'certificate') throw new Error('no certificate details');
    expect(cert.details.certificates).toHaveLength(1);
    const [start, end] = cert.details.ranges[0];
    expect(cert.hex?.slice(start * 2, end * 2)).toBe(cert.details.certificates[0]);
    expect(cert.details.certificates[0].startsWith('308201ac')).toBe(true);
  });

  it('decrypts application data and alerts, and marks the lesson steps', () => {
    const app = ofType(events, 'tls:appdata');
    const fifty = Buffer.from(Array.from({ length: 50 }, (_, i) => i)).toString('hex');
    expect(app.map((a) => [a.from, a.length, a.decrypted, a.previewHex])).toEqual([['server', 50, true, fifty], ['client', 50, true, fifty]]);
    expect(ofType(events, 'tls:alert').map((a) => [a.from, a.description.name, a.encrypted, a.fatal, a.step])).toEqual([
      ['server', 'close_notify', true, false, 8], ['client', 'close_notify', true, false, 8],
    ]);
    expect(ofType(events, 'tls:handshake').map((h) => h.step)).toEqual([1, 2, 2, 2, 3, 6, 7, 6]);
  });

  it('announces the established connection once, after both Finished', () => {
    const est = ofType(events, 'tls:established');
    expect(est).toEqual([{
      type: 'tls:established', from: 'client', version: { code: 0x0304, name: 'TLS 1.3' },
      cipherSuite: { code: 0x1301, name: 'TLS_AES_128_GCM_SHA256' }, alpn: null, sni: 'server', keyExchange: 'ecdhe',
      group: { code: 29, name: 'x25519' },
    }]);
    const i = events.indexOf(est[0]);
    expect(events[i - 1]).toMatchObject({ type: 'tls:handshake', from: 'client', msgType: { name: 'finished' } });
  });

  it('reports the key-log labels per side, never the secrets', () => {
    expect(ofType(events, 'tls:keys')).toEqual([
      { type: 'tls:keys', from: 'client', labels: ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'] },
      { type: 'tls:keys', from: 'server', labels: ['SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0'] },
    ]);
  });
});

describe('TlsDecoder on RFC 8448 §3: keys after the bytes', () => {
  it('queues protected records until the key arrives, then releases them in order: same events as keys first', () => {
    const { events: first } = run(keysFirst);
    const d = run(bytesScript).decoder;
    // Before the keys: the hellos are decoded, the protected records wait (no event for them yet).
    const before = run(bytesScript).events;
    expect(ofType(before, 'tls:handshake').map((h) => h.msgType.name)).toEqual(['client_hello', 'server_hello']);
    expect(ofType(before, 'tls:record').map((r) => r.offset)).toEqual([0, 0]);
    expect(d.state.records).toEqual({ client: 4, server: 5 });
    const { events: last } = run(keysLast);
    expect(withoutKeys(last)).toEqual(withoutKeys(first));
  });

  it('says why when the key never arrives', () => {
    const { events } = run([...bytesScript, { finish: true }]);
    const und = ofType(events, 'tls:undecryptable');
    expect(und.map((u) => [u.from, u.offset, u.reason])).toEqual([
      ['server', 95, 'key-never-arrived'], ['server', 774, 'key-never-arrived'], ['server', 1001, 'key-never-arrived'],
      ['server', 1073, 'key-never-arrived'], ['client', 201, 'key-never-arrived'], ['client', 259, 'key-never-arrived'],
      ['client', 331, 'key-never-arrived'],
    ]);
    expect(und[0].message).toMatch(/SERVER_HANDSHAKE_TRAFFIC_SECRET/);
  });

  it('with decrypt: false, shows opaque records at once and guesses when the handshake is over', () => {
    // The RFC's causal order: server flight; client Finished; server ticket and data; client data and close_notify.
    const causal: Feed[] = [
      bytesScript[0], { from: 'server', bytes: s2c.subarray(0, 774) }, { from: 'client', bytes: c2s.subarray(201, 259) },
      { from: 'server', bytes: s2c.subarray(774, 1073) }, { from: 'client', bytes: c2s.subarray(259) }, { from: 'server', bytes: s2c.subarray(1073) },
    ];
    const { events } = run(causal, { decrypt: false });
    expect(ofType(events, 'tls:undecryptable')).toEqual([]);
    expect(ofType(events, 'tls:appdata').every((a) => !a.decrypted)).toBe(true);
    expect(ofType(events, 'tls:appdata')).toHaveLength(7);
    const est = ofType(events, 'tls:established');
    expect(est).toHaveLength(1);
    expect(est[0]).toMatchObject({ version: { name: 'TLS 1.3' }, sni: 'server', keyExchange: 'ecdhe' });
    // It comes with the client's first data record (offset 259), the first data seen both ways after the handshake.
    expect(events[events.indexOf(est[0]) - 2]).toMatchObject({ type: 'tls:record', from: 'client', offset: 259 });
  });

  it('gives up early (no-key-yet) when the queue is over its bound', () => {
    const { events } = run(bytesScript, { maxBuffered: 100 });
    const und = ofType(events, 'tls:undecryptable');
    expect(und.length).toBeGreaterThan(0);
    expect(und.every((u) => u.reason === 'no-key-yet')).toBe(true);
  });
});

describe('TlsDecoder on RFC 8448 §3: split writes', () => {
  const { events: whole } = run(keysFirst);
  const wholeJson = JSON.stringify(whole);

  it('gives the same events at every split point of each direction', () => {
    for (const [side, stream] of [['client', c2s], ['server', s2c]] as const) {
      for (let k = 1; k < stream.length; k++) {
        const script: Feed[] = side === 'server'
          ? [{ keys: keylog }, bytesScript[0], { from: 'server', bytes: s2c.subarray(0, k) }, { from: 'server', bytes: s2c.subarray(k) }, bytesScript[2], { finish: true }]
          : [{ keys: keylog }, { from: 'client', bytes: c2s.subarray(0, Math.min(k, chRecordLength)) }, { from: 'client', bytes: c2s.subarray(Math.min(k, chRecordLength), chRecordLength) },
            bytesScript[1], { from: 'client', bytes: c2s.subarray(chRecordLength, Math.max(k, chRecordLength)) }, { from: 'client', bytes: c2s.subarray(Math.max(k, chRecordLength)) }, { finish: true }];
        const got = JSON.stringify(run(script).events);
        if (got !== wholeJson) expect({ side, k, events: run(script).events }).toEqual({ side, k, events: whole });
      }
    }
  });

  it('gives the same events byte by byte', () => {
    expect(run(keysFirst, {}, 1).events).toEqual(whole);
    expect(withoutKeys(run(keysLast, {}, 1).events)).toEqual(withoutKeys(whole));
  });
});

describe('TlsDecoder: a client that rejects the certificate (Chromium style)', () => {
  it('decrypts a fatal certificate_unknown sent under the client handshake keys and marks it step 3', () => {
    // Chromium answers a certificate it does not trust with alert 46, encrypted (TLS 1.3, after its compatibility
    // CCS), instead of its Finished. Build that record with the RFC's client handshake key (RFC 8446 §5.2):
    // inner plaintext = alert (02 2e) + content type 21; nonce = iv XOR seq 0; additional data = the record header.
    const { key, iv } = (rfc8448 as unknown as { traffic_keys: Record<string, { key: string; iv: string }> }).traffic_keys.client_handshake;
    const header = Buffer.from('1703030013', 'hex'); // 3 bytes of inner plaintext + 16-byte tag
    const cipher = createCipheriv('aes-128-gcm', Buffer.from(key, 'hex'), Buffer.from(iv, 'hex'));
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(Buffer.from('022e15', 'hex')), cipher.final(), cipher.getAuthTag()]);
    const { events } = run([
      { keys: keylog }, bytesScript[0], { from: 'server', bytes: s2c.subarray(0, 774) },
      { from: 'client', bytes: new Uint8Array(Buffer.concat([Buffer.from('140303000101', 'hex'), header, body])) }, { finish: true },
    ]);
    const client = events.filter((e) => e.from === 'client' && e.type !== 'tls:keys');
    expect(client.slice(2).map((e) => e.type)).toEqual(['tls:record', 'tls:ccs', 'tls:record', 'tls:alert']);
    expect(ofType(events, 'tls:ccs')[0].compatibility).toBe(true);
    expect(ofType(events, 'tls:alert')).toEqual([{
      type: 'tls:alert', from: 'client', step: 3, level: { code: 2, name: 'fatal' }, description: { code: 46, name: 'certificate_unknown' },
      encrypted: true, fatal: true,
    }]);
    expect(ofType(events, 'tls:record').pop()).toMatchObject({ encrypted: true, innerType: { code: 21, name: 'alert' } });
    expect(ofType(events, 'tls:established')).toEqual([]);
  });
});
