// The key schedule view reproduces RFC 8448 §3 ("Simple 1-RTT Handshake") exactly: from the wire bytes and the key
// log alone (what tlslab has for a live leg), and, given the x25519 shared secret, every secret of the trace.
import { diffieHellman, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeKeySchedule, keyScheduleOfLeg, legMessages, type KeyScheduleView, type NoKeySchedule } from '../../../src/tls/key-schedule';
import { c2s, keylog, s2c } from '../../helpers/tls-rfc8448';

interface Vectors {
  key_exchange: { client_private_key: string; server_public_key: string; shared_secret: string };
  transcript_hashes: Record<string, string>;
  secrets: Record<string, string>;
  traffic_keys: Record<string, { key: string; iv: string }>;
}
const V = JSON.parse(readFileSync(join(__dirname, '../../fixtures/tls/rfc8448/rfc8448-simple-1rtt.json'), 'utf8')) as Vectors;

/** The ClientHello record, then the server's flight, then the rest of the client's bytes: the order on the wire. */
const CH_RECORD = 5 + 0xc4;
const chunks = [
  { from: 'client' as const, bytes: c2s.subarray(0, CH_RECORD) },
  { from: 'server' as const, bytes: s2c },
  { from: 'client' as const, bytes: c2s.subarray(CH_RECORD) },
];

function view(v: KeyScheduleView | NoKeySchedule): KeyScheduleView {
  if ('unavailable' in v) throw new Error(v.unavailable);
  return v;
}
const step = (v: KeyScheduleView, id: string) => {
  const s = v.steps.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no step ${id}`);
  return s;
};
const input = (v: KeyScheduleView, id: string) => v.inputs.find((x) => x.id === id);

describe('RFC 8448 §3 from the wire and the key log (a live leg)', () => {
  const v = view(keyScheduleOfLeg(chunks, keylog.split('\n')));

  it('names the suite and hash', () => {
    expect([v.version, v.cipherSuite, v.hash]).toEqual(['TLS 1.3', 'TLS_AES_128_GCM_SHA256', 'SHA-256']);
  });

  it('hashes the real transcript at the three points the RFC prints', () => {
    expect(input(v, 'th_sh')).toEqual(expect.objectContaining({ hex: V.transcript_hashes.hs_traffic__through_server_hello, source: 'wire', messages: ['ClientHello', 'ServerHello'] }));
    expect(input(v, 'th_sf')?.hex).toBe(V.transcript_hashes.ap_traffic__through_server_finished);
    expect(input(v, 'th_sf')?.messages).toEqual(['ClientHello', 'ServerHello', 'EncryptedExtensions', 'server Certificate', 'server CertificateVerify', 'server Finished']);
    expect(input(v, 'th_cf')?.hex).toBe(V.transcript_hashes.res_master__through_client_finished);
  });

  it('computes the Early Secret (no PSK) and its "derived" secret', () => {
    expect(step(v, 'early_secret')).toEqual(expect.objectContaining({ hex: V.secrets.early_secret, source: 'computed', op: 'HKDF-Extract' }));
    expect(step(v, 'derived_early')).toEqual(expect.objectContaining({ source: 'computed', label: 'tls13 derived' }));
  });

  it('says where the shared secret would enter, and what it cannot compute without it', () => {
    expect(input(v, 'shared_secret')).toEqual(expect.objectContaining({ hex: null, source: 'unknown', why: expect.stringMatching(/x25519 private key/) }));
    expect(input(v, 'client_key_share')?.hex).toBe('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
    for (const id of ['handshake_secret', 'master_secret', 'res_master']) expect([id, step(v, id).hex, step(v, id).source]).toEqual([id, null, 'unknown']);
    expect(v.notes[0]).toMatch(/not the \(EC\)DHE shared secret/);
  });

  it('takes the traffic secrets from the key log, with their labels', () => {
    for (const [id, name, label] of [
      ['c_hs_traffic', 'client_handshake_traffic_secret', 'tls13 c hs traffic'], ['s_hs_traffic', 'server_handshake_traffic_secret', 'tls13 s hs traffic'],
      ['c_ap_traffic', 'client_application_traffic_secret_0', 'tls13 c ap traffic'], ['s_ap_traffic', 'server_application_traffic_secret_0', 'tls13 s ap traffic'],
      ['exp_master', 'exporter_master_secret', 'tls13 exp master'],
    ] as const) {
      expect(step(v, id)).toEqual(expect.objectContaining({ name, label, hex: V.secrets[name], source: 'key-log' }));
    }
  });

  it('derives every write key and IV of the trace', () => {
    for (const [who, k] of Object.entries(V.traffic_keys)) {
      expect([who, step(v, `${who}_key`).hex, step(v, `${who}_iv`).hex]).toEqual([who, k.key, k.iv]);
    }
  });

  it('computes both Finished values and finds them equal to the Finished messages on the wire', () => {
    expect(step(v, 'server_finished_key').hex).toBe(V.secrets.server_finished_key);
    expect(step(v, 'client_finished_key').hex).toBe(V.secrets.client_finished_key);
    expect(step(v, 'server_verify_data')).toEqual(expect.objectContaining({ hex: V.secrets.server_finished_verify_data, wire: { message: 'server Finished', matches: true } }));
    expect(step(v, 'client_verify_data')).toEqual(expect.objectContaining({ hex: V.secrets.client_finished_verify_data, wire: { message: 'client Finished', matches: true } }));
  });
});

describe('RFC 8448 §3 with the shared secret', () => {
  const keyLogText = keylog;
  // Where the shared secret comes from: x25519 of the client's private key and the server's key share (RFC 7748).
  const shared = diffieHellman({
    privateKey: createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), Buffer.from(V.key_exchange.client_private_key, 'hex')]), format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), Buffer.from(V.key_exchange.server_public_key, 'hex')]), format: 'der', type: 'spki' }),
  });
  const v = view(computeKeySchedule({ messages: legMessages(chunks, keyLogText), keyLog: keyLogText, sharedSecret: shared }));

  it('the x25519 of the trace\'s keys is the RFC\'s shared secret', () => {
    expect(shared.toString('hex')).toBe(V.key_exchange.shared_secret);
  });

  it('reproduces every secret of the trace, and each one the key log holds matches', () => {
    const want: [string, string][] = [
      ['early_secret', 'early_secret'], ['handshake_secret', 'handshake_secret'], ['master_secret', 'master_secret'],
      ['c_hs_traffic', 'client_handshake_traffic_secret'], ['s_hs_traffic', 'server_handshake_traffic_secret'],
      ['c_ap_traffic', 'client_application_traffic_secret_0'], ['s_ap_traffic', 'server_application_traffic_secret_0'],
      ['exp_master', 'exporter_master_secret'], ['res_master', 'resumption_master_secret'],
      ['resumption_psk_1', 'resumption_psk_ticket_nonce_0000'],
    ];
    for (const [id, name] of want) expect([id, step(v, id).hex, step(v, id).source]).toEqual([id, V.secrets[name], 'computed']);
    for (const id of ['c_hs_traffic', 's_hs_traffic', 'c_ap_traffic', 's_ap_traffic', 'exp_master']) expect(step(v, id).keyLog?.matches).toBe(true);
    expect(v.steps.filter((s) => s.source === 'unknown')).toEqual([]);
    expect(input(v, 'ticket_nonce_1')?.hex).toBe('0000');
  });
});

it('a leg with no ServerHello has no schedule, and says so', () => {
  expect(keyScheduleOfLeg(chunks.slice(0, 1), [])).toEqual({ unavailable: expect.stringMatching(/No ServerHello/) });
  expect(keyScheduleOfLeg([], [])).toEqual({ unavailable: expect.stringMatching(/No bytes/) });
});
