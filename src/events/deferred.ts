// Which events the live stream sent without their bytes (docs/events.md, "Details on demand"). Pure, no imports but
// the schema: the server's detail builder and the dashboard read it alike.
import type { TlslabEvent } from './schema.js';

/** A record or handshake message whose bytes (and field tree) the live stream left out. */
export function isDeferred(e: TlslabEvent): boolean {
  return (e.type === 'tls:record' || e.type === 'tls:handshake') && e.deferred === true;
}
