// Key-log lines of a replayed capture, by ClientHello random: each leg's decoder gets its own lines (and only those)
// whether they come before its ClientHello (a --keylog file, an early Decryption Secrets Block) or after. No I/O.

/** Something that takes key-log lines: a leg of a replayed connection. */
export interface KeyTaker {
  addKeyLog(line: string): void;
}

const LINE = /^([A-Z_0-9]+)\s+([0-9a-fA-F]{64})\s+([0-9a-fA-F]+)\s*$/;

export class KeyIndex {
  /** Lines not yet given to a leg, by client random (lowercase hex). */
  private readonly lines = new Map<string, string[]>();
  /** Legs that know their client random and take the lines for it as they arrive. */
  private readonly takers = new Map<string, KeyTaker>();
  /** Randoms of legs that are over: lines for them that come later are dropped. */
  private readonly released = new Set<string>();
  /** Lines kept, waiting for their leg. */
  held = 0;
  /** Lines read in all (comments and malformed lines aside). */
  total = 0;

  /** NSS key-log text (one or many lines). */
  add(text: string): void {
    for (const raw of text.split(/\r?\n|\r/)) {
      const m = LINE.exec(raw.trim());
      if (!m) continue;
      this.total++;
      const random = m[2].toLowerCase();
      const line = raw.trim();
      if (this.released.has(random)) continue;
      const taker = this.takers.get(random);
      if (taker) {
        taker.addKeyLog(line);
        continue;
      }
      const list = this.lines.get(random);
      if (list) list.push(line);
      else this.lines.set(random, [line]);
      this.held++;
    }
  }

  /** `taker`'s ClientHello had this random: it gets the lines already here, and those that come later. */
  claim(random: string, taker: KeyTaker): void {
    const r = random.toLowerCase();
    this.takers.set(r, taker);
    const list = this.lines.get(r);
    if (!list) return;
    this.lines.delete(r);
    this.held -= list.length;
    for (const line of list) taker.addKeyLog(line);
  }

  /** The leg is over: later lines for it are not delivered (nor kept). */
  release(random: string): void {
    const r = random.toLowerCase();
    if (this.takers.delete(r)) this.released.add(r);
  }
}
