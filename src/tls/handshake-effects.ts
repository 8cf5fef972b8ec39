// What each handshake message changes in the connection: randoms, version, suite, key epochs, Finished.
// Pure state updates (RFC 8446 §2 and §7 key schedule order, RFC 5246 §7.3); the decoder emits the events.
import type { HandshakeDetails, Named, Side } from '../events/schema';
import type { ConnectionFacts, DirectionState } from './decoder-state';
import type { ExtFacts } from './extension-parsers';
import { suiteKeyExchange } from './names/lookup';

export interface HandshakeEffect {
  /** The client random became known: key-log lines can now be matched. */
  clientRandomLearned?: string;
  /** The ServerHello fixed version and suite: decryptors can be built. */
  paramsLearned?: boolean;
  /** Both Finished messages are in: the handshake is complete. */
  established?: boolean;
  /** A KeyUpdate: the sender's next records use the next key generation. */
  keyUpdate?: boolean;
}

export interface Sides {
  client: DirectionState;
  server: DirectionState;
}

/** Applies one parsed handshake message from `from` to the connection state. */
export function applyHandshake(
  msgType: number, from: Side, details: HandshakeDetails | undefined, facts: ExtFacts | undefined,
  conn: ConnectionFacts, sides: Sides,
): HandshakeEffect {
  const self = sides[from];
  switch (msgType) {
    case 1: { // ClientHello
      if (from !== 'client' || details?.kind !== 'client_hello') return {};
      const effect: HandshakeEffect = {};
      if (conn.clientRandom === null) {
        conn.clientRandom = details.random;
        effect.clientRandomLearned = details.random;
      }
      conn.sni = details.sni;
      conn.offered13 = details.supportedVersions.some((v) => v.code === 0x0304);
      // RFC 8446 §4.2.10: 0-RTT data follows the first ClientHello only (never after a HelloRetryRequest).
      conn.earlyDataOffered = (facts?.earlyData ?? false) && conn.offered13 && !conn.helloRetryRequest;
      if (conn.earlyDataOffered) sides.client.epoch = 'early';
      return effect;
    }
    case 2: { // ServerHello / HelloRetryRequest
      if (from !== 'server' || details?.kind !== 'server_hello') return {};
      if (details.helloRetryRequest) {
        conn.helloRetryRequest = true;
        conn.version = 0x0304;
        conn.earlyDataOffered = false;
        sides.client.epoch = null;
        return {};
      }
      conn.serverHelloSeen = true;
      conn.version = details.version.code;
      conn.cipherSuite = details.cipherSuite.code;
      conn.serverRandom = details.random;
      conn.pskSelected = facts?.pskSelected ?? false;
      conn.keyShareGroup = details.keyShareGroup;
      conn.encryptThenMac = facts?.encryptThenMac ?? false;
      conn.extendedMasterSecret = facts?.extendedMasterSecret ?? false;
      if (details.alpn !== null) conn.alpn = details.alpn;
      if (conn.version === 0x0304) {
        // RFC 8446 §2: everything after the ServerHello is protected with the handshake keys.
        sides.server.epoch = 'handshake';
        // 0-RTT can only be accepted with a PSK (RFC 8446 §4.2.10); otherwise the client is at handshake keys.
        sides.client.epoch = sides.client.epoch === 'early' && conn.pskSelected ? 'early' : 'handshake';
      }
      return { paramsLearned: true };
    }
    case 8: { // EncryptedExtensions
      if (facts?.alpn[0] !== undefined) conn.alpn = facts.alpn[0];
      if (!(facts?.earlyData ?? false) && sides.client.epoch === 'early') sides.client.epoch = 'handshake';
      return {};
    }
    case 12: // ServerKeyExchange
      if (details?.kind === 'server_key_exchange') {
        conn.kxGroup = details.group ?? null;
        conn.kxMethod = details.method;
      }
      return {};
    case 16: // ClientKeyExchange
      if (details?.kind === 'client_key_exchange' && conn.kxMethod === null) conn.kxMethod = details.method;
      return {};
    case 5: // EndOfEarlyData: RFC 8446 §4.5, the client switches to its handshake keys.
      if (from === 'client') sides.client.epoch = 'handshake';
      return {};
    case 20: { // Finished
      self.finished = true;
      self.firstProtectedSeen = true;
      if (conn.version === 0x0304) self.epoch = 'application'; // RFC 8446 §7.3
      if (sides.client.finished && sides.server.finished && !conn.established) {
        conn.established = true;
        return { established: true };
      }
      return {};
    }
    case 24: // KeyUpdate (RFC 8446 §4.6.3)
      return { keyUpdate: true };
    default:
      return {};
  }
}

/** The key exchange a finished handshake used, for `tls:established`. */
export function keyExchangeOf(conn: ConnectionFacts): { keyExchange: 'ecdhe' | 'dhe' | 'rsa' | 'psk' | 'unknown'; group?: Named } {
  if (conn.version === 0x0304) {
    const g = conn.keyShareGroup;
    if (g === null) return { keyExchange: conn.pskSelected ? 'psk' : 'unknown' };
    return { keyExchange: g.code >= 256 && g.code <= 511 ? 'dhe' : 'ecdhe', group: g };
  }
  const kx = conn.cipherSuite === null ? 'unknown' : suiteKeyExchange(conn.cipherSuite);
  const keyExchange = kx === 'tls13' ? 'unknown' : kx;
  return conn.kxGroup !== null ? { keyExchange, group: conn.kxGroup } : { keyExchange };
}

/**
 * A protected record nobody could decrypt: guess whether it is application data after the handshake
 * (RFC 8446 §2: the client's first protected record is its Finished; RFC 5246 §7.3: after CCS, type 23 is data).
 */
export function noteOpaqueRecord(conn: ConnectionFacts, sides: Sides, dir: DirectionState, recordType: number): void {
  if (conn.version === 0x0304 || (conn.version === null && !dir.changedCipher)) {
    if (dir.side === 'client' && !dir.firstProtectedSeen) dir.firstProtectedSeen = true;
    else if (dir.side === 'client' || sides.client.firstProtectedSeen) dir.appDataSeen = true;
  } else if (recordType === 23) {
    dir.appDataSeen = true;
  }
}
