// Bulk mode: once the lesson has its first application-data records, which later records are only framed and
// counted (neither decrypted nor reported). Pure decisions over the decoder's state; no I/O.
import type { RecordDecryptor } from './crypto';
import type { ConnectionFacts, DirectionState } from './decoder-state';
import type { RawRecord } from './record-layer';

/**
 * What to do with one protected record: `normal` decrypts and reports it; `skip` only counts it; `peek` asks the
 * decryptor for the record's inner content type first (`isBulkAppData`): application data is only counted,
 * anything else is decrypted and reported as usual.
 */
export type BulkVerdict = 'normal' | 'skip' | 'peek';

/**
 * `limit` is `DecoderOptions.appDataRecords`. TLS 1.0–1.2 give alerts and handshake messages their own record
 * types (RFC 5246 §6.2.1), so there only type-23 records are bulk, whatever their size. TLS 1.3 hides alerts and
 * post-handshake messages (NewSessionTicket, KeyUpdate, CertificateRequest) in type-23 records of any size
 * (RFC 8446 §5.2), so every such record is peeked.
 */
export function bulkVerdict(conn: ConnectionFacts, dir: DirectionState, type: number, limit: number): BulkVerdict {
  if (dir.appDataReported < limit || !conn.established || type !== 23) return 'normal';
  if (dir.protectedHandshake.pending > 0) return 'normal'; // the rest of a handshake message that spans records
  return conn.version === 0x0304 ? 'peek' : 'skip';
}

/**
 * A peeked TLS 1.3 record is application data when the keystream of its last bytes says its inner content type is
 * 23 (`RecordDecryptor.peekContentType`): it is then skipped (the sequence number still advances) and counted.
 * Anything else — another type, padding the peek cannot see past — is decrypted in full, and authenticated, by the
 * caller. A tampered record could only fool the peek into skipping a record the real TLS endpoint then rejects.
 */
export function isBulkAppData(d: RecordDecryptor, rec: RawRecord): boolean {
  return d.peekContentType?.(rec.body) === 23;
}

/** One bulk record of `bytes` bytes, header included. */
export function countBulk(dir: DirectionState, bytes: number): void {
  dir.bulk.records++;
  dir.bulk.bytes += bytes;
}
