// What every tunnel needs from the running proxy: CA, trust, policy, lab routes, timeouts, the bus.
// Built once by src/app.ts; tunnels only read it (and register their sockets for shutdown).
import type net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type tls from 'node:tls';
import type { EventBus } from '../events/bus';
import type { Student } from '../events/schema';
import type { Logger } from '../log';
import type { CertificateAuthority, LeafCache, MirrorSpec } from '../ca';
import type { TrustStore } from '../x509';
import type { Lab } from '../lab';
import type { ConnectionSession, SessionOptions } from '../capture/session';
import type { UpstreamPolicyTable } from './policy';
import type { IgnoredHosts } from './ignore-hosts';

export interface Timeouts {
  /** How long to wait for the client's first bytes after CONNECT before relaying raw (and for a whole ClientHello). */
  firstBytesMs: number;
  upstreamConnectMs: number;
  upstreamHandshakeMs: number;
  /** How long the client may take to finish its TLS handshake (accept or refuse our certificate); then it is closed. */
  clientHandshakeMs: number;
  /**
   * CONNECT tunnels (TLS relay, raw relay, teaching page): how long nothing may move in either direction before
   * tlslab closes the tunnel.
   */
  tunnelIdleMs: number;
  /**
   * Plain HTTP and WebSocket upgrades sent to the proxy (not CONNECT tunnels): how long nothing may move in either
   * direction — request, response, frames — before tlslab ends the exchange.
   */
  plainIdleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  firstBytesMs: 5000,
  upstreamConnectMs: 10000,
  upstreamHandshakeMs: 15000,
  clientHandshakeMs: 30000,
  // Browsers themselves keep an idle connection open for about five minutes.
  tunnelIdleMs: 300_000,
  plainIdleMs: 120000,
};

export interface ProxyContext {
  readonly bus: EventBus;
  readonly log: Logger;
  readonly ca: CertificateAuthority;
  readonly leaves: LeafCache;
  readonly trust: TrustStore;
  /** The same trust anchors as PEM, for Node's own verification shown beside ours. */
  readonly trustPems: string[];
  readonly lab: Lab | null;
  readonly policy: UpstreamPolicyTable;
  /** `--ignore-host`: CONNECT targets relayed untouched and never listed (src/proxy/ignore-hosts.ts). */
  readonly ignored?: IgnoredHosts;
  readonly dashboardUrl: string | null;
  readonly timeouts: Timeouts;
  readonly sessionOptions: SessionOptions;
  /** Registers a tunnel's client socket so shutdown can end it. */
  track(session: ConnectionSession, socket: net.Socket): void;
  /**
   * A tunnel that carries no TLS is about to be relayed unchanged (`--record` keeps its bytes): the browser's socket,
   * the upstream socket (connected), and the client's bytes read before the relay.
   */
  trackRaw?(session: ConnectionSession, client: net.Socket, upstream: net.Socket, first: Buffer): void;
  /**
   * Serves http://tlslab/… (and https://tlslab/… inside a CONNECT tunnel to `tlslab:443`, and requests made to the
   * proxy's own address). `student`: who asked, in classroom mode (the request, or the CONNECT that carried it, was
   * signed in); null otherwise and for requests made to the proxy's address directly.
   */
  magic(req: IncomingMessage, res: ServerResponse, student: Student | null): void;
  /**
   * A WebSocket upgrade to tlslab's own pages (`ws://tlslab/…` sent to the proxy, or inside a CONNECT tunnel to
   * `tlslab:80` as Chromium sends it, or `wss://tlslab/…`). The socket is the caller's to hand over.
   */
  upgrade(req: IncomingMessage, socket: net.Socket, head: Buffer, student: Student | null): void;
  /**
   * A signed-in student's own view at http://tlslab/ (every path but the CA files). Optional: without it, students
   * get the CA page. Set by the dashboard side of the wiring.
   */
  studentView?: (req: IncomingMessage, res: ServerResponse, student: Student) => void;
  /** The same view's WebSocket (`ws://tlslab/ws`). Without it, upgrades to tlslab's pages are refused (400). */
  studentViewUpgrade?: (req: IncomingMessage, socket: net.Socket, head: Buffer, student: Student) => void;
  /** A secure context for a leaf that mirrors the upstream's flaws. */
  mirrorContext(spec: MirrorSpec): tls.SecureContext;
}
