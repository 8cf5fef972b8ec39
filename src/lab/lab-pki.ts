// The lab's own PKI under <certsDir>/lab/: "tlslab Lab Root" (trusted by the proxy upstream), a second root
// nobody trusts, an intermediate, and the origins' keys; plus the per-case certificates made at each start.
// File I/O: load or create the PEM files once (keys 0600); minting is in memory.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { TlslabError } from '../errors';
import {
  buildCertificate, distinguishedName, generateRsaKey, identityFromPem, intermediateWithKey, keyFromPem, makeRoot, normalizeNames,
  type CaIdentity, type EkuChoice, type KeyPair, type LeafNames, type SignatureHash, type Signer,
} from '../ca';
import { withCreateLock } from '../ca/create-lock';
import { CERT_MODE, KEY_MODE, exists, readPemFile, writeFileAtomic } from '../ca/pem-files';
import { labHost } from './lab-cases';

export const LAB_FILES = {
  rootCert: 'lab-root.pem',
  rootKey: 'lab-root.key',
  untrustedCert: 'lab-untrusted-root.pem',
  untrustedKey: 'lab-untrusted-root.key',
  intermediateCert: 'lab-intermediate.pem',
  intermediateKey: 'lab-intermediate.key',
  leafKey: 'leaf.key',
  weakKey: 'rsa1024.key',
} as const;

type LabFile = keyof typeof LAB_FILES;

export interface LabPki {
  dir: string;
  root: CaIdentity;
  untrusted: CaIdentity;
  intermediate: CaIdentity;
  leafKey: KeyPair;
  weakKey: KeyPair;
}

/** Cert + key + chain for one origin, and the TLS options that certificate needs to load. */
export interface LabCert {
  cert: string;
  key: string;
  /** Weak certificates (SHA-1, RSA-1024) only load at OpenSSL security level 0. */
  weak: boolean;
}

const LAB_ORG = 'tlslab lab';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

function wrap(err: unknown, what: string): TlslabError {
  if (err instanceof TlslabError) {
    return new TlslabError('TLSLAB_ERR_LAB', `${what}: ${err.message} (delete the lab folder to make a new lab PKI)`, { cause: err });
  }
  return new TlslabError('TLSLAB_ERR_LAB', `${what}: ${(err as Error).message}`, { cause: err });
}

/** Load the lab PKI from `<certsDir>/lab`, or make it when the folder holds none of its files. */
export async function loadOrCreateLabPki(certsDir: string): Promise<LabPki> {
  const dir = path.join(path.resolve(certsDir), 'lab');
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw wrap(err, `cannot create the lab folder ${dir}`);
  }
  return withCreateLock(dir, 'lab-pki', () => openLabPki(dir));
}

async function openLabPki(dir: string): Promise<LabPki> {
  const file = (k: LabFile) => path.join(dir, LAB_FILES[k]);
  const keys = Object.keys(LAB_FILES) as LabFile[];
  const present = await Promise.all(keys.map((k) => exists(file(k))));
  if (present.every((p) => !p)) {
    try {
      return await createLabPki(dir, file);
    } catch (err) {
      throw wrap(err, `cannot create the lab PKI in ${dir}`);
    }
  }
  const missing = keys.filter((_, i) => !present[i]);
  if (missing.length > 0) {
    throw new TlslabError('TLSLAB_ERR_LAB', `the lab PKI in ${dir} is incomplete (${missing.map((k) => LAB_FILES[k]).join(', ')} missing): delete ${dir} and start again`);
  }
  try {
    const pair = async (c: LabFile, k: LabFile) => identityFromPem(await readPemFile(file(c)), await readPemFile(file(k)), { cert: file(c), key: file(k) });
    return {
      dir,
      root: await pair('rootCert', 'rootKey'),
      untrusted: await pair('untrustedCert', 'untrustedKey'),
      intermediate: await pair('intermediateCert', 'intermediateKey'),
      leafKey: keyFromPem(await readPemFile(file('leafKey')), file('leafKey')),
      weakKey: keyFromPem(await readPemFile(file('weakKey')), file('weakKey')),
    };
  } catch (err) {
    throw wrap(err, `cannot load the lab PKI from ${dir}`);
  }
}

async function createLabPki(dir: string, file: (k: LabFile) => string): Promise<LabPki> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
  const [root, untrusted, interKey, leafKey, weakKey] = await Promise.all([
    makeRoot('tlslab Lab Root', LAB_ORG),
    makeRoot('tlslab Lab Untrusted Root', LAB_ORG),
    generateRsaKey(2048),
    generateRsaKey(2048),
    generateRsaKey(1024),
  ]);
  const intermediate = intermediateWithKey(root, interKey, 'tlslab Lab Intermediate', LAB_ORG);
  const writes: [LabFile, string, number][] = [
    ['leafKey', leafKey.keyPem, KEY_MODE],
    ['weakKey', weakKey.keyPem, KEY_MODE],
    ['intermediateKey', intermediate.keyPem, KEY_MODE],
    ['intermediateCert', intermediate.certPem, CERT_MODE],
    ['untrustedKey', untrusted.keyPem, KEY_MODE],
    ['untrustedCert', untrusted.certPem, CERT_MODE],
    ['rootKey', root.keyPem, KEY_MODE],
    ['rootCert', root.certPem, CERT_MODE],
  ];
  for (const [k, body, mode] of writes) await writeFileAtomic(file(k), body, mode);
  return { dir, root, untrusted, intermediate, leafKey, weakKey };
}

/** How one case's certificate is made; each flaw edits the plan of a valid certificate. */
interface CertPlan {
  commonName: string;
  names: LeafNames;
  signer: Signer;
  key: KeyPair;
  chain: string[];
  notBefore: Date;
  notAfter: Date;
  hash: SignatureHash;
  eku: EkuChoice;
}

/** The certificate flaw of each case; cases absent here (behaviour cases) get a valid certificate. */
const CERT_FLAWS: Readonly<Record<string, (plan: CertPlan, pki: LabPki, now: number) => void>> = {
  expired: (p, _pki, now) => {
    p.notBefore = new Date(now - 400 * DAY);
    p.notAfter = new Date(now - 30 * DAY);
  },
  'not-yet-valid': (p, _pki, now) => {
    p.notBefore = new Date(now + 30 * DAY);
    p.notAfter = new Date(now + 400 * DAY);
  },
  'wrong-host': (p) => {
    p.commonName = 'wrong.example';
    p.names = { dns: ['wrong.example'], ips: [] };
  },
  'self-signed': (p) => {
    p.signer = { name: distinguishedName(p.commonName, LAB_ORG), key: p.key.key, keyId: p.key.subjectKey.keyId };
  },
  'untrusted-root': (p, pki) => {
    p.signer = pki.untrusted.signer;
    p.chain = [pki.untrusted.certPem];
  },
  'incomplete-chain': (p, pki) => {
    p.signer = pki.intermediate.signer; // and the intermediate is not sent
  },
  sha1: (p) => {
    p.hash = 'sha1';
  },
  rsa1024: (p, pki) => {
    p.key = pki.weakKey;
  },
  'client-auth-eku': (p) => {
    p.eku = 'clientAuth';
  },
};

/** The certificate (and chain) case `name` serves. */
export function labCertFor(pki: LabPki, name: string, now = Date.now()): LabCert {
  const host = labHost(name);
  const plan: CertPlan = {
    commonName: host,
    names: { dns: [host], ips: ['127.0.0.1'] },
    signer: pki.root.signer,
    key: pki.leafKey,
    chain: [],
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + 90 * DAY),
    hash: 'sha256',
    eku: 'serverAuth',
  };
  CERT_FLAWS[name]?.(plan, pki, now);
  const built = buildCertificate({
    subject: distinguishedName(plan.commonName, LAB_ORG),
    publicKey: plan.key.subjectKey,
    signer: plan.signer,
    notBefore: plan.notBefore,
    notAfter: plan.notAfter,
    kind: 'leaf',
    names: normalizeNames(plan.names),
    eku: plan.eku,
    hash: plan.hash,
  });
  return { cert: [built.pem, ...plan.chain].join(''), key: plan.key.keyPem, weak: plan.hash !== 'sha256' || plan.key === pki.weakKey };
}
