// The address guard: which clients may use the proxy, and which targets a client may reach through it, so that
// the LAN cannot reach this machine's own services. Pure decisions over addresses; interface addresses via LocalAddresses.
import type { CidrSet } from './cidr';
import type { LocalAddresses } from './local-addresses';
import { effectiveAddress, parseIpLiteral, rangeOf, type AddressRange, type IpAddress } from './ip-address';
import { isLocalhostName, readTargetHost } from './target-host';

/** Why a client or a target was refused; each has a sentence in student-text.ts. */
export type RefusalReason =
  | 'client-unknown'
  | 'client-public'
  | 'target-invalid'
  | 'target-unresolved'
  | 'target-loopback'
  | 'target-unspecified'
  | 'target-link-local'
  | 'target-this-machine'
  | 'target-tlslab-port';

export type Decision = { allow: true } | { allow: false; reason: RefusalReason; /** What was refused, for the event (no secrets). */ detail: string };

/** Built-in names the proxy answers itself and never resolves: `tlslab` and `<case>.lab.tlslab`. */
export const TLSLAB_HOST = 'tlslab';
export const LAB_SUFFIX = '.lab.tlslab';

export function isBuiltInName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.+$/, '');
  return n === TLSLAB_HOST || (n.endsWith(LAB_SUFFIX) && n.length > LAB_SUFFIX.length);
}

/** Client ranges allowed by default whenever the proxy listens beyond loopback (as mitmproxy's `block_global`). */
const DEFAULT_CLIENT_RANGES: ReadonlySet<AddressRange | 'public'> = new Set(['loopback', 'private', 'shared', 'link-local', 'unique-local']);

/** Target ranges that are this machine, or may be (link-local: cloud metadata at 169.254.169.254 and the like). */
const THIS_MACHINE_RANGES = {
  loopback: 'target-loopback',
  unspecified: 'target-unspecified',
  'link-local': 'target-link-local',
} as const satisfies Partial<Record<AddressRange, RefusalReason>>;

export interface AddressGuardOptions {
  /** True when the proxy listens beyond loopback (`--classroom`, or `--host` not loopback). */
  exposed: boolean;
  /** This machine's interface addresses. */
  local: LocalAddresses;
  /** `--allow-client` blocks: clients from them are allowed even from public addresses. */
  allowClients?: CidrSet;
  /** Ports of tlslab itself (dashboard, proxy): refused on any address of this machine, for every client. */
  ownPorts: readonly number[];
  /** Names the proxy serves itself; default `tlslab` and `*.lab.tlslab`. The caller must never send them to DNS. */
  isBuiltIn?: (name: string) => boolean;
}

export interface TargetQuery {
  /** The client's address as the socket reports it (`::ffff:10.0.0.7` and zones are fine). */
  client: string | undefined;
  /** The host as the request names it (CONNECT authority or Host), before DNS. */
  host: string;
  port: number;
  /**
   * The addresses the name resolved to, which the caller will then connect to (and only to those: resolving
   * again could answer differently). Ignored for IP literals and built-in names; required for other names.
   */
  resolved?: readonly string[];
}

const ALLOW: Decision = { allow: true };

export class AddressGuard {
  readonly #o: Required<Omit<AddressGuardOptions, 'allowClients'>> & { allowClients: CidrSet | null };

  constructor(opts: AddressGuardOptions) {
    this.#o = { ...opts, allowClients: opts.allowClients ?? null, isBuiltIn: opts.isBuiltIn ?? isBuiltInName };
  }

  /** True when the client is this machine (loopback or one of its interface addresses). */
  isLocalClient(client: string | undefined): boolean {
    const a = client === undefined ? null : parseIpLiteral(client);
    return a !== null && (rangeOf(a) === 'loopback' || this.#o.local.has(a));
  }

  /** May this client use the proxy at all? Public addresses are refused when exposed, unless `--allow-client`. */
  checkClient(client: string | undefined): Decision {
    const a = client === undefined ? null : parseIpLiteral(client);
    if (a === null) return { allow: false, reason: 'client-unknown', detail: String(client ?? '(no address)').slice(0, 64) };
    if (!this.#o.exposed || DEFAULT_CLIENT_RANGES.has(rangeOf(a)) || this.#o.local.has(a)) return ALLOW;
    if (this.#o.allowClients?.has(a)) return ALLOW;
    return { allow: false, reason: 'client-public', detail: effectiveAddress(a).text };
  }

  /**
   * Before DNS: refuses what the name alone shows is this machine (`localhost`, any spelling of a loopback or
   * interface address, tlslab's own ports). `allow` here only means "resolve it and ask `checkTarget`".
   */
  precheckTarget(q: Omit<TargetQuery, 'resolved'>): Decision {
    const host = readTargetHost(q.host);
    if (host.kind === 'invalid') return { allow: false, reason: 'target-invalid', detail: `${host.why}: ${q.host.slice(0, 64)}` };
    if (host.kind === 'name') {
      if (this.#o.isBuiltIn(host.name)) return ALLOW;
      if (isLocalhostName(host.name)) return this.#refuseLocal(q, 'target-loopback', `${host.name.slice(0, 96)}:${q.port}`);
      return ALLOW;
    }
    return this.#checkAddress(q, host.address, q.host);
  }

  /** The full decision, with the addresses the caller resolved the name to (every one must pass). */
  checkTarget(q: TargetQuery): Decision {
    const pre = this.precheckTarget(q);
    if (!pre.allow) return pre;
    const host = readTargetHost(q.host);
    if (host.kind !== 'name' || this.#o.isBuiltIn(host.name)) return pre;
    const resolved = q.resolved ?? [];
    if (resolved.length === 0) return { allow: false, reason: 'target-unresolved', detail: host.name };
    for (const text of resolved) {
      const a = parseIpLiteral(text);
      if (a === null) return { allow: false, reason: 'target-unresolved', detail: `${host.name} → ${text.slice(0, 64)}` };
      const d = this.#checkAddress(q, a, `${host.name.slice(0, 48)} (${a.text})`);
      if (!d.allow) return d;
    }
    return ALLOW;
  }

  #checkAddress(q: Omit<TargetQuery, 'resolved'>, a: IpAddress, shown: string): Decision {
    const range = rangeOf(a);
    const thisMachine = range in THIS_MACHINE_RANGES ? THIS_MACHINE_RANGES[range as keyof typeof THIS_MACHINE_RANGES] : this.#o.local.has(a) ? 'target-this-machine' : null;
    if (thisMachine === null) return ALLOW;
    return this.#refuseLocal(q, thisMachine, `${shown.slice(0, 96)}:${q.port}`);
  }

  /** A target on this machine: tlslab's own ports are refused for everyone, the rest for clients not on this machine. */
  #refuseLocal(q: Omit<TargetQuery, 'resolved'>, reason: RefusalReason, detail: string): Decision {
    if (this.#o.ownPorts.includes(q.port)) return { allow: false, reason: 'target-tlslab-port', detail };
    if (this.isLocalClient(q.client)) return ALLOW;
    return { allow: false, reason, detail };
  }
}
