// The sans-IO TLS decoder of one connection: bytes of both directions and key-log lines in, typed events out.
// No I/O: the capture layer feeds bytes (live or from a pcap) and stamps conn/leg/seq/t on what comes out.
import type { Side, UndecryptableReason } from '../events/schema';
import { bulkVerdict, countBulk, isBulkAppData } from './bulk';
import { toHex } from './bytes';
import { ConnectionKeys, PEEK_SOURCE_BYTES, parseKeyLog, type Epoch, type RecordDecryptor } from './crypto';
import { DirectionState, newFacts, stateOf, type ConnectionFacts, type DecoderOptions, type DecoderState } from './decoder-state';
import { DECODE_ERRORS, type DecodeErrorCode } from '../errors';
import { applyHandshake, noteOpaqueRecord } from './handshake-effects';
import { MAX_HANDSHAKE_MESSAGE, type AssembledMessage } from './handshake-reassembler';
import { CCS_STEP, ccsNote, handshakeLesson } from './lesson';
import { parseHandshakeMessage } from './messages';
import { contentTypeName, suiteName } from './names/lookup';
import type { RawRecord, RecordOutput } from './record-layer';
import { sslv2HandshakeEvent } from './sslv2';
import { alertEvents, appDataEvent, establishedEvent, keysEvents, recordEvent, type TlsEvent } from './tls-events';

export type { TlsEvent, TlsEventType } from './tls-events';
export type { BulkCount, DecoderOptions, DecoderState } from './decoder-state';

/** After this many decode errors in one direction, further ones are not reported (bytes are still counted). */
const MAX_REPORTED_ERRORS = 64;

export class TlsDecoder {
  private readonly opts: Required<Omit<DecoderOptions, 'bulkPlaintext'>>;
  private readonly bulkPlaintext: DecoderOptions['bulkPlaintext'];
  private readonly conn: ConnectionFacts = newFacts();
  private readonly sides: Record<Side, DirectionState>;
  private readonly keys = new ConnectionKeys({ suiteName: (c) => suiteName(c).name });
  private readonly reportedLabels = new Set<string>();
  /** finish() was called: nothing waits for keys any more. */
  private finishing = false;

  constructor(opts: DecoderOptions = {}) {
    const appDataRecords = opts.appDataRecords ?? Infinity;
    this.opts = {
      detail: opts.detail ?? 'full',
      decrypt: opts.decrypt ?? true,
      maxRecordHex: opts.maxRecordHex ?? 2048,
      appDataPreview: opts.appDataPreview ?? 256,
      maxBuffered: opts.maxBuffered ?? 4 * 1024 * 1024,
      maxHandshakeMessage: opts.maxHandshakeMessage ?? MAX_HANDSHAKE_MESSAGE,
      appDataRecords: appDataRecords >= 0 ? appDataRecords : Infinity, // NaN or negative: no bulk mode
      appDataView: opts.appDataView ?? ((_from, plaintext) => plaintext),
    };
    this.bulkPlaintext = opts.bulkPlaintext;
    this.sides = {
      client: new DirectionState('client', this.opts.maxHandshakeMessage),
      server: new DirectionState('server', this.opts.maxHandshakeMessage),
    };
  }

  get clientRandom(): string | null {
    return this.conn.clientRandom;
  }

  get state(): DecoderState {
    return stateOf(this.conn, this.sides);
  }

  /** Both Finished messages were read (cheaper than `state.handshakeDone`). */
  get handshakeDone(): boolean {
    return this.conn.established;
  }

  /** Bytes `from` sent, in order. Never throws. */
  feed(from: Side, bytes: Uint8Array): TlsEvent[] {
    const out: TlsEvent[] = [];
    const dir = this.sides[from];
    if (dir.broken) {
      dir.uncounted += bytes.length;
      return out;
    }
    this.guard(out, dir, () => {
      for (const o of dir.records.push(bytes)) this.onRecordOutput(out, dir, o);
      this.drainAll(out);
    });
    return out;
  }

  /** One or many NSS key-log lines (any connection's: lines for other client randoms are kept aside). */
  addKeyLog(text: string): TlsEvent[] {
    const out: TlsEvent[] = [];
    this.guard(out, this.sides.client, () => {
      this.keys.add(parseKeyLog(text).entries);
      this.reportKeys(out);
      this.drainAll(out);
    });
    return out;
  }

  /** `from` closed its direction (FIN): a half-received record or message is a decode error. */
  end(from: Side): TlsEvent[] {
    const out: TlsEvent[] = [];
    const dir = this.sides[from];
    this.guard(out, dir, () => this.endDirection(out, dir));
    return out;
  }

  /** The connection is over: records still waiting for a key become `tls:undecryptable` ('key-never-arrived'). */
  finish(): TlsEvent[] {
    const out: TlsEvent[] = [];
    this.guard(out, this.sides.client, () => {
      this.finishing = true;
      this.drainAll(out);
      for (const side of ['client', 'server'] as const) this.endDirection(out, this.sides[side]);
    });
    return out;
  }

  // ----- records ---------------------------------------------------------------------------------------

  private endDirection(out: TlsEvent[], dir: DirectionState): void {
    if (dir.ended) return;
    dir.ended = true;
    const e = dir.records.end();
    if (e) this.error(out, dir, e.code, e.message, e.offset);
    for (const r of [dir.plainHandshake, dir.protectedHandshake]) {
      const he = r.end();
      if (he) this.error(out, dir, he.code, he.message, he.offset);
    }
  }

  private onRecordOutput(out: TlsEvent[], dir: DirectionState, o: RecordOutput): void {
    if (o.kind === 'error') {
      this.error(out, dir, o.error.code, o.error.message, o.error.offset);
      return;
    }
    if (dir.waiting.length > 0) {
      this.enqueue(out, dir, o.record);
      return;
    }
    if (!this.processRecord(out, dir, o.record, null)) this.enqueue(out, dir, o.record);
  }

  private enqueue(out: TlsEvent[], dir: DirectionState, record: RawRecord): void {
    // Copy: the caller may reuse its buffer once feed() returns.
    const copy: RawRecord = { ...record, header: record.header.slice(), body: record.body.slice() };
    const early = dir.side === 'client' && dir.epoch === 'early' && !this.conn.serverHelloSeen ? 'early' : null;
    dir.waiting.push({ record: copy, epochHint: early });
    dir.waitingBytes += record.body.length + 5;
    if (dir.waitingBytes > this.opts.maxBuffered) {
      dir.gaveUp = true;
      this.drain(out, dir);
    }
  }

  /** Processes waiting records in order until one still cannot be. */
  private drain(out: TlsEvent[], dir: DirectionState): boolean {
    let progressed = false;
    while (dir.waiting.length > 0) {
      const w = dir.waiting[0];
      if (!this.processRecord(out, dir, w.record, w.epochHint)) break;
      dir.waiting.shift();
      dir.waitingBytes -= w.record.body.length + 5;
      progressed = true;
    }
    return progressed;
  }

  private drainAll(out: TlsEvent[]): void {
    // A ServerHello released on one side can unblock the other: loop until nothing moves.
    for (let i = 0; i < 8; i++) {
      const a = this.drain(out, this.sides.server);
      const b = this.drain(out, this.sides.client);
      if (!a && !b) return;
    }
  }

  /** Is this record protected (encrypted)? RFC 8446 §5.2 (only type 23 after the keys), RFC 5246 §7.1 (after CCS). */
  private isProtected(dir: DirectionState, rec: RawRecord): boolean {
    if (rec.sslv2) return false;
    if (dir.changedCipher) return true;
    return rec.type === 23 && dir.epoch !== null;
  }

  /** false = the record must wait for its key. */
  private processRecord(out: TlsEvent[], dir: DirectionState, rec: RawRecord, epochHint: Epoch | null): boolean {
    if (rec.sslv2) {
      this.emitRecord(out, dir, rec, false);
      this.onSslv2(out, dir, rec);
      return true;
    }
    if (!this.isProtected(dir, rec)) {
      this.emitRecord(out, dir, rec, false);
      this.onContent(out, dir, rec.type, rec.body, rec.offset + 5, rec.offset, false);
      return true;
    }
    const bulk = epochHint === null ? bulkVerdict(this.conn, dir, rec.type, this.opts.appDataRecords) : 'normal';
    if (!this.opts.decrypt) {
      if (bulk === 'skip') {
        countBulk(dir, rec.header.length + rec.body.length);
        this.startBulkFrame(dir);
        return true;
      }
      this.emitRecord(out, dir, rec, true);
      this.onOpaque(out, dir, rec);
      return true;
    }
    const epoch = epochHint ?? dir.epoch ?? 'application';
    const d = dir.gaveUp ? { missing: 'the queue of records waiting for keys overflowed' } : this.decryptorFor(dir, epoch);
    if ('missing' in d) {
      if (!this.finishing && !dir.gaveUp) return false;
      this.undecryptable(out, dir, rec, this.finishing ? 'key-never-arrived' : 'no-key-yet', d.missing);
      return true;
    }
    if ('unsupported' in d) {
      this.undecryptable(out, dir, rec, 'unsupported-suite', d.unsupported);
      return true;
    }
    if (bulk === 'skip' || (bulk === 'peek' && isBulkAppData(d, rec))) {
      if (this.bulkPlaintext === undefined) {
        d.skip(rec.header, rec.body);
        countBulk(dir, rec.header.length + rec.body.length);
        this.startBulkFrame(dir);
        return true;
      }
      // Decrypted for the caller's plaintext, still without events; anything but application data is reported as usual.
      const r = d.decrypt(rec.header, rec.body);
      if (!r.ok || r.contentType === 23) {
        this.bulkPlaintext(dir.side, r.ok ? r.plaintext : null);
        countBulk(dir, rec.header.length + rec.body.length);
        return true;
      }
      const tls13 = this.conn.version === 0x0304;
      this.emitRecord(out, dir, rec, true, tls13 ? r.contentType : undefined);
      this.onContent(out, dir, r.contentType, r.plaintext, null, rec.offset, true);
      return true;
    }
    let res = d.decrypt(rec.header, rec.body);
    if (!res.ok && epoch === 'early') {
      // Rejected 0-RTT: the client has moved on to its handshake keys (RFC 8446 §4.2.10).
      const hs = this.decryptorFor(dir, 'handshake');
      if (!('missing' in hs) && !('unsupported' in hs)) {
        const retry = hs.decrypt(rec.header, rec.body);
        if (retry.ok) {
          dir.epoch = 'handshake';
          res = retry;
        }
      }
    }
    if (!res.ok) {
      this.undecryptable(out, dir, rec, res.reason, res.message);
      return true;
    }
    if (bulk === 'peek' && res.contentType === 23) {
      countBulk(dir, rec.header.length + rec.body.length); // a TLS 1.3 record the peek could not read (padded) that was application data after all
      return true;
    }
    const tls13 = this.conn.version === 0x0304 || epoch === 'early';
    this.emitRecord(out, dir, rec, true, tls13 ? res.contentType : undefined);
    this.onContent(out, dir, res.contentType, res.plaintext, null, rec.offset, true);
    return true;
  }

  /** From this direction's first bulk record on, the record layer offers it the next ones before cutting them out. */
  private startBulkFrame(dir: DirectionState): void {
    if (!dir.records.hasBulkFrame) dir.records.setBulkFrame((h, n, tail) => this.frameBulk(dir, h, n, tail), PEEK_SOURCE_BYTES);
  }

  /**
   * The record layer's bulk fast path (`BulkFrame`): for a type-23 record of this direction, with nothing before it
   * still to process, the decision `processRecord` would make, from the body's end alone. true: counted as bulk (the
   * decryptor skipped it); false: `processRecord` gets the record as usual and decides again.
   */
  private frameBulk(dir: DirectionState, header: Uint8Array, bodyLength: number, tail: Uint8Array): boolean {
    if (dir.waiting.length > 0 || !(dir.changedCipher || dir.epoch !== null)) return false;
    const bulk = bulkVerdict(this.conn, dir, 23, this.opts.appDataRecords);
    if (bulk === 'normal') return false;
    if (!this.opts.decrypt) {
      if (bulk === 'skip') countBulk(dir, 5 + bodyLength);
      return bulk === 'skip';
    }
    if (dir.gaveUp || this.bulkPlaintext !== undefined) return false;
    const d = this.decryptorFor(dir, dir.epoch ?? 'application');
    if (!('decrypt' in d)) return false;
    if (bulk === 'peek' && d.peekContentType?.(tail, bodyLength) !== 23) return false;
    d.skip(header, tail); // reads at most the body's last 64 bytes (RecordDecryptor.skip)
    countBulk(dir, 5 + bodyLength);
    return true;
  }

  private decryptorFor(dir: DirectionState, epoch: Epoch): RecordDecryptor | { missing: string } | { unsupported: string } {
    const cached = dir.decryptors.get(epoch);
    if (cached) return cached;
    if (this.conn.clientRandom === null) return { missing: 'the ClientHello (and its random) was not seen' };
    if (!this.conn.serverHelloSeen) return { missing: 'the ServerHello (version and cipher suite) was not seen yet' };
    const d = this.keys.decryptor(dir.side, epoch);
    if ('decrypt' in d) dir.decryptors.set(epoch, d);
    return d;
  }

  private emitRecord(out: TlsEvent[], dir: DirectionState, rec: RawRecord, encrypted: boolean, inner?: number): void {
    out.push(recordEvent(dir.side, rec, encrypted, this.opts.detail === 'full' ? this.opts.maxRecordHex : null, inner));
  }

  private undecryptable(out: TlsEvent[], dir: DirectionState, rec: RawRecord, reason: UndecryptableReason, message: string): void {
    this.emitRecord(out, dir, rec, true);
    out.push({ type: 'tls:undecryptable', from: dir.side, offset: rec.offset, reason, message });
    this.onOpaque(out, dir, rec, false);
  }

  /** A protected record whose content stays unknown: application data as far as anyone can tell. */
  private onOpaque(out: TlsEvent[], dir: DirectionState, rec: RawRecord, emitAppData = true): void {
    if (emitAppData) {
      out.push(appDataEvent(dir.side, rec.body, false, 0));
      if (this.conn.established && rec.type === 23) dir.appDataReported++;
    }
    if (rec.type === 23) this.opts.appDataView(dir.side, null, 0); // plaintext unseen: the view loses its context
    noteOpaqueRecord(this.conn, this.sides, dir, rec.type);
    this.maybeEstablishedByData(out, dir);
  }

  private maybeEstablishedByData(out: TlsEvent[], dir: DirectionState): void {
    if (this.conn.established || !this.sides.client.appDataSeen || !this.sides.server.appDataSeen) return;
    this.conn.established = true;
    this.emitEstablished(out, dir);
  }

  private emitEstablished(out: TlsEvent[], dir: DirectionState): void {
    out.push(establishedEvent(dir.side, this.conn));
  }

  // ----- content -------------------------------------------------------------------------------------

  /** `wire`: stream offset of `data[0]` for plaintext records, null for decrypted ones. */
  private onContent(out: TlsEvent[], dir: DirectionState, type: number, data: Uint8Array, wire: number | null, recordOffset: number, encrypted: boolean): void {
    if (data.length === 0 && (type === 20 || type === 21 || type === 22)) {
      this.error(out, dir, 'TLSLAB_ERR_DECODE_RECORD_EMPTY', `An empty ${contentTypeName(type).name} record`, recordOffset);
      return;
    }
    switch (type) {
      case 22: {
        const r = encrypted ? dir.protectedHandshake : dir.plainHandshake;
        for (const o of r.push(data, wire, recordOffset)) {
          if (o.kind === 'error') this.error(out, dir, o.error.code, o.error.message, o.error.offset);
          else this.onHandshake(out, dir, o.message, encrypted, recordOffset);
        }
        return;
      }
      case 20: {
        if (data.length !== 1 || data[0] !== 1) {
          this.error(out, dir, 'TLSLAB_ERR_DECODE_CCS_MALFORMED', `ChangeCipherSpec of ${data.length} byte(s), first 0x${(data[0] ?? 0).toString(16)}`, recordOffset);
          return;
        }
        // RFC 8446 Appendix D.4: in TLS 1.3 (or before the version is known, from a client offering it) it is a no-op.
        const compatibility = this.conn.version === 0x0304 || (this.conn.version === null && this.conn.offered13);
        out.push({ type: 'tls:ccs', from: dir.side, step: CCS_STEP, offset: recordOffset, compatibility, note: ccsNote(compatibility) });
        if (!compatibility) {
          dir.changedCipher = true;
          dir.epoch = 'application';
        }
        return;
      }
      case 21: {
        out.push(...alertEvents(dir.side, data, encrypted, this.conn.version));
        if (data.length % 2 !== 0) this.error(out, dir, 'TLSLAB_ERR_DECODE_ALERT_MALFORMED', `An alert record of ${data.length} bytes`, recordOffset);
        return;
      }
      case 23: {
        const view = encrypted ? this.opts.appDataView(dir.side, data, this.opts.appDataPreview) : null;
        out.push(appDataEvent(dir.side, data, encrypted, this.opts.appDataPreview, view ?? undefined));
        if (encrypted && this.conn.established) dir.appDataReported++;
        if (encrypted || dir.changedCipher || this.conn.version !== null) dir.appDataSeen = true;
        this.maybeEstablishedByData(out, dir);
        return;
      }
      case 24: // heartbeat (RFC 6520): the record event says it all
        return;
      default:
        this.error(out, dir, 'TLSLAB_ERR_DECODE_INNER_TYPE', `Content type ${type} is not a TLS content type`, recordOffset);
    }
  }

  private onSslv2(out: TlsEvent[], dir: DirectionState, rec: RawRecord): void {
    const r = sslv2HandshakeEvent(dir.side, rec.body, rec.offset + 2);
    if ('failure' in r) {
      this.error(out, dir, 'TLSLAB_ERR_DECODE_SSLV2_MALFORMED', r.failure.message, rec.offset + 2 + r.failure.at);
      return;
    }
    out.push(r.event);
    this.afterHandshake(out, dir, 1, r.details, undefined);
  }

  private onHandshake(out: TlsEvent[], dir: DirectionState, msg: AssembledMessage, encrypted: boolean, recordOffset: number): void {
    const ctx = { from: dir.side, version: this.conn.version, cipherSuite: this.conn.cipherSuite, kxGroup: this.conn.kxGroup };
    const full = this.opts.detail === 'full';
    const p = parseHandshakeMessage(msg.bytes, ctx, { fields: full });
    const type = msg.bytes[0];
    const details = p.result?.details;
    const lesson = handshakeLesson(type, dir.side, details, this.conn.version);
    out.push({
      type: 'tls:handshake', from: dir.side, ...(lesson.step ? { step: lesson.step } : {}), msgType: p.msgType, length: p.length,
      encrypted, offset: msg.offset, ...(full ? { hex: toHex(msg.bytes), fields: p.fields } : { deferred: true as const }),
      ...(details ? { details } : {}),
      ...(lesson.note ? { note: lesson.note } : {}),
    });
    const at = (i: number): number => msg.wireAt(i) ?? recordOffset;
    for (const prob of p.result?.problems ?? []) this.error(out, dir, prob.code, prob.message, at(prob.at));
    if (p.failure) {
      this.error(out, dir, p.failure.code, `${p.msgType.name}: ${p.failure.message}`, at(p.failure.at));
      return;
    }
    this.afterHandshake(out, dir, type, details, p.result?.facts);
  }

  private afterHandshake(out: TlsEvent[], dir: DirectionState, type: number, details: Parameters<typeof applyHandshake>[2], facts: Parameters<typeof applyHandshake>[3]): void {
    const effect = applyHandshake(type, dir.side, details, facts, this.conn, this.sides);
    if (effect.clientRandomLearned) {
      this.keys.setClientRandom(effect.clientRandomLearned);
      this.reportKeys(out);
    }
    if (effect.paramsLearned && this.conn.clientRandom !== null && this.conn.version !== null && this.conn.cipherSuite !== null) {
      this.keys.setParams({
        version: this.conn.version, cipherSuite: this.conn.cipherSuite, clientRandom: this.conn.clientRandom,
        serverRandom: this.conn.serverRandom ?? '', encryptThenMac: this.conn.encryptThenMac, extendedMasterSecret: this.conn.extendedMasterSecret,
      });
      for (const s of [this.sides.client, this.sides.server]) s.decryptors.clear();
    }
    if (effect.keyUpdate && dir.epoch !== null) dir.decryptors.get(dir.epoch)?.keyUpdate();
    if (effect.established) this.emitEstablished(out, dir);
  }

  // ----- keys and errors -------------------------------------------------------------------------------

  private reportKeys(out: TlsEvent[]): void {
    const fresh = this.keys.labels().filter((l) => !this.reportedLabels.has(l));
    if (fresh.length === 0) return;
    for (const l of fresh) this.reportedLabels.add(l);
    out.push(...keysEvents(fresh));
  }

  private error(out: TlsEvent[], dir: DirectionState, code: DecodeErrorCode, message: string, offset: number): void {
    dir.decodeErrors++;
    if (dir.decodeErrors > MAX_REPORTED_ERRORS) return;
    const text = dir.decodeErrors === MAX_REPORTED_ERRORS ? `${message} (further decode errors in this direction are not reported)` : message;
    out.push({ type: 'tls:decode-error', from: dir.side, code, message: text || DECODE_ERRORS[code], offset });
  }

  /** Last line of defence: a bug must not escape to the caller; that direction is then only counted. */
  private guard(out: TlsEvent[], dir: DirectionState, body: () => void): void {
    try {
      body();
    } catch (e) {
      dir.broken = true;
      this.error(out, dir, 'TLSLAB_ERR_DECODE_INTERNAL', `${DECODE_ERRORS.TLSLAB_ERR_DECODE_INTERNAL}: ${e instanceof Error ? e.message : String(e)}`, dir.records.received);
    }
  }
}
