// A message a dashboard viewer sends on /ws (text JSON): decoded here, its kind checked by the stream hub. Pure: the
// socket's frame data in, a value out.
import type WebSocket from 'ws';
import type { ClientMessage } from '../events/stream';

/** The message in `data`, or undefined when it is binary or not JSON. */
export function decodeClientMessage(data: WebSocket.RawData, isBinary: boolean): ClientMessage | undefined {
  try {
    if (isBinary) throw new Error('binary');
    return JSON.parse((Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(new Uint8Array(data))).toString('utf8')) as ClientMessage;
  } catch {
    return undefined;
  }
}
