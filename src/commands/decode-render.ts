// `tlslab decode` output: the readable tree and the JSON Lines (format documented in docs/decode.md).
// Pure formatting of DecodeResult into lines of text; the command writes them.
import { assertNever, type Field } from '../events/schema';
import { connectionTitle, type DecodedConnection, type DecodeLine, type DecodeResult } from './decode-run';

export interface RenderOptions {
  verbose?: boolean;
  /** File name shown in the summary. */
  file: string;
}

const ARROW = { client: '→', server: '←' } as const;

function size(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Printable ASCII of a hex preview, dots for the rest, at most 48 characters. */
function asciiPreview(hex: string | undefined): string {
  if (!hex) return '';
  const b = Buffer.from(hex, 'hex');
  const text = Array.from(b.subarray(0, 48), (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
  return ` "${text}${b.length > 48 ? '…' : ''}"`;
}

/** The key facts of one line, after the arrow and step. */
function describe(line: DecodeLine): string {
  switch (line.type) {
    case 'tls:record':
      return `record ${line.contentType.name} ${line.version.name} ${line.length} B @${line.offset}${line.encrypted ? ` encrypted${line.innerType ? ` → ${line.innerType.name}` : ''}` : ''}`;
    case 'tls:handshake':
      return `${line.msgType.name} (${line.length} B)${line.encrypted ? ' [decrypted]' : ''}${handshakeFacts(line.details)}`;
    case 'tls:ccs':
      return `ChangeCipherSpec${line.compatibility ? ' (TLS 1.3 compatibility only)' : ''}`;
    case 'tls:alert':
      return `Alert ${line.level.name} ${line.description.name} (${line.description.code})${line.encrypted ? ' [decrypted]' : ''}`;
    case 'tls:appdata':
      return `ApplicationData ${line.length} B${line.decrypted ? asciiPreview(line.previewHex) : ' (encrypted)'}`;
    case 'tls:keys':
      return `keys: ${line.labels.join(', ')}`;
    case 'tls:undecryptable':
      return `cannot decrypt @${line.offset}: ${line.reason} — ${line.message}`;
    case 'tls:decode-error':
      return `decode error ${line.code} @${line.offset}: ${line.message}`;
    case 'tls:established':
      return `established ${line.version.name}, ${line.cipherSuite.name}, key exchange ${line.keyExchange}${line.group ? ` (${line.group.name})` : ''}${line.sni ? `, SNI ${line.sni}` : ''}${line.alpn ? `, ALPN ${line.alpn}` : ''}`;
    case 'decode:gap':
      return `TCP gap: ${line.length} B missing @${line.offset} (${line.reason}); ${line.note}`;
    case 'decode:close':
      return line.how === 'fin' ? 'TCP FIN' : 'TCP RST';
    default:
      return assertNever(line);
  }
}

function handshakeFacts(d: Extract<DecodeLine, { type: 'tls:handshake' }>['details']): string {
  if (!d) return '';
  switch (d.kind) {
    case 'client_hello': {
      const parts = [`SNI ${d.sni ?? '(none)'}`, `${d.cipherSuites.length} suites`];
      if (d.supportedVersions.length) parts.push(`versions ${d.supportedVersions.map((v) => v.name).join(', ')}`);
      if (d.alpn.length) parts.push(`ALPN ${d.alpn.join(', ')}`);
      if (d.sslv2Compatible) parts.push('SSLv2-compatible');
      parts.push(`JA4 ${d.ja4}`);
      return `  ${parts.join('; ')}`;
    }
    case 'server_hello':
      return `  ${d.helloRetryRequest ? 'HelloRetryRequest; ' : ''}${d.version.name}; ${d.cipherSuite.name}${d.keyShareGroup ? `; ${d.keyShareGroup.name}` : ''}${d.alpn ? `; ALPN ${d.alpn}` : ''}`;
    case 'certificate':
      return `  ${d.certificates.length} certificate${d.certificates.length === 1 ? '' : 's'}`;
    case 'server_key_exchange':
    case 'client_key_exchange':
      return `  ${d.method}${d.group ? ` ${d.group.name}` : ''}${d.signatureAlgorithm ? `; signed ${d.signatureAlgorithm.name}` : ''}`;
    default:
      return assertNever(d);
  }
}

function fieldTree(fields: Field[], indent: string, out: string[]): void {
  for (const f of fields) {
    out.push(`${indent}${f.name}${f.value !== undefined ? `: ${f.value}` : ''}  [${f.range[0]}, ${f.range[1]})${f.note ? `  — ${f.note}` : ''}`);
    if (f.children) fieldTree(f.children, `${indent}  `, out);
  }
}

function header(c: DecodedConnection): string {
  const kind = c.kind === 'tls' ? 'TLS' : c.kind === 'not-tls' ? 'not TLS' : 'no data';
  const facts: string[] = [];
  if (c.state?.sni) facts.push(`SNI ${c.state.sni}`);
  const established = c.lines.find((l) => l.type === 'tls:established');
  if (established && established.type === 'tls:established') facts.push(established.version.name, established.cipherSuite.name);
  const first = c.kind === 'not-tls' ? `; first bytes ${c.firstBytes.client || c.firstBytes.server}` : '';
  return `#${c.conn} ${connectionTitle(c)}  ${kind}${facts.length ? `  ${facts.join(', ')}` : ''}  (${c.packets} packets; client ${size(c.bytes.client)}, server ${size(c.bytes.server)}${first})`;
}

/** The readable tree: one header per connection, one indented line per event. */
export function renderTree(r: DecodeResult, opts: RenderOptions): string[] {
  const out: string[] = [];
  for (const c of r.connections) {
    out.push(header(c));
    let run: { from: 'client' | 'server'; count: number; bytes: number; step: string; decrypted: boolean; preview: string } | null = null;
    const flush = () => {
      if (!run) return;
      out.push(`  ${ARROW[run.from]} ${run.step} ApplicationData ${run.count > 1 ? `×${run.count}, ` : ''}${size(run.bytes)}${run.decrypted ? run.preview : ' (encrypted)'}`);
      run = null;
    };
    for (const line of c.lines) {
      if (line.type === 'tls:record' && !opts.verbose) continue;
      const step = 'step' in line && line.step ? String(line.step) : ' ';
      if (line.type === 'tls:appdata' && !opts.verbose) {
        if (run && run.from === line.from && run.decrypted === line.decrypted) {
          run.count++;
          run.bytes += line.length;
        } else {
          flush();
          run = { from: line.from, count: 1, bytes: line.length, step, decrypted: line.decrypted, preview: asciiPreview(line.previewHex) };
        }
        continue;
      }
      flush();
      out.push(`  ${ARROW[line.from]} ${step} ${describe(line)}`);
      if (opts.verbose && line.type === 'tls:handshake') fieldTree(line.fields ?? [], '        ', out);
    }
    flush();
  }
  out.push(summaryText(r, opts.file));
  return out;
}

function summaryText(r: DecodeResult, file: string): string {
  const tls = r.connections.filter((c) => c.kind === 'tls').length;
  const skipped = Object.entries(r.skipped).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  const lines = [
    `${file}: ${r.format}, ${r.packets} packets (${r.tcpPackets} TCP${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}), ${r.connections.length} TCP connections, ${tls} TLS; key-log lines: ${r.keyLogLines.option} from --keylog, ${r.keyLogLines.dsb} from the file`,
  ];
  for (const e of r.fileErrors) lines.push(`  file problem at byte ${e.offset}: ${e.message} [${e.code}]`);
  return lines.join('\n');
}

/** JSON Lines: per connection a `decode:connection` line, then its events; a `decode:summary` line last. */
export function renderJsonLines(r: DecodeResult, file: string): string[] {
  const out: string[] = [];
  for (const c of r.connections) {
    out.push(JSON.stringify({
      type: 'decode:connection', conn: c.conn, t: c.t, client: c.client, server: c.server, kind: c.kind, decidedBy: c.decidedBy,
      packets: c.packets, bytes: c.bytes, firstBytesHex: c.firstBytes,
      tls: c.state ? { version: c.state.version, cipherSuite: c.state.cipherSuite, sni: c.state.sni, alpn: c.state.alpn, handshakeDone: c.state.handshakeDone } : null,
    }));
    for (const line of c.lines) out.push(JSON.stringify(line));
  }
  out.push(JSON.stringify({
    type: 'decode:summary', file, format: r.format, packets: r.packets, tcpPackets: r.tcpPackets, skipped: r.skipped,
    connections: r.connections.length, tlsConnections: r.connections.filter((c) => c.kind === 'tls').length,
    keyLogLines: r.keyLogLines, fileErrors: r.fileErrors,
  }));
  return out;
}
