// One handshake message (4-byte header + body) into named Fields, through a table of parsers per msg_type.
// Pure: never throws to the caller — a malformed body comes back as a DecodeFailure (RFC 8446 §4).
import type { Field, Named } from '../../events/schema';
import { DecodeFailure } from '../errors';
import { FieldReader, field } from '../field-reader';
import { handshakeTypeName, show } from '../names/lookup';
import { parseCertificateBody, parseCertificateRequestBody, parseCertificateStatusBody, parseCertificateVerifyBody } from './certificate';
import { parseClientHelloBody, parseServerHelloBody } from './hello';
import { parseClientKeyExchangeBody, parseServerKeyExchangeBody } from './key-exchange';
import {
  parseCompressedCertificateBody, parseEmptyBody, parseEncryptedExtensionsBody, parseFinishedBody, parseKeyUpdateBody,
  parseNewSessionTicketBody, parseOpaqueBody,
} from './other';
import { parseRemembered } from './remembered-hellos';
import type { MessageContext, MessageParser, MessageResult } from './types';

export type { MessageContext, MessageResult } from './types';
export { rememberingClientHellos } from './remembered-hellos';

/** msg_type → body parser (RFC 8446 §4 HandshakeType, RFC 5246 §7.4). */
export const MESSAGE_PARSERS = {
  0: parseEmptyBody, 1: parseClientHelloBody, 2: parseServerHelloBody, 4: parseNewSessionTicketBody, 5: parseEmptyBody,
  8: parseEncryptedExtensionsBody, 11: parseCertificateBody, 12: parseServerKeyExchangeBody,
  13: parseCertificateRequestBody, 14: parseEmptyBody, 15: parseCertificateVerifyBody, 16: parseClientKeyExchangeBody,
  20: parseFinishedBody, 22: parseCertificateStatusBody, 24: parseKeyUpdateBody, 25: parseCompressedCertificateBody,
} as const satisfies Record<number, MessageParser>;

const PARSERS: Readonly<Record<number, MessageParser>> = MESSAGE_PARSERS;

export interface ParsedMessage {
  msgType: Named;
  /** Body length from the header. */
  length: number;
  /**
   * Header fields then body fields; on failure, the header and the fields read so far are lost: header + raw body.
   * Empty when parsed without fields (`fields: false`).
   */
  fields: Field[];
  result: MessageResult | null;
  failure: DecodeFailure | null;
}

export interface ParseOptions {
  /**
   * Build the field tree (default true). With false the message is read exactly the same way (same details, facts,
   * problems and failure) but `fields` (and `result.fields`) are empty and no field is named or formatted: the
   * decoder's `live` detail.
   */
  fields?: boolean;
}

/**
 * `msg` is a whole message: 4-byte header then exactly `length` body bytes. A ClientHello parsed just before under
 * `rememberingClientHellos` (the proxy's first-flight reader) is not parsed again: its result is handed over once.
 */
export function parseHandshakeMessage(msg: Uint8Array, ctx: MessageContext, opts: ParseOptions = {}): ParsedMessage {
  const withFields = opts.fields ?? true;
  return parseRemembered(msg, ctx, withFields, () => parseOnce(msg, ctx, withFields), (p) => p.failure === null);
}

function parseOnce(msg: Uint8Array, ctx: MessageContext, withFields: boolean): ParsedMessage {
  const type = msg[0];
  const length = (msg[1] << 16) | (msg[2] << 8) | msg[3];
  const msgType = handshakeTypeName(type);
  const header: Field[] = withFields ? [
    field('msg_type', 0, 1, show(msgType, 2)),
    field('length', 1, 4, `${length} bytes`),
  ] : [];
  const r = new FieldReader(msg, 4, msg.length, !withFields);
  try {
    const result = (PARSERS[type] ?? parseOpaqueBody)(r, ctx);
    if (!withFields) result.fields = []; // a lean reader's placeholders, not fields: none is handed out
    return { msgType, length, fields: withFields ? [...header, ...result.fields] : header, result, failure: null };
  } catch (caught) {
    const e = caught instanceof DecodeFailure ? caught : new DecodeFailure('TLSLAB_ERR_DECODE_INTERNAL', String(caught), r.pos);
    const fields = withFields ? [...header, field('body', 4, msg.length, undefined, `malformed: ${e.message}`)] : header;
    return { msgType, length, fields, result: null, failure: e };
  }
}
