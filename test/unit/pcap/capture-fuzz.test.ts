// Seeded mutations of whole capture files (a pcapng with a DSB and a classic pcap, both holding RFC 8448 §3):
// reading, reassembly and `tlslab decode`'s whole pipeline must return values, never throw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCapture } from '../../../src/commands/decode-run';
import { readCapture, reassembleCapture, writeTcpPcapng } from '../../../src/pcap';
import { CLIENT, SERVER, pcapFile, tcpIp } from '../../helpers/capture-synth';

const rfc = (ext: string) => readFileSync(join(__dirname, '../../fixtures/tls/rfc8448', `rfc8448-simple-1rtt.${ext}`));

function files(): Buffer[] {
  const c2s = rfc('c2s.bin');
  const s2c = rfc('s2c.bin');
  const hello = 5 + c2s.readUInt16BE(3);
  const w = writeTcpPcapng({
    keyLog: rfc('keylog').toString(),
    mss: 300,
    connections: [{ client: CLIENT, server: SERVER, chunks: [{ from: 'client', bytes: c2s.subarray(0, hello) }, { from: 'server', bytes: s2c }, { from: 'client', bytes: c2s.subarray(hello) }] }],
  });
  if (!w.ok) throw new Error(w.error.message);
  const pcap = pcapFile(101, [
    { sec: 1, frac: 0, data: tcpIp(CLIENT, SERVER, 1, 0, { syn: true }) },
    { sec: 1, frac: 1, data: tcpIp(CLIENT, SERVER, 2, 0, { ack: true }, c2s.subarray(0, hello)) },
    { sec: 1, frac: 2, data: tcpIp(SERVER, CLIENT, 1, 2 + hello, { ack: true }, s2c) },
    { sec: 1, frac: 3, data: tcpIp(CLIENT, SERVER, 2 + hello, 1 + s2c.length, { ack: true }, c2s.subarray(hello)) },
  ], { le: false, nano: true });
  return [Buffer.from(w.value), Buffer.from(pcap)];
}

describe('capture pipeline under mutation', () => {
  it('never throws on 3,000 mutated capture files (bit flips, byte sets, truncation, insertion, deletion)', () => {
    let a = 0x5eed;
    const rnd = (n: number) => {
      a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
      return a % n;
    };
    const originals = files();
    const failures: string[] = [];
    let decoded = 0;
    for (let n = 0; n < 3000; n++) {
      const src = originals[n % originals.length];
      let f = Buffer.from(src);
      for (let k = 1 + rnd(3); k > 0; k--) {
        const at = rnd(f.length);
        switch (rnd(5)) {
          case 0: f[at] ^= 1 << rnd(8); break;
          case 1: f[at] = [0, 0xff, 0x7f, 0x80][rnd(4)]; break;
          case 2: f = f.subarray(0, at); break;
          case 3: f = Buffer.concat([f.subarray(0, at), Buffer.from([rnd(256), rnd(256), rnd(256), rnd(256)]), f.subarray(at)]); break;
          default: f = Buffer.concat([f.subarray(0, at), f.subarray(at + 1 + rnd(8))]);
        }
      }
      try {
        const r = readCapture(f);
        if (r.ok) reassembleCapture(r.value);
        const d = decodeCapture(f);
        if (d.ok && d.value.connections.some((c) => c.lines.some((l) => l.type === 'tls:handshake' && l.encrypted))) decoded++;
      } catch (e) {
        if (failures.length < 5) failures.push(`case ${n}: ${e instanceof Error ? e.stack : String(e)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(decoded).toBeGreaterThan(100); // many mutations leave enough intact to decrypt: the pipeline was exercised
  });
});
