// `--record`: every connection of a running tlslab into one pcapng as it happens — both legs with their real
// addresses, their key logs, and the proxy's decisions. I/O boundary: the RecordingFile; sessions and the bus feed it.
import type { Socket } from 'node:net';
import type { EventBus } from '../events/bus';
import type { Leg, Side, TlslabEvent } from '../events/schema';
import type { ConnectionSession, LegEnds, LegWatcher } from '../capture/session';
import { FACT_EVENTS, LEGLESS_FACT_EVENTS, RECORD_FORMAT_VERSION, RecordWriter, type LegStream } from './record-format';
import { RecordingFile, type RecordingFileOptions } from './recording-file';
import type { Logger } from '../log';

export interface RecorderStats {
  file: string;
  bytes: number;
  connections: number;
  legs: number;
  /** Legs not written because their socket had no addresses left to read (a connection gone at once). */
  legsWithoutAddresses: number;
  /** Blocks dropped because the disk did not keep up. */
  droppedBlocks: number;
  lostBytes: number;
  error: string | null;
}

/**
 * A socket's ends as a leg has them. `peer`: which end its remote one is — the browser on a client connection (a client
 * leg fed without a tap uses them), the server on a connection tlslab made.
 */
function socketEnds(socket: Socket, peer: Side = 'client'): LegEnds | null {
  const { remoteAddress, remotePort, localAddress, localPort } = socket;
  if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined || localPort === undefined) return null;
  const remote = { address: remoteAddress, port: remotePort };
  const local = { address: localAddress, port: localPort };
  return peer === 'client' ? { client: remote, server: local } : { client: local, server: remote };
}

export class SessionRecorder {
  private readonly file: RecordingFile;
  private readonly writer: RecordWriter;
  private readonly unsubscribe: () => void;
  /** Connections whose legs are recorded (their HTTP events are decoded again from the bytes). */
  private readonly tapped = new Set<string>();
  /** The CONNECT target of each recorded connection still open (its client leg starts with that exchange). */
  private readonly targets = new Map<string, { host: string; port: number }>();
  private connections = 0;
  private legs = 0;
  private legsWithoutAddresses = 0;
  private readonly now: () => number;
  private readonly log: Logger | undefined;

  constructor(path: string, bus: EventBus, opts: { trust: string[]; log?: Logger } & RecordingFileOptions) {
    const log = opts.log;
    this.file = new RecordingFile(path, {
      ...opts,
      onFirstDrop: () => log?.warn({ file: path }, 'recording: the disk does not keep up with the traffic; packets are left out of the recording (it will have gaps) until it does'),
    });
    this.log = log;
    this.now = opts.clock ?? (() => performance.timeOrigin + performance.now());
    this.writer = new RecordWriter(this.file.sink, { t: this.now(), trust: opts.trust, segments: this.file.segment });
    this.unsubscribe = bus.subscribe((e) => this.onEvent(e));
  }

  /** Records both legs of `session`; `socket` is the browser's (its ends stand in for a client leg fed without a tap). */
  watch(session: ConnectionSession, socket: Socket): void {
    this.tapped.add(session.id);
    const fallback = socketEnds(socket);
    for (const leg of [session.client, session.upstream]) leg.watch(this.legWatcher(session.id, leg.leg, leg.leg === 'client' ? fallback : null));
  }

  /**
   * Records a tunnel that carries no TLS, relayed unchanged: both legs as TCP connections with their real ends, every
   * byte each way (the client leg after its CONNECT exchange), each side's FIN or reset; their SYN comments say
   * "(not TLS)", so a replay does not read them as TLS. `first`: the client's bytes read before the relay began.
   */
  watchRaw(session: ConnectionSession, client: Socket, upstream: Socket, first: Buffer): void {
    const conn = session.id;
    const t = this.now();
    const target = this.targets.get(conn);
    const open = (leg: Leg, ends: LegEnds | null): LegStream | null => {
      const stream = ends ? this.writer.leg(conn, leg, ends, t, { notTls: true }) : null;
      if (stream) this.legs++;
      else this.legsWithoutAddresses++;
      return stream;
    };
    const down = open('client', socketEnds(client));
    const up = open('upstream', socketEnds(upstream, 'server'));
    if (down && target) down.connect(target, t);
    if (first.length > 0) {
      down?.data('client', first, t);
      up?.data('client', first, t);
    }
    client.on('data', (c: Buffer) => {
      const now = this.now();
      down?.data('client', c, now);
      up?.data('client', c, now);
    });
    upstream.on('data', (c: Buffer) => {
      const now = this.now();
      up?.data('server', c, now);
      down?.data('server', c, now);
    });
    // Each peer's own end (after its last byte), then tlslab's side of that leg when its socket closes.
    client.once('end', () => down?.fin('client', this.now()));
    upstream.once('end', () => up?.fin('server', this.now()));
    client.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') down?.reset('client', this.now());
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') up?.reset('server', this.now());
    });
    client.once('close', () => down?.close('server', this.now()));
    upstream.once('close', () => up?.close('client', this.now()));
  }

  private legWatcher(conn: string, leg: Leg, fallback: LegEnds | null): LegWatcher {
    let stream: LegStream | null = null;
    let tried = false;
    // tlslab is the server on the client leg and the client upstream; its peer is the other one.
    const us: Side = leg === 'client' ? 'server' : 'client';
    const peer: Side = leg === 'client' ? 'client' : 'server';
    const open = (ends: LegEnds | null, t: number): void => {
      if (tried) return;
      tried = true;
      const use = ends ?? fallback;
      stream = use ? this.writer.leg(conn, leg, use, t) : null;
      if (stream) this.legs++;
      else this.legsWithoutAddresses++;
      const target = this.targets.get(conn);
      if (stream && leg === 'client' && target) stream.connect(target, t);
    };
    return {
      attached: (_l, ends, socket) => {
        open(ends, this.now());
        // The peer's own end, when it comes (after the last byte it sent was read): its FIN, or a reset.
        socket.once('end', () => stream?.fin(peer, this.now()));
        socket.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ECONNRESET') stream?.reset(peer, this.now());
        });
      },
      chunk: (l, from, bytes, t) => {
        open(null, t);
        if (!stream) return;
        // Once the decoder has read both Finished messages, every key-log line of the leg has been logged (TLS
        // stacks log a secret before they use it): the leg's packets need not wait behind them any more.
        if (!stream.settled && l.decoder.handshakeDone) stream.settled = true;
        stream.data(from, bytes, t);
      },
      keyLog: (_l, line) => this.writer.keyLog(`${line}\n`, this.now()),
      ended: () => stream?.close(us, this.now()),
    };
  }

  private onEvent(e: TlslabEvent): void {
    if (e.type === 'conn:open') {
      this.connections++;
      if (e.via === 'connect' && this.tapped.has(e.conn)) this.targets.set(e.conn, e.target);
    }
    if (e.type === 'tls:verdict') {
      this.writer.fact({
        tlslab: 'verdict', v: RECORD_FORMAT_VERSION, t: e.t, conn: e.conn, host: e.host, nodeError: e.nodeError,
        ...(e.policy ? { policy: e.policy } : {}),
        ...(e.mirrorUnavailable ? { mirrorUnavailable: e.mirrorUnavailable } : {}),
      });
      return;
    }
    if (FACT_EVENTS.has(e.type) || (LEGLESS_FACT_EVENTS.has(e.type) && !this.tapped.has(e.conn))) {
      const { v: _v, seq: _seq, t, ...draft } = e;
      this.writer.event(t, draft);
    }
    if (e.type === 'conn:close') {
      this.tapped.delete(e.conn);
      this.targets.delete(e.conn);
    }
  }

  stats(): RecorderStats {
    return {
      file: this.file.path,
      bytes: this.file.written,
      connections: this.connections,
      legs: this.legs,
      legsWithoutAddresses: this.legsWithoutAddresses,
      droppedBlocks: this.file.dropped,
      lostBytes: this.writer.lostBytes,
      error: this.file.error ? (this.file.error.code ?? this.file.error.message) : null,
    };
  }

  /** Stops listening, writes what is pending, closes the file. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.file.close();
    const s = this.stats();
    if (s.droppedBlocks > 0 || s.error) this.log?.warn({ ...s }, 'recording: incomplete (blocks left out, or a write error)');
  }
}
