// The tlslab root CA: loaded from, or created under, a folder; issues leaves and flaw-carrying mirror leaves.
// File I/O happens only in loadOrCreate/load/init (through pem-files, create-lock); issuance is synchronous and in memory.
import { X509Certificate } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TlslabError } from '../errors';
import type { Logger } from '../log';
import { buildCertificate, distinguishedName, type Signer, type SignatureHash } from './cert-builder';
import {
  generateRsaKey, generateRsaKeySync, identityFromPem, keyFromPem, makeRoot, validFrom, validTo,
  type CaIdentity, type KeyPair,
} from './identity';
import type { IssuedCert, MirrorSpec } from './issued';
import { mintMirrorChain } from './mirror-chain';
import { normalizeNames, type LeafNames, type NormalizedNames } from './names';
import { withCreateLock } from './create-lock';
import { CERT_MODE, KEY_MODE, exists, readPemFile, writeFileAtomic } from './pem-files';

export const CA_FILES = {
  cert: 'tlslab-ca.pem',
  key: 'tlslab-ca.key',
  leafKey: 'leaf.key',
  untrustedCert: 'untrusted-ca.pem',
  untrustedKey: 'untrusted-ca.key',
} as const;

export type CaFilePaths = { [K in keyof typeof CA_FILES]: string };

/** `<dir>/.tlslab-ca.lock` while the CA files are being created. */
const LOCK_NAME = 'tlslab-ca';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** Leaf lifetime: 396 days plus the hour of backdating stays within the CA/Browser Forum's 397 days. */
const LEAF_DAYS = 396;

/** "tlslab Teaching CA (host, 2025-01-31)", kept within the 64 characters X.520 allows a common name. */
export function caCommonName(kind: string, now = new Date(), hostname = os.hostname()): string {
  const date = now.toISOString().slice(0, 10);
  const room = 64 - `${kind} (, ${date})`.length;
  return `${kind} (${(hostname || 'localhost').slice(0, room)}, ${date})`;
}

function filePaths(dir: string): CaFilePaths {
  return Object.fromEntries(Object.entries(CA_FILES).map(([k, f]) => [k, path.join(dir, f)])) as CaFilePaths;
}

/** One-line subject for people: "CN=…, O=tlslab" (most specific first, OpenSSL's escaping removed). */
function oneLine(x509Name: string): string {
  return x509Name.split('\n').reverse().map((rdn) => rdn.replace(/\\(.)/g, '$1')).join(', ');
}

interface Material {
  root: CaIdentity;
  untrusted: CaIdentity;
  leaf: KeyPair;
}

export class CertificateAuthority {
  readonly dir: string;
  readonly files: CaFilePaths;
  readonly certPem: string;
  readonly certDer: Buffer;
  /** SHA-256 of the certificate DER, "AA:BB:…". */
  readonly fingerprint256: string;
  /** One line, "CN=tlslab Teaching CA (host, date), O=tlslab". */
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** True when this call made the CA (first start or `init`). */
  readonly created: boolean;
  /** The "tlslab Untrusted Root" certificate (mirror mode signs with it; nobody should trust it). */
  readonly untrustedCertPem: string;

  // Private material lives in # fields: JSON.stringify and util.inspect never show it.
  readonly #root: CaIdentity;
  readonly #untrusted: CaIdentity;
  readonly #leaf: KeyPair;
  #weakKey: KeyPair | null = null;
  #intermediateKey: KeyPair | null = null;
  #subIntermediateKey: KeyPair | null = null;
  #mirrorPending: Promise<void> | null = null;

  private constructor(dir: string, material: Material, created: boolean) {
    this.dir = dir;
    this.files = filePaths(dir);
    this.#root = material.root;
    this.#untrusted = material.untrusted;
    this.#leaf = material.leaf;
    this.certPem = material.root.certPem;
    this.certDer = material.root.certDer;
    this.fingerprint256 = material.root.x509.fingerprint256;
    this.subject = oneLine(material.root.x509.subject);
    this.notBefore = validFrom(material.root.x509);
    this.notAfter = validTo(material.root.x509);
    this.untrustedCertPem = material.untrusted.certPem;
    this.created = created;
  }

  /**
   * Load the CA from `dir`, or create it when no CA file exists there. Never replaces anything: a corrupt,
   * unreadable, half-present or mismatched CA is a TlslabError naming the file.
   */
  static async loadOrCreate(dir: string, opts: { log?: Logger } = {}): Promise<CertificateAuthority> {
    const abs = path.resolve(dir);
    return withCreateLock(abs, LOCK_NAME, () => CertificateAuthority.#open(abs, true, opts.log), { log: opts.log });
  }

  /**
   * Load an existing CA without writing anything; none in `dir` is TLSLAB_ERR_CA_MISSING (for `tlslab ca show`
   * and `export`). A missing leaf key or untrusted root is made in memory only.
   */
  static async load(dir: string, opts: { log?: Logger } = {}): Promise<CertificateAuthority> {
    return CertificateAuthority.#open(path.resolve(dir), false, opts.log);
  }

  /** Load, or (when `write`, under the lock) create. */
  static async #open(abs: string, write: boolean, log: Logger | undefined): Promise<CertificateAuthority> {
    const files = filePaths(abs);
    const present = await presence(files);
    if (!present.cert && !present.key) {
      const others = (['leafKey', 'untrustedCert', 'untrustedKey'] as const).filter((k) => present[k]);
      if (others.length > 0) {
        throw new TlslabError('TLSLAB_ERR_CA_CORRUPT',
          `${files.cert} is missing but ${others.map((k) => files[k]).join(', ')} exist${others.length === 1 ? 's' : ''}: ` +
          'restore the CA files, or run `tlslab ca init --force` to make a new CA');
      }
      if (!write) {
        throw new TlslabError('TLSLAB_ERR_CA_MISSING', `no tlslab CA in ${abs} yet: run \`tlslab ca init\` (or \`tlslab start\`, which makes one)`);
      }
      const ca = await CertificateAuthority.#create(abs);
      log?.info({ dir: abs, fingerprint256: ca.fingerprint256 }, 'created a new tlslab CA');
      return ca;
    }
    if (!present.cert || !present.key) {
      const missing = present.cert ? files.key : files.cert;
      const there = present.cert ? files.cert : files.key;
      throw new TlslabError('TLSLAB_ERR_CA_CORRUPT', `${missing} is missing but ${there} exists: restore it, or run \`tlslab ca init --force\``);
    }
    const root = identityFromPem(await readPemFile(files.cert), await readPemFile(files.key), files);
    let leaf: KeyPair;
    if (present.leafKey) {
      leaf = keyFromPem(await readPemFile(files.leafKey), files.leafKey);
    } else {
      // The leaf key is not trusted by anyone: a new one is harmless. Say so anyway.
      leaf = await generateRsaKey(2048);
      if (write) await writeFileAtomic(files.leafKey, leaf.keyPem, KEY_MODE);
      log?.warn({ file: files.leafKey }, 'leaf key was missing: made a new one');
    }
    let untrusted: CaIdentity;
    if (present.untrustedCert && present.untrustedKey) {
      untrusted = identityFromPem(await readPemFile(files.untrustedCert), await readPemFile(files.untrustedKey), {
        cert: files.untrustedCert,
        key: files.untrustedKey,
      });
    } else if (!present.untrustedCert && !present.untrustedKey) {
      untrusted = await makeRoot(caCommonName('tlslab Untrusted Root'), 'tlslab');
      if (write) {
        await writeFileAtomic(files.untrustedKey, untrusted.keyPem, KEY_MODE);
        await writeFileAtomic(files.untrustedCert, untrusted.certPem, CERT_MODE);
      }
      log?.warn({ file: files.untrustedCert }, 'untrusted root was missing: made a new one');
    } else {
      const missing = present.untrustedCert ? files.untrustedKey : files.untrustedCert;
      throw new TlslabError('TLSLAB_ERR_CA_CORRUPT', `${missing} is missing while its pair exists: restore it, or run \`tlslab ca init --force\``);
    }
    return new CertificateAuthority(abs, { root, untrusted, leaf }, false);
  }

  /** Make a new CA in `dir`. Without `force`, an existing CA file is TLSLAB_ERR_CA_EXISTS. */
  static async init(dir: string, opts: { force: boolean }): Promise<CertificateAuthority> {
    const abs = path.resolve(dir);
    const files = filePaths(abs);
    const present = await presence(files);
    const existing = (Object.keys(files) as (keyof CaFilePaths)[]).filter((k) => present[k]);
    if (existing.length > 0 && !opts.force) {
      throw new TlslabError('TLSLAB_ERR_CA_EXISTS', `a CA already exists in ${abs} (${existing.map((k) => CA_FILES[k]).join(', ')}): use --force to replace it`);
    }
    return withCreateLock(abs, LOCK_NAME, () => CertificateAuthority.#create(abs));
  }

  static async #create(dir: string): Promise<CertificateAuthority> {
    await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
    const files = filePaths(dir);
    const [root, untrusted, leaf] = await Promise.all([
      makeRoot(caCommonName('tlslab Teaching CA'), 'tlslab'),
      makeRoot(caCommonName('tlslab Untrusted Root'), 'tlslab'),
      generateRsaKey(2048),
    ]);
    // Keys first, the CA certificate last: a crash in between leaves a half CA that loadOrCreate reports.
    await writeFileAtomic(files.leafKey, leaf.keyPem, KEY_MODE);
    await writeFileAtomic(files.untrustedKey, untrusted.keyPem, KEY_MODE);
    await writeFileAtomic(files.untrustedCert, untrusted.certPem, CERT_MODE);
    await writeFileAtomic(files.key, root.keyPem, KEY_MODE);
    await writeFileAtomic(files.cert, root.certPem, CERT_MODE);
    return new CertificateAuthority(dir, { root, untrusted, leaf }, true);
  }

  /** A normal leaf for `names`, signed by the tlslab CA with the shared leaf key; the chain is the CA. */
  issueLeaf(names: LeafNames): IssuedCert {
    return this.issueNormalized(normalizeNames(names));
  }

  /** @internal issueLeaf for names already normalized (LeafCache normalizes once for its key). */
  issueNormalized(names: NormalizedNames): IssuedCert {
    const now = Date.now();
    return this.#mint(names, {
      signer: this.#root.signer,
      key: this.#leaf,
      notBefore: new Date(now - HOUR),
      notAfter: new Date(Math.min(now + LEAF_DAYS * DAY, this.notAfter.getTime())),
      hash: 'sha256',
      eku: 'serverAuth',
      chainPem: [this.#root.certPem],
    });
  }

  /** A leaf (and chain) carrying the same flaws as an upstream chain (see MirrorSpec). */
  issueMirror(spec: MirrorSpec): IssuedCert {
    const now = Date.now();
    const window = { now, notBefore: new Date(now - HOUR), notAfter: new Date(Math.min(now + LEAF_DAYS * DAY, this.notAfter.getTime())) };
    const material = {
      root: this.#root,
      untrusted: this.#untrusted,
      leaf: this.#leaf,
      weak: () => (this.#weakKey ??= generateRsaKeySync(1024)),
      intermediate: () => (this.#intermediateKey ??= generateRsaKeySync(2048)),
      subIntermediate: () => (this.#subIntermediateKey ??= generateRsaKeySync(2048)),
    };
    try {
      return mintMirrorChain(material, spec, window);
    } catch (err) {
      if (err instanceof TlslabError) throw err;
      throw new TlslabError('TLSLAB_ERR_LEAF_ISSUE', `could not issue a mirror certificate: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Start making the in-memory keys mirror mode may need (an RSA-1024 key, two intermediate keys) on the thread
   * pool, so no mirrored connection pays for a key on the event loop (without this, each is made synchronously
   * once, on first use). Optional; certificates are then built per connection from these keys (~0.5 ms each).
   */
  prepareMirror(): Promise<void> {
    this.#mirrorPending ??= (async () => {
      const [weak, inter, sub] = await Promise.all([generateRsaKey(1024), generateRsaKey(2048), generateRsaKey(2048)]);
      this.#weakKey ??= weak;
      this.#intermediateKey ??= inter;
      this.#subIntermediateKey ??= sub;
    })();
    return this.#mirrorPending;
  }

  /** What `tlslab ca show` prints: no key material. */
  toJSON(): Record<string, unknown> {
    return {
      dir: this.dir,
      subject: this.subject,
      notBefore: this.notBefore.toISOString(),
      notAfter: this.notAfter.toISOString(),
      fingerprint256: this.fingerprint256,
      files: this.files,
    };
  }

  #mint(
    names: NormalizedNames,
    o: { signer: Signer; key: KeyPair; notBefore: Date; notAfter: Date; hash: SignatureHash; eku: 'serverAuth' | 'clientAuth' | 'none'; chainPem: string[]; subject?: ReturnType<typeof distinguishedName> },
  ): IssuedCert {
    try {
      const built = buildCertificate({
        subject: o.subject ?? distinguishedName(names.primary),
        publicKey: o.key.subjectKey,
        signer: o.signer,
        notBefore: o.notBefore,
        notAfter: o.notAfter,
        kind: 'leaf',
        names,
        eku: o.eku,
        hash: o.hash,
      });
      return { certPem: built.pem, certDer: built.der, keyPem: o.key.keyPem, chainPem: o.chainPem };
    } catch (err) {
      throw new TlslabError('TLSLAB_ERR_LEAF_ISSUE', `could not issue a certificate for ${names.primary}: ${(err as Error).message}`, { cause: err });
    }
  }
}

async function presence(files: CaFilePaths): Promise<Record<keyof CaFilePaths, boolean>> {
  const keys = Object.keys(files) as (keyof CaFilePaths)[];
  const found = await Promise.all(keys.map((k) => exists(files[k])));
  return Object.fromEntries(keys.map((k, i) => [k, found[i]])) as Record<keyof CaFilePaths, boolean>;
}

/** Parse a certificate for display (used by `tlslab ca show` on files that may not be ours). */
export function describeCertificate(pem: string): { subject: string; issuer: string; notBefore: Date; notAfter: Date; fingerprint256: string } {
  const x = new X509Certificate(pem);
  return { subject: oneLine(x.subject), issuer: oneLine(x.issuer), notBefore: validFrom(x), notAfter: validTo(x), fingerprint256: x.fingerprint256 };
}
