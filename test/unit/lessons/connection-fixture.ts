// Connections for the lesson evaluator tests: the RFC 8448 §3 bytes decoded by the real TlsDecoder on both legs, plus
// the events tlslab adds around them (open, verdict, outcome, close), folded into a summary by the real reducer.
import type { EventDraft, Leg, TlslabEvent } from '../../../src/events/schema';
import { reduceSummary } from '../../../src/events/summary';
import type { ConnectionView } from '../../../src/lessons';
import { TlsDecoder } from '../../../src/tls';
import { hexToBytes, keylog, rfc8448 } from '../../helpers/tls-rfc8448';

export class ConnBuilder {
  readonly events: TlslabEvent[] = [];
  private seq = 0;
  private t = 1_700_000_000_000;
  constructor(readonly id = 'c1') {}

  add(draft: Omit<EventDraft, 'conn'> | Record<string, unknown>): this {
    this.events.push({ ...draft, conn: this.id, v: 1, seq: ++this.seq, t: (this.t += 1) } as TlslabEvent);
    return this;
  }

  open(lab?: string): this {
    return this.add({ type: 'conn:open', client: { address: '127.0.0.1', port: 50000 }, target: { host: `${lab ?? 'server'}.lab.tlslab`, port: 443 }, via: 'connect', ...(lab ? { lab } : {}) });
  }

  /** The RFC 8448 handshake, application data and close_notify, decoded record by record in the trace's order on `leg`. */
  rfc8448(leg: Leg): this {
    const d = new TlsDecoder();
    const out = [...d.addKeyLog(keylog)];
    for (const r of rfc8448.records) out.push(...d.feed(r.direction === 'client_to_server' ? 'client' : 'server', hexToBytes(r.record)));
    out.push(...d.finish());
    for (const e of out) this.add({ ...e, leg });
    return this;
  }

  close(cause = 'closed'): this {
    return this.add({ type: 'conn:close', cause, durationMs: 10, bytes: { client: { fromClient: 0, toClient: 0 }, upstream: { fromServer: 0, toServer: 0 } } });
  }

  view(): ConnectionView {
    let s = undefined as ReturnType<typeof reduceSummary> | undefined;
    for (const e of this.events) s = reduceSummary(s, e);
    if (s === undefined) throw new Error('no events');
    return { summary: s, events: this.events };
  }
}
