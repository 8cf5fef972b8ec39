// TLS 1.2 records that must not decrypt: tampered GCM (bad-tag), CBC MAC-then-encrypt (bad-padding,
// bad-mac), CBC encrypt-then-MAC (bad-mac), and the reasons given when keys or epochs are missing.
import { constants } from 'node:crypto';
import { captureNodeTls, selfSignedCert, type Capture } from '../../../helpers/tls-crypto-capture';
import { readHellos, splitRecords, type RawRecord } from '../../../helpers/tls-crypto-replay';
import { ConnectionKeys, parseKeyLog, type RecordDecryptor } from '../../../../src/tls/crypto';

const cert = selfSignedCert();

async function capture(ciphers: string, noEtm: boolean): Promise<Capture> {
  return captureNodeTls({
    cert,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    ciphers,
    client: noEtm ? { secureOptions: constants.SSL_OP_NO_ENCRYPT_THEN_MAC } : {},
    clientBytes: 3000,
    serverBytes: 3000,
  });
}

function keysFor(c: Capture, withKeys = true): ConnectionKeys {
  const h = readHellos(c.c2s, c.s2c);
  const keys = new ConnectionKeys();
  keys.setClientRandom(h.clientRandom);
  keys.setParams({ ...h, encryptThenMac: h.serverExtensions.includes(22) });
  if (withKeys) keys.add(parseKeyLog(c.keylog).entries);
  return keys;
}

/** The client's first protected record (its Finished, right after ChangeCipherSpec). */
function firstProtected(c: Capture): RawRecord {
  const records = splitRecords(c.c2s);
  return records[records.findIndex((r) => r.header[0] === 20) + 1];
}

function tampered(r: RawRecord, at: number, mask: number): [Buffer, Buffer] {
  const body = Buffer.from(r.body);
  body[at < 0 ? body.length + at : at] ^= mask;
  return [r.header, body];
}

function client(keys: ConnectionKeys): RecordDecryptor {
  const d = keys.decryptor('client', 'application');
  if (!('decrypt' in d)) throw new Error(JSON.stringify(d));
  return d;
}

describe('TLS 1.2 failures', () => {
  let gcm: Capture;
  let mte: Capture;
  let etm: Capture;
  beforeAll(async () => {
    gcm = await capture('ECDHE-RSA-AES128-GCM-SHA256', false);
    mte = await capture('ECDHE-RSA-AES128-SHA256', true);
    etm = await capture('ECDHE-RSA-AES128-SHA256', false);
  });

  it('GCM: a flipped bit in the explicit nonce, ciphertext or tag is bad-tag; the good record still decrypts', () => {
    const d = client(keysFor(gcm));
    const r = firstProtected(gcm);
    for (const at of [0, 8, 12, -1]) {
      expect(d.decrypt(...tampered(r, at, 0x01))).toMatchObject({ ok: false, reason: 'bad-tag' });
    }
    const out = d.decrypt(r.header, r.body);
    expect(out).toMatchObject({ ok: true, contentType: 22 });
    if (out.ok) expect(out.plaintext[0]).toBe(20); // Finished
  });

  it('CBC MAC-then-encrypt: a broken padding length is bad-padding, a changed first block is bad-mac', () => {
    expect(readHellos(mte.c2s, mte.s2c).serverExtensions).not.toContain(22);
    const d = client(keysFor(mte));
    const r = firstProtected(mte);
    // CBC: flipping a bit of the second-to-last ciphertext block flips the same bit of the last plaintext
    // byte, the padding length (RFC 5246 §6.2.3.2): 0x80 makes it at least 128, longer than the padding.
    expect(d.decrypt(...tampered(r, -17, 0x80))).toMatchObject({ ok: false, reason: 'bad-padding' });
    // Flipping a bit of the explicit IV changes the first plaintext block only: padding intact, MAC wrong.
    expect(d.decrypt(...tampered(r, 0, 0x01))).toMatchObject({ ok: false, reason: 'bad-mac' });
    // Not a whole number of blocks.
    expect(d.decrypt(r.header, r.body.subarray(0, r.body.length - 1))).toMatchObject({ ok: false, reason: 'bad-padding' });
    expect(d.seq).toBe(0);
    expect(d.decrypt(r.header, r.body)).toMatchObject({ ok: true, contentType: 22 });
    expect(d.seq).toBe(1);
  });

  it('CBC encrypt-then-MAC (RFC 7366): any flipped bit is bad-mac, checked before decryption', () => {
    expect(readHellos(etm.c2s, etm.s2c).serverExtensions).toContain(22);
    const d = client(keysFor(etm));
    const r = firstProtected(etm);
    for (const at of [0, 16, -33, -1]) {
      expect(d.decrypt(...tampered(r, at, 0x80))).toMatchObject({ ok: false, reason: 'bad-mac' });
    }
    expect(d.decrypt(r.header, r.body.subarray(0, 10))).toMatchObject({ ok: false, reason: 'bad-mac' });
    expect(d.decrypt(r.header, r.body)).toMatchObject({ ok: true, contentType: 22 });
  });

  it('the same CBC record read with the wrong encrypt-then-MAC setting fails instead of throwing', () => {
    const h = readHellos(etm.c2s, etm.s2c);
    const keys = new ConnectionKeys();
    keys.add(parseKeyLog(etm.keylog).entries);
    keys.setParams({ ...h, encryptThenMac: false });
    const r = firstProtected(etm);
    const out = client(keys).decrypt(r.header, r.body);
    expect(out.ok).toBe(false);
  });

  it('says why there is no decryptor', () => {
    const keys = keysFor(gcm, false);
    expect(keys.decryptor('client', 'application')).toEqual({ missing: 'no CLIENT_RANDOM (master secret) for this client random yet' });
    expect(keys.decryptor('server', 'handshake')).toEqual({ unsupported: expect.stringContaining('no handshake epoch') });
    expect(keys.add(parseKeyLog(gcm.keylog).entries)).toEqual(['CLIENT_RANDOM']);
    expect('decrypt' in keys.decryptor('server', 'application')).toBe(true);
  });
});
