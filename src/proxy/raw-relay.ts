// A CONNECT tunnel that does not carry TLS (or whose client stays silent): relayed unchanged, flagged, counted and
// ended when idle. I/O: the client socket and a plain TCP connection to the target.
import net from 'node:net';
import type { FailureCause } from '../events/schema';
import type { ConnectionSession } from '../capture/session';
import { redactParams } from '../capture/redact';
import { tcpConnectOptions, type UpstreamTarget } from './upstream';
import type { ProxyContext } from './context';
import { endIdle, watchIdle } from './idle-timer';

/** A tunnel that does not carry TLS: relayed unchanged, and flagged. */
export function rawRelay(ctx: ProxyContext, session: ConnectionSession, socket: net.Socket, first: Buffer, target: UpstreamTarget, kind: 'not-tls' | 'silent'): void {
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
