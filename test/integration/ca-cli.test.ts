// `tlslab ca show | export | init` through the real bin against a temporary --certs folder.
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireBuilt, tlslab } from '../helpers/cli';
import { cleanupTempDirs, tempDir } from '../helpers/ca-temp';

jest.setTimeout(150_000);
beforeAll(() => requireBuilt());
afterAll(cleanupTempDirs);

describe('tlslab ca', () => {
  let dir: string;
  beforeAll(() => {
    dir = path.join(tempDir('tlslab-cli-'), 'certs');
  });

  it('show before any CA exists: exit 1, TLSLAB_ERR_CA_MISSING, nothing created', async () => {
    const r = await tlslab(['ca', 'show', '--certs', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no tlslab CA in .* yet: run `tlslab ca init`.*\[TLSLAB_ERR_CA_MISSING\]/);
    expect(() => statSync(path.join(dir, 'tlslab-ca.pem'))).toThrow();
  });

  it('init makes the CA and prints its fingerprint; show prints subject, validity, SHA-256 and paths', async () => {
    const init = await tlslab(['ca', 'init', '--certs', dir]);
    expect(init.code).toBe(0);
    const x = new X509Certificate(readFileSync(path.join(dir, 'tlslab-ca.pem')));
    expect(init.stdout).toContain(x.fingerprint256);
    const show = await tlslab(['ca', 'show', '--certs', dir]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/subject: +CN=tlslab Teaching CA \(.+, \d{4}-\d\d-\d\d\), O=tlslab/);
    expect(show.stdout).toContain(`SHA-256:     ${x.fingerprint256}`);
    expect(show.stdout).toContain(`valid until: ${new Date(x.validTo).toISOString()}`);
    expect(show.stdout).toContain(path.join(dir, 'tlslab-ca.pem'));
    expect(show.stdout + show.stderr).not.toMatch(/PRIVATE KEY/);
    const json = JSON.parse((await tlslab(['ca', 'show', '--certs', dir, '--json'])).stdout);
    expect(json).toMatchObject({ fingerprint256: x.fingerprint256, dir, files: { cert: path.join(dir, 'tlslab-ca.pem') } });
  });

  it('export writes PEM to stdout by default and binary-safe DER with --format der', async () => {
    const pem = await tlslab(['ca', 'export', '--certs', dir]);
    expect(pem.code).toBe(0);
    expect(pem.stdout).toBe(readFileSync(path.join(dir, 'tlslab-ca.pem'), 'utf8'));
    const der = await tlslab(['ca', 'export', '--certs', dir, '--format', 'der']);
    expect(der.code).toBe(0);
    expect(der.stdoutBuf.equals(new X509Certificate(pem.stdout).raw)).toBe(true);
    expect(der.stdoutBuf.includes(Buffer.from('PRIVATE'))).toBe(false);
  });

  it('export --out FILE writes the certificate (0644) and says where', async () => {
    const out = path.join(tempDir('tlslab-cli-out-'), 'ca.der');
    const r = await tlslab(['ca', 'export', '--certs', dir, '--format', 'der', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(out);
    expect(statSync(out).mode & 0o777).toBe(0o644);
    expect(new X509Certificate(readFileSync(out)).fingerprint256).toBe(new X509Certificate(readFileSync(path.join(dir, 'tlslab-ca.pem'))).fingerprint256);
  });

  it('init again: refused without --force (exit 1, TLSLAB_ERR_CA_EXISTS); --force makes a new CA', async () => {
    const before = readFileSync(path.join(dir, 'tlslab-ca.pem'), 'utf8');
    const refused = await tlslab(['ca', 'init', '--certs', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--force.*\[TLSLAB_ERR_CA_EXISTS\]/);
    expect(readFileSync(path.join(dir, 'tlslab-ca.pem'), 'utf8')).toBe(before);
    const forced = await tlslab(['ca', 'init', '--certs', dir, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/must now trust this one/);
    expect(readFileSync(path.join(dir, 'tlslab-ca.pem'), 'utf8')).not.toBe(before);
  });

  it('a corrupt CA file: show fails with the file named and leaves it alone', async () => {
    const bad = path.join(tempDir('tlslab-cli-bad-'), 'certs');
    await tlslab(['ca', 'init', '--certs', bad]);
    writeFileSync(path.join(bad, 'tlslab-ca.pem'), 'not a certificate');
    const r = await tlslab(['ca', 'show', '--certs', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(bad, 'tlslab-ca.pem')} does not hold a valid certificate`);
    expect(r.stderr).toContain('[TLSLAB_ERR_CA_CORRUPT]');
    expect(readFileSync(path.join(bad, 'tlslab-ca.pem'), 'utf8')).toBe('not a certificate');
  });

  it('--help is useful on ca and every subcommand; a bad --format is a usage error', async () => {
    const top = await tlslab(['ca', '--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/show .*fingerprint/i);
    expect(top.stdout).toMatch(/export/);
    expect(top.stdout).toMatch(/init/);
    expect(top.stdout).toMatch(/--certs/);
    expect((await tlslab(['ca', 'export', '--help'])).stdout).toMatch(/--format.*\n?.*(pem|der)/);
    expect((await tlslab(['ca', 'export', '--help'])).stdout).toMatch(/--out/);
    expect((await tlslab(['ca', 'init', '--help'])).stdout).toMatch(/--force/);
    expect((await tlslab(['ca', 'show', '--help'])).stdout).toMatch(/--json/);
    const bad = await tlslab(['ca', 'export', '--certs', dir, '--format', 'p12']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid values|Choices/);
    const none = await tlslab(['ca']);
    expect(none.code).toBe(2);
  });
});
