// The gate every proxied request passes before tlslab contacts anything: may this client use the proxy, who is it
// (classroom sign-in), may it reach this target (the address guard, after one DNS lookup), and its fair share. I/O: DNS.
import dns from 'node:dns';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';
import {
  AddressGuard,
  authenticate,
  COUNTS_AS_ATTEMPT,
  FailureLimiter,
  FairShare,
  guardRefused,
  hostPort,
  isBuiltInName,
  LocalAddresses,
  proxyAuthRequired,
  Roster,
  serializeAnswer,
  shareExceeded,
  tooManyFailures,
  type AuthFailure,
  type CidrSet,
  type Decision,
  type Lease,
  type ProxyAnswer,
  type ShareLimits,
} from '../classroom';
import { BoundedMap } from '../classroom/bounded-map';
import { effectiveAddress, parseIpLiteral } from '../classroom/ip-address';
import { readTargetHost } from '../classroom/target-host';
import { fullBucket, take, type Bucket, type BucketRule } from '../classroom/token-bucket';
import { ConnectionSession } from '../capture/session';
import type { ErrorCode } from '../errors';
import type { ConnOpenEvent, Endpoint, FailureCause, Student } from '../events/schema';
import type { ProxyContext } from './context';
import type { Resolution } from './upstream';
import { DnsCache } from './dns-cache';

export interface GateOptions {
  /** Classroom mode: everyone signs in with a name and this class code. Null: no sign-in, no fair share. */
  classCode: string | null;
  /** The proxy listens beyond loopback: public clients and targets on this machine are refused for LAN clients. */
  exposed: boolean;
  /** `--allow-client` blocks. */
  allowClients?: CidrSet;
  /** tlslab's own ports besides the proxy's (the dashboard): refused as targets in every mode. */
  otherOwnPorts: readonly number[];
  /** Per-student limits (classroom mode); default DEFAULT_SHARE_LIMITS. */
  shareLimits?: ShareLimits;
  /** Where a refusal of tlslab's own port points the client; default http://tlslab/. */
  viewUrl?: string;
  local?: LocalAddresses;
}

/** What a request is, for the gate's answers and the events of a refusal. */
export interface GateRequest {
  /** The client's socket (its remote address is who asks; its local address is how it reached the proxy). */
  socket: net.Socket;
  via: ConnOpenEvent['via'];
  host: string;
  port: number;
}

export type SignIn = { ok: true; student: Student | null } | { ok: false; answer: ProxyAnswer };

export type Admission = { ok: true; student: Student | null; resolved: Resolution | null } | { ok: false; answer: ProxyAnswer };

/** Refusal events per client address or student: a burst of 5, then one a second (a flood is logged, not recorded). */
const RECORD_RULE: BucketRule = { capacity: 5, perSecond: 1 };

/** Signed-in requests and their student, for the events the request's connection emits (src/proxy/front-pages.ts). */
const signedIn = new WeakMap<IncomingMessage, Student>();

/** The student a request was signed in as (classroom mode), if any. */
export function studentOf(req: IncomingMessage): Student | undefined {
  return signedIn.get(req);
}

export class ProxyGate {
  readonly classCode: string | null;
  readonly guard: AddressGuard;
  readonly roster = new Roster();
  readonly #failures = new FailureLimiter();
  readonly #share: FairShare | null;
  readonly #recorded = new BoundedMap<string, Bucket>(4096);
  /** One lookup per name every few seconds: a page's connections to one host share it. */
  readonly #dns = new DnsCache(resolve);
  readonly #viewUrl: string;

  constructor(private readonly ctx: ProxyContext, opts: GateOptions & { proxyPort: number }) {
    this.classCode = opts.classCode;
    this.guard = new AddressGuard({
      exposed: opts.exposed,
      local: opts.local ?? new LocalAddresses(),
      allowClients: opts.allowClients,
      ownPorts: [opts.proxyPort, ...opts.otherOwnPorts],
    });
    this.#share = opts.classCode === null ? null : new FairShare({ limits: opts.shareLimits });
    this.#viewUrl = opts.viewUrl ?? 'http://tlslab/';
  }

  /** May this client use the proxy at all? Null when it may; else the 403 (recorded as an event). */
  checkClient(q: GateRequest): ProxyAnswer | null {
    const d = this.guard.checkClient(q.socket.remoteAddress);
    if (d.allow) return null;
    return this.#refuse(q, null, d, 'TLSLAB_ERR_CLIENT_REFUSED');
  }

  /**
   * Classroom sign-in (RFC 7235 §4.3–4.4, Basic): the failure limit first (429, credentials not read), then the
   * class code and the name (407), then the roster (407 when another computer holds the name). Outside classroom
   * mode everyone is let in as nobody.
   */
  signIn(req: IncomingMessage, q: GateRequest): SignIn {
    if (this.classCode === null) return { ok: true, student: null };
    const client = q.socket.remoteAddress;
    const limit = this.#failures.check(client);
    if (!limit.ok) {
      const key = `sign-in ${FailureLimiter.keyOf(client)}`;
      const message = `Too many failed proxy sign-ins from ${FailureLimiter.keyOf(client)}: tlslab answered 429 without checking the credentials (new ones are checked again in ${Math.ceil(limit.retryAfterMs / 1000)} s).`;
      this.#record(key, q, null, 'TLSLAB_ERR_SIGN_IN_LIMIT', 'limit-exceeded', message);
      return { ok: false, answer: tooManyFailures(limit.retryAfterMs) };
    }
    const proxy = this.#proxyAddress(q.socket);
    const auth = authenticate(req.headers['proxy-authorization'], this.classCode);
    if (!auth.ok) {
      if (COUNTS_AS_ATTEMPT[auth.failure]) {
        this.#failures.fail(client);
        // A browser's first request, without credentials, is no refusal worth showing; a wrong code or name is.
        this.#record(`refused ${auth.failure} ${FailureLimiter.keyOf(client)}`, q, null, 'TLSLAB_ERR_SIGN_IN', 'sign-in-refused', signInRefused(auth.failure, FailureLimiter.keyOf(client)));
      }
      this.ctx.log.debug({ client, failure: auth.failure }, 'proxy sign-in refused');
      return { ok: false, answer: proxyAuthRequired(auth.failure, proxy) };
    }
    const claim = this.roster.claim(auth.id, auth.name, client);
    if (!claim.ok) {
      this.ctx.log.info({ client, student: auth.id }, 'proxy sign-in refused: the name is signed in from another address');
      this.#record(`refused name-in-use ${FailureLimiter.keyOf(client)}`, q, null, 'TLSLAB_ERR_SIGN_IN', 'sign-in-refused', signInRefused('name-in-use', FailureLimiter.keyOf(client), auth.name));
      return { ok: false, answer: proxyAuthRequired('name-in-use', proxy) };
    }
    if (claim.isNew) this.ctx.log.info({ student: auth.id, name: auth.name, client: claim.entry.address }, 'student signed in');
    const student: Student = { id: auth.id, name: auth.name };
    signedIn.set(req, student);
    return { ok: true, student };
  }

  /**
   * Before tlslab contacts a target: the address guard on the name, the student's fair share, one DNS lookup (or its
   * answer of the last few seconds, see DnsCache), the guard on every address it gave. The answer keeps those addresses: connect to them, never resolve again.
   * Built-in names (`tlslab`, `*.lab.tlslab`) are never resolved: their Resolution is a failed one, so only tlslab's own
   * routes can reach them. The lease (fair share) ends when `leaseUntilClosed` closes.
   */
  async admit(q: GateRequest, student: Student | null, leaseUntilClosed: { once(event: 'close', fn: () => void): unknown }): Promise<Admission> {
    const client = q.socket.remoteAddress;
    const pre = this.guard.precheckTarget({ client, host: q.host, port: q.port });
    if (!pre.allow) return { ok: false, answer: this.#refuse(q, student, pre, 'TLSLAB_ERR_TARGET_REFUSED') };
    const host = readTargetHost(q.host);
    const builtIn = host.kind === 'name' && isBuiltInName(host.name);
    let lease: Lease | null = null;
    if (this.#share && student && !(builtIn && host.name === 'tlslab')) {
      const r = this.#share.admit(student.id);
      if (!r.ok) {
        const message = r.limit === 'concurrent-tunnels'
          ? `${student.name} has ${r.open} connections open through tlslab, the most one student may have at once: tlslab answered 429. [concurrent-tunnels]`
          : `${student.name} opened new connections faster than ${r.value} a second: tlslab answered 429. [connection-rate]`;
        this.#record(`share ${student.id}`, q, student, 'TLSLAB_ERR_FAIR_SHARE', 'limit-exceeded', message);
        return { ok: false, answer: shareExceeded(r.limit, r.value, r.retryAfterMs) };
      }
      lease = r.lease;
      leaseUntilClosed.once('close', () => lease?.release());
    }
    let resolved: Resolution | null = null;
    if (host.kind === 'ip') resolved = { ok: true, addresses: [{ address: host.address.text, family: host.address.family }] };
    else if (builtIn) resolved = neverResolved(host.name);
    else if (host.kind === 'name') {
      resolved = await this.#dns.resolve(host.name);
      // A name that does not resolve is not refused here: the connection fails as it would have (a teaching page).
      if (resolved.ok) {
        const d = this.guard.checkTarget({ client, host: q.host, port: q.port, resolved: resolved.addresses.map((a) => a.address) });
        if (!d.allow) {
          lease?.release();
          return { ok: false, answer: this.#refuse(q, student, d, 'TLSLAB_ERR_TARGET_REFUSED') };
        }
      }
    }
    return { ok: true, student, resolved };
  }

  /** The 403 for a refused client or target, and its events (conn:open, conn:error, conn:close). */
  #refuse(q: GateRequest, student: Student | null, d: Extract<Decision, { allow: false }>, code: ErrorCode): ProxyAnswer {
    const answer = guardRefused(d.reason, hostPort(q.host, q.port), this.#viewUrl);
    const sentence = answer.body.trim().split('\n\n').join(' ');
    const key = student ? `guard ${student.id}` : `guard ${FailureLimiter.keyOf(q.socket.remoteAddress)}`;
    this.#record(key, q, student, code, 'guard-refused', `${sentence} [${d.reason}: ${d.detail}]`);
    return answer;
  }

  /** One refused connection in the events: open, error, close at once. Throttled per key; the rest only logged. */
  #record(key: string, q: GateRequest, student: Student | null, code: ErrorCode, cause: FailureCause, message: string): void {
    const now = Date.now();
    const bucket = this.#recorded.get(key) ?? fullBucket(RECORD_RULE, now);
    this.#recorded.set(key, bucket);
    if (!take(bucket, RECORD_RULE, now).ok) {
      this.ctx.log.debug({ code, client: q.socket.remoteAddress }, 'refusal not recorded (too many from this client)');
      return;
    }
    const session = new ConnectionSession(this.ctx.bus, this.ctx.sessionOptions);
    session.emit({
      type: 'conn:open',
      client: clientEndpoint(q.socket),
      target: { host: q.host.slice(0, 255), port: q.port },
      via: q.via,
      ...(student ? { student } : {}),
    });
    session.emit({ type: 'conn:error', leg: 'client', code, cause, message });
    session.close(cause);
  }

  /** `host:port` as the client reached the proxy (for the curl line of a 407): the socket's local address. */
  #proxyAddress(socket: net.Socket): string {
    return hostPort(localHost(socket), socket.localPort ?? 0);
  }
}

/** The client's end of a socket as events show it: an IPv4 client of a dual-stack listener as IPv4, not `::ffff:a.b.c.d`. */
export function clientEndpoint(socket: net.Socket): Endpoint {
  const address = socket.remoteAddress ?? '?';
  return { address: /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address, port: socket.remotePort ?? 0 };
}

/** The address a client reached the proxy at, as it would type it (`::ffff:10.0.0.5` is 10.0.0.5). */
export function localHost(socket: net.Socket): string {
  const a = parseIpLiteral(socket.localAddress ?? '');
  return a === null ? '127.0.0.1' : effectiveAddress(a).text;
}

/**
 * Built-in names are answered by tlslab itself (the lab's routes, tlslab's pages) and were never checked: whatever
 * connection would still need an address for one (a name no lab case has, a port tlslab does not serve) gets none,
 * rather than the answer of a DNS server that could point it at this machine.
 */
function neverResolved(name: string): Resolution {
  return { ok: false, error: Object.assign(new Error(`${name} is answered by tlslab itself and never looked up`), { code: 'ENOTFOUND' }) };
}

/** One DNS lookup (the system resolver, as a connection would use), every address kept. */
async function resolve(name: string): Promise<Resolution> {
  try {
    const all = await dns.promises.lookup(name, { all: true, verbatim: true });
    return { ok: true, addresses: all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })) };
  } catch (err) {
    return { ok: false, error: err as NodeJS.ErrnoException };
  }
}

/** Writes a refusal on a socket nobody has answered yet (a CONNECT, an Upgrade), then ends it. */
export function answerSocket(socket: net.Socket, a: ProxyAnswer): void {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  socket.end(serializeAnswer(a));
}

/** Writes a refusal as the response to a plain-HTTP request, then ends the connection. */
export function answerResponse(res: ServerResponse, a: ProxyAnswer): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return void res.destroy();
  res.shouldKeepAlive = false;
  res.writeHead(a.status, a.statusText, Object.fromEntries(a.headers));
  res.end(a.body);
}

/**
 * The instructor's sentence for a refused sign-in. It never quotes the password, and quotes the name only once the
 * class code was right (a student who typed the code into the name field must not see it on the projector).
 */
function signInRefused(failure: AuthFailure | 'name-in-use', from: string, name?: string): string {
  const why = failure === 'wrong-code'
    ? 'the class code was wrong'
    : failure === 'empty-name'
      ? 'the name was empty once spaces and invisible characters were taken out'
      : failure === 'name-in-use'
        ? `the name "${name ?? ''}" is already signed in from another address`
        : 'the browser sent the sign-in in a form tlslab cannot read (not HTTP Basic, not UTF-8, or too long)';
  return `A proxy sign-in from ${from} was refused (407): ${why}. [${failure}]`;
}
