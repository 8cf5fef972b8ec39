// The built-in failure lab: starts one loopback origin per case and maps `<case>.lab.tlslab` to it.
// I/O: the origins' listening sockets (origins.ts) and the lab PKI files (lab-pki.ts).
import type { Logger } from '../log';
import { TlslabError } from '../errors';
import { LAB_CASES, LAB_DOMAIN, labHost, type LabExpectation } from './lab-cases';
import { labCertFor, loadOrCreateLabPki } from './lab-pki';
import { startOrigin, type Origin } from './origins';

export interface LabCase {
  name: string;
  /** `<name>.lab.tlslab` */
  host: string;
  /** The origin's port on 127.0.0.1. */
  port: number;
  title: string;
  /** One sentence. */
  teaches: string;
  expected: LabExpectation;
}

export interface LabStartOptions {
  certsDir: string;
  host?: '127.0.0.1';
  /** How long slow-handshake waits before answering the ClientHello; default 3000. */
  slowHandshakeMs?: number;
  log?: Logger;
}

export const DEFAULT_SLOW_HANDSHAKE_MS = 3000;

export class Lab {
  readonly cases: LabCase[];
  /** "tlslab Lab Root": the proxy trusts it as an upstream CA (the cases meant to fail still fail). */
  readonly rootPem: string;
  /** Where the lab PKI lives (`<certsDir>/lab`). */
  readonly dir: string;
  readonly #origins: Origin[];
  readonly #byHost: Map<string, LabCase>;
  #closed = false;

  private constructor(cases: LabCase[], rootPem: string, dir: string, origins: Origin[]) {
    this.cases = cases;
    this.rootPem = rootPem;
    this.dir = dir;
    this.#origins = origins;
    this.#byHost = new Map(cases.map((c) => [c.host, c]));
  }

  static async start(opts: LabStartOptions): Promise<Lab> {
    const host = opts.host ?? '127.0.0.1';
    if (host !== '127.0.0.1') throw new TlslabError('TLSLAB_ERR_LAB', `lab origins listen on 127.0.0.1 only, not ${String(host)}`);
    const slowHandshakeMs = opts.slowHandshakeMs ?? DEFAULT_SLOW_HANDSHAKE_MS;
    if (!Number.isFinite(slowHandshakeMs) || slowHandshakeMs < 0) {
      throw new TlslabError('TLSLAB_ERR_LAB', `slow-handshake delay must be a non-negative number of milliseconds, got ${slowHandshakeMs}`);
    }
    const pki = await loadOrCreateLabPki(opts.certsDir);
    const started: Origin[] = [];
    const cases: LabCase[] = [];
    try {
      for (const info of LAB_CASES) {
        const origin = await startOrigin(info, labCertFor(pki, info.name), { host, slowHandshakeMs, log: opts.log });
        started.push(origin);
        cases.push({ name: info.name, host: labHost(info.name), port: origin.port, title: info.title, teaches: info.teaches, expected: info.expected });
      }
    } catch (err) {
      await Promise.all(started.map((o) => o.close()));
      throw err;
    }
    opts.log?.info({ cases: cases.length, dir: pki.dir }, 'lab origins listening on 127.0.0.1');
    return new Lab(cases, pki.root.certPem, pki.dir, started);
  }

  /** `<case>.lab.tlslab` (any case, trailing dot allowed) → where its origin listens; anything else → null. */
  resolve(hostname: string): { host: string; port: number; case: LabCase } | null {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (!name.endsWith(`.${LAB_DOMAIN}`)) return null;
    const c = this.#byHost.get(name);
    return c ? { host: '127.0.0.1', port: c.port, case: c } : null;
  }

  /** Stop every origin and drop their connections. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#origins.map((o) => o.close()));
  }
}
