// Public face of the key-log, key-schedule and record-decryption module used by the TLS decoder.
// Pure computation over node:crypto; no I/O (the caller reads key logs and sockets).
export { parseKeyLog, KEYLOG_LABELS, type KeyLogEntry, type KeyLogParseResult } from './keylog';
export {
  ConnectionKeys,
  type ConnectionKeysOptions,
  type DecryptorResult,
  type Direction,
  type HandshakeParams,
} from './connection-keys';
export type { DecryptFailure, DecryptResult, Epoch, RecordDecryptor } from './record-types';
export { hkdfExpand, hkdfExpandLabel, HASH_LENGTH, type HashName } from './hkdf';
export { tlsPrf, pHash, keyBlock12, type DirectionKeys12 } from './prf';
export { trafficKeys, nextTrafficSecret, Tls13RecordDecryptor, PEEK_SOURCE_BYTES } from './tls13-record';
export { Tls12AeadDecryptor, Tls12CbcDecryptor } from './tls12-record';
export {
  CIPHER_SUITES,
  BULK_CIPHERS,
  cipherSuite,
  type BulkCipherName,
  type CipherSuiteParams,
  type KeyExchangeKind,
} from './cipher-suites';
