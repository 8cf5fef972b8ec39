// Benchmark: record decryption throughput of src/tls/crypto on one core (MB/s of plaintext), full 16 KiB
// records, for the suites a student meets most. Prints figures; asserts nothing. I/O: stdout only.
// Run: npx tsc --strict --outDir /tmp/tlslab-bench --rootDir . --module commonjs --target es2022 --esModuleInterop \
//        --skipLibCheck scripts/bench/decrypt.ts && node /tmp/tlslab-bench/scripts/bench/decrypt.js
import { createCipheriv, createHmac, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { ConnectionKeys, keyBlock12, cipherSuite, trafficKeys, type RecordDecryptor } from '../../src/tls/crypto';

const RECORD = 16384;
const TOTAL = 256 * 1024 * 1024;
const clientRandom = randomBytes(32);
const serverRandom = randomBytes(32);
const secret32 = randomBytes(32);
const master = randomBytes(48);

function seqNonce(iv: Buffer, seq: number): Buffer {
  const n = Buffer.from(iv);
  n.writeUInt32BE((n.readUInt32BE(8) ^ seq) >>> 0, 8);
  return n;
}

/** Pre-encrypts `count` records the way a TLS 1.3 sender would (RFC 8446 §5.2). */
function tls13Records(code: number, count: number): [Buffer, Buffer][] {
  const suite = cipherSuite(code)!;
  const { key, iv } = trafficKeys(suite, secret32);
  const out: [Buffer, Buffer][] = [];
  for (let seq = 0; seq < count; seq++) {
    const inner = Buffer.concat([randomBytes(RECORD), Buffer.of(23)]);
    const header = Buffer.from([23, 3, 3, 0, 0]);
    header.writeUInt16BE(inner.length + 16, 3);
    const c = createCipheriv(suite.cipher as CipherGCMTypes, key, seqNonce(iv, seq), { authTagLength: 16 });
    c.setAAD(header);
    const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
    out.push([header, body]);
  }
  return out;
}

/** Pre-encrypts TLS 1.2 AES-GCM records (RFC 5288) and CBC encrypt-then-MAC records (RFC 7366). */
function tls12Records(code: number, count: number): [Buffer, Buffer][] {
  const suite = cipherSuite(code)!;
  const keys = keyBlock12(suite.hash, master, clientRandom, serverRandom, suite.macLength, suite.keyLength, suite.mode === 'cbc' ? 0 : suite.ivLength).client;
  const out: [Buffer, Buffer][] = [];
  for (let seq = 0; seq < count; seq++) {
    const plain = randomBytes(RECORD);
    const seqBytes = Buffer.alloc(8);
    seqBytes.writeUInt32BE(seq, 4);
    if (suite.mode === 'aead') {
      const explicit = randomBytes(8);
      const aad = Buffer.concat([seqBytes, Buffer.from([23, 3, 3, plain.length >> 8, plain.length & 255])]);
      const c = createCipheriv(suite.cipher as CipherGCMTypes, keys.key, Buffer.concat([keys.iv, explicit]), { authTagLength: 16 });
      c.setAAD(aad);
      const body = Buffer.concat([explicit, c.update(plain), c.final(), c.getAuthTag()]);
      out.push([Buffer.from([23, 3, 3, body.length >> 8, body.length & 255]), body]);
    } else {
      const pad = 15 - (plain.length % 16);
      const iv = randomBytes(16);
      const c = createCipheriv(suite.cipher, keys.key, iv);
      c.setAutoPadding(false);
      const enc = Buffer.concat([iv, c.update(Buffer.concat([plain, Buffer.alloc(pad + 1, pad)])), c.final()]);
      const lenHeader = Buffer.from([23, 3, 3, enc.length >> 8, enc.length & 255]);
      const mac = createHmac(suite.mac!, keys.macKey).update(seqBytes).update(lenHeader).update(enc).digest();
      const body = Buffer.concat([enc, mac]);
      out.push([Buffer.from([23, 3, 3, body.length >> 8, body.length & 255]), body]);
    }
  }
  return out;
}

function run(label: string, version: number, code: number, records: [Buffer, Buffer][], entry: { label: string; secret: Buffer }, etm = false): void {
  const keys = new ConnectionKeys();
  keys.add([{ label: entry.label, clientRandom: clientRandom.toString('hex'), secret: entry.secret }]);
  keys.setParams({ version, cipherSuite: code, clientRandom: clientRandom.toString('hex'), serverRandom: serverRandom.toString('hex'), encryptThenMac: etm });
  const rounds = Math.ceil(TOTAL / (RECORD * records.length));
  let bytes = 0;
  const start = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    const d = keys.decryptor('client', 'application') as RecordDecryptor;
    for (const [header, body] of records) {
      const r = d.decrypt(header, body);
      if (!r.ok) throw new Error(`${label}: ${r.message}`);
      bytes += r.plaintext.length;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label.padEnd(52)} ${(bytes / 1e6 / seconds).toFixed(0).padStart(6)} MB/s  (${((seconds / (rounds * records.length)) * 1e6).toFixed(1)} µs per 16 KiB record)`);
}

const count = 64;
const app13 = { label: 'CLIENT_TRAFFIC_SECRET_0', secret: secret32 };
const app12 = { label: 'CLIENT_RANDOM', secret: master };
console.log(`node ${process.version}, ${TOTAL / 1024 / 1024} MiB per suite, ${RECORD}-byte records`);
run('TLS 1.3 TLS_AES_128_GCM_SHA256', 0x0304, 0x1301, tls13Records(0x1301, count), app13);
run('TLS 1.3 TLS_CHACHA20_POLY1305_SHA256', 0x0304, 0x1303, tls13Records(0x1303, count), app13);
run('TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 0x0303, 0xc02f, tls12Records(0xc02f, count), app12);
run('TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 (EtM)', 0x0303, 0xc027, tls12Records(0xc027, count), app12, true);
