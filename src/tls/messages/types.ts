// Shared shapes for the handshake-message parsers (RFC 8446 §4, RFC 5246 §7.4). Types only, no I/O.
import type { Field, HandshakeDetails, Named, Side } from '../../events/schema';
import type { DecodeFailure } from '../errors';
import type { ExtFacts } from '../extension-parsers';
import type { FieldReader } from '../field-reader';

/** What a parser needs to know about the connection so far (some bodies depend on the version or the suite). */
export interface MessageContext {
  from: Side;
  /** Negotiated version once the ServerHello was read, else null. */
  version: number | null;
  cipherSuite: number | null;
  /** Group of the server's ECDHE share (TLS 1.2 ServerKeyExchange), for the client's reply. */
  kxGroup: Named | null;
}

export interface MessageResult {
  /** Body fields (the 4-byte header fields are added by the caller). */
  fields: Field[];
  details?: HandshakeDetails;
  /** Extension facts when the message carries extensions. */
  facts?: ExtFacts;
  /** Extension types in order (ClientHello, for fingerprints). */
  extensionTypes?: number[];
  /** KeyUpdate: the sender asked the peer to update too. */
  updateRequested?: boolean;
  /** Non-fatal problems (a malformed extension): reported as decode errors, the message is still shown. */
  problems: DecodeFailure[];
}

/** Reads a message body from `r` (positioned after the 4-byte header, ending at the message end). */
export type MessageParser = (r: FieldReader, ctx: MessageContext) => MessageResult;
