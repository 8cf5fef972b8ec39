// The WebSocket frame scanner: bytes pass unchanged in any split, a message over the limit stops at its frame header.
import fc from 'fast-check';
import WebSocket from 'ws';
import { FrameScanner, closeFrame } from '../../../src/proxy/ws-frames';

/** One frame as RFC 6455 §5.2 lays it out (payload bytes are zeros; a masking key when `masked`). */
function frame(opcode: number, length: number, opts: { fin?: boolean; masked?: boolean } = {}): Buffer {
  const b0 = ((opts.fin ?? true) ? 0x80 : 0) | opcode;
  const mask = opts.masked ? 0x80 : 0;
  const len = length < 126 ? Buffer.from([b0, mask | length]) : length < 65536 ? Buffer.from([b0, mask | 126, length >> 8, length & 0xff]) : Buffer.concat([Buffer.from([b0, mask | 127]), u64(length)]);
  return Buffer.concat([len, opts.masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0), Buffer.alloc(length)]);
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(Math.floor(n / 2 ** 32), 0);
  b.writeUInt32BE(n >>> 0, 4);
  return b;
}

function feed(scanner: FrameScanner, bytes: Buffer, cuts: number[]): { out: Buffer; tooBig: number | null } {
  const parts: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    const step = scanner.push(bytes.subarray(at, cut));
    parts.push(step.forward);
    at = cut;
    if (step.tooBig !== null) return { out: Buffer.concat(parts), tooBig: step.tooBig };
  }
  return { out: Buffer.concat(parts), tooBig: null };
}

describe('FrameScanner', () => {
  it('passes frames under the limit unchanged, however the bytes are split', () => {
    const frameArb = fc.record({ opcode: fc.constantFrom(0x1, 0x2, 0x9, 0xa), length: fc.oneof(fc.integer({ min: 0, max: 125 }), fc.integer({ min: 126, max: 70000 })), masked: fc.boolean() });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 500000 }), { maxLength: 20 }), (frames, cuts) => {
        const bytes = Buffer.concat(frames.map((f) => frame(f.opcode, f.length, { masked: f.masked })));
        const r = feed(new FrameScanner(1 << 20), bytes, cuts);
        expect(r.tooBig).toBeNull();
        expect(r.out.equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a fragmented message over the limit stops at the header of the fragment that crosses it', () => {
    const first = frame(0x2, 600, { fin: false });
    const ping = frame(0x9, 10);
    const second = frame(0x0, 500, { fin: true });
    const bytes = Buffer.concat([first, ping, second]);
    for (let cut = 0; cut <= bytes.length; cut += 37) {
      const r = feed(new FrameScanner(1000), bytes, [cut]);
      expect(r.tooBig).toBe(1100);
      expect(r.out.equals(Buffer.concat([first, ping]))).toBe(true);
    }
  });

  it('control frames are not part of a message; a new data frame starts a new one', () => {
    const bytes = Buffer.concat([frame(0x1, 900), frame(0x9, 100), frame(0x1, 900), frame(0x0, 0)]);
    expect(feed(new FrameScanner(1000), bytes, [1, 2, 3]).tooBig).toBeNull();
  });

  it('reads 16- and 64-bit lengths, and stops a frame whose length alone is over the limit', () => {
    expect(feed(new FrameScanner(70000), frame(0x2, 65536), [1, 2, 5, 9]).tooBig).toBeNull();
    const huge = Buffer.concat([Buffer.from([0x82, 0x7f]), Buffer.from('8000000000000000', 'hex')]);
    const r = feed(new FrameScanner(1 << 24), Buffer.concat([frame(0x1, 3), huge]), [4, 6]);
    expect(r.tooBig).toBeGreaterThan(1 << 24);
    expect(r.out.equals(frame(0x1, 3))).toBe(true);
  });

  it('holds an incomplete header back, and knows when a close frame went past', () => {
    const s = new FrameScanner(1000);
    const close = frame(0x8, 2);
    expect(s.push(close.subarray(0, 1)).forward.length).toBe(0);
    expect(s.atBoundary).toBe(true);
    expect(s.push(close.subarray(1)).forward.equals(close)).toBe(true);
    expect(s.closeSeen).toBe(true);
  });
});

describe('closeFrame', () => {
  it.each([
    ['to a client, unmasked', false],
    ['to a server, masked', true],
  ])('%s: ws reads it as close 1009', async (_label, toServer) => {
    // The real ws parser (exported by ws, not in its type definitions), in the role that receives the frame: a server
    // expects masked frames, a client unmasked ones.
    const { Receiver } = WebSocket as unknown as { Receiver: new (o: { isServer: boolean }) => NodeJS.WritableStream };
    const receiver = new Receiver({ isServer: toServer });
    const got = new Promise<[number, string]>((resolve) => receiver.on('conclude', (code: number, reason: Buffer) => resolve([code, reason.toString()])));
    receiver.write(closeFrame(1009, toServer, 'too big'));
    await expect(got).resolves.toEqual([1009, 'too big']);
  });
});
