// Every event `type` as a runtime list, checked against the TlslabEvent union at compile time.
// Plain constants — no Node imports — so docs tests, the server and the dashboard share one list.
import type { TlslabEventType } from './schema.js';

/** Every `type` of the TlslabEvent union, in the order docs/events.md presents them. */
export const EVENT_TYPES = [
  'conn:open',
  'conn:upstream',
  'tls:record',
  'tls:handshake',
  'tls:ccs',
  'tls:alert',
  'tls:appdata',
  'tls:keys',
  'tls:undecryptable',
  'tls:decode-error',
  'tls:established',
  'tls:verdict',
  'tls:presented',
  'tls:client-outcome',
  'tls:tcp-end',
  'http:request',
  'http:response',
  'conn:error',
  'conn:close',
] as const satisfies readonly TlslabEventType[];

// Compile-time exhaustiveness: adding an event to the union without listing it here fails to compile.
type Missing = Exclude<TlslabEventType, (typeof EVENT_TYPES)[number]>;
const exhaustive: [Missing] extends [never] ? true : { missing: Missing } = true;
void exhaustive;

const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);

/** True when `type` names an event of this schema version. */
export function isEventType(type: unknown): type is TlslabEventType {
  return typeof type === 'string' && KNOWN.has(type);
}
