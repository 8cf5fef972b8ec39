// Record-protection parameters of every cipher suite this module can decrypt: bulk cipher, key and IV
// lengths, MAC, hash and key-exchange kind. A pure table (numbers from the IANA TLS registry); no I/O.

/** How the premaster / shared secret was agreed. Irrelevant to decryption (the key log gives the secret). */
export type KeyExchangeKind = 'ecdhe' | 'dhe' | 'rsa' | 'psk' | 'tls13';

/** Bulk ciphers by their node:crypto names. */
export type BulkCipherName =
  | 'aes-128-gcm'
  | 'aes-256-gcm'
  | 'chacha20-poly1305'
  | 'aes-128-ccm'
  | 'aes-256-ccm'
  | 'aes-128-cbc'
  | 'aes-256-cbc'
  | 'des-ede3-cbc';

interface BulkCipher {
  mode: 'aead' | 'cbc';
  keyLength: number;
  /** CBC block size; 0 for AEAD. */
  blockLength: number;
}

/** Bulk cipher facts (RFC 5116, RFC 8439, RFC 6655, FIPS 197). */
export const BULK_CIPHERS: Readonly<Record<BulkCipherName, BulkCipher>> = {
  'aes-128-gcm': { mode: 'aead', keyLength: 16, blockLength: 0 },
  'aes-256-gcm': { mode: 'aead', keyLength: 32, blockLength: 0 },
  'chacha20-poly1305': { mode: 'aead', keyLength: 32, blockLength: 0 },
  'aes-128-ccm': { mode: 'aead', keyLength: 16, blockLength: 0 },
  'aes-256-ccm': { mode: 'aead', keyLength: 32, blockLength: 0 },
  'aes-128-cbc': { mode: 'cbc', keyLength: 16, blockLength: 16 },
  'aes-256-cbc': { mode: 'cbc', keyLength: 32, blockLength: 16 },
  'des-ede3-cbc': { mode: 'cbc', keyLength: 24, blockLength: 8 },
};

/** Everything record decryption needs to know about one cipher suite. */
export interface CipherSuiteParams {
  code: number;
  /** IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
  name: string;
  keyExchange: KeyExchangeKind;
  /** 'aead' (GCM, CCM, ChaCha20-Poly1305) or 'cbc' (MAC-then-encrypt, or encrypt-then-MAC per RFC 7366). */
  mode: 'aead' | 'cbc';
  cipher: BulkCipherName;
  keyLength: number;
  /**
   * Length of the IV taken from the key schedule: the whole 12-byte nonce base for TLS 1.3 and ChaCha20
   * (RFC 8446 §5.3, RFC 7905 §2), the 4-byte salt for TLS 1.2 GCM/CCM (RFC 5288 §3, RFC 6655 §3), and one
   * block for CBC (used as the first IV in TLS 1.0 only, RFC 2246 §6.3).
   */
  ivLength: number;
  /** Per-record explicit nonce carried before the ciphertext in TLS 1.2 (8 for GCM/CCM, 0 otherwise). */
  explicitNonceLength: number;
  /** AEAD tag length (16; 8 for CCM_8); 0 for CBC. */
  tagLength: number;
  /** CBC block size; 0 for AEAD. */
  blockLength: number;
  /** HMAC hash of CBC suites; null for AEAD. */
  mac: 'sha1' | 'sha256' | 'sha384' | null;
  /** HMAC key and output length (RFC 5246 §6.2.3.1); 0 for AEAD. */
  macLength: number;
  /** Hash of the TLS 1.2 PRF / TLS 1.3 HKDF (older suites use SHA-256 in TLS 1.2, RFC 5246 §5). */
  hash: 'sha256' | 'sha384';
  /** Lowest protocol version the suite may be used with (0x0301 TLS 1.0, 0x0303 TLS 1.2, 0x0304 TLS 1.3). */
  minVersion: number;
  /** Highest protocol version (TLS 1.3 suites are 1.3 only, and only they are usable in 1.3). */
  maxVersion: number;
}

type Mac = 'sha1' | 'sha256' | 'sha384' | 'aead';
type Row = readonly [code: number, name: string, kx: KeyExchangeKind, cipher: BulkCipherName, mac: Mac, hash: 'sha256' | 'sha384'];

/* prettier-ignore */
const ROWS: readonly Row[] = [
  // TLS 1.3, RFC 8446 §B.4
  [0x1301, 'TLS_AES_128_GCM_SHA256', 'tls13', 'aes-128-gcm', 'aead', 'sha256'],
  [0x1302, 'TLS_AES_256_GCM_SHA384', 'tls13', 'aes-256-gcm', 'aead', 'sha384'],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'tls13', 'chacha20-poly1305', 'aead', 'sha256'],
  [0x1304, 'TLS_AES_128_CCM_SHA256', 'tls13', 'aes-128-ccm', 'aead', 'sha256'],
  [0x1305, 'TLS_AES_128_CCM_8_SHA256', 'tls13', 'aes-128-ccm', 'aead', 'sha256'],
  // TLS 1.2 AES-GCM, RFC 5288, RFC 5289, RFC 5487
  [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'rsa', 'aes-128-gcm', 'aead', 'sha256'],
  [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'rsa', 'aes-256-gcm', 'aead', 'sha384'],
  [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'dhe', 'aes-128-gcm', 'aead', 'sha256'],
  [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'dhe', 'aes-256-gcm', 'aead', 'sha384'],
  [0x00a2, 'TLS_DHE_DSS_WITH_AES_128_GCM_SHA256', 'dhe', 'aes-128-gcm', 'aead', 'sha256'],
  [0x00a3, 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384', 'dhe', 'aes-256-gcm', 'aead', 'sha384'],
  [0x00a8, 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'psk', 'aes-128-gcm', 'aead', 'sha256'],
  [0x00a9, 'TLS_PSK_WITH_AES_256_GCM_SHA384', 'psk', 'aes-256-gcm', 'aead', 'sha384'],
  [0x00aa, 'TLS_DHE_PSK_WITH_AES_128_GCM_SHA256', 'psk', 'aes-128-gcm', 'aead', 'sha256'],
  [0x00ab, 'TLS_DHE_PSK_WITH_AES_256_GCM_SHA384', 'psk', 'aes-256-gcm', 'aead', 'sha384'],
  [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ecdhe', 'aes-128-gcm', 'aead', 'sha256'],
  [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ecdhe', 'aes-256-gcm', 'aead', 'sha384'],
  [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ecdhe', 'aes-128-gcm', 'aead', 'sha256'],
  [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ecdhe', 'aes-256-gcm', 'aead', 'sha384'],
  // TLS 1.2 AES-CCM, RFC 6655, RFC 7251
  [0xc09c, 'TLS_RSA_WITH_AES_128_CCM', 'rsa', 'aes-128-ccm', 'aead', 'sha256'],
  [0xc09d, 'TLS_RSA_WITH_AES_256_CCM', 'rsa', 'aes-256-ccm', 'aead', 'sha256'],
  [0xc09e, 'TLS_DHE_RSA_WITH_AES_128_CCM', 'dhe', 'aes-128-ccm', 'aead', 'sha256'],
  [0xc09f, 'TLS_DHE_RSA_WITH_AES_256_CCM', 'dhe', 'aes-256-ccm', 'aead', 'sha256'],
  [0xc0a0, 'TLS_RSA_WITH_AES_128_CCM_8', 'rsa', 'aes-128-ccm', 'aead', 'sha256'],
  [0xc0a1, 'TLS_RSA_WITH_AES_256_CCM_8', 'rsa', 'aes-256-ccm', 'aead', 'sha256'],
  [0xc0a2, 'TLS_DHE_RSA_WITH_AES_128_CCM_8', 'dhe', 'aes-128-ccm', 'aead', 'sha256'],
  [0xc0a3, 'TLS_DHE_RSA_WITH_AES_256_CCM_8', 'dhe', 'aes-256-ccm', 'aead', 'sha256'],
  [0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM', 'ecdhe', 'aes-128-ccm', 'aead', 'sha256'],
  [0xc0ad, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM', 'ecdhe', 'aes-256-ccm', 'aead', 'sha256'],
  [0xc0ae, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 'ecdhe', 'aes-128-ccm', 'aead', 'sha256'],
  [0xc0af, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8', 'ecdhe', 'aes-256-ccm', 'aead', 'sha256'],
  // TLS 1.2 ChaCha20-Poly1305, RFC 7905
  [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ecdhe', 'chacha20-poly1305', 'aead', 'sha256'],
  [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ecdhe', 'chacha20-poly1305', 'aead', 'sha256'],
  [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'dhe', 'chacha20-poly1305', 'aead', 'sha256'],
  [0xccab, 'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256', 'psk', 'chacha20-poly1305', 'aead', 'sha256'],
  [0xccac, 'TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 'psk', 'chacha20-poly1305', 'aead', 'sha256'],
  [0xccad, 'TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 'psk', 'chacha20-poly1305', 'aead', 'sha256'],
  // CBC with HMAC, RFC 5246 App. A.5, RFC 4492, RFC 5289, RFC 4279, RFC 5487, RFC 5489
  [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'rsa', 'des-ede3-cbc', 'sha1', 'sha256'],
  [0x0016, 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA', 'dhe', 'des-ede3-cbc', 'sha1', 'sha256'],
  [0xc012, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'ecdhe', 'des-ede3-cbc', 'sha1', 'sha256'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA', 'rsa', 'aes-128-cbc', 'sha1', 'sha256'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA', 'rsa', 'aes-256-cbc', 'sha1', 'sha256'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'rsa', 'aes-128-cbc', 'sha256', 'sha256'],
  [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256', 'rsa', 'aes-256-cbc', 'sha256', 'sha256'],
  [0x0032, 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA', 'dhe', 'aes-128-cbc', 'sha1', 'sha256'],
  [0x0038, 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA', 'dhe', 'aes-256-cbc', 'sha1', 'sha256'],
  [0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'dhe', 'aes-128-cbc', 'sha1', 'sha256'],
  [0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'dhe', 'aes-256-cbc', 'sha1', 'sha256'],
  [0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'dhe', 'aes-128-cbc', 'sha256', 'sha256'],
  [0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'dhe', 'aes-256-cbc', 'sha256', 'sha256'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ecdhe', 'aes-128-cbc', 'sha1', 'sha256'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ecdhe', 'aes-256-cbc', 'sha1', 'sha256'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ecdhe', 'aes-128-cbc', 'sha1', 'sha256'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ecdhe', 'aes-256-cbc', 'sha1', 'sha256'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ecdhe', 'aes-128-cbc', 'sha256', 'sha256'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ecdhe', 'aes-256-cbc', 'sha384', 'sha384'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ecdhe', 'aes-128-cbc', 'sha256', 'sha256'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ecdhe', 'aes-256-cbc', 'sha384', 'sha384'],
  [0x008c, 'TLS_PSK_WITH_AES_128_CBC_SHA', 'psk', 'aes-128-cbc', 'sha1', 'sha256'],
  [0x008d, 'TLS_PSK_WITH_AES_256_CBC_SHA', 'psk', 'aes-256-cbc', 'sha1', 'sha256'],
  [0x00ae, 'TLS_PSK_WITH_AES_128_CBC_SHA256', 'psk', 'aes-128-cbc', 'sha256', 'sha256'],
  [0x00af, 'TLS_PSK_WITH_AES_256_CBC_SHA384', 'psk', 'aes-256-cbc', 'sha384', 'sha384'],
  [0xc035, 'TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA', 'psk', 'aes-128-cbc', 'sha1', 'sha256'],
  [0xc036, 'TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA', 'psk', 'aes-256-cbc', 'sha1', 'sha256'],
];

const MAC_LENGTH: Readonly<Record<Mac, number>> = { sha1: 20, sha256: 32, sha384: 48, aead: 0 };

function toParams([code, name, keyExchange, cipher, mac, hash]: Row): CipherSuiteParams {
  const bulk = BULK_CIPHERS[cipher];
  const tls13 = keyExchange === 'tls13';
  const chacha = cipher === 'chacha20-poly1305';
  const aead = bulk.mode === 'aead';
  // SHA-256/384 MACs and every AEAD suite arrived with TLS 1.2 (RFC 5246, RFC 5288).
  const minVersion = tls13 ? 0x0304 : aead || mac !== 'sha1' ? 0x0303 : 0x0301;
  return {
    code,
    name,
    keyExchange,
    mode: bulk.mode,
    cipher,
    keyLength: bulk.keyLength,
    ivLength: !aead ? bulk.blockLength : tls13 || chacha ? 12 : 4,
    explicitNonceLength: aead && !tls13 && !chacha ? 8 : 0,
    tagLength: !aead ? 0 : name.endsWith('CCM_8') || name.includes('CCM_8_') ? 8 : 16,
    blockLength: bulk.blockLength,
    mac: mac === 'aead' ? null : mac,
    macLength: MAC_LENGTH[mac],
    hash,
    minVersion,
    maxVersion: tls13 ? 0x0304 : 0x0303,
  };
}

/** Supported cipher suites by their two-byte code. */
export const CIPHER_SUITES: ReadonlyMap<number, CipherSuiteParams> = new Map(ROWS.map((row) => [row[0], toParams(row)]));

/** Parameters of a supported suite, or undefined. */
export function cipherSuite(code: number): CipherSuiteParams | undefined {
  return CIPHER_SUITES.get(code);
}
