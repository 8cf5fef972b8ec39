// Decryptors never throw: random headers and bodies of any length give a typed failure for every suite
// kind, and ConnectionKeys keeps a bounded number of other connections' secrets.
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { CIPHER_SUITES, ConnectionKeys, type RecordDecryptor } from '../../../../src/tls/crypto';

const clientRandom = 'aa'.repeat(32);

function decryptorFor(code: number, version: number, etm: boolean): RecordDecryptor {
  const suite = CIPHER_SUITES.get(code)!;
  const keys = new ConnectionKeys();
  const tls13 = version === 0x0304;
  keys.add([{ label: tls13 ? 'SERVER_TRAFFIC_SECRET_0' : 'CLIENT_RANDOM', clientRandom, secret: randomBytes(tls13 ? (suite.hash === 'sha384' ? 48 : 32) : 48) }]);
  keys.setParams({ version, cipherSuite: code, clientRandom, serverRandom: 'bb'.repeat(32), encryptThenMac: etm });
  const d = keys.decryptor('server', 'application');
  if (!('decrypt' in d)) throw new Error(`${suite.name}: ${JSON.stringify(d)}`);
  return d;
}

describe('robustness', () => {
  const kinds: [string, number, number, boolean][] = [
    ['TLS 1.3 AES-128-GCM', 0x1301, 0x0304, false],
    ['TLS 1.3 ChaCha20', 0x1303, 0x0304, false],
    ['TLS 1.3 CCM_8', 0x1305, 0x0304, false],
    ['TLS 1.2 AES-256-GCM', 0xc030, 0x0303, false],
    ['TLS 1.2 ChaCha20', 0xcca8, 0x0303, false],
    ['TLS 1.2 CBC MtE', 0xc027, 0x0303, false],
    ['TLS 1.2 CBC EtM', 0xc028, 0x0303, true],
    ['TLS 1.0 3DES CBC MtE', 0x000a, 0x0301, false],
  ];
  it.each(kinds)('%s: random records give a typed failure, never a throw', (_name, code, version, etm) => {
    const d = decryptorFor(code, version, etm);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 7 }), fc.uint8Array({ minLength: 0, maxLength: 600 }), (header, body) => {
        const out = d.decrypt(header, body);
        expect(out.ok).toBe(false);
        if (!out.ok) expect(['bad-tag', 'bad-padding', 'bad-mac']).toContain(out.reason);
      }),
      { numRuns: 400, seed: 0x7151ab },
    );
    expect(d.seq).toBe(0);
  });

  it('every table entry yields a decryptor for a version it allows', () => {
    for (const suite of CIPHER_SUITES.values()) {
      const d = decryptorFor(suite.code, suite.maxVersion, false);
      expect(d.seq).toBe(0);
    }
  });

  it('keeps a bounded number of other client randoms, never dropping its own', () => {
    const keys = new ConnectionKeys({ maxPendingRandoms: 10 });
    keys.setClientRandom(clientRandom);
    keys.add([{ label: 'CLIENT_RANDOM', clientRandom, secret: randomBytes(48) }]);
    const others = Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(64, '0'));
    for (const r of others) keys.add([{ label: 'CLIENT_RANDOM', clientRandom: r, secret: randomBytes(48) }]);
    expect(keys.labels()).toEqual(['CLIENT_RANDOM']);
    keys.setClientRandom(others[0]);
    expect(keys.labels()).toEqual([]); // dropped, oldest first
    keys.setClientRandom(others[49]);
    expect(keys.labels()).toEqual(['CLIENT_RANDOM']);
  });
});
