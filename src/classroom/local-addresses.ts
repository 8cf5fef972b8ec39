// The addresses of this machine's network interfaces (os.networkInterfaces), kept fresh: re-read when older than
// a maximum age, and on a miss at most once a second (a laptop's DHCP lease can change mid-class). I/O: node:os.
import os from 'node:os';
import { effectiveAddress, parseIpLiteral, type IpAddress } from './ip-address';

export type InterfaceReader = () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;

export interface LocalAddressesOptions {
  /** Where interface addresses come from; default os.networkInterfaces. */
  read?: InterfaceReader;
  /** Milliseconds clock; default Date.now. */
  now?: () => number;
  /** Re-read when the snapshot is older than this; default 30 000 ms. */
  maxAgeMs?: number;
  /** A lookup that misses re-reads at most this often; default 1 000 ms. */
  missRefreshMs?: number;
}

export class LocalAddresses {
  readonly #read: InterfaceReader;
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  readonly #missRefreshMs: number;
  #texts = new Set<string>();
  #list: IpAddress[] = [];
  #readAt = Number.NEGATIVE_INFINITY;

  constructor(opts: LocalAddressesOptions = {}) {
    this.#read = opts.read ?? os.networkInterfaces;
    this.#now = opts.now ?? Date.now;
    this.#maxAgeMs = opts.maxAgeMs ?? 30_000;
    this.#missRefreshMs = opts.missRefreshMs ?? 1_000;
  }

  /** Reads the interfaces now. A reader that throws leaves the previous snapshot in place. */
  refresh(): void {
    let dict: NodeJS.Dict<os.NetworkInterfaceInfo[]>;
    try {
      dict = this.#read();
    } catch {
      return;
    }
    const list: IpAddress[] = [];
    for (const infos of Object.values(dict)) {
      for (const info of infos ?? []) {
        const a = parseIpLiteral(info.address);
        if (a !== null) list.push(effectiveAddress(a));
      }
    }
    this.#list = list;
    this.#texts = new Set(list.map((a) => a.text));
    this.#readAt = this.#now();
  }

  /** True when the address (its effective address: `::ffff:10.0.0.5` is 10.0.0.5) is one of this machine's. */
  has(address: IpAddress): boolean {
    const text = effectiveAddress(address).text;
    const age = this.#now() - this.#readAt;
    if (age > this.#maxAgeMs) this.refresh();
    else if (!this.#texts.has(text) && age > this.#missRefreshMs) this.refresh();
    return this.#texts.has(text);
  }

  /** Every interface address, as last read (read once first if never read). */
  list(): readonly IpAddress[] {
    if (this.#readAt === Number.NEGATIVE_INFINITY) this.refresh();
    return this.#list;
  }
}
