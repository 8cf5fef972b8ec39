// The decoder's state for one connection: what the hellos negotiated, and per direction the record layer,
// handshake reassembly, key epoch, decryptors and the queue of records waiting for their key. No I/O.
import type { Named, Side } from '../events/schema';
import type { Epoch, RecordDecryptor } from './crypto';
import { HandshakeReassembler } from './handshake-reassembler';
import { RecordLayer, type RawRecord } from './record-layer';

export interface DecoderOptions {
  /** Decrypt protected records when keys are known (default true). With false, nothing waits for keys. */
  decrypt?: boolean;
  /**
   * `full` (the default): every `tls:record` carries its bytes (`hex`) and every `tls:handshake` its bytes and field
   * tree (`hex`, `fields`). `live`: those are left out and the event says `deferred: true` (everything else is the
   * same); a reader that keeps the leg's raw bytes builds them when someone looks (see capture/event-details.ts). The
   * live proxy decodes in `live`: hex and field trees were most of the bytes every viewer was sent and every history
   * kept, for messages nobody opened. In `live` they are not built either: messages are parsed without field trees
   * (the same reads, details, problems and failures; test/unit/tls/live-detail.test.ts compares the two).
   */
  detail?: 'full' | 'live';
  /** Bytes of a record body kept as hex in `tls:record` (default 2048). */
  maxRecordHex?: number;
  /** Bytes of decrypted application data kept as `previewHex` (default 256). */
  appDataPreview?: number;
  /** Bytes queued per direction waiting for keys (default 4 MiB); past it, records are reported `no-key-yet`. */
  maxBuffered?: number;
  /** Largest handshake message reassembled (default 256 KiB); larger is a decode error, not an allocation. */
  maxHandshakeMessage?: number;
  /**
   * Bulk mode. Per direction, once the handshake is done and this many application-data records have been
   * reported, further application-data records are only framed and counted (`DecoderState.bulk`): not decrypted
   * (the decryptor skips them) and no events. Alerts (close_notify), KeyUpdate and NewSessionTicket still come
   * out; in TLS 1.3 the keystream of a record's last bytes tells its inner type (see bulk.ts). Default Infinity: every record
   * is decrypted and reported.
   */
  appDataRecords?: number;
  /**
   * What `previewHex` shows of application data. Called per direction, in order, with the whole plaintext of each
   * application-data record reported (null for one that was not decrypted: its bytes went by unseen); returns the
   * bytes to preview, at most `max`, at the same offsets. The capture layer masks credentials with it. Default: the
   * plaintext as it is.
   */
  appDataView?: (from: Side, plaintext: Uint8Array | null, max: number) => Uint8Array | null;
  /**
   * Bulk records decrypted all the same, for a reader that needs every byte (a replay's HTTP view): in bulk mode each
   * application-data record is then decrypted and its plaintext handed here, still with no event (null: it could not
   * be decrypted). Absent (the default), bulk records are not decrypted at all.
   */
  bulkPlaintext?: (from: Side, plaintext: Uint8Array | null) => void;
}

export interface DecoderState {
  version: number | null;
  cipherSuite: number | null;
  sni: string | null;
  alpn: string | null;
  handshakeDone: boolean;
  bytes: Record<Side, number>;
  records: Record<Side, number>;
  /** Bulk-mode records (`DecoderOptions.appDataRecords`), counted but neither decrypted nor reported; bytes with headers. */
  bulk: Record<Side, BulkCount>;
}

export interface BulkCount {
  records: number;
  bytes: number;
}

export interface Waiting {
  record: RawRecord;
  /** Epoch fixed when it arrived (0-RTT data queued before the ServerHello); null = decide when processed. */
  epochHint: Epoch | null;
}

export class DirectionState {
  readonly records = new RecordLayer();
  /** Handshake bytes from plaintext records, and from decrypted records (they never mix: RFC 8446 §5.1). */
  readonly plainHandshake: HandshakeReassembler;
  readonly protectedHandshake: HandshakeReassembler;
  /** Key epoch of this side's protected records; null while it sends in clear. */
  epoch: Epoch | null = null;
  readonly decryptors = new Map<Epoch, RecordDecryptor>();
  waiting: Waiting[] = [];
  waitingBytes = 0;
  /** The wait queue overflowed: protected records are reported undecryptable at once. */
  gaveUp = false;
  /** TLS 1.0–1.2: ChangeCipherSpec seen, everything after it is protected. */
  changedCipher = false;
  /** This side's Finished was read. */
  finished = false;
  /** Undecrypted TLS 1.3 traffic: the client's first protected record (its Finished) was seen. */
  firstProtectedSeen = false;
  /** Application data seen after the handshake (decrypted or guessed), for `tls:established` without keys. */
  appDataSeen = false;
  ended = false;
  /** An internal error happened: the rest of this direction is only counted. */
  broken = false;
  /** Bytes received after the direction broke (the record layer no longer sees them). */
  uncounted = 0;
  decodeErrors = 0;
  /** Application-data records reported after the handshake: bulk mode starts when it reaches `appDataRecords`. */
  appDataReported = 0;
  /** Bulk records of this direction: framed and counted only. */
  readonly bulk: BulkCount = { records: 0, bytes: 0 };

  constructor(readonly side: Side, maxHandshake: number) {
    this.plainHandshake = new HandshakeReassembler(maxHandshake);
    this.protectedHandshake = new HandshakeReassembler(maxHandshake);
  }
}

export interface ConnectionFacts {
  clientRandom: string | null;
  serverRandom: string | null;
  version: number | null;
  cipherSuite: number | null;
  sni: string | null;
  alpn: string | null;
  /** The ClientHello offered TLS 1.3 in supported_versions. */
  offered13: boolean;
  earlyDataOffered: boolean;
  helloRetryRequest: boolean;
  serverHelloSeen: boolean;
  pskSelected: boolean;
  keyShareGroup: Named | null;
  /** TLS 1.2 ServerKeyExchange group and method. */
  kxGroup: Named | null;
  kxMethod: 'ecdhe' | 'dhe' | 'rsa' | 'unknown' | null;
  encryptThenMac: boolean;
  extendedMasterSecret: boolean;
  established: boolean;
}

export function newFacts(): ConnectionFacts {
  return {
    clientRandom: null, serverRandom: null, version: null, cipherSuite: null, sni: null, alpn: null, offered13: false,
    earlyDataOffered: false, helloRetryRequest: false, serverHelloSeen: false, pskSelected: false, keyShareGroup: null,
    kxGroup: null, kxMethod: null, encryptThenMac: false, extendedMasterSecret: false, established: false,
  };
}

/** The decoder's public summary of a connection. */
export function stateOf(c: ConnectionFacts, sides: Record<Side, DirectionState>): DecoderState {
  const bytes = (d: DirectionState): number => d.records.received + d.uncounted;
  return {
    version: c.version, cipherSuite: c.cipherSuite, sni: c.sni, alpn: c.alpn, handshakeDone: c.established,
    bytes: { client: bytes(sides.client), server: bytes(sides.server) },
    records: { client: sides.client.records.recordCount, server: sides.server.records.recordCount },
    bulk: { client: { ...sides.client.bulk }, server: { ...sides.server.bulk } },
  };
}
