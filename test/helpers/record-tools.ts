// Test helper for recordings: what tshark sees in each TCP stream of a file (no key option unless given) and what
// tlslab's events say of each leg, in the same shape, so the two can be compared; and the fields of summaries to compare.
import type { ConnectionSummary } from '../../src/events/stream';
import type { Leg, TlslabEvent } from '../../src/events/schema';
import { run } from './capture-tools';

export interface SideView {
  /** Handshake message types in order (decrypted ones included). */
  handshakes: number[];
  /** Alert descriptions in order. */
  alerts: number[];
}

export interface StreamView {
  /** Client and server TCP ports (the client sent the SYN). */
  ports: [number, number];
  /** The SYN's packet comment, when it has one (a recording names the connection and leg there). */
  comment: string | null;
  /** The cipher suite of the ServerHello, 0 if none. */
  suite: number;
  client: SideView;
  server: SideView;
  /** HTTP/1.x request targets and response statuses, in order. */
  requests: string[];
  statuses: number[];
}

const nums = (f: string | undefined): number[] => (f ? f.split(',').filter((x) => x !== '').map(Number) : []);

/** tshark's view of every TCP stream of `file`. `opts`: extra tshark options (a key log); none by default. */
export async function tsharkStreams(file: string, opts: string[] = []): Promise<Map<number, StreamView>> {
  const fields = ['tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tcp.flags.syn', 'tcp.flags.ack', 'frame.comment', 'tls.handshake.type', 'tls.handshake.ciphersuite', 'tls.alert_message.desc', 'http.request.uri', 'http.response.code'];
  const r = await run('tshark', ['-r', file, ...opts, '-Y', 'tcp', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  const out = new Map<number, StreamView>();
  for (const line of r.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [stream, src, dst, syn, ack, comment, types, suites, alerts, uris, codes] = line.split('\t');
    const id = Number(stream);
    let v = out.get(id);
    if (!v) out.set(id, (v = { ports: [Number(src), Number(dst)], comment: null, suite: 0, client: { handshakes: [], alerts: [] }, server: { handshakes: [], alerts: [] }, requests: [], statuses: [] }));
    if (syn === '1' && ack === '0') {
      v.ports = [Number(src), Number(dst)];
      if (comment) v.comment = comment;
    }
    const side = Number(src) === v.ports[0] ? v.client : v.server;
    side.handshakes.push(...nums(types));
    side.alerts.push(...nums(alerts));
    if (suites && Number(src) === v.ports[1]) v.suite ||= Number(suites.split(',')[0]);
    if (uris) v.requests.push(...uris.split(','));
    if (codes) v.statuses.push(...nums(codes));
  }
  return out;
}

/** tlslab's view of one leg of connection `conn`, from its events. */
export function tlslabLeg(events: readonly TlslabEvent[], conn: string, leg: Leg): Omit<StreamView, 'ports' | 'comment'> {
  const v: Omit<StreamView, 'ports' | 'comment'> = { suite: 0, client: { handshakes: [], alerts: [] }, server: { handshakes: [], alerts: [] }, requests: [], statuses: [] };
  for (const e of events) {
    if (e.conn !== conn) continue;
    if (e.type === 'tls:handshake' && e.leg === leg) {
      v[e.from].handshakes.push(e.msgType.code);
      if (e.details?.kind === 'server_hello') v.suite = e.details.cipherSuite.code;
    }
    if (e.type === 'tls:alert' && e.leg === leg) v[e.from].alerts.push(e.description.code);
  }
  return v;
}

/** A summary without what depends on the bus that made it (`lastSeq`). */
export function comparable(s: ConnectionSummary): Omit<ConnectionSummary, 'lastSeq'> {
  const { lastSeq: _seq, ...rest } = s;
  return rest;
}

/** The lesson events of a connection, leg by leg, in a form two runs can be compared on. */
export function steps(events: readonly TlslabEvent[], conn: string): Record<string, string[]> {
  const out: Record<string, string[]> = { client: [], upstream: [], conn: [] };
  for (const e of events) {
    if (e.conn !== conn) continue;
    switch (e.type) {
      case 'tls:record':
        out[e.leg]?.push(`${e.step ?? '-'} record ${e.from} ${e.contentType.code} ${e.length}${e.innerType ? `/${e.innerType.code}` : ''}`);
        break;
      case 'tls:handshake':
        out[e.leg]?.push(`${e.step ?? '-'} handshake ${e.from} ${e.msgType.code} ${e.length}`);
        break;
      case 'tls:ccs':
        out[e.leg]?.push(`${e.step ?? '-'} ccs ${e.from}`);
        break;
      case 'tls:alert':
        out[e.leg]?.push(`${e.step ?? '-'} alert ${e.from} ${e.description.code}`);
        break;
      case 'tls:appdata':
        out[e.leg]?.push(`${e.step ?? '-'} appdata ${e.from} ${e.length} ${e.decrypted}`);
        break;
      case 'tls:established':
        out[e.leg]?.push(`${e.step ?? '-'} established ${e.version.code} ${e.cipherSuite.code} ${e.alpn}`);
        break;
      case 'tls:verdict':
        out.conn?.push(`verdict ${e.ok} ${e.findings.map((f) => f.code).join(',')} ${e.policy ?? ''}`);
        break;
      case 'tls:presented':
        out.conn?.push(`presented ${e.mode} ${e.chain.map((c) => c.subject).join('|')}`);
        break;
      case 'tls:client-outcome':
        out.conn?.push(`client-outcome ${e.outcome} ${e.alert?.description.code ?? ''}`);
        break;
      case 'http:request':
        out.conn?.push(`request ${e.id} ${e.method} ${e.url}`);
        break;
      case 'http:response':
        out.conn?.push(`response ${e.id} ${e.status} ${e.bodyBytes}`);
        break;
      case 'conn:error':
        out.conn?.push(`error ${e.leg ?? ''} ${e.code} ${e.cause}`);
        break;
      case 'conn:close':
        out.conn?.push(`close ${e.cause}`);
        break;
      default:
        break;
    }
  }
  return out;
}
