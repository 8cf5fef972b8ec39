// One CONNECT tunnel: read the ClientHello, connect upstream first, judge its certificate, choose the leaf, and hand
// the tunnel on (decrypted relay, teaching page, tlslab's pages, raw relay). I/O: the client socket and the upstream.
import type net from 'node:net';
import type tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Finding, Student, UpstreamPolicy } from '../events/schema';
import { ConnectionSession } from '../capture/session';
import { readFirstFlight } from '../capture/first-flight';
import { verifyServerChain } from '../x509';
import { connectUpstream, upstreamTargetOf, type Resolution } from './upstream';
import { certFailureReason } from './pages';
import { planMirror, type MirrorPlan } from './mirror';
import type { ProxyContext } from './context';
import { MAGIC_HOST } from './magic-host';
import { clientEndpoint } from './classroom-gate';
import { endWithAlert, leafOrRefuse } from './leaf-or-refuse';
import { relayIgnored } from './ignore-hosts';
import { mergeNames, namesOf } from './leaf-names';
import { relayTls } from './tls-relay';
import { serveFailure } from './serve-failure';
import { serveMagicPlain, serveMagicTls } from './magic-tunnel';
import { rawRelay } from './raw-relay';

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
    session.client.feed('client', first.bytes);
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
  session.client.feed('client', first.bytes);
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
