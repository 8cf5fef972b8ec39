// One CONNECT tunnel, end to end: read the ClientHello, connect upstream first, judge its certificate,
// present a leaf to the browser, relay the decrypted bytes. I/O: the client socket and the upstream connection.
import net from 'node:net';
import tls from 'node:tls';
import http, { type IncomingMessage } from 'node:http';
import type { FailureCause, Finding, Student, UpstreamPolicy } from '../events/schema';
import { ConnectionSession } from '../capture/session';
import { Tap } from '../capture/tap';
import { readFirstFlight } from '../capture/first-flight';
import { ClientOutcomeWatcher } from '../capture/client-outcome';
import { HttpObserver } from '../capture/http-observer';
import { redactParams } from '../capture/redact';
import { certificateNames, verifyPresentedChain, verifyServerChain } from '../x509';
import { connectUpstream, tcpConnectOptions, upstreamTargetOf, type Resolution, type UpstreamTarget } from './upstream';
import { certFailureReason, upstreamFailurePage, upstreamFailureStep } from './pages';
import { planMirror, type MirrorPlan } from './mirror';
import type { ProxyContext } from './context';
import { MAGIC_HOST } from './magic-host';
import { clientEndpoint } from './classroom-gate';
import { endIdle, watchIdle } from './idle-timer';
import { endWithAlert, leafOrRefuse } from './leaf-or-refuse';
import { relayIgnored } from './ignore-hosts';
import { relayDirection } from './relay-direction';

/** A fatal TLS alert record, decode_error (50): what we answer to a ClientHello we cannot read. */
const DECODE_ERROR_ALERT = Buffer.from('15030300020232', 'hex');

export function parseConnectTarget(url: string | undefined): { host: string; port: number } | null {
  if (!url) return null;
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(url) ?? /^([^:/\s]+):(\d{1,5})$/.exec(url);
  if (!m) return null;
  const port = Number(m[2]);
  if (!(port > 0 && port < 65536)) return null;
  return { host: m[1].toLowerCase(), port };
}

/** What the gate (src/proxy/classroom-gate.ts) let through: who asked, and the addresses the target was checked at. */
export interface Admitted {
  student: Student | null;
  /** The gate's DNS answer (a failed one for built-in names, which are never looked up); null for an unreadable target. */
  resolved: Resolution | null;
}

/** Takes over a CONNECT request: http-mitm-proxy hands us the socket and we answer `200` ourselves. */
export async function handleConnect(ctx: ProxyContext, req: IncomingMessage, socket: net.Socket, head: Buffer, admitted: Admitted): Promise<void> {
  const target = parseConnectTarget(req.url);
  socket.on('error', () => undefined); // errors are read from the taps; an unhandled one would crash the proxy
  if (!target) {
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ntlslab: CONNECT needs host:port, got "${String(req.url).slice(0, 100)}" [TLSLAB_ERR_BAD_CONNECT]\n`);
    return;
  }
  const { student } = admitted;
  if (target.host === MAGIC_HOST && target.port === 80) {
    // How Chromium sends ws://tlslab/… through a proxy: plain HTTP inside a tunnel. Not a connection of the lesson.
    socket.write('HTTP/1.1 200 Connection Established\r\nProxy-Agent: tlslab\r\n\r\n');
    serveMagicPlain(ctx, socket, head, student);
    return;
  }
  // `--ignore-host`: relayed raw, never listed (tlslab's own name is never ignored).
  if (target.host !== MAGIC_HOST && ctx.ignored?.match(target.host, target.port)) return relayIgnored(ctx, req, socket, head, target, admitted);
  const session = new ConnectionSession(ctx.bus, ctx.sessionOptions);
  ctx.track(session, socket);
  const lab = ctx.lab?.resolve(target.host) ?? null;
  session.emit({
    type: 'conn:open',
    client: clientEndpoint(socket),
    target,
    via: 'connect',
    ...(lab ? { lab: lab.case.name } : {}),
    ...(student ? { student } : {}),
  });
  const log = ctx.log.child({ conn: session.id });
  socket.write('HTTP/1.1 200 Connection Established\r\nProxy-Agent: tlslab\r\n\r\n');

  const first = await readFirstFlight(socket, head, ctx.timeouts.firstBytesMs);
  const upstreamTarget = upstreamTargetOf(target, lab, admitted.resolved);
  switch (first.kind) {
    case 'closed':
      // The client ended its side before sending anything: end ours, or the socket stays half-open for good.
      socket.end();
      session.close('closed');
      return;
    case 'not-tls':
    case 'silent':
      rawRelay(ctx, session, socket, first.bytes, upstreamTarget, first.kind);
      return;
    case 'malformed': {
      // Decode (and show) only what was read to find the fault: a flood of 1-byte records past it is only counted.
      session.client.feed('client', first.bytes.subarray(0, first.examined));
      session.client.bytes.client += first.bytes.length - first.examined;
      session.emit({ type: 'conn:error', leg: 'client', code: 'TLSLAB_ERR_CLIENT_HELLO', cause: 'malformed-client-hello', message: `The client's first bytes are not a readable ClientHello: ${first.message}. tlslab answered with a decode_error alert and closed the tunnel.` });
      log.debug({ code: first.code }, 'malformed ClientHello');
      endWithAlert(socket, DECODE_ERROR_ALERT);
      session.close('malformed-client-hello');
      return;
    }
    case 'tls':
      break;
  }
  const hello = first.kind === 'tls' ? first.hello : null;
  if (!hello) return;
  if (target.host === MAGIC_HOST) {
    session.client.feedFirstFlight('client', first.bytes);
    serveMagicTls(ctx, session, socket, first.bytes, student);
    return;
  }
  const name = hello.sni ?? target.host;
  upstreamTarget.host = name;

  const connecting = connectUpstream(upstreamTarget, session, {
    alpn: hello.alpn,
    ca: ctx.trustPems,
    connectTimeoutMs: ctx.timeouts.upstreamConnectMs,
    handshakeTimeoutMs: ctx.timeouts.upstreamHandshakeMs,
  });
  // Step 1 on the client leg happens now, when the browser sent it, though tlslab answers it only after the upstream
  // leg; decoded while the TCP connection to the server is being made (the upstream leg's events all come after).
  session.client.feedFirstFlight('client', first.bytes);
  const up = await connecting;
  if (!up.ok) {
    session.emit({ type: 'conn:error', leg: 'upstream', code: up.code, cause: up.cause, message: up.message });
    log.debug({ host: name, cause: up.cause }, 'upstream failed');
    await serveFailure(ctx, session, socket, first.bytes, name, target.port, { code: up.code, reason: up.message, cause: up.cause });
    return;
  }

  // Step 3 on the upstream leg: every check, on the certificates exactly as the server sent them.
  const sent = session.upstream.certificates.server ?? up.peerChain();
  const verdict = verifyServerChain({ chain: sent, host: name, trust: ctx.trust, nodeError: up.nodeError });
  const configured: UpstreamPolicy | undefined = verdict.ok ? undefined : ctx.policy.modeFor(name);
  // The leaf carries the real server's names (plus what the client asked for), or in mirror mode its flaws.
  const leafDer = sent[0];
  const names = namesOf(leafDer);
  const leafNames = mergeNames(names.dns, names.ips, [target.host, name]);
  // Mirror mode fails closed: a flaw no minted chain can carry gets the teaching page, which says why.
  const mirrored = configured === 'mirror' ? mirrorChain(ctx, planMirror({ findings: verdict.findings, sent, host: name, names: leafNames }), log) : null;
  const unavailable = mirrored && !mirrored.ok ? mirrored.why : undefined;
  const policy: UpstreamPolicy | undefined = unavailable ? 'block' : configured;
  session.emit({
    type: 'tls:verdict', leg: 'upstream', step: 3, ok: verdict.ok, findings: verdict.findings, chain: verdict.chain, nodeError: up.nodeError, host: name,
    ...(policy ? { policy } : {}),
    ...(unavailable ? { mirrorUnavailable: unavailable } : {}),
  });
  log.debug({ host: name, ok: verdict.ok, codes: verdict.findings.map((f) => f.code), policy }, 'upstream verified');

  if (policy === 'block') {
    up.socket.destroy();
    const errors = verdict.findings.filter((f) => f.severity === 'error');
    await serveFailure(ctx, session, socket, first.bytes, name, target.port, {
      code: 'TLSLAB_ERR_UPSTREAM_CERT',
      cause: 'upstream-cert-invalid',
      reason: certFailureReason(name, errors.map((f) => f.code), unavailable),
      findings: verdict.findings,
      nodeError: up.nodeError,
    });
    return;
  }

  const mirror = mirrored?.ok === true;
  // Until the relay takes it, a reset of the upstream (while the leaf is made) must not be an unhandled 'error': the
  // relay reads it from the tap, and finds the socket closed.
  up.socket.on('error', () => undefined);
  const secureContext = mirrored?.ok ? mirrored.context : await leafOrRefuse(ctx, session, socket, leafNames, name);
  if (!secureContext) return void up.socket.destroy();
  const firstError: Finding | undefined = verdict.findings.find((f) => f.severity === 'error');
  relayTls(ctx, session, socket, first.bytes, up.socket, up.tap, {
    name,
    secureContext,
    alpn: up.alpn,
    mode: mirror ? 'mirror' : 'leaf',
    mirrored: mirror ? firstError?.message : undefined,
    mirroredCodes: mirror ? verdict.findings.filter((f) => f.severity === 'error').map((f) => f.code) : undefined,
  });
}

/** The names on the server's certificate; none when it sent none or it cannot be read (that is a finding). */
function namesOf(leafDer: Buffer | undefined): { dns: string[]; ips: string[] } {
  try {
    return leafDer ? certificateNames(leafDer) : { dns: [], ips: [] };
  } catch {
    return { dns: [], ips: [] };
  }
}

/** Mirror mode: the client leg's context for `plan`, or why there is none (no chain can carry the flaw, or minting failed). */
function mirrorChain(ctx: ProxyContext, plan: MirrorPlan, log: ProxyContext['log']): { ok: true; context: tls.SecureContext } | { ok: false; why: string } {
  if (plan.kind === 'block') return { ok: false, why: plan.why };
  try {
    return { ok: true, context: ctx.mirrorContext(plan.spec) };
  } catch (err) {
    log.warn({ err: String(err) }, 'mirror chain could not be minted');
    return { ok: false, why: 'tlslab could not make a certificate carrying the same flaw, and it never presents one your browser would accept instead.' };
  }
}

function mergeNames(dns: string[], ips: string[], asked: string[]): { dns: string[]; ips: string[] } {
  const d = new Set(dns.map((n) => n.toLowerCase()));
  const i = new Set(ips);
  for (const a of asked) (net.isIP(a) ? i : d).add(a.toLowerCase());
  return { dns: [...d], ips: [...i] };
}

interface RelayOptions {
  name: string;
  secureContext: tls.SecureContext;
  alpn: string | null;
  mode: 'leaf' | 'mirror';
  mirrored?: string;
  /** Mirror mode: the codes of the upstream's error findings, which the presented chain carries. */
  mirroredCodes?: string[];
}

/** What tls:presented checks the chain against: the name the browser asked for, and tlslab's CA as its only anchor. */
interface PresentedCheck {
  host: string;
  ca: { certPem: string; subject: string };
}

/** Wraps the client socket in a server-side TLSSocket over a tap, with the ClientHello bytes replayed first. */
function clientTls(session: ConnectionSession, socket: net.Socket, prefix: Buffer, secureContext: tls.SecureContext, alpn: string[] | undefined, mode: 'leaf' | 'mirror', check: PresentedCheck): { tls: tls.TLSSocket; tap: Tap } {
  const tap = new Tap(socket);
  session.client.attach(tap, 'client');
  const ts = new tls.TLSSocket(tap, { isServer: true, secureContext, ALPNProtocols: alpn });
  ts.on('keylog', (line) => session.client.addKeyLog(line));
  ts.once('close', () => tap.destroy());
  session.client.onTlsEvent((e) => {
    if (e.type === 'tls:handshake' && e.from === 'server' && e.details?.kind === 'certificate') {
      const ders = e.details.certificates.map((hex) => Buffer.from(hex, 'hex'));
      const { chain, verdict } = verifyPresentedChain({ chain: ders, host: check.host, caPem: check.ca.certPem, caSubject: check.ca.subject });
      session.emit({ type: 'tls:presented', leg: 'client', mode, chain, verdict });
    }
  });
  tap.start(prefix);
  return { tls: ts, tap };
}

function relayTls(ctx: ProxyContext, session: ConnectionSession, socket: net.Socket, prefix: Buffer, upTls: tls.TLSSocket, upTap: Tap, o: RelayOptions): void {
  const client = clientTls(session, socket, prefix, o.secureContext, o.alpn ? [o.alpn] : undefined, o.mode, { host: o.name, ca: ctx.ca });
  const watcher = new ClientOutcomeWatcher(session, { host: o.name, mode: o.mode, mirrored: o.mirrored, mirroredCodes: o.mirroredCodes, caUrl: 'http://tlslab/' }, ctx.timeouts.clientHandshakeMs, () => client.tls.destroy());
  const http = new HttpObserver(session, o.alpn);
  client.tls.on('secure', () => watcher.onSecure());
  // Each side's end is passed on only once everything before it has been written: ending a TLSSocket while its
  // last records are still being written to the tap loses its close_notify (step 8 would vanish on big responses).
  relayDirection(client.tls, upTls, (chunk) => {
    watcher.noteData();
    http.fromClient(chunk);
  });
  relayDirection(upTls, client.tls, (chunk) => http.fromServer(chunk));
  // A response whose body runs until the server's close is complete (and reported) when the server's stream ends.
  upTls.once('end', () => http.serverEnded());
  upTls.once('close', () => http.serverEnded());
  const idle = watchIdle([client.tls, upTls], ctx.timeouts.tunnelIdleMs, () => endIdle(session, ctx.timeouts.tunnelIdleMs, [client.tls, upTls]));
  // Half-close (RFC 8446 §6.1: each side closes its own direction). Both TLSSockets are half-open (the taps are):
  // a side's close_notify + FIN is passed on to the other, and the other direction keeps flowing, so a client that
  // ends its side after the request still gets the whole response. Nothing paused here: a paused source's end
  // would never be read (the socket stayed in CLOSE-WAIT for good).
  client.tls.once('end', () => endAfterFlush(upTls));
  upTls.once('end', () => endAfterFlush(client.tls));

  let open = 2;
  const closed = (): void => {
    open -= 1;
    if (open === 1) {
      // One side is gone. The other gets our end (if it has not already), and once it has flushed what it still
      // holds to a slow reader, its peer has a moment to answer with close_notify before it is destroyed.
      for (const side of [client.tls, upTls]) {
        if (side.destroyed) continue;
        endAfterFlush(side); // the other side may have gone without an end (a reset): pass the end on now
        side.resume(); // its relay's destination is gone, which paused it: keep reading, so its peer's end is seen
        const timers: NodeJS.Timeout[] = [setTimeout(() => side.destroy(), 60_000)];
        const later = (): void => void timers.push(setTimeout(() => side.destroy(), 2000));
        if (side.writableFinished) later();
        else side.once('finish', later);
        // Timers hold the session: clear them as soon as the side is gone.
        side.once('close', () => timers.forEach(clearTimeout));
      }
    }
    if (open === 0) {
      watcher.onClose();
      session.close(closeCause());
    }
  };
  /**
   * Why the connection ended, decided once at the end (errors race with closes, so no running guess): the client
   * refusing our certificate is the story; then resets, read from the raw sockets (a TLSSocket over a tap sees a
   * reset as a plain close); then a client that ended after the handshake without a request (it may have refused
   * the certificate then); then a client handshake that failed for another reason. Under policy allow a normal end
   * stays `closed`: the verdict already marks the connection insecure.
   */
  let clientError = false;
  const closeCause = (): FailureCause => {
    if (idle.fired) return 'idle-timeout';
    if (watcher.outcome === 'timeout') return 'client-timeout';
    const outcome = watcher.outcome;
    // The server went before the client had sent a request, and tlslab ended the client leg for it: the client's
    // silence is no verdict on the certificate.
    const clientSilent = outcome === null || outcome === 'closed-in-handshake' || outcome === 'closed-after-handshake';
    if (firstToGo === 'upstream' && clientSilent) return upTap.socketError?.code === 'ECONNRESET' ? 'upstream-reset' : 'closed';
    if (outcome !== null && outcome !== 'accepted' && outcome !== 'closed-after-handshake') return 'client-rejected-cert';
    if (client.tap.socketError?.code === 'ECONNRESET') return 'client-reset';
    if (upTap.socketError?.code === 'ECONNRESET') return 'upstream-reset';
    // An orderly end after the handshake with no request (curl on a wrong name); a reset there is only a reset.
    if (outcome === 'closed-after-handshake') return 'client-rejected-cert';
    if (clientError && watcher.outcome !== 'accepted') return 'client-tls-failed';
    return 'closed';
  };
  client.tls.on('error', (err: NodeJS.ErrnoException) => {
    clientError = true;
    ctx.log.debug({ conn: session.id, err: err.message }, 'client leg error');
    upTls.destroy();
  });
  upTls.on('error', (err: NodeJS.ErrnoException) => {
    ctx.log.debug({ conn: session.id, err: err.message }, 'upstream leg error');
    client.tls.destroy();
  });
  /** Which side ended or closed first: the other one's end is then tlslab passing it on. */
  let firstToGo: 'client' | 'upstream' | null = null;
  const went = (side: 'client' | 'upstream') => (): void => void (firstToGo ??= side);
  client.tls.once('end', went('client'));
  client.tls.once('close', went('client'));
  upTls.once('end', went('upstream'));
  upTls.once('close', went('upstream'));
  client.tls.once('close', closed);
  // The upstream may have gone while the leaf was being made (its 'close' is then already past).
  if (upTls.closed) {
    went('upstream')();
    closed();
  } else upTls.once('close', closed);
}

/**
 * Ends our side of `sock` (close_notify + FIN) after every byte written to it so far: end() waits for earlier writes.
 * Mid-handshake there is nothing to close politely, and a TLS socket over a tap must not be shut down then: the
 * handshake message that answers the peer's next flight would be a write after the shutdown, which Node's wrapper for
 * JS streams rejects with an assertion (a crash). So a socket whose handshake is not done is destroyed instead. No
 * empty write either: over a tap it overlaps the TLS engine's own next write, with the same assertion.
 */
function endAfterFlush(sock: tls.TLSSocket): void {
  if (sock.destroyed || sock.writableEnded) return;
  if (sock.getPeerFinished() === undefined) sock.destroy();
  else sock.end();
}

/** How long a peer may take to answer our close_notify + FIN with its own end before its socket is destroyed. */
const PEER_END_GRACE_MS = 5000;

/**
 * Backstop for a socket we have finished writing (our close_notify + FIN are out): if its peer never ends its side,
 * destroy it after PEER_END_GRACE_MS rather than hold it open. A peer that does answer closes it long before.
 */
function closeWhenPeerSilent(sock: tls.TLSSocket): void {
  sock.once('finish', () => {
    if (sock.destroyed) return;
    const timer = setTimeout(() => sock.destroy(), PEER_END_GRACE_MS);
    sock.once('close', () => clearTimeout(timer));
  });
}

interface FailureInfo {
  code: string;
  cause: FailureCause;
  reason: string;
  findings?: Finding[];
  nodeError?: string | null;
}

/** Completes the client handshake with a good leaf and answers the first request with the teaching page (HTTP 502). */
async function serveFailure(ctx: ProxyContext, session: ConnectionSession, socket: net.Socket, prefix: Buffer, host: string, port: number, f: FailureInfo): Promise<void> {
  const secureContext = await leafOrRefuse(ctx, session, socket, mergeNames([], [], [host]), host);
  if (!secureContext) return;
  const client = clientTls(session, socket, prefix, secureContext, ['http/1.1'], 'leaf', { host, ca: ctx.ca });
  const watcher = new ClientOutcomeWatcher(session, { host, mode: 'leaf', caUrl: 'http://tlslab/' }, ctx.timeouts.clientHandshakeMs, () => client.tls.destroy());
  watchIdle([client.tls], ctx.timeouts.tunnelIdleMs, () => endIdle(session, ctx.timeouts.tunnelIdleMs, [client.tls]));
  const http = new HttpObserver(session, 'http/1.1');
  // The step the page names is the one the dashboard shows: a server that reset before its ServerHello stopped step 1.
  const step = upstreamFailureStep(f.cause, session.upstream.bytes.server > 0);
  const kind = f.cause === 'upstream-cert-invalid' ? 'certificate' : 'connection';
  const body = upstreamFailurePage({ host, port, reason: f.reason, code: f.code, step, kind, findings: f.findings, nodeError: f.nodeError, dashboardUrl: ctx.dashboardUrl ?? undefined, conn: session.id });
  let answered = false;
  client.tls.on('secure', () => watcher.onSecure());
  client.tls.on('data', (chunk: Buffer) => {
    watcher.noteData();
    http.fromClient(chunk);
    if (answered) return;
    answered = true;
    const head = `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Tlslab-Error: ${f.code}\r\nConnection: close\r\n\r\n`;
    // The observer reads the whole page (head and body): its http:response is reported at the end of the body.
    http.fromServer(Buffer.from(head + body));
    client.tls.end(head + body);
  });
  // The client ended its side (close_notify, an alert or a bare FIN), with or without a request: end ours too,
  // after the page if it is still being written. A half-open TLSSocket never does this by itself (CLOSE-WAIT).
  client.tls.once('end', () => endAfterFlush(client.tls));
  closeWhenPeerSilent(client.tls);
  client.tls.on('error', () => client.tls.destroy());
  client.tls.once('close', () => {
    watcher.onClose();
    session.close(f.cause);
  });
}

/** https://tlslab/ : no upstream; the CA page over TLS with a tlslab leaf, served by a Node HTTP parser on the TLSSocket. */
function serveMagicTls(ctx: ProxyContext, session: ConnectionSession, socket: net.Socket, prefix: Buffer, student: Student | null): void {
  void leafOrRefuse(ctx, session, socket, { dns: [MAGIC_HOST], ips: [] }, MAGIC_HOST).then((secureContext) => {
    if (!secureContext) return;
    const client = clientTls(session, socket, prefix, secureContext, ['http/1.1'], 'leaf', { host: MAGIC_HOST, ca: ctx.ca });
    const watcher = new ClientOutcomeWatcher(session, { host: MAGIC_HOST, mode: 'leaf', caUrl: 'http://tlslab/' }, ctx.timeouts.clientHandshakeMs, () => client.tls.destroy());
    watchIdle([client.tls], ctx.timeouts.tunnelIdleMs, () => endIdle(session, ctx.timeouts.tunnelIdleMs, [client.tls]));
    client.tls.on('secure', () => watcher.onSecure());
    client.tls.on('error', () => client.tls.destroy());
    client.tls.once('close', () => {
      watcher.onClose();
      const outcome = watcher.outcome;
      const reset = client.tap.socketError?.code === 'ECONNRESET';
      session.close(outcome === 'timeout' ? 'client-timeout'
        : outcome === 'rejected-alert' || outcome === 'closed-in-handshake' ? 'client-rejected-cert'
          : reset ? 'client-reset'
            : outcome === 'closed-after-handshake' ? 'client-rejected-cert' : 'closed');
    });
    // Node's HTTP parser reads the TLSSocket natively (no 'data' events): a parsed request is the client's data.
    const server = http.createServer((req, res) => {
      watcher.noteData();
      ctx.magic(req, res, student);
    });
    server.on('upgrade', (req: IncomingMessage, sock: net.Socket, head: Buffer) => {
      watcher.noteData();
      ctx.upgrade(req, sock, head, student);
    });
    server.emit('connection', client.tls);
  });
}

/** http://tlslab/… inside a CONNECT tunnel to `tlslab:80`: requests and WebSocket upgrades, parsed by Node's HTTP server. */
function serveMagicPlain(ctx: ProxyContext, socket: net.Socket, head: Buffer, student: Student | null): void {
  const server = http.createServer((req, res) => ctx.magic(req, res, student));
  server.on('upgrade', (req: IncomingMessage, sock: net.Socket, rest: Buffer) => {
    sock.setTimeout(0); // a WebSocket keeps its own time (the view's heartbeats)
    ctx.upgrade(req, sock, rest, student);
  });
  // Nothing asked for this long: the tunnel ends (the same idle limit as any tunnel).
  socket.setTimeout(ctx.timeouts.tunnelIdleMs, () => socket.destroy());
  if (head.length > 0) socket.unshift(head);
  server.emit('connection', socket);
}

/** A tunnel that does not carry TLS: relayed unchanged, and flagged. */
function rawRelay(ctx: ProxyContext, session: ConnectionSession, socket: net.Socket, first: Buffer, target: UpstreamTarget, kind: 'not-tls' | 'silent'): void {
  const preview = redactParams(first.subarray(0, 16).toString('latin1').replace(/[^\x20-\x7e]/g, '.'));
  session.emit({
    type: 'conn:error',
    leg: 'client',
    code: 'TLSLAB_ERR_NOT_TLS',
    cause: 'not-tls',
    message: kind === 'silent'
      ? `The client sent nothing for ${ctx.timeouts.firstBytesMs / 1000} s after CONNECT (a protocol where the server speaks first?); tlslab relays the tunnel unchanged, and closes it once nothing has moved either way for ${ctx.timeouts.tunnelIdleMs / 1000} s.`
      : `The tunnel to ${target.host}:${target.port} does not carry TLS (it starts with "${preview}"); tlslab relays its bytes unchanged and cannot show a handshake.`,
  });
  const up = net.connect(tcpConnectOptions(target));
  let cause: FailureCause = 'not-tls';
  const connectMs = ctx.timeouts.upstreamConnectMs;
  const connecting = setTimeout(() => {
    cause = 'upstream-timeout';
    session.emit({ type: 'conn:error', leg: 'upstream', code: 'TLSLAB_ERR_UPSTREAM_TIMEOUT', cause, message: `${target.host}:${target.port} did not accept a TCP connection within ${connectMs / 1000} s.` });
    up.destroy();
    socket.destroy();
  }, connectMs);
  up.once('close', () => clearTimeout(connecting));
  up.on('connect', () => {
    clearTimeout(connecting);
    ctx.trackRaw?.(session, socket, up, first);
    if (first.length > 0) up.write(first);
    socket.pipe(up);
    up.pipe(socket);
    socket.resume();
  });
  session.client.bytes.client += first.length;
  socket.on('data', (c: Buffer) => { session.client.bytes.client += c.length; });
  up.on('data', (c: Buffer) => { session.client.bytes.server += c.length; });
  // A silent tunnel (a server-speaks-first protocol whose server is silent too) ends here as well.
  const idle = watchIdle([socket, up], ctx.timeouts.tunnelIdleMs, () => {
    cause = 'idle-timeout';
    endIdle(session, ctx.timeouts.tunnelIdleMs, [socket, up]);
  });
  up.on('error', (err: NodeJS.ErrnoException) => {
    if (!idle.fired && cause !== 'upstream-timeout') {
      cause = err.code === 'ECONNREFUSED' ? 'upstream-refused' : err.code === 'ECONNRESET' ? 'upstream-reset' : 'upstream-unreachable';
    }
    socket.destroy();
  });
  socket.on('error', () => up.destroy());
  let open = 2;
  const closed = (): void => {
    if (--open === 0) session.close(cause);
    else {
      up.destroySoon?.();
      socket.destroySoon?.();
    }
  };
  up.once('close', closed);
  socket.once('close', closed);
}
