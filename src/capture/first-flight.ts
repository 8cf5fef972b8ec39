// Reads the first bytes a client sends into a CONNECT tunnel and decides what they are: a ClientHello,
// something that is not TLS, a malformed hello, or silence (a server-speaks-first protocol). I/O: the raw socket.
import type { Socket } from 'node:net';
import type { ClientHelloDetails } from '../events/schema';
import { ClientHelloReader } from './client-hello-reader';

type Kind =
  | { kind: 'tls'; hello: ClientHelloDetails }
  | { kind: 'not-tls' }
  /** `examined`: how many of the bytes were read to find the fault (the part worth decoding and showing). */
  | { kind: 'malformed'; code: string; message: string; examined: number }
  | { kind: 'silent' }
  | { kind: 'closed' };

export type FirstFlight = Kind & {
  /** Every byte read, exactly as received. */
  bytes: Buffer;
  /** How many times the ClientHello parser ran (0 or 1): the work is bounded whatever the record split. */
  parses: number;
};

/**
 * Collects bytes from `socket` (starting with `head`) until they are known to be a ClientHello or not, for at most
 * `silenceMs`. The bytes read are returned exactly as received, so the caller can replay them into the TLS socket or
 * the raw relay.
 */
export function readFirstFlight(socket: Socket, head: Buffer, silenceMs: number): Promise<FirstFlight> {
  return new Promise((resolve) => {
    const reader = new ClientHelloReader();
    let settled = false;
    const finish = (result: Kind): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      resolve({ ...result, bytes: reader.bytes(), parses: reader.parses });
    };
    const onData = (chunk: Buffer): void => {
      const v = reader.push(chunk);
      switch (v.kind) {
        case 'more':
          return;
        case 'hello':
          return finish({ kind: 'tls', hello: v.hello });
        case 'not-tls':
          return finish({ kind: 'not-tls' });
        case 'malformed':
          return finish({ kind: 'malformed', code: v.code, message: v.message, examined: reader.examined });
      }
    };
    const onEnd = (): void => finish({ kind: 'closed' });
    const timer = setTimeout(() => {
      if (reader.length === 0) finish({ kind: 'silent' });
      else finish({ kind: 'malformed', code: 'TLSLAB_ERR_DECODE_TRUNCATED', message: 'the ClientHello stopped arriving', examined: reader.length });
    }, silenceMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onEnd);
    if (head.length > 0) onData(head);
    if (!settled) socket.resume();
  });
}
