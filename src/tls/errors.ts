// The decoder's internal failure: a parser throws it, the message boundary turns it into a `tls:decode-error` event.
// Its codes are the decoder's section of the one error table (src/errors.ts). No I/O here.
import type { DecodeErrorCode } from '../errors';

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
