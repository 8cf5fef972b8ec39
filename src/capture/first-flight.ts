// Reads the first bytes a client sends into a CONNECT tunnel and decides what they are: a ClientHello,
// something that is not TLS, a malformed hello, or silence (a server-speaks-first protocol). I/O: the raw socket.
import type { Socket } from 'node:net';
import type { ClientHelloDetails } from '../events/schema';
import { parseClientHello } from '../tls';

export type FirstFlight =
  | { kind: 'tls'; bytes: Buffer; hello: ClientHelloDetails }
  | { kind: 'not-tls'; bytes: Buffer }
  | { kind: 'malformed'; bytes: Buffer; code: string; message: string }
  | { kind: 'silent'; bytes: Buffer }
  | { kind: 'closed'; bytes: Buffer };

/** A ClientHello larger than this is treated as malformed (real ones are < 2 KiB; post-quantum ones < 4 KiB). */
const MAX_HELLO_BYTES = 64 * 1024;

/**
 * Collects bytes from `socket` (starting with `head`) until they are known to be a ClientHello or not.
 * The bytes read are returned so the caller can replay them into the TLS socket or the raw relay.
 */
export function readFirstFlight(socket: Socket, head: Buffer, silenceMs: number): Promise<FirstFlight> {
  return new Promise((resolve) => {
    let bytes = head;
    let settled = false;
    const finish = (result: FirstFlight): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      resolve(result);
    };
    const judge = (): void => {
      if (bytes.length === 0) return;
      if (bytes[0] !== 0x16 && bytes[0] !== 0x80) {
        // 0x16: TLS handshake record; 0x80: an SSLv2-compatible ClientHello header.
        finish({ kind: 'not-tls', bytes });
        return;
      }
      const parsed = parseClientHello(bytes);
      if (parsed.ok) finish({ kind: 'tls', bytes, hello: parsed.details });
      else if (!parsed.needMore) finish({ kind: 'malformed', bytes, code: parsed.code, message: parsed.message });
      else if (bytes.length > MAX_HELLO_BYTES) {
        finish({ kind: 'malformed', bytes, code: 'TLSLAB_ERR_DECODE_HANDSHAKE_TOO_LARGE', message: `no complete ClientHello in the first ${MAX_HELLO_BYTES} bytes` });
      }
    };
    const onData = (chunk: Buffer): void => {
      bytes = bytes.length === 0 ? chunk : Buffer.concat([bytes, chunk]);
      judge();
    };
    const onEnd = (): void => finish({ kind: 'closed', bytes });
    const timer = setTimeout(() => finish({ kind: bytes.length === 0 ? 'silent' : 'malformed', bytes, code: 'TLSLAB_ERR_DECODE_TRUNCATED', message: 'the ClientHello stopped arriving' } as FirstFlight), silenceMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onEnd);
    judge();
    if (!settled) socket.resume();
  });
}
