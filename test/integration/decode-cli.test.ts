// The real `tlslab decode` command line: stdout, stderr and exit codes, run from the build in a child process.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTcpPcapng } from '../../src/pcap';
import { requireBuilt, tlslab } from '../helpers/cli';
import { tempDir } from '../helpers/capture-tools';

jest.setTimeout(120000);

const rfc = (ext: string) => readFileSync(join(__dirname, '../fixtures/tls/rfc8448', `rfc8448-simple-1rtt.${ext}`));

describe('tlslab decode (CLI)', () => {
  beforeAll(() => requireBuilt());
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => (tmp = tempDir()));
  afterAll(() => tmp.cleanup());

  it('prints JSON Lines or a tree with exit 0, and exits 1 naming a file it cannot read', async () => {
    const c2s = rfc('c2s.bin');
    const hello = 5 + c2s.readUInt16BE(3);
    const w = writeTcpPcapng({
      connections: [{
        client: { address: '127.0.0.1', port: 51514 }, server: { address: '127.0.0.1', port: 443 },
        chunks: [{ from: 'client', bytes: c2s.subarray(0, hello) }, { from: 'server', bytes: rfc('s2c.bin') }, { from: 'client', bytes: c2s.subarray(hello) }],
      }],
    });
    if (!w.ok) throw new Error(w.error.message);
    const file = join(tmp.dir, 'rfc8448.pcapng');
    writeFileSync(file, w.value);
    const keylog = join(tmp.dir, 'keys.log');
    writeFileSync(keylog, rfc('keylog'));
    const notCapture = join(tmp.dir, 'notes.txt');
    writeFileSync(notCapture, 'hello');
    const missing = join(tmp.dir, 'missing.pcapng');

    const [json, tree, gone, text, badKeys] = await Promise.all([
      tlslab(['decode', file, '--keylog', keylog, '--json']),
      tlslab(['decode', file, '--keylog', keylog]),
      tlslab(['decode', missing]),
      tlslab(['decode', notCapture]),
      tlslab(['decode', file, '--keylog', missing]),
    ]);

    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'decode:connection', conn: '0', kind: 'tls' });
    expect(lines.at(-1)).toMatchObject({ type: 'decode:summary', file, connections: 1, tlsConnections: 1 });
    expect(lines.filter((l) => l.type === 'tls:handshake' && l.encrypted === true).length).toBeGreaterThanOrEqual(5);

    expect(tree.code).toBe(0);
    expect(tree.stdout.split('\n')[0]).toMatch(/^#0 127\.0\.0\.1:51514 → 127\.0\.0\.1:443 {2}TLS/);
    expect(tree.stdout).toMatch(/\n {2}→ 1 client_hello/);

    expect(gone.code).toBe(1);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toBe(`tlslab: cannot read capture file ${missing}: ENOENT [TLSLAB_ERR_CAPTURE_FILE]\n`);
    expect(text.code).toBe(1);
    expect(text.stderr).toBe(`tlslab: ${notCapture} is not a readable capture: The file is neither pcap nor pcapng (unknown magic number) [TLSLAB_ERR_PCAP_FORMAT] [TLSLAB_ERR_CAPTURE_FILE]\n`);
    expect(badKeys.code).toBe(1);
    expect(badKeys.stderr).toContain(`cannot read key log ${missing}`);
  });
});
