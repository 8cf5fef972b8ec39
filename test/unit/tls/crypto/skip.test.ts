// RecordDecryptor.skip on real Node TLS connections: after skipping application-data records (sequence number,
// and in TLS 1.0 the CBC IV chain), the next record still decrypts to exactly what a full replay gives.
import { constants } from 'node:crypto';
import { captureOrdered, type OrderedCapture as Capture } from '../../../helpers/tls-bulk-capture';
import { selfSignedCert } from '../../../helpers/tls-crypto-capture';
import { readHellos, splitRecords } from '../../../helpers/tls-crypto-replay';
import { ConnectionKeys, parseKeyLog, type DecryptResult, type Direction, type RecordDecryptor } from '../../../../src/tls/crypto';

const cert = selfSignedCert();

interface Case {
  title: string;
  version: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  ciphers: string;
  noEtm?: boolean;
}

const cases: Case[] = [
  { title: 'TLS 1.3 AES-128-GCM', version: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' },
  { title: 'TLS 1.3 ChaCha20-Poly1305', version: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
  { title: 'TLS 1.3 AES-128-CCM_8', version: 'TLSv1.3', ciphers: 'TLS_AES_128_CCM_8_SHA256' },
  { title: 'TLS 1.2 AES-256-GCM (explicit nonce)', version: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' },
  { title: 'TLS 1.2 ChaCha20-Poly1305 (sequence nonce)', version: 'TLSv1.2', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' },
  { title: 'TLS 1.2 AES-128-CBC-SHA256 encrypt-then-MAC', version: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256' },
  { title: 'TLS 1.2 AES-128-CBC-SHA256 MAC-then-encrypt', version: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256', noEtm: true },
  { title: 'TLS 1.1 AES-128-CBC-SHA (explicit IV)', version: 'TLSv1.1', ciphers: 'AES128-SHA:@SECLEVEL=0', noEtm: true },
  { title: 'TLS 1.0 AES-256-CBC-SHA MAC-then-encrypt (implicit IV)', version: 'TLSv1', ciphers: 'ECDHE-RSA-AES256-SHA:@SECLEVEL=0', noEtm: true },
  { title: 'TLS 1.0 AES-256-CBC-SHA encrypt-then-MAC (implicit IV)', version: 'TLSv1', ciphers: 'ECDHE-RSA-AES256-SHA:@SECLEVEL=0' },
];

interface Walked {
  /** Per protected record of the application epoch, in order: what a full decryption gave. */
  results: DecryptResult[];
  /** How many records were checked right after one or more skips. */
  afterSkip: number;
}

/**
 * Decrypts one direction like the decoder does (handshake keys until the sender's Finished in TLS 1.3, application
 * keys after ChangeCipherSpec in TLS 1.0–1.2). Application-epoch records whose index `skip` picks are skipped, as
 * long as a full decryption (`reference`) says they are application data; every other record is decrypted.
 * `passOver`: leave the decryptor untouched instead of calling skip() (what skip() must not be).
 */
function walk(cap: Capture, from: Direction, skip: (i: number) => boolean, reference?: DecryptResult[], passOver = false): Walked {
  const hellos = readHellos(cap.c2s, cap.s2c);
  const keys = new ConnectionKeys();
  keys.setClientRandom(hellos.clientRandom);
  keys.add(parseKeyLog(cap.keylog).entries);
  keys.setParams({
    version: hellos.version, cipherSuite: hellos.cipherSuite, clientRandom: hellos.clientRandom, serverRandom: hellos.serverRandom,
    encryptThenMac: hellos.serverExtensions.includes(22), extendedMasterSecret: hellos.serverExtensions.includes(23),
  });
  const get = (epoch: 'handshake' | 'application'): RecordDecryptor => {
    const d = keys.decryptor(from, epoch);
    if (!('decrypt' in d)) throw new Error(`${from} ${epoch}: ${JSON.stringify(d)}`);
    return d;
  };
  const tls13 = hellos.version === 0x0304;
  let current: RecordDecryptor | null = tls13 ? get('handshake') : null;
  let app = false;
  let skipped = false;
  const out: Walked = { results: [], afterSkip: 0 };
  for (const { header, body } of splitRecords(from === 'client' ? cap.c2s : cap.s2c).slice(1)) {
    if (header[0] === 20) {
      if (!tls13) {
        current = get('application');
        app = true;
      }
      continue;
    }
    if (current === null) continue;
    if (!app) {
      const r = current.decrypt(header, body);
      if (!r.ok) throw new Error(`${from} handshake record: ${r.message}`);
      if (tls13 && r.contentType === 22 && r.plaintext[0] === 20) {
        current = get('application');
        app = true;
      }
      continue;
    }
    const i = out.results.length;
    const ref = reference?.[i];
    if (ref !== undefined && ref.ok && ref.contentType === 23 && header[0] === 23 && skip(i)) {
      if (!passOver) current.skip(header, body);
      out.results.push(ref);
      skipped = true;
      continue;
    }
    const seq = current.seq;
    const r = current.decrypt(header, body);
    if (!r.ok) throw new Error(`${from} record ${i} (seq ${seq}) after ${skipped ? 'a skip' : 'no skip'}: ${r.reason}: ${r.message}`);
    if (skipped) out.afterSkip++;
    skipped = false;
    out.results.push({ ...r, plaintext: Buffer.from(r.plaintext) });
  }
  return out;
}

describe('RecordDecryptor.skip', () => {
  it.each(cases.map((c) => [c.title, c] as const))('%s: records after skipped ones decrypt exactly', async (_t, c) => {
    const cap = await captureOrdered({
      cert, minVersion: c.version, maxVersion: c.version, ciphers: c.ciphers, clientBytes: 200_000, serverBytes: 300_000,
      client: c.noEtm ? { secureOptions: constants.SSL_OP_NO_ENCRYPT_THEN_MAC } : {},
    });
    for (const from of ['client', 'server'] as const) {
      const full = walk(cap, from, () => false);
      const data = Buffer.concat(full.results.flatMap((r) => (r.ok && r.contentType === 23 ? [r.plaintext] : [])));
      expect(data.equals(from === 'client' ? cap.clientData : cap.serverData)).toBe(true);
      // The last record of each direction is close_notify (TLS 1.3: inside a type-23 record).
      const last = full.results.at(-1);
      expect(last?.ok && [last.contentType, ...last.plaintext]).toEqual([21, 1, 0]);
      // Skip two, decrypt one; then skip everything but the last record.
      const some = walk(cap, from, (i) => i % 3 !== 2, full.results);
      expect(some.results).toEqual(full.results);
      expect(some.afterSkip).toBeGreaterThanOrEqual(4);
      const most = walk(cap, from, () => true, full.results);
      expect(most.results).toEqual(full.results);
      expect(most.afterSkip).toBe(1);
    }
  });

  it('passing over a record without skip() breaks the next one (the check above has teeth)', async () => {
    for (const c of [cases[0], cases[3], cases[8]]) {
      const cap = await captureOrdered({
        cert, minVersion: c.version, maxVersion: c.version, ciphers: c.ciphers, clientBytes: 100_000, serverBytes: 1000,
        client: c.noEtm ? { secureOptions: constants.SSL_OP_NO_ENCRYPT_THEN_MAC } : {},
      });
      const full = walk(cap, 'client', () => false).results;
      const first = full.findIndex((r) => r.ok && r.contentType === 23);
      expect(walk(cap, 'client', (i) => i === first, full).results).toEqual(full);
      expect(() => walk(cap, 'client', (i) => i === first, full, true)).toThrow(/bad-(tag|mac|padding)/);
    }
  });
});
