// The keys of one TLS connection: key-log secrets matched by client random, the negotiated version and
// suite, and record decryptors per direction and epoch (or why none yet). Pure; no I/O.
import { cipherSuite, type CipherSuiteParams } from './cipher-suites';
import type { KeyLogEntry } from './keylog';
import { HASH_LENGTH } from './hkdf';
import { keyBlock12 } from './prf';
import type { Epoch, RecordDecryptor } from './record-types';
import { Tls12AeadDecryptor, Tls12CbcDecryptor } from './tls12-record';
import { Tls13RecordDecryptor, trafficKeys } from './tls13-record';

export type { DecryptFailure, DecryptResult, Epoch, RecordDecryptor } from './record-types';

/** What the ClientHello/ServerHello negotiated that decryption depends on. */
export interface HandshakeParams {
  /** Negotiated version: 0x0301 TLS 1.0, 0x0302 TLS 1.1, 0x0303 TLS 1.2, 0x0304 TLS 1.3. */
  version: number;
  cipherSuite: number;
  /** ClientHello random, hex. */
  clientRandom: string;
  /** ServerHello random, hex (TLS 1.0–1.2 key block seed). */
  serverRandom: string;
  /** RFC 7366 encrypt_then_mac extension in the ServerHello (CBC suites only). */
  encryptThenMac?: boolean;
  /** RFC 7627; informational: the key log already holds the resulting master secret. */
  extendedMasterSecret?: boolean;
}

export type Direction = 'client' | 'server';

/** The outcome of asking for a decryptor. */
export type DecryptorResult = RecordDecryptor | { missing: string } | { unsupported: string };

export interface ConnectionKeysOptions {
  /** IANA name of a cipher suite this module does not know, for "… is not supported" messages. */
  suiteName?: (code: number) => string | undefined;
  /** How many other client randoms to remember secrets for (oldest dropped first). Default 1024. */
  maxPendingRandoms?: number;
}

/** RFC 8446 §7.1 secret labels per direction and epoch (NSS key-log names). */
const TLS13_LABELS: Readonly<Record<Epoch, Readonly<Record<Direction, string | null>>>> = {
  early: { client: 'CLIENT_EARLY_TRAFFIC_SECRET', server: null },
  handshake: { client: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', server: 'SERVER_HANDSHAKE_TRAFFIC_SECRET' },
  application: { client: 'CLIENT_TRAFFIC_SECRET_0', server: 'SERVER_TRAFFIC_SECRET_0' },
};

const VERSION_NAMES: Readonly<Record<number, string>> = { 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3' };

const HEX64 = /^[0-9a-f]{64}$/;

/** Key material of one connection. Keys may arrive before or after the hellos and the records. */
export class ConnectionKeys {
  /** clientRandom → label → secret. Holds this connection's secrets and a bounded set of others'. */
  private readonly secrets = new Map<string, Map<string, Buffer>>();
  private clientRandom: string | null = null;
  private params: HandshakeParams | null = null;
  /** Derived keys, so asking for the same decryptor twice derives nothing. */
  private readonly cache13 = new Map<string, { key: Buffer; iv: Buffer }>();
  private cache12: { client: DirectionKeys; server: DirectionKeys } | null = null;
  private readonly suiteName: (code: number) => string | undefined;
  private readonly maxPending: number;

  constructor(options: ConnectionKeysOptions = {}) {
    this.suiteName = options.suiteName ?? (() => undefined);
    this.maxPending = options.maxPendingRandoms ?? 1024;
  }

  /** Stores key-log entries; returns the labels newly learned for this connection's client random. */
  add(entries: KeyLogEntry[]): string[] {
    const learned: string[] = [];
    for (const entry of entries) {
      const random = entry.clientRandom.toLowerCase();
      let labels = this.secrets.get(random);
      if (labels === undefined) {
        labels = new Map();
        this.secrets.set(random, labels);
        this.evict();
      }
      if (labels.has(entry.label)) continue; // first secret wins; duplicates are common in key logs
      labels.set(entry.label, entry.secret);
      if (random === this.clientRandom) learned.push(entry.label);
    }
    return learned;
  }

  /** The ClientHello random (hex) that names this connection in the key log. */
  setClientRandom(hex: string): void {
    const random = hex.toLowerCase();
    if (random === this.clientRandom) return;
    this.clientRandom = random;
    this.cache13.clear();
    this.cache12 = null;
  }

  /** The negotiated version and suite, from the ServerHello. */
  setParams(p: HandshakeParams): void {
    this.params = { ...p, clientRandom: p.clientRandom.toLowerCase(), serverRandom: p.serverRandom.toLowerCase() };
    if (this.clientRandom === null) this.setClientRandom(p.clientRandom);
    this.cache13.clear();
    this.cache12 = null;
  }

  /** Labels known for this connection's client random. */
  labels(): string[] {
    return this.clientRandom === null ? [] : [...(this.secrets.get(this.clientRandom)?.keys() ?? [])];
  }

  /** A decryptor (holding its own sequence number, starting at 0) for records sent by `from` in `epoch`, or why not (yet). */
  decryptor(from: Direction, epoch: Epoch): DecryptorResult {
    if (this.clientRandom === null) return { missing: 'no client random yet: the ClientHello has not been seen' };
    const p = this.params;
    if (p === null) return { missing: 'no ServerHello yet: the version and cipher suite are not known' };
    const suite = cipherSuite(p.cipherSuite);
    const suiteLabel = suite?.name ?? this.suiteName(p.cipherSuite) ?? `cipher suite 0x${p.cipherSuite.toString(16).padStart(4, '0')}`;
    if (suite === undefined) return { unsupported: `${suiteLabel} is not supported` };
    const versionName = VERSION_NAMES[p.version];
    if (versionName === undefined) return { unsupported: `protocol version 0x${p.version.toString(16).padStart(4, '0')} is not supported` };
    if (p.version < suite.minVersion || p.version > suite.maxVersion) {
      return { unsupported: `${suiteLabel} cannot be used with ${versionName}` };
    }
    return p.version === 0x0304 ? this.tls13(from, epoch, suite) : this.tls12(from, epoch, suite, p);
  }

  private secret(label: string): Buffer | undefined {
    return this.clientRandom === null ? undefined : this.secrets.get(this.clientRandom)?.get(label);
  }

  private tls13(from: Direction, epoch: Epoch, suite: CipherSuiteParams): DecryptorResult {
    const label = TLS13_LABELS[epoch][from];
    if (label === null) return { unsupported: 'a server sends no 0-RTT early data (RFC 8446 §2.3)' };
    const secret = this.secret(label);
    if (secret === undefined) return { missing: `no ${label} for this client random yet` };
    const hashLength = HASH_LENGTH[suite.hash];
    if (secret.length !== hashLength) {
      return { missing: `${label} is ${secret.length} bytes but ${suite.name} needs a ${hashLength}-byte secret` };
    }
    let keys = this.cache13.get(label);
    if (keys === undefined) {
      keys = trafficKeys(suite, secret);
      this.cache13.set(label, keys);
    }
    return new Tls13RecordDecryptor(suite, secret, keys);
  }

  private tls12(from: Direction, epoch: Epoch, suite: CipherSuiteParams, p: HandshakeParams): DecryptorResult {
    if (epoch !== 'application') {
      return { unsupported: `TLS 1.0–1.2 have no ${epoch} epoch: records are encrypted only after ChangeCipherSpec` };
    }
    const master = this.secret('CLIENT_RANDOM');
    if (master === undefined) return { missing: 'no CLIENT_RANDOM (master secret) for this client random yet' };
    if (!HEX64.test(p.serverRandom) || !HEX64.test(this.clientRandom ?? '')) {
      return { missing: 'the client and server randoms must both be 32 bytes of hex' };
    }
    if (this.cache12 === null) {
      const prfHash = p.version === 0x0303 ? suite.hash : 'md5+sha1';
      // TLS 1.1+ CBC carries its IV in each record; the key block's IV slots then go unused.
      const ivLength = suite.mode === 'cbc' && p.version > 0x0301 ? 0 : suite.ivLength;
      const block = keyBlock12(prfHash, master, Buffer.from(this.clientRandom ?? '', 'hex'), Buffer.from(p.serverRandom, 'hex'), suite.macLength, suite.keyLength, ivLength);
      this.cache12 = block;
    }
    const keys = this.cache12[from];
    if (suite.mode === 'aead') return new Tls12AeadDecryptor(suite, keys.key, keys.iv);
    return new Tls12CbcDecryptor(suite, p.version, keys.key, keys.macKey, keys.iv, p.encryptThenMac === true);
  }

  /** Drops the oldest other connections' secrets beyond the bound. */
  private evict(): void {
    for (const random of this.secrets.keys()) {
      if (this.secrets.size <= this.maxPending + 1) return;
      if (random !== this.clientRandom) this.secrets.delete(random);
    }
  }
}

interface DirectionKeys {
  macKey: Buffer;
  key: Buffer;
  iv: Buffer;
}
