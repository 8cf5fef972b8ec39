// The decoder on real Node TLS connections (loopback, recorded with their key logs): TLS 1.2 with ECDHE, DHE and
// RSA key transport, AEAD and CBC, TLS 1.3, and a HelloRetryRequest. Every message named, every byte decrypted.
import { captureNodeTls, selfSignedCert, type Capture, type CaptureOptions } from '../../helpers/tls-crypto-capture';
import { ofType, run, withoutKeys, type Feed } from '../../helpers/tls-decoder';

const cert = selfSignedCert();

/** The client's first record (the ClientHello), the server's bytes, then the client's rest: the causal order. */
function script(c: Capture): Feed[] {
  const first = 5 + c.c2s.readUInt16BE(3);
  return [
    { from: 'client', bytes: c.c2s.subarray(0, first) },
    { from: 'server', bytes: c.s2c },
    { from: 'client', bytes: c.c2s.subarray(first) },
  ];
}

const big = { appDataPreview: 1 << 20 };

function plaintext(events: ReturnType<typeof run>['events'], from: 'client' | 'server'): Buffer {
  return Buffer.concat(ofType(events, 'tls:appdata').filter((a) => a.from === from).map((a) => Buffer.from(a.previewHex ?? '', 'hex')));
}

interface Case {
  title: string;
  opts: Omit<CaptureOptions, 'cert'>;
  version: number;
  suite: number;
  server: string[];
  client: string[];
  kx: string;
}

const cases: Case[] = [
  {
    title: 'TLS 1.2 ECDHE-RSA AES-128-GCM', opts: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' },
    version: 0x0303, suite: 0xc02f, kx: 'ecdhe',
    server: ['server_hello', 'certificate', 'server_key_exchange', 'server_hello_done', 'new_session_ticket', 'finished'],
    client: ['client_hello', 'client_key_exchange', 'finished'],
  },
  {
    title: 'TLS 1.2 RSA key transport AES-128-GCM (step 4 of the eight-step story)', opts: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' },
    version: 0x0303, suite: 0x009c, kx: 'rsa',
    server: ['server_hello', 'certificate', 'server_hello_done', 'new_session_ticket', 'finished'],
    client: ['client_hello', 'client_key_exchange', 'finished'],
  },
  {
    title: 'TLS 1.2 DHE-RSA AES-256-CBC-SHA256', opts: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES256-SHA256', server: { dhparam: 'auto' } },
    version: 0x0303, suite: 0x006b, kx: 'dhe',
    server: ['server_hello', 'certificate', 'server_key_exchange', 'server_hello_done', 'new_session_ticket', 'finished'],
    client: ['client_hello', 'client_key_exchange', 'finished'],
  },
  {
    title: 'TLS 1.3 ChaCha20-Poly1305', opts: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
    version: 0x0304, suite: 0x1303, kx: 'ecdhe',
    server: ['server_hello', 'encrypted_extensions', 'certificate', 'certificate_verify', 'finished', 'new_session_ticket', 'new_session_ticket'],
    client: ['client_hello', 'finished'],
  },
];

describe('TlsDecoder on real Node TLS connections', () => {
  it.each(cases.map((c) => [c.title, c] as const))('%s', async (_t, c) => {
    const cap = await captureNodeTls({ cert, clientBytes: 30_000, serverBytes: 50_000, ...c.opts });
    const { events, decoder } = run([{ keys: cap.keylog }, ...script(cap), { end: 'client' }, { end: 'server' }, { finish: true }], big);
    expect(ofType(events, 'tls:decode-error')).toEqual([]);
    expect(ofType(events, 'tls:undecryptable')).toEqual([]);
    const hs = ofType(events, 'tls:handshake');
    expect(hs.filter((h) => h.from === 'server').map((h) => h.msgType.name)).toEqual(c.server);
    expect(hs.filter((h) => h.from === 'client').map((h) => h.msgType.name)).toEqual(c.client);
    expect(plaintext(events, 'client').equals(cap.clientData)).toBe(true);
    expect(plaintext(events, 'server').equals(cap.serverData)).toBe(true);
    expect(ofType(events, 'tls:established')).toEqual([expect.objectContaining({ version: expect.objectContaining({ code: c.version }), cipherSuite: expect.objectContaining({ code: c.suite }), sni: 'localhost', keyExchange: c.kx })]);
    expect(decoder.state).toMatchObject({ version: c.version, cipherSuite: c.suite, sni: 'localhost', handshakeDone: true, bytes: { client: cap.c2s.length, server: cap.s2c.length } });
    const ccs = ofType(events, 'tls:ccs');
    if (c.version === 0x0303) {
      expect(ccs.map((x) => [x.from, x.compatibility])).toEqual([['server', false], ['client', false]]);
      // TLS 1.2: the Finished messages arrive encrypted, after ChangeCipherSpec.
      expect(hs.filter((h) => h.msgType.name === 'finished').every((h) => h.encrypted)).toBe(true);
      const cke = hs.find((h) => h.msgType.name === 'client_key_exchange');
      expect(cke?.details).toMatchObject({ kind: 'client_key_exchange', method: c.kx });
      expect(cke?.step).toBe(4);
      if (c.kx === 'rsa') expect(cke?.note).toMatch(/encrypts the premaster secret with the server's public key/);
      const ske = hs.find((h) => h.msgType.name === 'server_key_exchange');
      if (c.kx === 'ecdhe') expect(ske?.details).toMatchObject({ method: 'ecdhe', group: { name: 'x25519' }, signatureAlgorithm: { name: expect.stringMatching(/rsa/) } });
      if (c.kx === 'dhe') expect(ske?.details).toMatchObject({ method: 'dhe', signatureAlgorithm: { name: expect.stringMatching(/rsa/) } });
      if (ske) expect(ske.step).toBe(5);
    } else {
      expect(ccs.every((x) => x.compatibility)).toBe(true);
      expect(hs.find((h) => h.msgType.name === 'certificate_verify')?.step).toBe(3);
    }
    const cert1 = hs.find((h) => h.msgType.name === 'certificate');
    expect(cert1?.details?.kind === 'certificate' && cert1.details.certificates.length).toBe(1);
    // Keys after every byte: the same story on each side (only the interleaving of the two sides may differ).
    const late = run([...script(cap), { end: 'client' }, { end: 'server' }, { keys: cap.keylog }, { finish: true }], big);
    for (const side of ['client', 'server'] as const) {
      expect(withoutKeys(late.events).filter((e) => e.from === side)).toEqual(withoutKeys(events).filter((e) => e.from === side));
    }
  });

  it('recognises a HelloRetryRequest and decrypts what follows', async () => {
    // The client's only key share is X25519; the server accepts P-256 only, so it must ask again (RFC 8446 §4.1.4).
    const cap = await captureNodeTls({
      cert, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', clientBytes: 1000, serverBytes: 1000,
      client: { ecdhCurve: 'X25519:P-256' }, server: { ecdhCurve: 'P-256' },
    });
    // Causal order: CH1, HRR (+CCS), CH2, the rest.
    const chLen = (b: Buffer, at: number): number => 5 + b.readUInt16BE(at + 3);
    const hrrLen = chLen(cap.s2c, 0);
    const ch1 = chLen(cap.c2s, 0);
    const { events } = run([
      { keys: cap.keylog }, { from: 'client', bytes: cap.c2s.subarray(0, ch1) }, { from: 'server', bytes: cap.s2c.subarray(0, hrrLen) },
      { from: 'client', bytes: cap.c2s.subarray(ch1) }, { from: 'server', bytes: cap.s2c.subarray(hrrLen) }, { finish: true },
    ], big);
    expect(ofType(events, 'tls:decode-error')).toEqual([]);
    expect(ofType(events, 'tls:undecryptable')).toEqual([]);
    const hs = ofType(events, 'tls:handshake');
    expect(hs.slice(0, 3).map((h) => [h.from, h.msgType.name])).toEqual([['client', 'client_hello'], ['server', 'server_hello'], ['client', 'client_hello']]);
    expect(hs[1].details).toMatchObject({ helloRetryRequest: true, keyShareGroup: { name: 'secp256r1' } });
    expect(hs[1].note).toMatch(/HelloRetryRequest/);
    expect(hs[2].details).toMatchObject({ keyShareGroups: [{ name: 'secp256r1' }] });
    expect(ofType(events, 'tls:established')).toEqual([expect.objectContaining({ group: { code: 23, name: 'secp256r1' } })]);
    expect(plaintext(events, 'server').equals(cap.serverData)).toBe(true);
  });
});
