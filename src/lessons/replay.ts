// A connection's two ladders as a sequence to step through, message by message, each with its note: in wire order
// (as the events happened) or in the eight steps' order. Pure over events; no Node imports (the dashboard runs it).
import type { Leg, LessonStep, Side, TlslabEvent } from '../events/schema.js';

export type ReplayOrder = 'wire' | 'story';

export interface ReplayItem {
  seq: number;
  /** null: about the whole connection (its end). */
  leg: Leg | null;
  /** Who sent it on its leg; null for tlslab's own checks and the connection's events. */
  from: Side | null;
  step: LessonStep;
  label: string;
  /** One line of facts: sizes, names, versions. */
  detail?: string;
  /** How it fits the eight-step story (the event's note, or what tlslab says about it). */
  note?: string;
  encrypted: boolean;
}

/** RFC 8446 §4 / RFC 5246 §7.4 handshake types by the names students see. */
const HANDSHAKE: Readonly<Record<number, { label: string; step: LessonStep }>> = {
  1: { label: 'ClientHello', step: 1 },
  2: { label: 'ServerHello', step: 2 },
  4: { label: 'NewSessionTicket', step: 7 },
  5: { label: 'EndOfEarlyData', step: 2 },
  8: { label: 'EncryptedExtensions', step: 2 },
  11: { label: 'Certificate', step: 2 },
  12: { label: 'ServerKeyExchange', step: 5 },
  13: { label: 'CertificateRequest', step: 2 },
  14: { label: 'ServerHelloDone', step: 2 },
  15: { label: 'CertificateVerify', step: 3 },
  16: { label: 'ClientKeyExchange', step: 4 },
  20: { label: 'Finished', step: 6 },
  24: { label: 'KeyUpdate', step: 7 },
};

const CCS_NOTE = 'TLS 1.3 sends ChangeCipherSpec only so old middleboxes let the connection through (RFC 8446 Appendix D.4): it changes nothing.';

/** One event as a replay item, or null for events the ladders do not draw (records, keys, repeated data). */
function item(e: TlslabEvent, dataSeen: Set<string>): ReplayItem | null {
  const base = { seq: e.seq, encrypted: false };
  switch (e.type) {
    case 'tls:handshake': {
      const h = HANDSHAKE[e.msgType.code];
      const hrr = e.details?.kind === 'server_hello' && e.details.helloRetryRequest;
      const detail = e.details?.kind === 'server_hello' && !hrr ? `${e.details.version.name} · ${e.details.cipherSuite.name}` : `${e.length + 4} bytes`;
      return {
        ...base, leg: e.leg, from: e.from, step: e.step ?? h?.step ?? 2, label: hrr ? 'HelloRetryRequest' : (h?.label ?? e.msgType.name),
        detail, encrypted: e.encrypted, ...(e.note !== undefined ? { note: e.note } : {}),
      };
    }
    case 'tls:ccs':
      return { ...base, leg: e.leg, from: e.from, step: e.step ?? 6, label: 'ChangeCipherSpec', ...(e.compatibility ? { note: CCS_NOTE } : {}) };
    case 'tls:alert':
      return {
        ...base, leg: e.leg, from: e.from, step: e.step ?? (e.description.code === 0 ? 8 : 3), encrypted: e.encrypted,
        label: e.description.code === 0 ? 'close_notify' : `Alert: ${e.description.name}`, detail: `${e.fatal ? 'fatal' : e.level.name} (${e.description.code})`,
      };
    case 'tls:appdata': {
      const key = `${e.leg}/${e.from}`;
      if (dataSeen.has(key)) return null;
      dataSeen.add(key);
      return { ...base, leg: e.leg, from: e.from, step: 7, label: 'Encrypted data', detail: `${e.length} bytes${e.decrypted ? ', decrypted by tlslab' : ''}`, encrypted: true };
    }
    case 'tls:established':
      return { ...base, leg: e.leg, from: null, step: e.step ?? 6, label: `Handshake complete: ${e.version.name}`, detail: `${e.cipherSuite.name}${e.group ? ` · ${e.group.name}` : ''}${e.alpn ? ` · ${e.alpn}` : ''}` };
    case 'tls:verdict': {
      const errors = e.findings.filter((f) => f.severity === 'error');
      return {
        ...base, leg: 'upstream', from: null, step: e.step ?? 3, label: e.ok ? "tlslab verifies the server's chain: valid" : `tlslab verifies the server's chain: ${errors.map((f) => f.code).join(', ')}`,
        ...(errors.length ? { note: errors.map((f) => f.message).join(' ') } : {}),
      };
    }
    case 'tls:presented':
      return { ...base, leg: 'client', from: 'server', step: e.step ?? 2, label: `tlslab presents ${e.mode === 'mirror' ? 'a certificate with the same flaw' : 'its own certificate'}`, detail: e.chain[0]?.subject ?? '' };
    case 'tls:client-outcome':
      return { ...base, leg: 'client', from: null, step: e.step ?? 3, label: `The browser's verdict: ${e.outcome}`, note: e.explanation };
    case 'conn:error':
      return { ...base, leg: e.leg ?? null, from: null, step: 8, label: `Error: ${e.cause}`, note: e.message };
    case 'conn:close':
      return { ...base, leg: null, from: null, step: 8, label: 'Connection closed', detail: e.cause };
    default:
      return null;
  }
}

/** The connection's items in wire order (by `seq`) or in the story's order (by step, then as they happened). */
export function replayItems(events: readonly TlslabEvent[], order: ReplayOrder = 'wire'): ReplayItem[] {
  const dataSeen = new Set<string>();
  const items = [...events].sort((a, b) => a.seq - b.seq).map((e) => item(e, dataSeen)).filter((x): x is ReplayItem => x !== null);
  return order === 'wire' ? items : items.sort((a, b) => a.step - b.step || a.seq - b.seq);
}
