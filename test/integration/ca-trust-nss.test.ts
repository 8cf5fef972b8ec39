// scripts/trust-ca-nss.sh against a temporary HOME: creates the NSS db, adds the CA as an SSL CA,
// makes NSS accept our leaves, replaces on re-run, removes with --remove, and fails clearly.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { CertificateAuthority } from '../../src/ca';
import { describeWithTools } from '../helpers/tools';
import { cleanupTempDirs, pemFile, run, tempDir } from '../helpers/ca-temp';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'trust-ca-nss.sh');
afterAll(cleanupTempDirs);

describeWithTools(['certutil', 'openssl'], 'scripts/trust-ca-nss.sh', () => {
  let ca: CertificateAuthority;
  let home: string;
  let db: string;
  const env = () => ({ ...process.env, HOME: home });
  const certutil = (args: string[]) => run('certutil', ['-d', `sql:${db}`, ...args]);

  beforeAll(async () => {
    ca = await CertificateAuthority.loadOrCreate(path.join(tempDir('tlslab-nss-'), 'certs'));
    home = tempDir('tlslab-home-');
    db = path.join(home, '.pki', 'nssdb');
  });

  it('creates $HOME/.pki/nssdb and adds the CA with trust C,,', async () => {
    const r = await run('sh', [SCRIPT, '--cert', ca.files.cert], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Created a new NSS database in ${db}`);
    expect(r.stdout).toContain(ca.fingerprint256);
    expect(existsSync(path.join(db, 'cert9.db'))).toBe(true);
    const list = await certutil(['-L']);
    expect(list.stdout).toMatch(/tlslab Teaching CA\s+C,,/);
    const exported = await certutil(['-L', '-n', 'tlslab Teaching CA', '-a']);
    expect(exported.stdout.replace(/\r/g, '').trim()).toBe(readFileSync(ca.files.cert, 'utf8').trim());
  });

  it('NSS then accepts a tlslab leaf as an SSL server certificate', async () => {
    const leaf = pemFile(home, 'leaf.pem', ca.issueLeaf({ dns: ['nss.test'], ips: [] }).certPem);
    expect((await certutil(['-A', '-t', ',,', '-n', 'leaf', '-i', leaf])).code).toBe(0);
    const v = await certutil(['-V', '-n', 'leaf', '-u', 'V']);
    expect(v.stdout + v.stderr).toMatch(/certificate is valid/);
    await certutil(['-D', '-n', 'leaf']);
  });

  it('re-running replaces the old CA (one entry), --remove removes it', async () => {
    const again = await run('sh', [SCRIPT, '--cert', ca.files.cert], { env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Replaced the previous');
    expect(((await certutil(['-L'])).stdout.match(/tlslab Teaching CA/g) ?? []).length).toBe(1);
    const rm = await run('sh', [SCRIPT, '--remove'], { env: env() });
    expect(rm.code).toBe(0);
    expect((await certutil(['-L'])).stdout).not.toMatch(/tlslab Teaching CA/);
  });

  it('--db and --name choose another database and nickname', async () => {
    const other = path.join(tempDir('tlslab-nssdb-'), 'profile');
    const r = await run('sh', [SCRIPT, '--cert', ca.files.cert, '--db', other, '--name', 'my lab CA'], { env: env() });
    expect(r.code).toBe(0);
    expect((await run('certutil', ['-d', `sql:${other}`, '-L'])).stdout).toMatch(/my lab CA\s+C,,/);
  });

  it('a missing or non-PEM certificate is a clear error, and --help documents the options', async () => {
    const missing = await run('sh', [SCRIPT, '--cert', path.join(home, 'nope.pem')], { env: env() });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/cannot read the CA certificate .*nope\.pem/);
    const notPem = await run('sh', [SCRIPT, '--cert', pemFile(home, 'x.pem', 'hello')], { env: env() });
    expect(notPem.code).toBe(4);
    expect(notPem.stderr).toMatch(/not a PEM certificate/);
    const help = await run('sh', [SCRIPT, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--db DIR[\s\S]*--cert FILE[\s\S]*--remove/);
    const bad = await run('sh', [SCRIPT, '--bogus']);
    expect(bad.code).toBe(2);
  });

  it('without certutil on PATH: exit 3 and the package to install', async () => {
    const bin = tempDir('tlslab-bin-');
    symlinkSync(execFileSync('sh', ['-c', 'command -v dirname']).toString().trim(), path.join(bin, 'dirname'));
    const r = await run('/bin/sh', [SCRIPT, '--cert', ca.files.cert], { env: { HOME: home, PATH: bin } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/certutil not found.*libnss3-tools/);
  });
});
