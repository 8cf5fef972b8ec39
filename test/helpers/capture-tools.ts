// Test helper for capture-based tests: live loopback captures with dumpcap, child processes with timeouts,
// throwaway certificates, and two views of the same capture to compare — tshark's and `tlslab decode`'s.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDecode } from '../../src/commands/decode';
import { decodeTcpPacket, readCapture } from '../../src/pcap';

export function tempDir(prefix = 'tlslab-cap-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A self-signed certificate for localhost and 127.0.0.1 (P-256, or RSA-2048), made with the openssl CLI. */
export function makeCert(dir: string, kind: 'ec' | 'rsa' = 'ec'): { keyPath: string; certPath: string; key: Buffer; cert: Buffer } {
  const keyPath = join(dir, `${kind}-key.pem`);
  const certPath = join(dir, `${kind}-cert.pem`);
  const keyArgs = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '2', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
  return { keyPath, certPath, key: readFileSync(keyPath), cert: readFileSync(certPath) };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`), optionally writing `input` to its stdin. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; keepStdinOpenMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) child.stdin.write(opts.input);
    if (opts.keepStdinOpenMs) setTimeout(() => child.stdin.end(), opts.keepStdinOpenMs);
    else child.stdin.end();
  });
}

/** Waits until `child` writes `text` to stderr (or fails after `timeoutMs`). */
function waitForStderr(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}"; stderr: ${seen}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dumpcap exited (${code}) before it was ready: ${seen}`));
    });
  });
}

export interface LiveCapture {
  file: string;
  /** Stops dumpcap cleanly (SIGINT) and waits for it to write and close the file. */
  stop: () => Promise<void>;
}

/** How many TCP SYNs to `port` the capture file holds so far (the file may be mid-write: partial reads are fine). */
function synsTo(file: string, port: number): number {
  if (!existsSync(file)) return 0;
  const r = readCapture(readFileSync(file));
  if (!r.ok) return 0;
  let n = 0;
  for (const p of r.value.packets) {
    const d = decodeTcpPacket(p.linkType, p.data);
    if (d.ok && d.segment.dst.port === port && d.segment.flags.syn && !d.segment.flags.ack) n++;
  }
  return n;
}

/**
 * Connects to the canary port until dumpcap has written a new SYN to it into the file: proof that everything
 * before is captured and on disk. ("Capturing on" alone is not enough: the first packets after it can be lost.)
 */
async function canaryRoundTrip(file: string, canaryPort: number): Promise<void> {
  const before = synsTo(file, canaryPort);
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const s = net.connect(canaryPort, '127.0.0.1', () => s.end());
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (synsTo(file, canaryPort) > before) return;
    }
  }
  throw new Error(`dumpcap did not record the canary connection into ${file}`);
}

/**
 * dumpcap on loopback for `tcp port N` (or each of several ports, plus a canary port), into `file` (pcapng). Resolves
 * once a canary connection shows up in the file; `stop()` does the same before SIGINT, so nothing in between is lost.
 * Connections to the canary port are in the file too: compare only connections to `port`.
 */
export async function startCapture(port: number | number[], file: string): Promise<LiveCapture> {
  const canary = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  const canaryPort = (canary.address() as AddressInfo).port;
  const filter = [...(Array.isArray(port) ? port : [port]), canaryPort].map((p) => `tcp port ${p}`).join(' or ');
  const child = spawn('dumpcap', ['-i', 'lo', '-f', filter, '-w', file, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const abort = () => {
    child.kill('SIGKILL');
    canary.close();
  };
  try {
    await waitForStderr(child, 'Capturing on', 15000);
    await canaryRoundTrip(file, canaryPort);
  } catch (e) {
    abort();
    throw e;
  }
  let stopped: Promise<void> | null = null;
  return {
    file,
    stop: () => {
      stopped ??= (async () => {
        try {
          if (child.exitCode === null) await canaryRoundTrip(file, canaryPort);
        } finally {
          await new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 10000);
            child.on('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGINT');
          });
          canary.close();
        }
      })();
      return stopped;
    },
  };
}

/** What both tools must agree on, per direction of one TCP connection. */
export interface DirectionView {
  /** Handshake messages in order: [type, body length]. */
  handshakes: [number, number][];
  /** Record body lengths in order (outer records, as on the wire). */
  records: number[];
  /** Alert description codes in order. */
  alerts: number[];
  /** Decrypted application data, hex, concatenated. */
  appData: string;
}

export interface ConnectionView {
  clientPort: number;
  /** The cipher suite the server chose (0 if none seen). */
  suite: number;
  client: DirectionView;
  server: DirectionView;
}

const emptyDir = (): DirectionView => ({ handshakes: [], records: [], alerts: [], appData: '' });
const nums = (field: string | undefined): number[] => (field ? field.split(',').filter((s) => s !== '').map((s) => Number(s)) : []);

/** tshark's view: `-T fields` for records, handshakes, suite and alerts; `-z follow,tls,raw` for the data. */
export async function tsharkView(file: string, serverPort: number, keylog?: string): Promise<Map<number, ConnectionView>> {
  // Decode the server's port as TLS outright: tshark's heuristics on a random port sometimes miss a stream under load.
  const opts = [...(keylog ? ['-o', `tls.keylog_file:${keylog}`] : []), '-d', `tcp.port==${serverPort},tls`];
  const fields = ['tcp.stream', 'tcp.srcport', 'tcp.dstport', 'tls.record.length', 'tls.handshake.type', 'tls.handshake.length', 'tls.handshake.ciphersuite', 'tls.alert_message.desc'];
  const r = await run('tshark', ['-r', file, ...opts, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])], { timeoutMs: 60000 });
  if (r.code !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  const views = new Map<number, ConnectionView>();
  const streamPort = new Map<number, number>();
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const [stream, src, dst, recLen, hsType, hsLen, suites, alerts] = line.split('\t');
    if (Number(src) !== serverPort && Number(dst) !== serverPort) continue; // e.g. the capture's canary connections
    const fromServer = Number(src) === serverPort;
    const clientPort = fromServer ? Number(dst) : Number(src);
    streamPort.set(Number(stream), clientPort);
    let v = views.get(clientPort);
    if (!v) views.set(clientPort, (v = { clientPort, suite: 0, client: emptyDir(), server: emptyDir() }));
    const d = fromServer ? v.server : v.client;
    d.records.push(...nums(recLen));
    const types = nums(hsType);
    const lens = nums(hsLen);
    types.forEach((t, i) => d.handshakes.push([t, lens[i]]));
    if (fromServer && suites) v.suite = Number(suites.split(',')[0]);
    d.alerts.push(...nums(alerts));
  }
  // Decrypted data, per stream. tshark 4.0 labels the nodes oddly: lines without a tab belong to "Node 0".
  const streams = [...streamPort.keys()];
  if (streams.length > 0) {
    const f = await run('tshark', ['-r', file, ...opts, '-q', ...streams.flatMap((s) => ['-z', `follow,tls,raw,${s}`])], { timeoutMs: 60000 });
    for (const section of f.stdout.split('===================================================================')) {
      const m = /Filter: tcp\.stream eq (\d+)/.exec(section);
      if (!m) continue;
      const v = views.get(streamPort.get(Number(m[1])) ?? -1);
      if (!v) continue;
      const node0 = /Node 0: .*:(\d+)\n/.exec(section);
      const node0IsServer = node0 ? Number(node0[1]) === serverPort : false;
      for (const line of section.split('\n')) {
        if (!/^\t?[0-9a-f]+$/.test(line)) continue;
        const isNode0 = !line.startsWith('\t');
        (isNode0 === node0IsServer ? v.server : v.client).appData += line.trim();
      }
    }
  }
  return views;
}

/** `tlslab decode --json`'s view of the same capture (the command's own function, full data previews); only connections to `serverPort` if given. */
export function decodeView(file: string, keylog?: string, serverPort?: number): { views: Map<number, ConnectionView>; lines: Record<string, unknown>[] } {
  const lines = runDecode({ file, keylog, json: true, appDataBytes: 1 << 24 }).map((l) => JSON.parse(l) as Record<string, unknown>);
  const views = new Map<number, ConnectionView>();
  const byConn = new Map<string, ConnectionView>();
  for (const l of lines) {
    if (l.type === 'decode:connection') {
      if (serverPort !== undefined && (l.server as { port: number }).port !== serverPort) continue;
      const port = (l.client as { port: number }).port;
      const v: ConnectionView = { clientPort: port, suite: 0, client: emptyDir(), server: emptyDir() };
      views.set(port, v);
      byConn.set(l.conn as string, v);
      continue;
    }
    const v = byConn.get(l.conn as string);
    if (!v || (l.from !== 'client' && l.from !== 'server')) continue;
    const d = v[l.from];
    if (l.type === 'tls:record') d.records.push(l.length as number);
    if (l.type === 'tls:handshake') {
      d.handshakes.push([(l.msgType as { code: number }).code, l.length as number]);
      const details = l.details as { kind?: string; cipherSuite?: { code: number } } | undefined;
      if (details?.kind === 'server_hello' && details.cipherSuite) v.suite = details.cipherSuite.code;
    }
    if (l.type === 'tls:alert') d.alerts.push((l.description as { code: number }).code);
    if (l.type === 'tls:appdata' && l.decrypted) d.appData += (l.previewHex as string | undefined) ?? '';
  }
  return { views, lines };
}

export function fileExists(p: string): boolean {
  return existsSync(p);
}
