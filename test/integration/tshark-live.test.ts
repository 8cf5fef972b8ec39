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

  /** openssl s_server -www on 127.0.0.1:0 for `accept` connections; resolves with its port. */
  async function sServer(args: string[], accept: number): Promise<{ port: number; stop: () => void }> {
    const srv = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-www', '-naccept', String(accept), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      srv.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      srv.on('exit', (c) => reject(new Error(`s_server exited ${c}`)));
    });
    return { port, stop: () => srv.kill() };
  }

  async function sClient(port: number, keylog: string, args: string[]): Promise<void> {
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-keylogfile', keylog, '-ign_eof', '-quiet', ...args],
      { input: 'GET / HTTP/1.0\r\n\r\n', timeoutMs: 15000 });
    expect(r.stdout).toContain('HTTP/1.0 200 ok');
  }

  it('openssl s_client → openssl s_server -www: TLS 1.3 and TLS 1.2', async () => {
    const keylog = join(tmp.dir, 'openssl.keylog');
    const file = join(tmp.dir, 'openssl.pcapng');
    const srv = await sServer(['-key', cert.keyPath, '-cert', cert.certPath], 2);
    try {
      const cap = await startCapture(srv.port, file);
      try {
        await sClient(srv.port, keylog, ['-tls1_3']);
        await sClient(srv.port, keylog, ['-tls1_2']);
      } finally {
        await cap.stop();
      }
      const views = await expectAgreement(file, srv.port, keylog, 2);
      expect(views.map((v) => v.suite)).toEqual([0x1302, 0xc02c]);
      for (const v of views) expect(text(v.server.appData)).toContain('s_server -accept 127.0.0.1:0');
    } finally {
      srv.stop();
    }
  });

  /** s_client typing `K` (a TLS 1.3 KeyUpdate asking the peer to update too), then the request. */
  function sClientKeyUpdate(port: number, keylog: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-keylogfile', keylog, '-tls1_3'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString())); // "KEYUPDATE" goes to stderr
      const kill = setTimeout(() => c.kill('SIGKILL'), 15000);
      c.on('error', reject);
      c.on('close', () => {
        clearTimeout(kill);
        resolve(out);
      });
      // Each stdin read is one command or one message: write them apart, then wait for the reply before EOF.
      setTimeout(() => c.stdin.write('K\n'), 500);
      setTimeout(() => c.stdin.write('GET / HTTP/1.0\r\n\r\n'), 900);
      const poll = setInterval(() => {
        if (out.includes('</HTML>')) {
          clearInterval(poll);
          c.stdin.end();
        }
      }, 50);
      c.on('close', () => clearInterval(poll));
    });
  }

  it('openssl: TLS 1.2 with RSA key transport and CBC, TLS 1.3 with a HelloRetryRequest, TLS 1.3 KeyUpdate', async () => {
    const rsa = makeCert(tmp.dir, 'rsa');
    const keylog = join(tmp.dir, 'openssl-rsa.keylog');
    const file = join(tmp.dir, 'openssl-rsa.pcapng');
    const srv = await sServer(['-key', rsa.keyPath, '-cert', rsa.certPath, '-groups', 'P-256', '-cipher', 'AES128-SHA256'], 3);
    try {
      const cap = await startCapture(srv.port, file);
      try {
        await sClient(srv.port, keylog, ['-tls1_2', '-cipher', 'AES128-SHA256']);
        await sClient(srv.port, keylog, ['-tls1_3', '-groups', 'X25519:P-256']);
        const out = await sClientKeyUpdate(srv.port, keylog);
        expect(out).toContain('KEYUPDATE');
        expect(out).toContain('HTTP/1.0 200 ok');
      } finally {
        await cap.stop();
      }
      const views = await expectAgreement(file, srv.port, keylog, 3);
      expect(views.map((v) => v.suite)).toEqual([0x003c, 0x1302, 0x1302]);
      // KeyUpdate (24) both ways, and data decrypted after it with the next generation of keys.
      expect(views[2].client.handshakes.map(([t]) => t)).toContain(24);
      expect(views[2].server.handshakes.map(([t]) => t)).toContain(24);
      expect(text(views[2].server.appData)).toContain('HTTP/1.0 200 ok');
      // RSA key transport: a ClientKeyExchange (16) and no ServerKeyExchange (12); HRR: two ClientHellos.
      expect(views[0].client.handshakes.map(([t]) => t)).toContain(16);
      expect(views[0].server.handshakes.map(([t]) => t)).not.toContain(12);
      expect(views[1].client.handshakes.filter(([t]) => t === 1)).toHaveLength(2);
    } finally {
      srv.stop();
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
