// The remaining handshake messages: EncryptedExtensions, Finished, NewSessionTicket, KeyUpdate, empty ones,
// CompressedCertificate. Pure: bytes in, Fields out (RFC 8446 §4.3.1, §4.4.4, §4.6, RFC 5077, RFC 8879).
import type { Field } from '../../events/schema';
import { emptyFacts, readExtensions } from '../extension-parsers';
import { UNBUILT, field, hexValue } from '../field-reader';
import { named } from '../names/lookup';
import { CERTIFICATE_COMPRESSION_ALGORITHMS, KEY_UPDATE_REQUESTS } from '../names/registries';
import type { MessageParser } from './types';

/** RFC 8446 §4.3.1. */
export const parseEncryptedExtensionsBody: MessageParser = (r) => {
  const facts = emptyFacts();
  const fields = [readExtensions(r, 'encrypted_extensions', facts).field];
  r.done('encrypted_extensions');
  return { fields, facts, problems: facts.problems };
};

/** RFC 8446 §4.4.4, RFC 5246 §7.4.9: verify_data is the whole body. */
export const parseFinishedBody: MessageParser = (r) => {
  const start = r.pos;
  const b = r.bytes(r.remaining);
  return {
    fields: [r.lean ? UNBUILT : field('verify_data', start, r.pos, hexValue(b), 'A MAC over the whole handshake: both sides saw the same messages, nothing was tampered with')],
    problems: [],
  };
};

/** RFC 8446 §4.6.1 (TLS 1.3) or RFC 5077 §3.3 (TLS 1.2). */
export const parseNewSessionTicketBody: MessageParser = (r, ctx) => {
  const fields: Field[] = [];
  const facts = emptyFacts();
  if (ctx.version === 0x0304) {
    fields.push(r.num('ticket_lifetime', 4, (v) => `${v} s`)[1]);
    fields.push(r.num('ticket_age_add', 4)[1]);
    fields.push(r.opaque('ticket_nonce', 1)[1]);
    fields.push(r.opaque('ticket', 2, 'An opaque ticket the client can present later to resume without a full handshake')[1]);
    fields.push(readExtensions(r, 'new_session_ticket', facts).field);
  } else {
    fields.push(r.num('ticket_lifetime_hint', 4, (v) => `${v} s`)[1]);
    fields.push(r.opaque('ticket', 2, 'An opaque ticket the client can present later to resume without a full handshake')[1]);
  }
  r.done('new_session_ticket');
  return { fields, facts, problems: facts.problems };
};

/** RFC 8446 §4.6.3. */
export const parseKeyUpdateBody: MessageParser = (r) => {
  const [v, f] = r.num('request_update', 1, (x) => named(KEY_UPDATE_REQUESTS, x, 'none', 2));
  r.done('key_update');
  return { fields: [f], updateRequested: v === 1, problems: [] };
};

/** hello_request, server_hello_done, end_of_early_data: an empty body. */
export const parseEmptyBody: MessageParser = (r) => {
  r.done('empty message');
  return { fields: [], problems: [] };
};

/** RFC 8879 §4. */
export const parseCompressedCertificateBody: MessageParser = (r) => {
  const fields = [
    r.num('algorithm', 2, (v) => named(CERTIFICATE_COMPRESSION_ALGORITHMS, v, 'grease16'))[1],
    r.num('uncompressed_length', 3)[1],
    r.opaque('compressed_certificate_message', 3, 'The Certificate message, compressed (tlslab does not inflate it)')[1],
  ];
  r.done('compressed_certificate');
  return { fields, problems: [] };
};

/** Types tlslab has no parser for: the body as bytes. */
export const parseOpaqueBody: MessageParser = (r) => {
  const start = r.pos;
  const b = r.bytes(r.remaining);
  return { fields: b.length > 0 && !r.lean ? [field('body', start, r.pos, hexValue(b))] : [], problems: [] };
};
