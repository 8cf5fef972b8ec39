// Captures made here, on loopback, of real clients talking to real servers — curl → Node https,
// openssl s_client → openssl s_server, Node → Node; TLS 1.2 and 1.3 — decoded by `tlslab decode --json`
// and by tshark with the same key log: records, handshake types and lengths, suite, alerts and data must agree.
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { describeWithTools } from '../helpers/tools';
import { decodeView, makeCert, run, startCapture, tempDir, tsharkView, type ConnectionView } from '../helpers/capture-tools';

jest.setTimeout(90000);

/** Every connection tshark saw must look the same in our decode; returns our views for further checks. */
async function expectAgreement(file: string, serverPort: number, keylog: string | undefined, connections: number): Promise<ConnectionView[]> {
  const theirs = await tsharkView(file, serverPort, keylog);
  const ours = decodeView(file, keylog, serverPort);
  expect([...theirs.keys()].sort()).toEqual([...ours.views.keys()].sort());
  expect(theirs.size).toBe(connections);
  for (const [port, t] of theirs) {
    const o = ours.views.get(port) as ConnectionView;
    for (const side of ['client', 'server'] as const) {
      expect({ port, side, handshakes: o[side].handshakes }).toEqual({ port, side, handshakes: t[side].handshakes });
      expect({ port, side, records: o[side].records }).toEqual({ port, side, records: t[side].records });
      expect({ port, side, alerts: o[side].alerts }).toEqual({ port, side, alerts: t[side].alerts });
      expect({ port, side, appData: o[side].appData }).toEqual({ port, side, appData: t[side].appData });
    }
    expect({ port, suite: o.suite }).toEqual({ port, suite: t.suite });
  }
  // Nothing may have gone wrong in our decode of these clean captures.
  expect(ours.lines.filter((l) => l.type === 'tls:decode-error' || l.type === 'tls:undecryptable' || l.type === 'decode:gap')).toEqual([]);
  return [...ours.views.values()];
}

const text = (hex: string) => Buffer.from(hex, 'hex').toString('latin1');

describeWithTools(['tshark', 'dumpcap', 'openssl', 'curl'], 'tlslab decode agrees with tshark on live loopback captures', () => {
  let tmp: ReturnType<typeof tempDir>;
  let cert: ReturnType<typeof makeCert>;
  beforeAll(() => {
    tmp = tempDir();
    cert = makeCert(tmp.dir);
  });
  afterAll(() => (process.env.TLSLAB_KEEP_CAPTURES ? process.stderr.write(`captures kept in ${tmp.dir}\n`) : tmp.cleanup()));

  it('curl → Node https: TLS 1.3, TLS 1.2, and a rejected certificate (unknown_ca alert)', async () => {
    const keylog = join(tmp.dir, 'curl.keylog');
    const file = join(tmp.dir, 'curl.pcapng');
    const server = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end('hello from node https\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const cap = await startCapture(port, file);
    try {
      const env = { ...process.env, SSLKEYLOGFILE: keylog };
      const url = `https://127.0.0.1:${port}/`;
      const r13 = await run('curl', ['-sS', '-k', '--tlsv1.3', url], { env });
      const r12 = await run('curl', ['-sS', '-k', '--tls-max', '1.2', '--ciphers', 'ECDHE-ECDSA-AES256-GCM-SHA384', url], { env });
      const rejected = await run('curl', ['-sS', url], { env });
      expect([r13.stdout, r12.stdout]).toEqual(['hello from node https\n', 'hello from node https\n']);
      expect(rejected.code).not.toBe(0);
    } finally {
      await cap.stop();
      server.close();
    }
    const views = await expectAgreement(file, port, keylog, 3);
    expect(views.map((v) => v.suite)).toEqual([0x1302, 0xc02c, 0x1302]);
    expect(text(views[0].server.appData)).toContain('hello from node https');
    expect(text(views[1].client.appData)).toMatch(/^GET \/ HTTP\/1\.1/);
    expect(views[2].client.alerts).toEqual([48]); // unknown_ca, in clear text even in TLS 1.3
  });

  it('openssl s_client → openssl s_server -www: TLS 1.3 and TLS 1.2', async () => {
    const keylog = join(tmp.dir, 'openssl.keylog');
    const file = join(tmp.dir, 'openssl.pcapng');
    const srv = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-key', cert.keyPath, '-cert', cert.certPath, '-www', '-naccept', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        srv.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        srv.on('exit', (c) => reject(new Error(`s_server exited ${c}`)));
      });
      const cap = await startCapture(port, file);
      try {
        for (const v of ['-tls1_3', '-tls1_2']) {
          const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-keylogfile', keylog, v, '-ign_eof', '-quiet'],
            { input: 'GET / HTTP/1.0\r\n\r\n', timeoutMs: 15000 });
          expect(r.stdout).toContain('HTTP/1.0 200 ok');
        }
      } finally {
        await cap.stop();
      }
      const views = await expectAgreement(file, port, keylog, 2);
      expect(views.map((v) => v.suite)).toEqual([0x1302, 0xc02c]);
      for (const v of views) expect(text(v.server.appData)).toContain('s_server -accept 127.0.0.1:0');
    } finally {
      srv.kill();
    }
  });

  it('Node client → Node server: TLS 1.3 (ChaCha20) and TLS 1.2 (CBC), data both ways, close_notify', async () => {
    const keylog = join(tmp.dir, 'node.keylog');
    writeFileSync(keylog, '');
    const file = join(tmp.dir, 'node.pcapng');
    const server = tls.createServer({ key: cert.key, cert: cert.cert, ciphers: 'TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES128-SHA256' }, (s) => {
      s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo: '), d])));
      s.on('end', () => s.end());
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const cap = await startCapture(port, file);
    try {
      for (const [maxVersion, ciphers] of [['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256'], ['TLSv1.2', 'ECDHE-ECDSA-AES128-SHA256']] as const) {
        await new Promise<void>((resolve, reject) => {
          const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: cert.cert, maxVersion, ciphers, checkServerIdentity: () => undefined });
          c.on('keylog', (l) => appendFileSync(keylog, l));
          c.on('secureConnect', () => c.write(`hello ${maxVersion} `.repeat(300)));
          let got = '';
          c.on('data', (d) => {
            got += d.toString();
            if (got.length >= 6 + 14 * 300) c.end();
          });
          c.on('close', () => resolve());
          c.on('error', reject);
        });
      }
    } finally {
      await cap.stop();
      server.close();
    }
    const views = await expectAgreement(file, port, keylog, 2);
    expect(views.map((v) => v.suite)).toEqual([0x1303, 0xc023]);
    expect(text(views[0].server.appData)).toMatch(/^echo: hello TLSv1\.3/);
    expect(views.map((v) => v.client.alerts.concat(v.server.alerts))).toEqual([[0, 0], [0, 0]]);
  });
});
