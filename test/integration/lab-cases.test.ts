// Every lab case reached directly (no proxy) by a Node TLS client trusting the lab root, plus curl and
// openssl s_client where they show something Node does not. Real origins on 127.0.0.1, temp certs folder.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { Lab, LAB_CASES, type LabCase } from '../../src/lab';
import { describeWithTools } from '../helpers/tools';
import { cleanupTempDirs, pemFile, run, tempDir } from '../helpers/ca-temp';
import { fetchOverTee } from '../helpers/lab-tee';

const SLOW_MS = 1200;
let lab: Lab;
let certsDir: string;
let rootFile: string;

beforeAll(async () => {
  certsDir = tempDir('tlslab-lab-');
  lab = await Lab.start({ certsDir, slowHandshakeMs: SLOW_MS });
  rootFile = pemFile(certsDir, 'root-copy.pem', lab.rootPem);
});
afterAll(async () => {
  await lab?.close();
  cleanupTempDirs();
});

function labCase(name: string): LabCase {
  const c = lab.cases.find((x) => x.name === name);
  if (!c) throw new Error(`no lab case ${name}`);
  return c;
}

interface Outcome {
  error: string | null;
  socket: tls.TLSSocket;
  protocol: string | null;
  cipher: tls.CipherNameAndProtocol | null;
  ephemeral: tls.EphemeralKeyInfo | object | null;
}

/** Handshake with `<case>.lab.tlslab` as SNI, trusting only the lab root. Error: code, or message when Node gives none. */
function handshake(name: string, extra: tls.ConnectionOptions = {}): Promise<Outcome> {
  const c = labCase(name);
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: c.port, servername: c.host, ca: lab.rootPem, ...extra });
    const timer = setTimeout(() => socket.destroy(new Error('test timeout')), 10000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve({ error: null, socket, protocol: socket.getProtocol(), cipher: socket.getCipher(), ephemeral: socket.getEphemeralKeyInfo() });
      socket.destroy();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error: e.code && e.code !== 'UNSPECIFIED' ? e.code : e.message, socket, protocol: null, cipher: null, ephemeral: null });
    });
  });
}

/** The certificates the server sent, leaf first, from a handshake that does not verify. */
function sentChain(name: string): Promise<X509Certificate[]> {
  const c = labCase(name);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: c.port, servername: c.host, rejectUnauthorized: false }, () => {
      const chain: X509Certificate[] = [];
      const seen = new Set<string>();
      for (let p: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true); p && p.raw && !seen.has(p.fingerprint256); p = p.issuerCertificate) {
        seen.add(p.fingerprint256);
        chain.push(new X509Certificate(p.raw));
      }
      socket.destroy();
      resolve(chain);
    });
    socket.once('error', reject);
  });
}

describe('the lab', () => {
  it('starts one origin per case on 127.0.0.1 with distinct ports and <case>.lab.tlslab hosts', () => {
    expect(lab.cases.map((c) => c.name)).toEqual(LAB_CASES.map((c) => c.name));
    expect(new Set(lab.cases.map((c) => c.port)).size).toBe(lab.cases.length);
    for (const c of lab.cases) {
      expect(c.host).toBe(`${c.name}.lab.tlslab`);
      expect(c.port).toBeGreaterThan(0);
      expect(c.teaches.length).toBeGreaterThan(20);
    }
  });

  it('resolves <case>.lab.tlslab (any case, trailing dot) and nothing else', () => {
    const r = lab.resolve('Expired.Lab.Tlslab.');
    expect(r).toEqual({ host: '127.0.0.1', port: labCase('expired').port, case: labCase('expired') });
    expect(lab.resolve('nope.lab.tlslab')).toBeNull();
    expect(lab.resolve('expired.lab.tlslab.example.com')).toBeNull();
    expect(lab.resolve('example.com')).toBeNull();
  });

  it('valid: verifies against the lab root and serves text/plain to curl-like clients, HTML to browsers', async () => {
    const ok = await handshake('valid');
    expect(ok.error).toBeNull();
    expect(ok.socket.authorized).toBe(true);
    const c = labCase('valid');
    for (const [accept, type, marker] of [['*/*', 'text/plain', 'tlslab lab: valid'], ['text/html,*/*', 'text/html', '<h1>A certificate that passes every check</h1>']]) {
      const text = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: c.port, servername: c.host, ca: lab.rootPem }, () =>
          s.write(`GET / HTTP/1.1\r\nHost: ${c.host}\r\nAccept: ${accept}\r\nConnection: close\r\n\r\n`));
        const parts: Buffer[] = [];
        s.on('data', (d: Buffer) => parts.push(d));
        s.on('end', () => resolve(Buffer.concat(parts).toString()));
        s.on('error', reject);
      });
      expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(text).toContain(`Content-Type: ${type}`);
      expect(text).toContain(marker);
    }
  });

  it.each([
    ['expired', 'CERT_HAS_EXPIRED'],
    ['not-yet-valid', 'CERT_NOT_YET_VALID'],
    ['wrong-host', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['self-signed', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['untrusted-root', 'SELF_SIGNED_CERT_IN_CHAIN'],
    ['incomplete-chain', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['sha1', 'CA signature digest algorithm too weak'],
    ['client-auth-eku', 'INVALID_PURPOSE'],
  ])('%s: a Node client trusting the lab root fails with %s (as the case says)', async (name, expected) => {
    const o = await handshake(name);
    expect(o.error).toBe(expected);
    expect(labCase(name).expected.nodeError).toBe(expected);
  });

  it('rsa1024: Node (security level 1) accepts; at level 2 it fails with "EE certificate key too weak"; the key is 1024 bits', async () => {
    expect((await handshake('rsa1024')).error).toBeNull();
    expect((await handshake('rsa1024', { ciphers: 'DEFAULT@SECLEVEL=2' })).error).toBe('EE certificate key too weak');
    const [leaf] = await sentChain('rsa1024');
    expect(leaf.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
  });

  it('sends the chains the cases describe', async () => {
    const [expired] = await sentChain('expired');
    expect(new Date(expired.validTo).getTime()).toBeLessThan(Date.now());
    const [future] = await sentChain('not-yet-valid');
    expect(new Date(future.validFrom).getTime()).toBeGreaterThan(Date.now());
    const [wrong] = await sentChain('wrong-host');
    expect(wrong.subjectAltName).toBe('DNS:wrong.example');
    const [self] = await sentChain('self-signed');
    expect(self.issuer).toBe(self.subject);
    const untrusted = await sentChain('untrusted-root');
    expect(untrusted).toHaveLength(2);
    expect(untrusted[1].subject).toMatch(/CN=tlslab Lab Untrusted Root/);
    const incomplete = await sentChain('incomplete-chain');
    expect(incomplete).toHaveLength(1);
    expect(incomplete[0].issuer).toMatch(/CN=tlslab Lab Intermediate/);
    const [sha1] = await sentChain('sha1');
    expect(sha1.verify(new X509Certificate(lab.rootPem).publicKey)).toBe(true);
    const [eku] = await sentChain('client-auth-eku');
    expect(eku.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    const [valid] = await sentChain('valid');
    expect(valid.subjectAltName).toBe('DNS:valid.lab.tlslab, IP Address:127.0.0.1');
    expect(valid.checkIssued(new X509Certificate(lab.rootPem))).toBe(true);
  });

  it('tls12-only: negotiates TLSv1.2 with an ECDHE suite, and refuses a TLS 1.3-only client', async () => {
    const o = await handshake('tls12-only');
    expect(o.error).toBeNull();
    expect(o.protocol).toBe('TLSv1.2');
    expect(o.cipher?.name).toMatch(/^ECDHE-RSA-/);
    expect(o.ephemeral).toMatchObject({ type: 'ECDH' });
    const only13 = await handshake('tls12-only', { minVersion: 'TLSv1.3' });
    expect(only13.error).not.toBeNull();
  });

  it('static-rsa: negotiates TLS 1.2 with RSA key exchange (TLS_RSA_WITH_AES_128_GCM_SHA256)', async () => {
    const o = await handshake('static-rsa');
    expect(o.error).toBeNull();
    expect(o.protocol).toBe('TLSv1.2');
    expect(o.cipher).toMatchObject({ name: 'AES128-GCM-SHA256', standardName: 'TLS_RSA_WITH_AES_128_GCM_SHA256' });
    // No ephemeral key: that is what "static RSA" means (no forward secrecy).
    expect(o.ephemeral).toEqual({});
  });

  it('no-close-notify: the body arrives, then the connection ends with no alert record; valid ends with close_notify', async () => {
    const bad = await fetchOverTee(labCase('no-close-notify').port, labCase('no-close-notify').host, lab.rootPem);
    expect(bad.body).toContain('tlslab lab: no-close-notify');
    expect(bad.body.split('\r\n\r\n')[0]).not.toMatch(/content-length/i);
    expect(bad.body.split('\r\n\r\n')[0]).toMatch(/Connection: close/);
    expect(bad.serverRecords).toContain(23);
    expect(bad.serverRecords).not.toContain(21);
    const good = await fetchOverTee(labCase('valid').port, labCase('valid').host, lab.rootPem);
    expect(good.serverRecords[good.serverRecords.length - 1]).toBe(21); // close_notify (TLS 1.2 alerts are in the clear)
  });

  it('reset-mid-handshake: a Node client gets ECONNRESET after sending its ClientHello', async () => {
    expect((await handshake('reset-mid-handshake')).error).toBe('ECONNRESET');
  });

  it('reset-mid-handshake: a raw client sees its ClientHello answered by a reset, no bytes back', async () => {
    const c = labCase('reset-mid-handshake');
    const result = await new Promise<{ code?: string; bytes: number }>((resolve) => {
      let bytes = 0;
      const s = net.connect(c.port, '127.0.0.1', () => s.write(Buffer.from('160301000401000000', 'hex')));
      s.on('data', (d: Buffer) => (bytes += d.length));
      s.on('error', (e: NodeJS.ErrnoException) => resolve({ code: e.code, bytes }));
      s.on('close', () => resolve({ bytes }));
    });
    expect(result).toEqual({ code: 'ECONNRESET', bytes: 0 });
  });

  it('slow-handshake: completes, and not before the configured delay (a lower bound, not a speed test)', async () => {
    const start = process.hrtime.bigint();
    const o = await handshake('slow-handshake');
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(o.error).toBeNull();
    expect(ms).toBeGreaterThanOrEqual(SLOW_MS - 5);
  });
});

describeWithTools(['curl'], 'the lab through curl (directly, --resolve)', () => {
  const curl = (name: string, args: string[] = []) => {
    const c = labCase(name);
    return run('curl', ['-sS', '--max-time', '10', '--cacert', rootFile, '--resolve', `${c.host}:${c.port}:127.0.0.1`, ...args, `https://${c.host}:${c.port}/`]);
  };

  it('valid: 200 with the text page', async () => {
    const r = await curl('valid');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tlslab lab: valid (valid.lab.tlslab)');
  });

  it.each([
    ['expired', /certificate has expired/],
    ['wrong-host', /no alternative certificate subject name matches/],
    ['incomplete-chain', /unable to get local issuer certificate/],
    ['rsa1024', /EE certificate key too weak/],
  ])('%s: curl exits 60 with %s', async (name, message) => {
    const r = await curl(name);
    expect(r.code).toBe(60);
    expect(r.stderr).toMatch(message);
  });

  it('static-rsa: curl reports TLSv1.2 / AES128-GCM-SHA256', async () => {
    const r = await curl('static-rsa', ['-v', '-o', '/dev/null']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/SSL connection using TLSv1\.2 \/ AES128-GCM-SHA256/);
  });

  it('reset-mid-handshake: curl exits 35 with a reset', async () => {
    const r = await curl('reset-mid-handshake');
    expect(r.code).toBe(35);
    expect(r.stderr).toMatch(/reset by peer/i);
  });
});

describeWithTools(['openssl'], 'the lab through openssl s_client', () => {
  // -ign_eof: keep reading after stdin ends, until the server closes.
  const sClient = (name: string, input: string, more: string[] = []) => {
    const c = labCase(name);
    return run('openssl', ['s_client', '-connect', `127.0.0.1:${c.port}`, '-servername', c.host, '-CAfile', rootFile, '-showcerts', ...more], { input });
  };

  it('no-close-notify: s_client reports "unexpected eof while reading"; valid ends with close_notify', async () => {
    const bad = await sClient('no-close-notify', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', ['-ign_eof', '-msg']);
    expect(bad.stdout).toContain('tlslab lab: no-close-notify');
    expect(bad.stderr + bad.stdout).toMatch(/unexpected eof while reading/);
    expect(bad.stdout).not.toMatch(/<<< .*Alert.*close_notify/);
    const good = await sClient('valid', 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', ['-ign_eof', '-msg']);
    expect(good.stdout).toMatch(/<<< TLS 1\.3, Alert \[length 0002\], warning close_notify/);
    expect(good.stderr + good.stdout).not.toMatch(/unexpected eof/);
  });

  it('incomplete-chain sends one certificate; untrusted-root sends two', async () => {
    const one = await sClient('incomplete-chain', '');
    expect((one.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length).toBe(1);
    expect(one.stdout).toMatch(/Verify return code: 21 \(unable to verify the first certificate\)/);
    const two = await sClient('untrusted-root', '');
    expect((two.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length).toBe(2);
    expect(two.stdout).toMatch(/Verify return code: 19 \(self-signed certificate in certificate chain\)/);
  });
});
