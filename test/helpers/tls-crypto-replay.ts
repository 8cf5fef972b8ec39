// Test helper: a tiny record splitter and hello reader for captured TLS streams, and a replay that decrypts
// both directions with src/tls/crypto the way the decoder does. Test-only; pure (no I/O).
import {
  ConnectionKeys,
  parseKeyLog,
  type DecryptResult,
  type Direction,
  type RecordDecryptor,
} from '../../src/tls/crypto';

export interface RawRecord {
  header: Buffer;
  body: Buffer;
}

/** Splits one direction's bytes into records (RFC 8446 §5.1 / RFC 5246 §6.2.1 header: type, version, length). */
export function splitRecords(stream: Buffer): RawRecord[] {
  const out: RawRecord[] = [];
  let at = 0;
  while (at + 5 <= stream.length) {
    const length = stream.readUInt16BE(at + 3);
    if (at + 5 + length > stream.length) throw new Error(`truncated record at ${at}`);
    out.push({ header: stream.subarray(at, at + 5), body: stream.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  if (at !== stream.length) throw new Error(`${stream.length - at} trailing bytes`);
  return out;
}

export interface Hellos {
  clientRandom: string;
  serverRandom: string;
  version: number;
  cipherSuite: number;
  /** Extension types in the ServerHello. */
  serverExtensions: number[];
}

/** Reads randoms, version (supported_versions aware), suite and extensions from the first records. */
export function readHellos(c2s: Buffer, s2c: Buffer): Hellos {
  const ch = splitRecords(c2s)[0].body;
  const sh = splitRecords(s2c)[0].body;
  if (ch[0] !== 1 || sh[0] !== 2) throw new Error('first records are not ClientHello / ServerHello');
  let at = 4 + 2 + 32;
  at += 1 + sh[at]; // legacy_session_id_echo
  const cipherSuite = sh.readUInt16BE(at);
  at += 3; // suite + compression
  let version = sh.readUInt16BE(4);
  const serverExtensions: number[] = [];
  const end = at + 2 + (at + 2 <= sh.length ? sh.readUInt16BE(at) : 0);
  for (at += 2; at + 4 <= end; ) {
    const type = sh.readUInt16BE(at);
    const len = sh.readUInt16BE(at + 2);
    serverExtensions.push(type);
    if (type === 43) version = sh.readUInt16BE(at + 4); // RFC 8446 §4.2.1 supported_versions
    at += 4 + len;
  }
  return {
    clientRandom: ch.subarray(6, 38).toString('hex'),
    serverRandom: sh.subarray(6, 38).toString('hex'),
    version,
    cipherSuite,
    serverExtensions,
  };
}

export interface Replay {
  /** Concatenated application data each side sent. */
  appData: Record<Direction, Buffer>;
  /** Inner/record content types of the protected records, per direction. */
  types: Record<Direction, number[]>;
  /** Handshake message types seen in protected handshake records, per direction. */
  handshakeTypes: Record<Direction, number[]>;
  keyUpdates: Record<Direction, number>;
  hellos: Hellos;
}

/**
 * Decrypts both directions. TLS 1.3: handshake keys until the sender's Finished, then application keys,
 * KeyUpdate applied after the record that carries it, 0-RTT under early keys until EndOfEarlyData.
 * TLS 1.0–1.2: application keys after the sender's ChangeCipherSpec. Throws on the first failure.
 */
export function replay(c2s: Buffer, s2c: Buffer, keylog: string, opts: { earlyData?: boolean } = {}): Replay {
  const hellos = readHellos(c2s, s2c);
  const keys = new ConnectionKeys();
  keys.setClientRandom(hellos.clientRandom);
  const parsed = parseKeyLog(keylog);
  if (parsed.errors.length > 0) throw new Error(`key log: ${JSON.stringify(parsed.errors)}`);
  keys.add(parsed.entries);
  keys.setParams({
    version: hellos.version,
    cipherSuite: hellos.cipherSuite,
    clientRandom: hellos.clientRandom,
    serverRandom: hellos.serverRandom,
    encryptThenMac: hellos.serverExtensions.includes(22),
    extendedMasterSecret: hellos.serverExtensions.includes(23),
  });
  const result: Replay = {
    appData: { client: Buffer.alloc(0), server: Buffer.alloc(0) },
    types: { client: [], server: [] },
    handshakeTypes: { client: [], server: [] },
    keyUpdates: { client: 0, server: 0 },
    hellos,
  };
  const tls13 = hellos.version === 0x0304;
  for (const [from, stream] of [['client', c2s], ['server', s2c]] as const) {
    const get = (epoch: 'early' | 'handshake' | 'application'): RecordDecryptor => {
      const d = keys.decryptor(from, epoch);
      if (!('decrypt' in d)) throw new Error(`${from} ${epoch}: ${JSON.stringify(d)}`);
      return d;
    };
    let current: RecordDecryptor | null = tls13 ? get(from === 'client' && opts.earlyData ? 'early' : 'handshake') : null;
    const app: Buffer[] = [];
    for (const { header, body } of splitRecords(stream).slice(1)) {
      const type = header[0];
      if (type === 20) {
        if (!tls13) current = get('application'); // RFC 5246 §7.1: ChangeCipherSpec switches the read keys
        continue; // TLS 1.3 compatibility-mode CCS (RFC 8446 §D.4) is never protected
      }
      if (current === null) continue; // TLS 1.0–1.2 handshake before ChangeCipherSpec is in the clear
      const out: DecryptResult = current.decrypt(header, body);
      if (!out.ok) throw new Error(`${from} record (seq ${current.seq}): ${out.reason}: ${out.message}`);
      result.types[from].push(out.contentType);
      if (out.contentType === 23) app.push(Buffer.from(out.plaintext));
      if (out.contentType !== 22) continue;
      for (let at = 0; at + 4 <= out.plaintext.length; at += 4 + ((out.plaintext[at + 1] << 16) | (out.plaintext[at + 2] << 8) | out.plaintext[at + 3])) {
        const msg = out.plaintext[at];
        result.handshakeTypes[from].push(msg);
        if (!tls13) continue;
        if (msg === 5) current = get('handshake'); // RFC 8446 §4.5 EndOfEarlyData
        if (msg === 20) current = get('application'); // Finished
        if (msg === 24) {
          current.keyUpdate(); // RFC 8446 §4.6.3 KeyUpdate
          result.keyUpdates[from]++;
        }
      }
    }
    result.appData[from] = Buffer.concat(app);
  }
  return result;
}
