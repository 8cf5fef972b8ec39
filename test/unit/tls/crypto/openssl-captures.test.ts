// Real `openssl s_server` / `s_client` connections on loopback, recorded through a TCP relay with their
// -keylogfile: TLS 1.3 with a KeyUpdate both ways, TLS 1.3 0-RTT early data on resumption, and TLS 1.2.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithTools } from '../../../helpers/tools';
import { replay } from '../../../helpers/tls-crypto-replay';
import { cipherSuite, nextTrafficSecret } from '../../../../src/tls/crypto';

interface Conn {
  c2s: Buffer[];
  s2c: Buffer[];
}

/** Collects a child's stdout and waits for text to appear in it. */
function watch(child: ChildProcessWithoutNullStreams): (text: string) => Promise<void> {
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (out.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  return (text) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)} in:\n${out}`)), 10_000);
      waiters.push({ text, resolve: () => (clearTimeout(timer), resolve()) });
      check();
    });
}

const exited = (child: ChildProcessWithoutNullStreams): Promise<void> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

describeWithTools(['openssl'], 'decrypting real openssl s_client / s_server connections', () => {
  let dir: string;
  let server: ChildProcessWithoutNullStreams;
  let serverSaw: (text: string) => Promise<void>;
  let relay: net.Server;
  let relayPort = 0;
  const conns: Conn[] = [];
  const children: ChildProcessWithoutNullStreams[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlslab-crypto-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    server = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', join(dir, 'cert.pem'), '-key', join(dir, 'key.pem'), '-early_data', '-keylogfile', join(dir, 'server.keys'), '-naccept', '3']);
    children.push(server);
    serverSaw = watch(server);
    let port = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('s_server did not start')), 10_000);
      server.stdout.on('data', (d: Buffer) => {
        const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(d.toString());
        if (m && port === 0) {
          port = Number(m[1]);
          clearTimeout(timer);
          resolve();
        }
      });
    });
    relay = net.createServer((inbound) => {
      const conn: Conn = { c2s: [], s2c: [] };
      conns.push(conn);
      const outbound = net.connect(port, '127.0.0.1');
      inbound.on('data', (d: Buffer) => conn.c2s.push(Buffer.from(d)));
      outbound.on('data', (d: Buffer) => conn.s2c.push(Buffer.from(d)));
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    relayPort = (relay.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill();
    await Promise.all(children.map(exited));
    await new Promise<void>((resolve) => relay.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  function client(args: string[]): { child: ChildProcessWithoutNullStreams; saw: (text: string) => Promise<void> } {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${relayPort}`, '-servername', 'localhost', '-keylogfile', join(dir, 'client.keys'), ...args]);
    children.push(child);
    return { child, saw: watch(child) };
  }

  const keylog = (): string => readFileSync(join(dir, 'client.keys'), 'utf8') + readFileSync(join(dir, 'server.keys'), 'utf8');
  const streams = (c: Conn): [Buffer, Buffer] => [Buffer.concat(c.c2s), Buffer.concat(c.s2c)];

  it('TLS 1.3 with a KeyUpdate from each side', async () => {
    const { child, saw } = client(['-tls1_3', '-sess_out', join(dir, 'session.pem')]);
    await saw('Verify return code');
    child.stdin.write('hello before the update\n');
    await serverSaw('hello before the update');
    child.stdin.write('k\n'); // s_client command: send a KeyUpdate (update_not_requested, RFC 8446 §4.6.3)
    await saw('KEYUPDATE');
    server.stdin.write('k\n'); // the same command on the server side
    await serverSaw('SSL_do_handshake -> 1'); // what s_server prints after its KeyUpdate
    server.stdin.write('from the server after its update\n');
    await saw('from the server after its update');
    child.stdin.write('after the update\n');
    await serverSaw('after the update');
    child.stdin.end();
    await exited(child);
    const r = replay(...streams(conns[0]), keylog());
    expect(r.hellos.version).toBe(0x0304);
    expect(r.keyUpdates).toEqual({ client: 1, server: 1 });
    expect(r.appData.client.toString()).toBe('hello before the update\nafter the update\n');
    expect(r.appData.server.toString()).toBe('from the server after its update\n');
    expect(r.types.client.at(-1)).toBe(21); // close_notify, encrypted under the updated keys
    // OpenSSL logs the updated secrets as *_TRAFFIC_SECRET_N: they equal what keyUpdate() derived.
    const suite = cipherSuite(r.hellos.cipherSuite)!;
    const line = (label: string): Buffer => {
      const found = keylog().split('\n').find((l) => l.startsWith(`${label} ${r.hellos.clientRandom} `));
      if (found === undefined) throw new Error(`no ${label} line`);
      return Buffer.from(found.split(' ')[2], 'hex');
    };
    expect(nextTrafficSecret(suite, line('CLIENT_TRAFFIC_SECRET_0'))).toEqual(line('CLIENT_TRAFFIC_SECRET_N'));
    expect(nextTrafficSecret(suite, line('SERVER_TRAFFIC_SECRET_0'))).toEqual(line('SERVER_TRAFFIC_SECRET_N'));
  });

  it('TLS 1.3 0-RTT: early data decrypts under CLIENT_EARLY_TRAFFIC_SECRET, then EndOfEarlyData', async () => {
    writeFileSync(join(dir, 'early.txt'), 'early data, sent before the handshake finished\n');
    const { child, saw } = client(['-tls1_3', '-sess_in', join(dir, 'session.pem'), '-early_data', join(dir, 'early.txt')]);
    await saw('Early data was accepted');
    child.stdin.write('after the handshake\n');
    await serverSaw('after the handshake');
    child.stdin.end();
    await exited(child);
    const [c2s, s2c] = streams(conns[1]);
    expect(keylog()).toContain('CLIENT_EARLY_TRAFFIC_SECRET');
    const r = replay(c2s, s2c, keylog(), { earlyData: true });
    expect(r.handshakeTypes.client).toEqual([5, 20]); // EndOfEarlyData, Finished
    expect(r.appData.client.toString()).toBe('early data, sent before the handshake finished\nafter the handshake\n');
  });

  it('TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384 from CLIENT_RANDOM', async () => {
    const { child, saw } = client(['-tls1_2', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384']);
    await saw('Verify return code');
    child.stdin.write('tls 1.2 client data\n');
    await serverSaw('tls 1.2 client data');
    server.stdin.write('tls 1.2 server data\n');
    await saw('tls 1.2 server data');
    child.stdin.end();
    await exited(child);
    const r = replay(...streams(conns[2]), keylog());
    expect(r.hellos).toMatchObject({ version: 0x0303, cipherSuite: 0xc030 });
    expect(r.appData.client.toString()).toBe('tls 1.2 client data\n');
    expect(r.appData.server.toString()).toBe('tls 1.2 server data\n');
  });
});
