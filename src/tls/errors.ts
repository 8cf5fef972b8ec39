// Stable codes for everything the TLS decoder can find wrong in a byte stream (documented in docs/errors.md).
// The decoder never throws these: they travel as `tls:decode-error` events. No I/O here.

export const DECODE_ERRORS = {
  TLSLAB_ERR_DECODE_NOT_TLS: 'The stream does not start with a TLS record',
  TLSLAB_ERR_DECODE_RECORD_HEADER: 'A record header has an unknown content type or version: the record framing is lost',
  TLSLAB_ERR_DECODE_RECORD_OVERFLOW: 'A record is longer than TLS allows (2^14 + 2048 bytes)',
  TLSLAB_ERR_DECODE_RECORD_EMPTY: 'A handshake, alert or ChangeCipherSpec record has no content',
  TLSLAB_ERR_DECODE_TRUNCATED: 'The stream ended in the middle of a record',
  TLSLAB_ERR_DECODE_RESYNC_GAVE_UP: 'Too many framing errors: the rest of this direction is only counted',
  TLSLAB_ERR_DECODE_HANDSHAKE_TOO_LARGE: 'A handshake message announces more bytes than the decoder will buffer',
  TLSLAB_ERR_DECODE_HANDSHAKE_TRUNCATED: 'The stream ended in the middle of a handshake message',
  TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED: 'A handshake message does not match its structure in the RFC',
  TLSLAB_ERR_DECODE_SSLV2_MALFORMED: 'An SSLv2-compatible ClientHello does not match its structure',
  TLSLAB_ERR_DECODE_ALERT_MALFORMED: 'An alert record is not a whole number of 2-byte alerts',
  TLSLAB_ERR_DECODE_CCS_MALFORMED: 'A ChangeCipherSpec record is not the single byte 0x01',
  TLSLAB_ERR_DECODE_INNER_TYPE: 'A decrypted TLS 1.3 record carries an unknown inner content type',
  TLSLAB_ERR_DECODE_NOT_CLIENT_HELLO: 'The first handshake message is not a ClientHello',
  TLSLAB_ERR_DECODE_INTERNAL: 'The decoder hit an internal error; the rest of this direction is only counted',
} as const;

export type DecodeErrorCode = keyof typeof DECODE_ERRORS;

/**
 * Thrown by parsers *inside* `src/tls` only and caught at the message boundary, where it becomes a
 * `tls:decode-error` event. Nothing outside the decoder ever sees it.
 */
export class DecodeFailure extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
    /** Offset relative to the buffer being parsed (the message `hex`). */
    readonly at: number,
  ) {
    super(message);
    this.name = 'DecodeFailure';
  }
}
