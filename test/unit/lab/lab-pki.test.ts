// The lab PKI on disk: made once, reused, keys 0600, clear errors; each case's certificate carries its flaw.
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LAB_FILES } from '../../../src/lab';
import { labCertFor, loadOrCreateLabPki, type LabPki } from '../../../src/lab/lab-pki';
import { cleanupTempDirs, tempDir } from '../../helpers/ca-temp';

let certsDir: string;
let pki: LabPki;
beforeAll(async () => {
  certsDir = tempDir('tlslab-labpki-');
  pki = await loadOrCreateLabPki(certsDir);
});
afterAll(cleanupTempDirs);

const leafOf = (name: string) => new X509Certificate(labCertFor(pki, name).cert);

describe('lab PKI', () => {
  it('lives in <certs>/lab with keys 0600 and certificates 0644', () => {
    expect(pki.dir).toBe(path.join(certsDir, 'lab'));
    for (const [k, f] of Object.entries(LAB_FILES)) {
      expect([k, statSync(path.join(pki.dir, f)).mode & 0o777]).toEqual([k, f.endsWith('.key') ? 0o600 : 0o644]);
    }
    expect(new X509Certificate(pki.root.certPem).subject).toBe('O=tlslab lab\nCN=tlslab Lab Root');
  });

  it('is reused on the next start', async () => {
    const again = await loadOrCreateLabPki(certsDir);
    expect(again.root.certPem).toBe(pki.root.certPem);
    expect(again.intermediate.certPem).toBe(pki.intermediate.certPem);
  });

  it('two concurrent first starts make one lab PKI', async () => {
    const dir = tempDir('tlslab-labpki-');
    const [a, b] = await Promise.all([loadOrCreateLabPki(dir), loadOrCreateLabPki(dir)]);
    expect(a.root.certPem).toBe(b.root.certPem);
    expect(readFileSync(path.join(dir, 'lab', LAB_FILES.rootCert), 'utf8')).toBe(a.root.certPem);
  });

  it('refuses an incomplete or corrupt lab folder with TLSLAB_ERR_LAB naming the file', async () => {
    const other = tempDir('tlslab-labpki-');
    await loadOrCreateLabPki(other);
    const key = path.join(other, 'lab', LAB_FILES.rootKey);
    const saved = readFileSync(key);
    writeFileSync(key, 'junk');
    await expect(loadOrCreateLabPki(other)).rejects.toMatchObject({ code: 'TLSLAB_ERR_LAB', message: expect.stringContaining(key) });
    writeFileSync(key, saved);
    rmSync(path.join(other, 'lab', LAB_FILES.weakKey));
    await expect(loadOrCreateLabPki(other)).rejects.toMatchObject({ code: 'TLSLAB_ERR_LAB', message: expect.stringContaining(LAB_FILES.weakKey) });
  });

  it('mints each case\'s certificate with its flaw', () => {
    const root = new X509Certificate(pki.root.certPem);
    const now = Date.now();
    const valid = leafOf('valid');
    expect(valid.subjectAltName).toBe('DNS:valid.lab.tlslab, IP Address:127.0.0.1');
    expect(valid.checkIssued(root) && valid.verify(root.publicKey)).toBe(true);
    expect(new Date(leafOf('expired').validTo).getTime()).toBeLessThan(now);
    expect(new Date(leafOf('not-yet-valid').validFrom).getTime()).toBeGreaterThan(now);
    expect(leafOf('wrong-host').subjectAltName).toBe('DNS:wrong.example');
    const self = leafOf('self-signed');
    expect(self.issuer).toBe(self.subject);
    expect(self.verify(self.publicKey)).toBe(true);
    const untrusted = labCertFor(pki, 'untrusted-root').cert;
    expect(untrusted.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(leafOf('untrusted-root').checkIssued(new X509Certificate(pki.untrusted.certPem))).toBe(true);
    expect(leafOf('incomplete-chain').checkIssued(new X509Certificate(pki.intermediate.certPem))).toBe(true);
    expect(labCertFor(pki, 'incomplete-chain').cert.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(leafOf('rsa1024').publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
    expect(leafOf('client-auth-eku').keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(labCertFor(pki, 'sha1').weak).toBe(true);
    expect(labCertFor(pki, 'rsa1024').weak).toBe(true);
    expect(labCertFor(pki, 'valid').weak).toBe(false);
    // Behaviour cases carry a valid certificate for their own name.
    for (const name of ['tls12-only', 'static-rsa', 'no-close-notify', 'slow-handshake']) {
      const x = leafOf(name);
      expect(x.checkHost(`${name}.lab.tlslab`)).toBe(`${name}.lab.tlslab`);
      expect(x.verify(root.publicKey)).toBe(true);
    }
  });
});
