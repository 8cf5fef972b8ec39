// What the hex view shows for an event: a title, a caption naming the leg and the direction, the bytes and their
// fields (a record's header fields, an alert's two bytes). Pure: reads a ConnRecord, no DOM, no I/O.
import type { Field, TlslabEvent } from '../events/schema.js';
import type { HexSource } from './hex-view.js';
import { HANDSHAKE_LABEL } from './ladder-model.js';
import type { ConnRecord } from './store.js';

const WHO = { client: { client: 'browser → tlslab', server: 'tlslab → browser' }, upstream: { client: 'tlslab → server', server: 'server → tlslab' } } as const;

/** Record header fields, RFC 8446 §5.1 / RFC 5246 §6.2.1. */
function recordFields(hexLen: number, encrypted: boolean): Field[] {
  const fields: Field[] = [
    encrypted ? { name: 'content_type', range: [0, 1], note: 'TLS 1.3 hides the real type: encrypted records all say application_data (23).' } : { name: 'content_type', range: [0, 1] },
    { name: 'legacy_record_version', range: [1, 3], note: 'Frozen at 0x0303 (or 0x0301 in a first ClientHello) for old middleboxes.' },
    { name: 'length', range: [3, 5] },
    encrypted ? { name: 'encrypted_record', range: [5, hexLen / 2], note: 'Ciphertext and the 16-byte AEAD tag.' } : { name: 'fragment', range: [5, hexLen / 2] },
  ];
  return fields;
}

/** What the hex view says of a deferred event: its bytes are being asked for, or no longer kept. */
function pendingOf(rec: ConnRecord, seq: number): Pick<HexSource, 'hex' | 'fields' | 'pending'> {
  return { hex: '', fields: [], pending: rec.detailsGone.has(seq) ? 'gone' : 'loading' };
}

/** What the hex view shows for event `e` of connection `rec`, or null for an event it has no bytes of. */
export function sourceOf(e: TlslabEvent, rec: ConnRecord): HexSource | null {
  const all = rec.events;
  switch (e.type) {
    case 'tls:handshake': {
      const title = `${HANDSHAKE_LABEL[e.msgType.code] ?? e.msgType.name} (${e.msgType.name}, type ${e.msgType.code})`;
      const caption = `${e.leg} leg · ${WHO[e.leg][e.from]} · ${e.length + 4} bytes${e.encrypted ? ' · sent encrypted, shown decrypted' : ''}`;
      const bytes = e.hex !== undefined ? { hex: e.hex, fields: e.fields ?? [] } : pendingOf(rec, e.seq);
      const src: HexSource = { title, caption, ...bytes };
      if (e.note !== undefined) src.note = e.note;
      return src;
    }
    case 'tls:record': {
      const title = `Record: ${e.contentType.name}`;
      const caption = `${e.leg} leg · ${WHO[e.leg][e.from]} · offset ${e.offset}${e.truncated ? ' · cut' : ''}`;
      return e.hex !== undefined ? { title, caption, hex: e.hex, fields: recordFields(e.hex.length, e.encrypted) } : { title, caption, ...pendingOf(rec, e.seq) };
    }
    case 'tls:appdata':
      return e.previewHex
        ? { title: 'Application data', hex: e.previewHex, fields: [], caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · first ${e.previewHex.length / 2} of ${e.length} bytes${e.decrypted ? ', decrypted' : ''}` }
        : null;
    case 'tls:ccs': {
      const rec = all.find((r) => r.type === 'tls:record' && r.leg === e.leg && r.from === e.from && r.offset === e.offset);
      if (rec && rec.type === 'tls:record' && rec.hex !== undefined) return { title: 'ChangeCipherSpec', hex: rec.hex, fields: [...recordFields(rec.hex.length, false).slice(0, 3), { name: 'change_cipher_spec', value: 'change_cipher_spec (1)', range: [5, 6] }], caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · offset ${e.offset}` };
      return { title: 'ChangeCipherSpec', hex: '01', fields: [{ name: 'change_cipher_spec', value: '1', range: [0, 1] }], caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · the one-byte message` };
    }
    case 'tls:alert': {
      const hex = e.level.code.toString(16).padStart(2, '0') + e.description.code.toString(16).padStart(2, '0');
      return {
        title: `Alert: ${e.description.name}`,
        hex,
        fields: [
          { name: 'level', value: `${e.level.name} (${e.level.code})`, range: [0, 1] },
          { name: 'description', value: `${e.description.name} (${e.description.code})`, range: [1, 2] },
        ],
        caption: `${e.leg} leg · ${WHO[e.leg][e.from]} · the alert's two bytes${e.encrypted ? ' (sent encrypted, shown decrypted)' : ''}`,
        note: 'RFC 8446 §6: an alert is two bytes, a level and a description.',
      };
    }
    default:
      return null;
  }
}
