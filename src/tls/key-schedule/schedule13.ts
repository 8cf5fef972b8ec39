// The TLS 1.3 key schedule of one leg (RFC 8446 §7.1, §7.3, §4.4.4, §4.6.1, §7.2): HKDF-Extract and Derive-Secret
// from the PSK and the (EC)DHE shared secret through the transcript hashes to every traffic secret, key and IV.
// What the key log does not give (the shared secret) is marked, and what follows from the log is computed. Pure.
import { createHash } from 'node:crypto';
import type { CipherSuiteParams } from '../crypto/cipher-suites';
import { HASH_LENGTH, hkdfExpandLabel } from '../crypto/hkdf';
import { groupName } from '../names/lookup';
import { ScheduleBuilder, hmac } from './builder';
import { helloParts, keyShares, ticketNonce, verifyData, type LegMessage } from './hello-parts';
import { transcript13, transcriptHash, type TranscriptPoint } from './transcript';
import type { KeyScheduleView } from './types';

export interface Schedule13Input {
  messages: readonly LegMessage[];
  /** This connection's key-log secrets by label. */
  secrets: ReadonlyMap<string, Buffer>;
  suite: CipherSuiteParams;
  /** The (EC)DHE shared secret, when the caller has it (test vectors); live connections never do. */
  sharedSecret?: Uint8Array;
  /** The PSK of a resumed connection, when the caller has it. */
  psk?: Uint8Array;
}

const RFC = 'RFC 8446 §7.1';
/** KeyUpdates followed per direction at most. */
const MAX_UPDATES = 4;

export function schedule13(input: Schedule13Input): KeyScheduleView {
  const { suite, secrets } = input;
  const hash = suite.hash;
  const L = HASH_LENGTH[hash];
  const b = new ScheduleBuilder();
  const notes: string[] = [];
  const client = input.messages.filter((m) => m.from === 'client');
  const server = input.messages.filter((m) => m.from === 'server');
  const sh = server.map((m) => helloParts(m.bytes)).find((p) => p !== null && !p.helloRetryRequest) ?? null;
  const lastCh = [...client].reverse().map((m) => helloParts(m.bytes)).find((p) => p !== null) ?? null;
  const t = transcript13(input.messages, hash);
  const label = (l: string): string => `tls13 ${l}`;
  const expand = (secret: Buffer, l: string, context: Uint8Array, length: number): Buffer => hkdfExpandLabel(hash, secret, l, context, length);
  const log = (l: string): { label: string; value: Buffer | null } => ({ label: l, value: secrets.get(l) ?? null });

  // Inputs.
  const zero = Buffer.alloc(L);
  b.input('zero', `0 (${L} zero bytes)`, zero, 'constant');
  const pskUsed = sh?.extensions.has(41) === true;
  if (!pskUsed) b.input('psk', 'PSK: none, so the 0 value', zero, 'constant');
  else if (input.psk) b.input('psk', 'PSK (pre_shared_key accepted by the server)', input.psk, 'given');
  else b.input('psk', 'PSK (pre_shared_key accepted by the server)', null, 'unknown', { why: "The connection resumed an earlier session: its PSK comes from that session's resumption_master_secret and the ticket's nonce (RFC 8446 §4.6.1), and neither is in the key log." });
  const serverShare = sh === null ? undefined : keyShares(sh, false)[0];
  const clientShare = lastCh === null || serverShare === undefined ? undefined : keyShares(lastCh, true).find((k) => k.group === serverShare.group);
  if (serverShare !== undefined) {
    const g = groupName(serverShare.group).name;
    b.input('client_key_share', `client key_share (${g}), ClientHello`, clientShare?.key ?? null, 'wire', clientShare ? {} : { why: 'The ClientHello carried no share for that group.' });
    b.input('server_key_share', `server key_share (${g}), ServerHello`, serverShare.key, 'wire');
    if (input.sharedSecret) b.input('shared_secret', '(EC)DHE shared secret', input.sharedSecret, 'given');
    else b.input('shared_secret', '(EC)DHE shared secret', null, 'unknown', { why: `Each side computes it from its own ${g} private key and the other's key share (the two inputs above). TLS libraries do not write it to the key log, so neither side's private key nor the shared secret is known to tlslab.` });
  } else {
    b.input('shared_secret', '(EC)DHE shared secret: none (psk_ke), so the 0 value', zero, 'constant');
  }
  b.input('th_empty', 'Transcript-Hash("") (hash of nothing)', createHash(hash).digest(), 'constant');
  const TH: [string, TranscriptPoint, string][] = [
    ['th_ch', 'clientHello', 'Transcript-Hash(ClientHello)'],
    ['th_sh', 'serverHello', 'Transcript-Hash(ClientHello…ServerHello)'],
    ['th_before_sf', 'beforeServerFinished', 'Transcript-Hash(ClientHello…server CertificateVerify)'],
    ['th_sf', 'serverFinished', 'Transcript-Hash(ClientHello…server Finished)'],
    ['th_before_cf', 'beforeClientFinished', 'Transcript-Hash(ClientHello…before client Finished)'],
    ['th_cf', 'clientFinished', 'Transcript-Hash(ClientHello…client Finished)'],
  ];
  for (const [id, point, name] of TH) {
    const th = transcriptHash(t, point, hash);
    b.input(id, name, th?.hex ?? null, 'wire', th ? { messages: th.messages } : { why: 'The handshake did not get that far (or its messages were not decrypted).' });
  }

  // RFC 8446 §7.1, top to bottom.
  const extract = (id: string, name: string, salt: string, ikm: string, formula: string): void => {
    b.step({ id, name, op: 'HKDF-Extract', formula, from: [salt, ikm], rfc: RFC }, ([s, k]) => hmac(hash, s, k));
  };
  const derive = (id: string, name: string, secret: string, l: string, th: string, logLabel?: string): void => {
    b.step({ id, name, op: 'Derive-Secret', formula: `Derive-Secret(${secret}, "${l}", ${th === 'th_empty' ? '""' : th}) = HKDF-Expand-Label(…, Transcript-Hash, ${L})`, label: label(l), from: [secret, th], rfc: RFC },
      ([s, h]) => expand(s, l, h, L), logLabel ? { keyLog: log(logLabel) } : {});
  };
  extract('early_secret', 'Early Secret', 'zero', 'psk', 'HKDF-Extract(salt = 0, IKM = PSK)');
  if (secrets.has('CLIENT_EARLY_TRAFFIC_SECRET')) derive('c_e_traffic', 'client_early_traffic_secret', 'early_secret', 'c e traffic', 'th_ch', 'CLIENT_EARLY_TRAFFIC_SECRET');
  derive('derived_early', 'derived (from the Early Secret)', 'early_secret', 'derived', 'th_empty');
  extract('handshake_secret', 'Handshake Secret', 'derived_early', 'shared_secret', 'HKDF-Extract(salt = derived, IKM = (EC)DHE shared secret)');
  derive('c_hs_traffic', 'client_handshake_traffic_secret', 'handshake_secret', 'c hs traffic', 'th_sh', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
  derive('s_hs_traffic', 'server_handshake_traffic_secret', 'handshake_secret', 's hs traffic', 'th_sh', 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
  derive('derived_hs', 'derived (from the Handshake Secret)', 'handshake_secret', 'derived', 'th_empty');
  extract('master_secret', 'Master Secret', 'derived_hs', 'zero', 'HKDF-Extract(salt = derived, IKM = 0)');
  derive('c_ap_traffic', 'client_application_traffic_secret_0', 'master_secret', 'c ap traffic', 'th_sf', 'CLIENT_TRAFFIC_SECRET_0');
  derive('s_ap_traffic', 'server_application_traffic_secret_0', 'master_secret', 's ap traffic', 'th_sf', 'SERVER_TRAFFIC_SECRET_0');
  derive('exp_master', 'exporter_master_secret', 'master_secret', 'exp master', 'th_sf', 'EXPORTER_SECRET');
  derive('res_master', 'resumption_master_secret', 'master_secret', 'res master', 'th_cf');

  // RFC 8446 §7.3: each traffic secret's write key and IV.
  const KEYS: [string, string][] = [['s_hs_traffic', 'server_handshake'], ['c_hs_traffic', 'client_handshake'], ['s_ap_traffic', 'server_application'], ['c_ap_traffic', 'client_application']];
  for (const [secret, who] of KEYS) {
    for (const [part, length] of [['key', suite.keyLength], ['iv', suite.ivLength]] as const) {
      b.step({ id: `${who}_${part}`, name: `${who} write ${part}`, op: 'HKDF-Expand-Label', formula: `HKDF-Expand-Label(${secret}, "${part}", "", ${length})`, label: label(part), from: [secret], rfc: 'RFC 8446 §7.3' },
        ([s]) => expand(s, part, Buffer.alloc(0), length));
    }
  }

  // RFC 8446 §4.4.4: the Finished values, checked against the Finished messages on the wire.
  const finished = (side: 'server' | 'client', secret: string, th: string): void => {
    const msg = input.messages.find((m) => m.from === side && m.bytes[0] === 20);
    b.step({ id: `${side}_finished_key`, name: `${side} finished_key`, op: 'HKDF-Expand-Label', formula: `HKDF-Expand-Label(${secret}, "finished", "", ${L})`, label: label('finished'), from: [secret], rfc: 'RFC 8446 §4.4.4' },
      ([s]) => expand(s, 'finished', Buffer.alloc(0), L));
    b.step({ id: `${side}_verify_data`, name: `${side} Finished verify_data`, op: 'HMAC', formula: `HMAC(${side} finished_key, ${th})`, from: [`${side}_finished_key`, th], rfc: 'RFC 8446 §4.4.4' },
      ([k, h]) => hmac(hash, k, h), { wire: { message: `${side} Finished`, value: msg ? verifyData(msg.bytes) : null } });
  };
  finished('server', 's_hs_traffic', 'th_before_sf');
  finished('client', 'c_hs_traffic', 'th_before_cf');

  // RFC 8446 §4.6.1: the PSK each NewSessionTicket names.
  const tickets = server.filter((m) => m.bytes[0] === 4).slice(0, 8);
  tickets.forEach((m, i) => {
    const nonce = ticketNonce(m.bytes);
    b.input(`ticket_nonce_${i + 1}`, `ticket_nonce of NewSessionTicket ${i + 1}`, nonce, 'wire');
    b.step({ id: `resumption_psk_${i + 1}`, name: `PSK of ticket ${i + 1}`, op: 'HKDF-Expand-Label', formula: `HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, ${L})`, label: label('resumption'), from: ['res_master', `ticket_nonce_${i + 1}`], rfc: 'RFC 8446 §4.6.1' },
      ([s, n]) => expand(s, 'resumption', n, L), { why: 'needs the resumption_master_secret, which needs the Master Secret: not known without the (EC)DHE shared secret' });
  });

  // RFC 8446 §7.2: each KeyUpdate moves its sender to the next application traffic secret.
  for (const [side, first] of [['client', 'c_ap_traffic'], ['server', 's_ap_traffic']] as const) {
    const updates = input.messages.filter((m) => m.from === side && m.bytes[0] === 24).slice(0, MAX_UPDATES);
    let prev: string = first;
    updates.forEach((_, i) => {
      const id = `${side}_ap_traffic_${i + 1}`;
      b.step({ id, name: `${side}_application_traffic_secret_${i + 1}`, op: 'HKDF-Expand-Label', formula: `HKDF-Expand-Label(${prev}, "traffic upd", "", ${L})`, label: label('traffic upd'), from: [prev], rfc: 'RFC 8446 §7.2' },
        ([s]) => expand(s, 'traffic upd', Buffer.alloc(0), L));
      prev = id;
    });
  }

  if (b.get('shared_secret') === null) {
    notes.push('The key log gives the traffic secrets, not the (EC)DHE shared secret: the Handshake Secret, the Master Secret and what follows only from them (the resumption master secret, ticket PSKs) cannot be computed. Everything derived from the traffic secrets is.');
  }
  const checks = b.steps.filter((s) => s.wire !== undefined);
  if (checks.length > 0 && checks.every((s) => s.wire?.matches)) {
    notes.push('Each Finished on the wire equals the HMAC computed here from the handshake traffic secret and the transcript hash: both sides derived the same keys from the same messages.');
  } else if (checks.some((s) => s.wire?.matches === false)) {
    notes.push('A Finished on the wire differs from the value computed here: the transcript tlslab saw is not the one the peers hashed.');
  }
  return { version: 'TLS 1.3', cipherSuite: suite.name, hash: hash === 'sha384' ? 'SHA-384' : 'SHA-256', inputs: b.inputs, steps: b.steps, notes };
}
