// `tlslab start --record` and SSLKEYLOGFILE from the command line: the banner names both files, both are written
// 0600 as connections happen, and a file that cannot be written stops the start with one line naming it.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { readCapture } from '../../src/pcap';
import { BIN, requireBuilt, tlslab } from '../helpers/cli';
import { run, tempDir } from '../helpers/capture-tools';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(60_000);

describeWithTools(['curl'], 'tlslab start --record, SSLKEYLOGFILE', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    requireBuilt();
    tmp = tempDir('tlslab-record-cli-');
  }, 180_000);
  afterAll(() => tmp?.cleanup());

  it('records and appends the key log as connections happen, both files 0600', async () => {
    const record = path.join(tmp.dir, 'class.pcapng');
    const keys = path.join(tmp.dir, 'sslkeys.log');
    fs.writeFileSync(keys, '# the browser wrote here first\n', { mode: 0o644 });
    const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--ui-port', '0', '--no-lab', '--certs', path.join(tmp.dir, 'certs'), '--record', record, '--log-level', 'silent'], {
      env: { ...process.env, SSLKEYLOGFILE: keys },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 200 && !out.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain(`  Recording   ${record}  (tunnels: both legs' bytes, and the keys of TLS ones; plain HTTP and WebSocket relays: what happened — tlslab open ${record}, or Wireshark)`);
      expect(out).toContain(`  Key log     ${keys}  (both legs' TLS secrets, appended: Wireshark's tls.keylog_file)`);
      // The recording lines come above "Ctrl-C to stop.".
      expect(out.indexOf('Recording')).toBeLessThan(out.indexOf('Ctrl-C'));
      const proxy = /Proxy {7}(http:\/\/\S+)/.exec(out)?.[1] as string;
      const ca = path.join(tmp.dir, 'certs', 'tlslab-ca.pem');
      // tlslab's own page over TLS: a tunnel with a client leg and its keys.
      const r = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', ca, '-x', proxy, 'https://tlslab/']);
      expect(r.stdout).toBe('200');
      for (let i = 0; i < 100 && !fs.readFileSync(keys, 'utf8').includes('CLIENT_TRAFFIC_SECRET_0'); i++) await new Promise((res) => setTimeout(res, 50));
    } finally {
      child.kill('SIGINT');
      await new Promise((res) => child.once('exit', res));
    }
    for (const f of [record, keys]) expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    const lines = fs.readFileSync(keys, 'utf8').split('\n');
    expect(lines[0]).toBe('# the browser wrote here first'); // appended, not truncated
    expect(lines.filter((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0 ')).length).toBe(1); // the client leg's (no upstream: tlslab's own page)
    const cap = readCapture(fs.readFileSync(record));
    if (!cap.ok) throw new Error(cap.error.message);
    expect(cap.value.errors).toEqual([]);
    expect(cap.value.keyLogs.join('')).toContain('CLIENT_TRAFFIC_SECRET_0 ');
    expect(cap.value.packets.map((p) => p.comment).filter(Boolean)).toEqual([expect.stringMatching(/^tlslab c1 client leg: browser 127\.0\.0\.1:\d+ → tlslab 127\.0\.0\.1:\d+$/)]);
  });

  it('refuses to start when the recording cannot be written, naming it', async () => {
    const bad = path.join(tmp.dir, 'no-such-folder', 'x.pcapng');
    const r = await tlslab(['start', '--port', '0', '--ui-port', '0', '--no-lab', '--certs', path.join(tmp.dir, 'certs'), '--record', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`tlslab: cannot write the recording ${bad}: ENOENT [TLSLAB_ERR_RECORD_FILE]\n`);
  });
});
