// Bulk mode: once the lesson has its first application-data records, which later records are only framed and
// counted (neither decrypted nor reported). Pure decisions over the decoder's state; no I/O.
import type { ConnectionFacts, DirectionState } from './decoder-state';
import type { RawRecord } from './record-layer';

/**
 * TLS 1.3 hides alerts and post-handshake messages in type-23 records (RFC 8446 §5.2), so in bulk mode a TLS 1.3
 * record whose body is this long or shorter is still decrypted: an alert is 2 bytes + 1 inner type + a 16-byte tag
 * (19), a KeyUpdate 4 + 1 + 1 + 16 (22). A NewSessionTicket is usually 150–300 bytes: Node's (OpenSSL 3) is a
 * 266-byte record, and its ticket grows with the SNI name and ALPN it remembers, hence 512 rather than 256. Small
 * application-data records are decrypted too, then only counted; bulk transfers are mostly full 16 KiB records.
 * Limitations: a NewSessionTicket with a longer ticket, a post-handshake CertificateRequest or Certificate, and any
 * record padded beyond this size (RFC 8446 §5.4) are skipped like application data and never reported; so is the
 * start of a handshake message that spans records, whose short tail would then be misread (a decode error).
 */
export const BULK_PEEK_MAX = 512;

/**
 * What to do with one protected record: `normal` decrypts and reports it; `skip` only counts it; `peek` decrypts it
 * and reports it unless it turns out to be application data, which is then only counted.
 */
export type BulkVerdict = 'normal' | 'skip' | 'peek';

/**
 * `limit` is `DecoderOptions.appDataRecords`. TLS 1.0–1.2 give alerts and handshake messages their own record
 * types (RFC 5246 §6.2.1), so there only type-23 records are bulk, whatever their size.
 */
export function bulkVerdict(conn: ConnectionFacts, dir: DirectionState, rec: RawRecord, limit: number): BulkVerdict {
  if (dir.appDataReported < limit || !conn.established || rec.type !== 23) return 'normal';
  if (dir.protectedHandshake.pending > 0) return 'normal'; // the rest of a handshake message that spans records
  return conn.version === 0x0304 && rec.body.length <= BULK_PEEK_MAX ? 'peek' : 'skip';
}

export function countBulk(dir: DirectionState, rec: RawRecord): void {
  dir.bulk.records++;
  dir.bulk.bytes += rec.header.length + rec.body.length;
}
