// Tls13RecordDecryptor.peekContentType: the inner content type read from the keystream of a record's last bytes
// agrees with a full, authenticated decryption for every record of real Node TLS 1.3 connections, in each suite.
import { createCipheriv, randomBytes, type CipherCCMTypes } from 'node:crypto';
import { captureOrdered } from '../../../helpers/tls-bulk-capture';
import { selfSignedCert } from '../../../helpers/tls-crypto-capture';
import { readHellos, splitRecords } from '../../../helpers/tls-crypto-replay';
import { ConnectionKeys, cipherSuite, nextTrafficSecret, parseKeyLog, PEEK_SOURCE_BYTES, trafficKeys, Tls13RecordDecryptor, type CipherSuiteParams, type RecordDecryptor } from '../../../../src/tls/crypto';

const cert = selfSignedCert();
const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'];

describe('Tls13RecordDecryptor.peekContentType', () => {
  it.each(SUITES)('%s: the peeked type of every record is the decrypted one, and peeking moves nothing', async (ciphers) => {
    const cap = await captureOrdered({ cert, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers, clientBytes: 150_000, serverBytes: 250_000 });
    const hellos = readHellos(cap.c2s, cap.s2c);
    for (const from of ['client', 'server'] as const) {
      const keys = new ConnectionKeys();
      keys.setClientRandom(hellos.clientRandom);
      keys.add(parseKeyLog(cap.keylog).entries);
      keys.setParams({ version: hellos.version, cipherSuite: hellos.cipherSuite, clientRandom: hellos.clientRandom, serverRandom: hellos.serverRandom });
      const get = (epoch: 'handshake' | 'application'): RecordDecryptor => {
        const d = keys.decryptor(from, epoch);
        if (!('decrypt' in d)) throw new Error(JSON.stringify(d));
        return d;
      };
      let d = get('handshake');
      let app = false;
      const types: number[] = [];
      for (const { header, body } of splitRecords(from === 'client' ? cap.c2s : cap.s2c).slice(1)) {
        if (header[0] !== 23) continue;
        const seq = d.seq;
        const peeked = d.peekContentType?.(body);
        expect(d.seq).toBe(seq);
        const r = d.decrypt(header, body);
        if (!r.ok) throw new Error(r.message);
        expect(peeked).toBe(r.contentType);
        if (app) types.push(r.contentType);
        if (!app && r.contentType === 22 && r.plaintext[0] === 20) {
          d = get('application'); // the sender's Finished: application keys from the next record
          app = true;
        }
      }
      expect(types.filter((t) => t === 23).length).toBeGreaterThan(8); // full 16 KiB records and short ones
      expect(types.filter((t) => t === 21)).toEqual([21]); // close_notify
      if (from === 'server') expect(types.filter((t) => t === 22).length).toBeGreaterThan(0); // NewSessionTickets
    }
  });

  /** A TLS 1.3 AES-128-GCM record (RFC 8446 §5.2) of `content` with inner type `type` and `padding` zeros, sequence 0. */
  function sealed(secret: Buffer, content: Buffer, type: number, padding: number): { header: Buffer; body: Buffer } {
    const { key, iv } = trafficKeys(0x1301, secret);
    const inner = Buffer.concat([content, Buffer.from([type]), Buffer.alloc(padding)]);
    const header = Buffer.from([23, 3, 3, 0, 0]);
    header.writeUInt16BE(inner.length + 16, 3);
    const c = createCipheriv('aes-128-gcm', key, iv); // sequence 0: the nonce is the IV itself (RFC 8446 §5.3)
    c.setAAD(header);
    const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
    return { header, body };
  }

  it('padding within the peeked tail is read through; beyond it the answer is "cannot tell", and decryption still works', () => {
    const suite = cipherSuite(0x1301);
    if (!suite) throw new Error('no suite');
    const secret = randomBytes(32);
    for (const [padding, expected] of [[0, 21], [20, 21], [31, 21], [32, null], [400, null]] as const) {
      const rec = sealed(secret, Buffer.from([1, 0]), 21, padding);
      const d = new Tls13RecordDecryptor(suite, secret);
      expect([padding, d.peekContentType(rec.body)]).toEqual([padding, expected]);
      const r = d.decrypt(rec.header, rec.body);
      expect(r).toMatchObject({ ok: true, contentType: 21 });
    }
  });

  /** A TLS 1.3 record (RFC 8446 §5.2) of `inner` (content || type || zeros) under `secret` at sequence number `seq`. */
  function sealAt(suite: CipherSuiteParams, secret: Buffer, seq: number, inner: Buffer): { header: Buffer; body: Buffer } {
    const { key, iv } = trafficKeys(suite, secret);
    const nonce = Buffer.from(iv); // RFC 8446 §5.3: iv XOR the 64-bit sequence number
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
    const header = Buffer.from([23, 3, 3, 0, 0]);
    header.writeUInt16BE(inner.length + suite.tagLength, 3);
    const c = createCipheriv(suite.cipher as CipherCCMTypes, key, nonce, { authTagLength: suite.tagLength });
    c.setAAD(header, { plaintextLength: inner.length });
    return { header, body: Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]) };
  }

  /** Content length, inner type and padding of record i: runs of full records (longer than one batch of keystream) and others between. */
  function shapeOf(i: number): [number, number, number] {
    if (i % 97 === 96) return [120, 22, 0]; // a short post-handshake message
    if (i % 89 === 88) return [300, 23, 40]; // padded past the peeked tail
    if (i % 71 === 70) return [16_000, 23, 7]; // padded within it
    if (i % 53 === 52) return [0, 21, 0]; // an empty body but for the type
    return [i % 150 < 140 ? 16_384 : 1 + ((i * 37) % 2000), 23, 0];
  }

  it.each(SUITES.map((name, i) => [name, 0x1301 + i] as const))(
    '%s: runs of same-size records, other sizes and padding between, and a KeyUpdate: every peek agrees with decryption',
    (_name, code) => {
      const suite = cipherSuite(code);
      if (!suite) throw new Error('no suite');
      let secret: Buffer = randomBytes(HASH_OF[code]);
      const d = new Tls13RecordDecryptor(suite, secret);
      let seq = 0;
      let read = 0;
      for (let i = 0; i < 420; i++) {
        if (i === 300) {
          secret = nextTrafficSecret(suite, secret); // RFC 8446 §7.2: both ends move to the next secret, sequence 0
          d.keyUpdate();
          seq = 0;
        }
        const [length, type, padding] = shapeOf(i);
        const rec = sealAt(suite, secret, seq, Buffer.concat([randomBytes(length), Buffer.from([type]), Buffer.alloc(padding)]));
        const peeked = d.peekContentType(rec.body);
        expect([i, peeked]).toEqual([i, padding >= 32 ? null : type]);
        // From the body's end alone (what the record layer's bulk fast path offers), the same answer.
        expect([i, d.peekContentType(rec.body.subarray(-PEEK_SOURCE_BYTES), rec.body.length)]).toEqual([i, peeked]);
        if (peeked === 23 && i % 3 !== 0) d.skip(); // as bulk mode does; every third is decrypted all the same
        else {
          const r = d.decrypt(rec.header, rec.body);
          expect([i, r.ok && r.contentType]).toEqual([i, type]);
          read++;
        }
        seq++;
        expect(d.seq).toBe(seq);
      }
      expect(read).toBeGreaterThan(100);
    },
  );
});

const HASH_OF: Record<number, number> = { 0x1301: 32, 0x1302: 48, 0x1303: 32, 0x1304: 32, 0x1305: 32 };

