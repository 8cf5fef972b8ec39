// The `events` messages of one flush pass over the viewers: each event serialized, and each shared batch encoded, at
// most once however many viewers send it. Pure: events in, Buffers out (the viewers' sockets are the hub's).
import type { TlslabEvent } from '../events/schema';
import type { BatchEncoder } from './stream-client';

/** A fresh encoder for one pass: its caches live only as long as the pass. */
export function passEncoder(): BatchEncoder {
  const eventJson = new Map<TlslabEvent, string>();
  const batches = new Map<string, Buffer>();
  return (key: string | null, batch: TlslabEvent[]): Buffer => {
    if (key !== null) {
      const done = batches.get(key);
      if (done !== undefined) return done;
    }
    const parts = new Array<string>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i];
      let s = eventJson.get(e);
      if (s === undefined) {
        s = JSON.stringify(e);
        eventJson.set(e, s);
      }
      parts[i] = s;
    }
    const buf = Buffer.from(`{"kind":"events","events":[${parts.join(',')}]}`, 'utf8');
    if (key !== null) batches.set(key, buf);
    return buf;
  };
}
