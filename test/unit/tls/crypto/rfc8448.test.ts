// RFC 8448 §3 (Simple 1-RTT Handshake): key schedule values and every protected record of the trace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConnectionKeys,
  cipherSuite,
  hkdfExpandLabel,
  nextTrafficSecret,
  parseKeyLog,
  trafficKeys,
  type RecordDecryptor,
} from '../../../../src/tls/crypto';

const dir = join(__dirname, '../../../fixtures/tls/rfc8448');
interface VectorRecord {
  name: string;
  direction: 'client_to_server' | 'server_to_client';
  record: string;
  encrypted: boolean;
  keys?: 'server_handshake' | 'client_handshake' | 'server_application' | 'client_application';
  seq?: number;
  inner_content_type?: number;
  plaintext: string;
}
const v = JSON.parse(readFileSync(join(dir, 'rfc8448-simple-1rtt.json'), 'utf8')) as {
  client_random: string;
  server_random: string;
  secrets: Record<string, string>;
  traffic_keys: Record<string, { key: string; iv: string }>;
  records: VectorRecord[];
};
const keylogText = readFileSync(join(dir, 'rfc8448-simple-1rtt.keylog'), 'utf8');
const suite = cipherSuite(0x1301)!;
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const params = { version: 0x0304, cipherSuite: 0x1301, clientRandom: v.client_random, serverRandom: v.server_random };

function connection(): ConnectionKeys {
  const keys = new ConnectionKeys();
  keys.setClientRandom(v.client_random);
  keys.setParams(params);
  keys.add(parseKeyLog(keylogText).entries);
  return keys;
}

const keySet = {
  server_handshake: ['server', 'handshake'],
  client_handshake: ['client', 'handshake'],
  server_application: ['server', 'application'],
  client_application: ['client', 'application'],
} as const;

describe('RFC 8448 §3 key schedule', () => {
  it('HKDF-Expand-Label gives the RFC finished keys', () => {
    for (const side of ['server', 'client']) {
      const secret = hex(v.secrets[`${side}_handshake_traffic_secret`]);
      expect(hkdfExpandLabel('sha256', secret, 'finished', Buffer.alloc(0), 32).toString('hex')).toBe(v.secrets[`${side}_finished_key`]);
    }
  });

  it('HKDF-Expand-Label derives the RFC handshake secret from the early secret chain', () => {
    // RFC 8446 §7.1: Derive-Secret(early_secret, "derived", "") with Transcript-Hash("") = SHA-256 of nothing.
    const emptyHash = hex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const derived = hkdfExpandLabel('sha256', hex(v.secrets.early_secret), 'derived', emptyHash, 32);
    expect(derived.toString('hex')).toBe('6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba');
  });

  it.each(Object.entries(keySet))('traffic keys for %s equal the RFC', (name) => {
    const secretName = name.replace('_application', '_application_traffic_secret_0').replace('_handshake', '_handshake_traffic_secret');
    const { key, iv } = trafficKeys(suite, hex(v.secrets[secretName]));
    expect(key.toString('hex')).toBe(v.traffic_keys[name].key);
    expect(iv.toString('hex')).toBe(v.traffic_keys[name].iv);
  });

  it('KeyUpdate derives "traffic upd" from the current secret (RFC 8446 §7.2)', () => {
    const s0 = hex(v.secrets.client_application_traffic_secret_0);
    const s1 = nextTrafficSecret(suite, s0);
    expect(s1).toEqual(hkdfExpandLabel('sha256', s0, 'traffic upd', Buffer.alloc(0), 32));
    expect(s1.equals(s0)).toBe(false);
  });
});

describe('RFC 8448 §3 records', () => {
  const encrypted = v.records.filter((r) => r.encrypted);

  it('the trace has 7 protected records', () => {
    expect(encrypted).toHaveLength(7);
  });

  it('every protected record decrypts to the RFC plaintext and inner content type', () => {
    const keys = connection();
    const decryptors = new Map<string, RecordDecryptor>();
    for (const r of encrypted) {
      const [from, epoch] = keySet[r.keys!];
      let d = decryptors.get(r.keys!);
      if (d === undefined) {
        const got = keys.decryptor(from, epoch);
        if (!('decrypt' in got)) throw new Error(`no decryptor for ${r.keys}: ${JSON.stringify(got)}`);
        d = got;
        decryptors.set(r.keys!, d);
      }
      expect(d.seq).toBe(r.seq);
      const bytes = hex(r.record);
      const result = d.decrypt(bytes.subarray(0, 5), bytes.subarray(5));
      expect(result).toEqual({ ok: true, plaintext: hex(r.plaintext), contentType: r.inner_content_type });
    }
  });

  it('decrypts the records found in the .bin streams, in wire order', () => {
    const keys = connection();
    for (const [file, from] of [['c2s', 'client'], ['s2c', 'server']] as const) {
      const stream = readFileSync(join(dir, `rfc8448-simple-1rtt.${file}.bin`));
      const hs = keys.decryptor(from, 'handshake') as RecordDecryptor;
      const app = keys.decryptor(from, 'application') as RecordDecryptor;
      const types: number[] = [];
      let current = hs;
      for (let at = 0; at < stream.length; ) {
        const length = stream.readUInt16BE(at + 3);
        const header = stream.subarray(at, at + 5);
        const body = stream.subarray(at + 5, at + 5 + length);
        at += 5 + length;
        if (header[0] !== 23) continue;
        const out = current.decrypt(header, body);
        if (!out.ok) throw new Error(out.message);
        types.push(out.contentType);
        // In this trace each direction's first protected record ends with its Finished: keys switch after it.
        current = app;
      }
      expect(types).toEqual(from === 'client' ? [22, 23, 21] : [22, 22, 23, 21]);
    }
  });

  it('a tampered record gives bad-tag and does not advance the sequence number', () => {
    const keys = connection();
    const d = keys.decryptor('client', 'application') as RecordDecryptor;
    const r = encrypted.find((x) => x.name === 'client_application_data')!;
    for (const flip of [5, 20, hex(r.record).length - 1]) {
      const bytes = hex(r.record);
      bytes[flip] ^= 0x01;
      const out = d.decrypt(bytes.subarray(0, 5), bytes.subarray(5));
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.reason).toBe('bad-tag');
    }
    // A tampered header is authenticated data too.
    const bytes = hex(r.record);
    bytes[2] = 0x01;
    expect(d.decrypt(bytes.subarray(0, 5), bytes.subarray(5)).ok).toBe(false);
    expect(d.seq).toBe(0);
    const good = hex(r.record);
    expect(d.decrypt(good.subarray(0, 5), good.subarray(5)).ok).toBe(true);
    expect(d.seq).toBe(1);
  });

  it('a record too short for the tag is bad-tag, not a throw', () => {
    const d = connection().decryptor('server', 'handshake') as RecordDecryptor;
    const out = d.decrypt(hex('1703030005'), hex('0102030405'));
    expect(out).toMatchObject({ ok: false, reason: 'bad-tag' });
  });

  it('the wrong key set gives bad-tag', () => {
    const keys = connection();
    const r = encrypted.find((x) => x.name === 'server_application_data')!;
    const bytes = hex(r.record);
    const wrong = keys.decryptor('client', 'application') as RecordDecryptor;
    expect(wrong.decrypt(bytes.subarray(0, 5), bytes.subarray(5))).toMatchObject({ ok: false, reason: 'bad-tag' });
  });
});

describe('RFC 8448 §3 keys and client randoms', () => {
  it('ignores keys logged for another client random, and keeps them in case that connection comes', () => {
    const other = 'ab'.repeat(32);
    const text = keylogText.replaceAll(v.client_random, other);
    const keys = new ConnectionKeys();
    keys.setClientRandom(v.client_random);
    keys.setParams(params);
    expect(keys.add(parseKeyLog(text).entries)).toEqual([]);
    expect(keys.decryptor('server', 'handshake')).toEqual({ missing: 'no SERVER_HANDSHAKE_TRAFFIC_SECRET for this client random yet' });
    // The same keys become usable when this object is pointed at the other random.
    keys.setClientRandom(other);
    expect(keys.labels()).toContain('SERVER_HANDSHAKE_TRAFFIC_SECRET');
  });

  it('says which label is missing, and returns labels as they are learned', () => {
    const { entries } = parseKeyLog(keylogText);
    const keys = new ConnectionKeys();
    expect(keys.decryptor('client', 'handshake')).toEqual({ missing: expect.stringContaining('no client random yet') });
    keys.setClientRandom(v.client_random.toUpperCase());
    expect(keys.decryptor('client', 'handshake')).toEqual({ missing: expect.stringContaining('no ServerHello yet') });
    keys.setParams(params);
    expect(keys.decryptor('client', 'handshake')).toEqual({ missing: 'no CLIENT_HANDSHAKE_TRAFFIC_SECRET for this client random yet' });
    expect(keys.add(entries.filter((e) => e.label.includes('HANDSHAKE')))).toEqual([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      'SERVER_HANDSHAKE_TRAFFIC_SECRET',
    ]);
    expect('decrypt' in keys.decryptor('client', 'handshake')).toBe(true);
    expect(keys.decryptor('server', 'application')).toEqual({ missing: 'no SERVER_TRAFFIC_SECRET_0 for this client random yet' });
    expect(keys.decryptor('client', 'early')).toEqual({ missing: 'no CLIENT_EARLY_TRAFFIC_SECRET for this client random yet' });
    expect(keys.decryptor('server', 'early')).toEqual({ unsupported: expect.stringContaining('0-RTT') });
    expect(keys.add(entries)).toEqual(['CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET']);
    expect(keys.add(entries)).toEqual([]);
  });

  it('names an unsupported suite', () => {
    const keys = new ConnectionKeys({ suiteName: (c) => (c === 0xc05c ? 'TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256' : undefined) });
    keys.setParams({ ...params, version: 0x0303, cipherSuite: 0xc05c });
    expect(keys.decryptor('client', 'application')).toEqual({ unsupported: 'TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256 is not supported' });
    keys.setParams({ ...params, version: 0x0304, cipherSuite: 0xc02f });
    expect(keys.decryptor('client', 'application')).toEqual({ unsupported: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 cannot be used with TLS 1.3' });
    keys.setParams({ ...params, version: 0x0300, cipherSuite: 0x002f });
    expect(keys.decryptor('client', 'application')).toEqual({ unsupported: 'protocol version 0x0300 is not supported' });
  });
});
