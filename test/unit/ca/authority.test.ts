// The CA on disk: creation, reuse, file modes, and every way a CA folder can be broken.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { CA_FILES, CertificateAuthority } from '../../../src/ca';
import { TlslabError } from '../../../src/errors';
import { describeWithTools } from '../../helpers/tools';
import { cleanupTempDirs, opensslText, tempDir } from '../../helpers/ca-temp';

afterAll(cleanupTempDirs);

async function expectCaError(p: Promise<unknown>, code: string, mentions: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TlslabError);
    expect((err as TlslabError).code).toBe(code);
    expect((err as TlslabError).message).toContain(mentions);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('CertificateAuthority.loadOrCreate on an empty folder', () => {
  let dir: string;
  let ca: CertificateAuthority;
  beforeAll(async () => {
    dir = path.join(tempDir(), 'nested', 'certs');
    ca = await CertificateAuthority.loadOrCreate(dir);
  });

  it('creates the CA with the specified subject, key, validity and extensions', () => {
    expect(ca.created).toBe(true);
    const x = new X509Certificate(readFileSync(path.join(dir, CA_FILES.cert)));
    const today = new Date().toISOString().slice(0, 10);
    expect(x.subject.replace(/\\,/g, ',')).toBe(`O=tlslab\nCN=tlslab Teaching CA (${os.hostname().slice(0, 31)}, ${today})`);
    expect(x.issuer).toBe(x.subject);
    expect(x.ca).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const from = new Date(x.validFrom).getTime();
    const to = new Date(x.validTo).getTime();
    expect(Date.now() - from).toBeGreaterThanOrEqual(59 * 60_000); // backdated an hour
    expect(Date.now() - from).toBeLessThan(2 * 3600_000);
    expect((to - from) / (365.25 * 86400_000)).toBeCloseTo(10, 1);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(ca.fingerprint256).toBe(x.fingerprint256);
    expect(ca.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(ca.certDer.equals(x.raw)).toBe(true);
    expect(ca.subject).toBe(`CN=tlslab Teaching CA (${os.hostname().slice(0, 31)}, ${today}), O=tlslab`);
    expect(ca.notBefore.getTime()).toBe(from);
    expect(ca.notAfter.getTime()).toBe(to);
    expect(ca.dir).toBe(dir);
  });

  it('writes keys 0600 and certificates 0644, and leaves no temp files', () => {
    const mode = (f: string) => statSync(path.join(dir, f)).mode & 0o777;
    expect(mode(CA_FILES.key)).toBe(0o600);
    expect(mode(CA_FILES.leafKey)).toBe(0o600);
    expect(mode(CA_FILES.untrustedKey)).toBe(0o600);
    expect(mode(CA_FILES.cert)).toBe(0o644);
    expect(mode(CA_FILES.untrustedCert)).toBe(0o644);
    const listing = readdirSync(dir);
    expect(listing.sort()).toEqual(Object.values(CA_FILES).sort());
  });

  it('makes a separate "tlslab Untrusted Root" and a 2048-bit leaf key that matches neither root', () => {
    const u = new X509Certificate(readFileSync(path.join(dir, CA_FILES.untrustedCert)));
    expect(u.subject).toMatch(/CN=tlslab Untrusted Root \(/);
    expect(u.ca).toBe(true);
    expect(u.fingerprint256).not.toBe(ca.fingerprint256);
    const leafKey = createPrivateKey(readFileSync(path.join(dir, CA_FILES.leafKey)));
    expect(leafKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' });
    expect(spki(createPublicKey(leafKey)).equals(spki(u.publicKey))).toBe(false);
    expect(ca.untrustedCertPem).toBe(u.toString());
  });

  it('reuses the same CA on a second load', async () => {
    const again = await CertificateAuthority.loadOrCreate(dir);
    expect(again.created).toBe(false);
    expect(again.fingerprint256).toBe(ca.fingerprint256);
    expect(again.certPem).toBe(ca.certPem);
  });

  it('never shows key material in JSON or inspect output', () => {
    const shown = JSON.stringify(ca) + inspect(ca, { depth: 10 }) + JSON.stringify(ca.issueLeaf({ dns: ['x.test'], ips: [] }).chainPem);
    expect(shown).not.toMatch(/PRIVATE KEY/);
    expect(JSON.parse(JSON.stringify(ca)).fingerprint256).toBe(ca.fingerprint256);
  });

  describeWithTools(['openssl'], 'openssl reads the CA', () => {
    it('shows CA:TRUE critical, keyCertSign+cRLSign critical and an SKI', async () => {
      const text = await opensslText(ca.certPem);
      expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
      expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
      expect(text).toMatch(/Subject Key Identifier/);
      expect(text).toMatch(/Public-Key: \(2048 bit\)/);
      expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    });
  });
});

describe('concurrent first starts', () => {
  it('four loadOrCreate calls on one empty folder make one CA, and all of them hold it', async () => {
    const dir = tempDir();
    const cas = await Promise.all([1, 2, 3, 4].map(() => CertificateAuthority.loadOrCreate(dir)));
    const onDisk = new X509Certificate(readFileSync(path.join(dir, CA_FILES.cert))).fingerprint256;
    expect(cas.map((c) => c.fingerprint256)).toEqual([onDisk, onDisk, onDisk, onDisk]);
    expect(cas.filter((c) => c.created)).toHaveLength(1);
    // And the key on disk is the one each instance signs with.
    const leaf = new X509Certificate(cas[3].issueLeaf({ dns: ['x.test'], ips: [] }).certPem);
    expect(leaf.verify(new X509Certificate(readFileSync(path.join(dir, CA_FILES.cert))).publicKey)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(Object.values(CA_FILES).sort());
  });

  it('load() never writes: it reports TLSLAB_ERR_CA_MISSING on an empty folder', async () => {
    const dir = tempDir();
    await expectCaError(CertificateAuthority.load(dir), 'TLSLAB_ERR_CA_MISSING', dir);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a broken CA folder is a clear error, never a silent new CA', () => {
  let good: string;
  let pem: string;
  beforeAll(async () => {
    good = tempDir();
    pem = (await CertificateAuthority.loadOrCreate(good)).certPem;
  });

  function copyOfGood(): string {
    const dir = tempDir();
    for (const f of Object.values(CA_FILES)) writeFileSync(path.join(dir, f), readFileSync(path.join(good, f)));
    return dir;
  }

  it('a corrupt tlslab-ca.pem → TLSLAB_ERR_CA_CORRUPT naming the file, which is left as it was', async () => {
    const dir = copyOfGood();
    const file = path.join(dir, CA_FILES.cert);
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n');
    const before = readFileSync(file);
    await expectCaError(CertificateAuthority.loadOrCreate(dir), 'TLSLAB_ERR_CA_CORRUPT', file);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('an empty tlslab-ca.pem → TLSLAB_ERR_CA_CORRUPT', async () => {
    const dir = copyOfGood();
    writeFileSync(path.join(dir, CA_FILES.cert), '');
    await expectCaError(CertificateAuthority.loadOrCreate(dir), 'TLSLAB_ERR_CA_CORRUPT', path.join(dir, CA_FILES.cert));
  });

  it('a corrupt key → TLSLAB_ERR_CA_CORRUPT naming the key file', async () => {
    const dir = copyOfGood();
    writeFileSync(path.join(dir, CA_FILES.key), 'garbage');
    await expectCaError(CertificateAuthority.loadOrCreate(dir), 'TLSLAB_ERR_CA_CORRUPT', path.join(dir, CA_FILES.key));
  });

  it('an unreadable file → TLSLAB_ERR_CA_UNREADABLE naming it', async () => {
    const dir = copyOfGood();
    const file = path.join(dir, CA_FILES.cert);
    rmSync(file);
    mkdirSync(file); // a folder where the certificate should be: unreadable even for root
    await expectCaError(CertificateAuthority.loadOrCreate(dir), 'TLSLAB_ERR_CA_UNREADABLE', file);
  });

  it('a key that does not belong to the certificate → TLSLAB_ERR_CA_MISMATCH', async () => {
    const dir = copyOfGood();
    writeFileSync(path.join(dir, CA_FILES.key), readFileSync(path.join(dir, CA_FILES.untrustedKey)));
    await expectCaError(CertificateAuthority.loadOrCreate(dir), 'TLSLAB_ERR_CA_MISMATCH', path.join(dir, CA_FILES.key));
  });

  it('a certificate without its key (or the reverse) → TLSLAB_ERR_CA_CORRUPT naming the missing file', async () => {
    const dir = copyOfGood();
    rmSync(path.join(dir, CA_FILES.key));
    await expectCaError(CertificateAuthority.loadOrCreate(dir), 'TLSLAB_ERR_CA_CORRUPT', path.join(dir, CA_FILES.key));
    const dir2 = copyOfGood();
    rmSync(path.join(dir2, CA_FILES.cert));
    await expectCaError(CertificateAuthority.loadOrCreate(dir2), 'TLSLAB_ERR_CA_CORRUPT', path.join(dir2, CA_FILES.cert));
    expect(existsSync(path.join(dir2, CA_FILES.cert))).toBe(false);
  });

  it('a leaf certificate in place of the CA → TLSLAB_ERR_CA_CORRUPT (not a CA)', async () => {
    const dir = copyOfGood();
    const ca = await CertificateAuthority.loadOrCreate(dir);
    writeFileSync(path.join(dir, CA_FILES.cert), ca.issueLeaf({ dns: ['a.test'], ips: [] }).certPem);
    await expectCaError(CertificateAuthority.loadOrCreate(dir), 'TLSLAB_ERR_CA_CORRUPT', 'not a CA');
  });

  it('regenerates only a missing leaf key (trusted by no one), keeping the CA', async () => {
    const dir = copyOfGood();
    rmSync(path.join(dir, CA_FILES.leafKey));
    const ca = await CertificateAuthority.loadOrCreate(dir);
    expect(ca.certPem).toBe(pem);
    expect(statSync(path.join(dir, CA_FILES.leafKey)).mode & 0o777).toBe(0o600);
  });

  it('init without --force refuses (TLSLAB_ERR_CA_EXISTS); init --force makes a new CA', async () => {
    const dir = copyOfGood();
    await expectCaError(CertificateAuthority.init(dir, { force: false }), 'TLSLAB_ERR_CA_EXISTS', '--force');
    expect(readFileSync(path.join(dir, CA_FILES.cert), 'utf8')).toBe(pem);
    const fresh = await CertificateAuthority.init(dir, { force: true });
    expect(fresh.created).toBe(true);
    expect(fresh.certPem).not.toBe(pem);
    expect(readFileSync(path.join(dir, CA_FILES.cert), 'utf8')).toBe(fresh.certPem);
    expect(statSync(path.join(dir, CA_FILES.key)).mode & 0o777).toBe(0o600);
    const reloaded = await CertificateAuthority.loadOrCreate(dir);
    expect(reloaded.fingerprint256).toBe(fresh.fingerprint256);
  });

  it('init --force also replaces a corrupt CA', async () => {
    const dir = copyOfGood();
    writeFileSync(path.join(dir, CA_FILES.cert), 'junk');
    const fresh = await CertificateAuthority.init(dir, { force: true });
    expect(new X509Certificate(readFileSync(path.join(dir, CA_FILES.cert))).fingerprint256).toBe(fresh.fingerprint256);
  });

  it('a folder that cannot be made surfaces the file system error (as any user, root included)', async () => {
    // A regular file where a parent folder should be: ENOTDIR for root too, unlike a read-only mode.
    const parent = tempDir();
    writeFileSync(path.join(parent, 'not-a-folder'), 'x');
    await expect(CertificateAuthority.loadOrCreate(path.join(parent, 'not-a-folder', 'certs'))).rejects.toThrow(/ENOTDIR|not a directory/i);
  });

  it('a read-only folder surfaces the file system error (a non-root user; root writes anywhere)', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o500);
    try {
      if (process.getuid?.() === 0) {
        // Root ignores the mode bits: the same folder works, which is what root really gets.
        await expect(CertificateAuthority.loadOrCreate(dir)).resolves.toBeDefined();
      } else {
        await expect(CertificateAuthority.loadOrCreate(dir)).rejects.toThrow();
      }
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});
