// The TLS 1.0–1.2 key derivation of one leg (RFC 5246 §8.1, §6.3, §7.4.9; RFC 7627 §4; RFC 2246 §5): premaster
// secret → master secret → key block → MAC keys, write keys and IVs, and the Finished values checked against the
// wire. The key log gives the master secret; the premaster secret is marked unknown with the reason. Pure.
import type { CipherSuiteParams } from '../crypto/cipher-suites';
import { tlsPrf } from '../crypto/prf';
import { ScheduleBuilder } from './builder';
import { helloParts, verifyData, type LegMessage } from './hello-parts';
import { transcript12, transcriptHash, transcriptHashMd5Sha1, type TranscriptPoint } from './transcript';
import type { KeyScheduleView } from './types';

export interface Schedule12Input {
  messages: readonly LegMessage[];
  secrets: ReadonlyMap<string, Buffer>;
  suite: CipherSuiteParams;
  /** 0x0301–0x0303. */
  version: number;
  /** The premaster secret, when the caller has it (test vectors); live connections never do. */
  premasterSecret?: Uint8Array;
}

const VERSION_NAMES: Readonly<Record<number, string>> = { 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2' };

export function schedule12(input: Schedule12Input): KeyScheduleView {
  const { suite, version } = input;
  const prfHash = version === 0x0303 ? suite.hash : 'md5+sha1';
  const rfc = version === 0x0303 ? 'RFC 5246' : 'RFC 2246';
  const b = new ScheduleBuilder();
  const notes: string[] = [];
  const ch = helloParts(input.messages.find((m) => m.from === 'client' && m.bytes[0] === 1)?.bytes ?? new Uint8Array());
  const sh = helloParts(input.messages.find((m) => m.from === 'server' && m.bytes[0] === 2)?.bytes ?? new Uint8Array());
  const t = transcript12(input.messages);
  const prf = (secret: Buffer, label: string, seed: Buffer, length: number): Buffer => tlsPrf(prfHash, secret, label, seed, length);

  b.input('client_random', 'ClientHello.random', ch ? Buffer.from(ch.random, 'hex') : null, 'wire');
  b.input('server_random', 'ServerHello.random', sh ? Buffer.from(sh.random, 'hex') : null, 'wire');
  const resumed = !input.messages.some((m) => m.bytes[0] === 16);
  const why = resumed
    ? "This connection resumed an earlier session (no key exchange messages): its master secret was made in that session's handshake."
    : suite.keyExchange === 'rsa'
      ? "The client picked it and sent it in ClientKeyExchange, encrypted with the server's RSA public key: only the server's private key opens it. The key log holds the master secret instead."
      : 'It is the (EC)DH shared secret of the ephemeral public keys in ServerKeyExchange and ClientKeyExchange. TLS libraries log the master secret, not this.';
  if (input.premasterSecret) b.input('pre_master_secret', 'pre_master_secret', input.premasterSecret, 'given');
  else b.input('pre_master_secret', 'pre_master_secret', null, 'unknown', { why });
  const ems = sh?.extensions.has(23) === true;
  const hashFor = (point: TranscriptPoint) => (version === 0x0303 ? transcriptHash(t, point, suite.hash) : transcriptHashMd5Sha1(t, point));
  if (ems) {
    const sessionHash = hashFor('clientKeyExchange');
    b.input('session_hash', 'session_hash = Hash(ClientHello…ClientKeyExchange)', sessionHash?.hex ?? null, 'wire', sessionHash ? { messages: sessionHash.messages } : { why: 'No ClientKeyExchange was seen.' });
  }
  for (const [id, point, name] of [['th_before_cf', 'beforeClientFinished', 'Hash(handshake messages before the client Finished)'], ['th_before_sf', 'beforeServerFinished', 'Hash(handshake messages before the server Finished)']] as const) {
    const th = hashFor(point);
    b.input(id, name, th?.hex ?? null, 'wire', th ? { messages: th.messages } : { why: 'The handshake did not get that far (or its Finished was not decrypted).' });
  }

  const master = { keyLog: { label: 'CLIENT_RANDOM', value: input.secrets.get('CLIENT_RANDOM') ?? null } };
  if (ems) {
    b.step({ id: 'master_secret', name: 'master_secret', op: 'PRF', formula: 'PRF(pre_master_secret, "extended master secret", session_hash)[0..47]', label: 'extended master secret', from: ['pre_master_secret', 'session_hash'], rfc: 'RFC 7627 §4' },
      ([pms, h]) => prf(pms, 'extended master secret', h, 48), master);
  } else {
    b.step({ id: 'master_secret', name: 'master_secret', op: 'PRF', formula: 'PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47]', label: 'master secret', from: ['pre_master_secret', 'client_random', 'server_random'], rfc: `${rfc} §8.1` },
      ([pms, cr, sr]) => prf(pms, 'master secret', Buffer.concat([cr, sr]), 48), master);
  }

  // The key block and its parts, in the order RFC 5246 §6.3 cuts them. TLS 1.1+ CBC carries each IV in its record.
  const ivLength = suite.mode === 'cbc' && version > 0x0301 ? 0 : suite.ivLength;
  const parts: [string, number][] = [
    ['client_write_MAC_key', suite.macLength], ['server_write_MAC_key', suite.macLength], ['client_write_key', suite.keyLength],
    ['server_write_key', suite.keyLength], ['client_write_IV', ivLength], ['server_write_IV', ivLength],
  ];
  const total = parts.reduce((n, [, l]) => n + l, 0);
  b.step({ id: 'key_block', name: 'key_block', op: 'PRF', formula: `PRF(master_secret, "key expansion", ServerHello.random + ClientHello.random), ${total} bytes`, label: 'key expansion', from: ['master_secret', 'server_random', 'client_random'], rfc: `${rfc} §6.3` },
    ([ms, sr, cr]) => prf(ms, 'key expansion', Buffer.concat([sr, cr]), total));
  let at = 0;
  for (const [name, length] of parts) {
    if (length === 0) continue;
    const start = at;
    b.step({ id: name, name, op: 'split', formula: `key_block[${start}..${start + length})`, from: ['key_block'], rfc: `${rfc} §6.3` }, ([kb]) => kb.subarray(start, start + length));
    at += length;
  }
  if (suite.mode === 'aead') notes.push(`${suite.name} is an AEAD suite: no MAC keys, and its write IVs are the implicit part of each record's nonce (RFC 5288 §3).`);

  for (const [side, th] of [['client', 'th_before_cf'], ['server', 'th_before_sf']] as const) {
    const msg = input.messages.find((m) => m.from === side && m.bytes[0] === 20);
    b.step({ id: `${side}_verify_data`, name: `${side} Finished verify_data`, op: 'PRF', formula: `PRF(master_secret, "${side} finished", ${th === 'th_before_cf' ? 'Hash(handshake messages)' : 'Hash(handshake messages, client Finished included)'})[0..11]`, label: `${side} finished`, from: ['master_secret', th], rfc: `${rfc} §7.4.9` },
      ([ms, h]) => prf(ms, `${side} finished`, h, 12), { wire: { message: `${side} Finished`, value: msg ? verifyData(msg.bytes) : null } });
  }

  if (input.secrets.has('CLIENT_RANDOM')) notes.unshift('The key log gives the master secret (CLIENT_RANDOM line), not the pre_master_secret: everything from the master secret down is computed here.');
  else notes.unshift('No key-log line (CLIENT_RANDOM) for this connection: only what the handshake messages show is here.');
  const checks = b.steps.filter((s) => s.wire !== undefined);
  if (checks.length > 0 && checks.every((s) => s.wire?.matches)) notes.push('Each Finished on the wire equals the value computed here from the master secret and the handshake messages.');
  return {
    version: VERSION_NAMES[version] ?? `0x${version.toString(16)}`, cipherSuite: suite.name, hash: prfHash === 'md5+sha1' ? 'MD5+SHA-1' : prfHash === 'sha384' ? 'SHA-384' : 'SHA-256',
    inputs: b.inputs, steps: b.steps, notes,
  };
}
