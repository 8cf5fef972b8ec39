// A pcapng written by tlslab's writer, with the key log in a Decryption Secrets Block: `tlslab decode` decrypts it
// with no --keylog, and tshark opens it decrypted with no options — and both see the same thing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTcpPcapng } from '../../src/pcap';
import { describeWithTools } from '../helpers/tools';
import { decodeView, makeCert, tempDir, tsharkView } from '../helpers/capture-tools';
import { recordNodePair } from '../helpers/capture-relay';

jest.setTimeout(60000);

describeWithTools(['tshark', 'openssl'], 'pcapng with a Decryption Secrets Block', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => (tmp = tempDir()));
  afterAll(() => tmp.cleanup());

  it('decrypts with keys from the file alone, in tlslab and in tshark, identically', async () => {
    const cert = makeCert(tmp.dir);
    const conns = [];
    for (const [maxVersion, ciphers] of [['TLSv1.3', 'TLS_AES_256_GCM_SHA384'], ['TLSv1.2', 'ECDHE-ECDSA-CHACHA20-POLY1305']] as const) {
      conns.push(await recordNodePair({
        key: cert.key, cert: cert.cert, maxVersion, ciphers,
        request: Buffer.from(`GET /${maxVersion} HTTP/1.1\r\nHost: localhost\r\n\r\n`),
        reply: (d) => Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${d.length}\r\n\r\n${d.toString()}`),
        expectBytes: 40,
      }));
    }
    const w = writeTcpPcapng({
      keyLog: conns.map((c) => c.keyLog).join(''),
      mss: 1400,
      connections: conns.map((c, i) => ({
        client: { address: '127.0.0.1', port: 50000 + i },
        server: { address: '127.0.0.1', port: 443 },
        chunks: c.chunks,
      })),
    });
    if (!w.ok) throw new Error(w.error.message);
    const file = join(tmp.dir, 'dsb.pcapng');
    writeFileSync(file, w.value);

    const theirs = await tsharkView(file, 443);
    const ours = decodeView(file);
    expect(ours.lines.at(-1)).toMatchObject({ type: 'decode:summary', keyLogLines: { option: 0, dsb: conns.map((c) => c.keyLog.trim().split('\n').length).reduce((a, b) => a + b) } });
    expect([...ours.views.keys()]).toEqual([50000, 50001]);
    for (const [port, t] of theirs) {
      const o = ours.views.get(port);
      expect(o).toEqual(t);
    }
    // And both really decrypted: the data is what the Node sockets themselves received.
    conns.forEach((c, i) => {
      const v = ours.views.get(50000 + i);
      expect(Buffer.from(v?.client.appData ?? '', 'hex').equals(c.serverReceived)).toBe(true);
      expect(Buffer.from(v?.server.appData ?? '', 'hex').equals(c.clientReceived)).toBe(true);
    });
    expect(theirs.get(50000)?.suite).toBe(0x1302);
    expect(theirs.get(50001)?.suite).toBe(0xcca9);
  });
});
