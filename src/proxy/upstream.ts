// Opens tlslab's own connection to the real server: TCP, then TLS over a tap so the upstream leg is recorded.
// I/O: net and tls sockets. Verification is not decided here: we connect with rejectUnauthorized false and judge later.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { ErrorCode } from '../errors';
import type { FailureCause } from '../events/schema';
import type { ConnectionSession } from '../capture/session';
import { Tap } from '../capture/tap';

export interface UpstreamTarget {
  /** The name the client asked for (CONNECT host / SNI): used for SNI and the hostname check. */
  host: string;
  port: number;
  /** Where to open TCP (the lab routes `*.lab.tlslab` to loopback ports). */
  connectHost: string;
  connectPort: number;
  /**
   * What `connectHost` resolved to when the address guard checked it: TCP then goes to those addresses only, never
   * through a second DNS query that could answer differently (DNS rebinding). Absent: resolved at connect time.
   */
  resolved?: Resolution;
}

/**
 * Where a tunnel's TCP goes for `target`: a lab origin's own loopback port, or the target itself — to the addresses the
 * gate checked when it resolved them.
 */
export function upstreamTargetOf(target: { host: string; port: number }, lab: { host: string; port: number } | null, resolved: Resolution | null): UpstreamTarget {
  return {
    host: target.host,
    port: target.port,
    connectHost: lab ? lab.host : target.host,
    connectPort: lab ? lab.port : target.port,
    ...(lab || !resolved ? {} : { resolved }),
  };
}

/** One DNS answer, kept: every address the name had (checked by the caller), or the error the lookup gave. */
export type Resolution = { ok: true; addresses: readonly { address: string; family: 4 | 6 }[] } | { ok: false; error: NodeJS.ErrnoException };

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;

/**
 * A `lookup` for net.connect / http.request that answers from a kept Resolution instead of asking DNS again. Node
 * calls it with `all: true` when it tries every address in turn (autoSelectFamily, RFC 8305), else wants one.
 */
export function pinnedLookup(r: Resolution): (host: string, options: { all?: boolean }, callback: LookupCallback) => void {
  return (_host, options, callback) => {
    process.nextTick(() => {
      if (!r.ok) return callback(r.error, options.all ? [] : '', undefined);
      if (options.all) return callback(null, r.addresses.map((a) => ({ address: a.address, family: a.family })));
      const first = r.addresses[0];
      if (first === undefined) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', undefined);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * The agent for plain-HTTP requests whose target was resolved and checked: it pools connections by the addresses they
 * were checked at too, so a connection opened for one check is never reused for a request checked at other addresses.
 */
export class PinnedAgent extends http.Agent {
  override getName(options?: http.ClientRequestArgs & { pinned?: string }): string {
    return `${super.getName(options)}:${options?.pinned ?? ''}`;
  }
}

/** Options that point an http.request at a kept Resolution (with a PinnedAgent). */
export function pinnedRequestOptions(r: Resolution): { lookup: net.LookupFunction; pinned: string } {
  return { lookup: pinnedLookup(r), pinned: r.ok ? r.addresses.map((a) => a.address).join(',') : 'error' };
}

/** net.connect options for a target: its kept Resolution, if any, stands in for DNS. */
export function tcpConnectOptions(target: UpstreamTarget): net.NetConnectOpts {
  return { host: target.connectHost, port: target.connectPort, ...(target.resolved ? { lookup: pinnedLookup(target.resolved) } : {}) };
}

export interface UpstreamOptions {
  alpn: string[];
  /** PEM trust anchors, so Node's own `authorizationError` is meaningful (shown beside our verdict). */
  ca: string[];
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
}

export type UpstreamResult =
  | {
      ok: true;
      socket: tls.TLSSocket;
      tap: Tap;
      alpn: string | null;
      nodeError: string | null;
      /** The chain as Node walked it: a fallback for when the decoder could not read the Certificate message. */
      peerChain(): Buffer[];
    }
  | { ok: false; stage: 'tcp' | 'tls'; cause: FailureCause; code: ErrorCode; message: string };

const isIp = (h: string): boolean => net.isIP(h) !== 0;

/**
 * One client context per trust list: parsing ~150 PEM roots costs tens of ms on the event loop, so a context made
 * per connection (what `ca:` in tls.connect does) delayed every upstream ClientHello by that much.
 */
const contexts = new WeakMap<readonly string[], tls.SecureContext>();

function upstreamContext(ca: readonly string[]): tls.SecureContext {
  let sc = contexts.get(ca);
  if (!sc) {
    sc = tls.createSecureContext({
      ca: ca.length > 0 ? [...ca] : undefined,
      // Reach old and weak servers too: the lesson is to show their flaws, not to refuse to look.
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    contexts.set(ca, sc);
  }
  return sc;
}

/** TCP connect, then TLS over a tap; every byte and key-log line goes to the session's upstream leg. */
export async function connectUpstream(target: UpstreamTarget, session: ConnectionSession, opts: UpstreamOptions): Promise<UpstreamResult> {
  const started = performance.now();
  const tcp = await openTcp(target, opts.connectTimeoutMs);
  if (!tcp.ok) return tcp;
  const raw = tcp.socket;
  session.emit({
    type: 'conn:upstream',
    leg: 'upstream',
    remote: { address: raw.remoteAddress ?? target.connectHost, port: raw.remotePort ?? target.connectPort },
    connectMs: Math.round((performance.now() - started) * 1000) / 1000,
  });
  const tap = new Tap(raw);
  session.upstream.attach(tap, 'server');
  tap.start();
  return new Promise((resolve) => {
    const socket = tls.connect({
      socket: tap,
      servername: isIp(target.host) ? undefined : target.host,
      // Node checks the name against this host (for an IP literal too) when the chain verified.
      host: target.host,
      ALPNProtocols: opts.alpn.length > 0 ? opts.alpn : undefined,
      rejectUnauthorized: false,
      secureContext: upstreamContext(opts.ca),
    });
    const restorePeerCertificate = leafForNameCheck(socket);
    socket.on('keylog', (line) => session.upstream.addKeyLog(line));
    socket.once('close', () => tap.destroy());
    let settled = false;
    const done = (r: UpstreamResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(r);
    };
    const timer = setTimeout(() => {
      done({ ok: false, stage: 'tls', cause: 'upstream-timeout', code: 'TLSLAB_ERR_UPSTREAM_TIMEOUT', message: `${target.host}:${target.port} accepted the connection but did not finish the TLS handshake within ${opts.handshakeTimeoutMs / 1000} s.` });
      socket.destroy();
    }, opts.handshakeTimeoutMs);
    /** The handshake did not complete: reset (read from the raw socket), an error, or a plain close. */
    const failed = (err: NodeJS.ErrnoException | null): void => {
      const reset = tap.socketError?.code === 'ECONNRESET' || err?.code === 'ECONNRESET';
      const where = `${target.host}:${target.port}`;
      done({
        ok: false,
        stage: 'tls',
        cause: reset ? 'upstream-reset' : 'upstream-tls-failed',
        code: 'TLSLAB_ERR_UPSTREAM_TLS',
        message: reset
          ? `${where} reset the connection during the TLS handshake.`
          : err
            ? `The TLS handshake with ${where} failed: ${describeTlsError(err)}`
            : `${where} closed the connection during the TLS handshake.`,
      });
      socket.destroy();
    };
    const onError = (err: NodeJS.ErrnoException): void => failed(err);
    const onClose = (): void => failed(null);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('secureConnect', () => {
      restorePeerCertificate();
      // Node's reason for not trusting the chain: an Error with a code (CERT_HAS_EXPIRED, …), in some versions a bare string.
      const authErr: unknown = socket.authorizationError;
      const nodeError = authErr instanceof Error ? ((authErr as NodeJS.ErrnoException).code ?? String(authErr)) : typeof authErr === 'string' && authErr !== '' ? authErr : null;
      done({ ok: true, socket, tap, alpn: socket.alpnProtocol || null, nodeError, peerChain: () => peerChain(socket.getPeerCertificate(true)) });
    });
  });
}

export function openTcp(target: UpstreamTarget, timeoutMs: number): Promise<{ ok: true; socket: net.Socket } | Extract<UpstreamResult, { ok: false }>> {
  return new Promise((resolve) => {
    const socket = net.connect(tcpConnectOptions(target));
    const where = `${target.host}:${target.port}`;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, stage: 'tcp', cause: 'upstream-timeout', code: 'TLSLAB_ERR_UPSTREAM_TIMEOUT', message: `${where} did not accept a TCP connection within ${timeoutMs / 1000} s.` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ ok: true, socket });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, stage: 'tcp', ...tcpFailure(err, target) });
    });
  });
}

/** Why a TCP connection to the server failed, for `conn:error`: refused, reset or unreachable, in a sentence. */
export function tcpFailure(err: NodeJS.ErrnoException, target: { host: string; port: number }): { cause: FailureCause; code: ErrorCode; message: string } {
  const where = `${target.host}:${target.port}`;
  const refused = err.code === 'ECONNREFUSED';
  const reset = err.code === 'ECONNRESET';
  return {
    cause: refused ? 'upstream-refused' : reset ? 'upstream-reset' : 'upstream-unreachable',
    code: 'TLSLAB_ERR_UPSTREAM_CONNECT',
    message: refused
      ? `${where} refused the connection: nothing is listening on port ${target.port}.`
      : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
        ? `The name ${target.host} does not resolve (${err.code}).`
        : `tlslab could not reach ${where}: ${err.code ?? err.message}.`,
  };
}

/**
 * Node checks the server's name (when the chain verified) by asking the socket for the peer certificate with its whole
 * chain, every certificate translated field by field with its issuers looked up (`getPeerCertificate(true)`, about
 * half a millisecond), and then reads only the leaf's `subject` and `subjectaltname` (tls.checkServerIdentity). Until
 * the handshake is over the socket answers with the leaf alone (`getPeerCertificate(false)`: the same leaf fields),
 * so the check and its `authorizationError` are the same. Returns the function that gives the socket its own method
 * back (call it on 'secureConnect', before anyone else asks).
 */
function leafForNameCheck(socket: tls.TLSSocket): () => void {
  const leafOnly = (): tls.PeerCertificate => tls.TLSSocket.prototype.getPeerCertificate.call(socket, false);
  Object.defineProperty(socket, 'getPeerCertificate', { value: leafOnly, configurable: true, writable: true });
  return () => {
    Reflect.deleteProperty(socket, 'getPeerCertificate');
  };
}

/** The certificates the server sent, leaf first, as Node walked them (the decoder has the exact wire bytes). */
function peerChain(leaf: tls.DetailedPeerCertificate): Buffer[] {
  const out: Buffer[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = leaf;
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return out;
}

/** OpenSSL's text for a failed handshake, made readable. */
export function describeTlsError(err: NodeJS.ErrnoException & { reason?: string }): string {
  const reason = err.reason ?? err.message;
  const alert = /alert number (\d+)/.exec(err.message);
  if (alert) return `the server sent TLS alert ${alert[1]} (${reason}).`;
  return `${reason}${err.code ? ` (${err.code})` : ''}.`;
}
