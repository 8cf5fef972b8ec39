// What mirror mode does with each verification finding code: the flaw a minted chain carries to reproduce it,
// or why no minted chain can (then tlslab serves its teaching page). One table, checked by the compiler. Pure.
import type { Finding } from '../events/schema';
import type { CertFlaws, IntermediateFlaws, LeafNames, MirrorSpec } from '../ca';
import { certificateNames, type FINDING_CODES, type FindingCode } from '../x509';

/** What the rules may read besides the finding itself. */
export interface MirrorInput {
  findings: readonly Finding[];
  /** The certificates as the server sent them (DER, leaf first). */
  sent: readonly Buffer[];
  /** The name the client asked for (the one verified). */
  host: string;
  /** The names a good leaf would carry: the server's own plus what the client asked for. */
  names: LeafNames;
}

/** The minted chain carries the flaw: `apply` adds it to the spec. */
export interface ReproduceRule {
  kind: 'reproduce';
  /** What the presented chain carries, for docs/findings.md. */
  presents: string;
  apply(spec: MirrorSpec, f: Finding, input: MirrorInput): void;
  /** When the presented chain cannot fail with the same code: the code it fails with instead (same reason). */
  as?: FindingCode;
}

/** No minted chain can carry the flaw: tlslab shows its teaching page, with `why` (one or two sentences). */
export interface BlockRule {
  kind: 'block';
  why: string;
}

/** Not a reason for a browser to refuse (warnings): nothing to reproduce. */
export interface NothingRule {
  kind: 'nothing';
}

export type MirrorRule = ReproduceRule | BlockRule | NothingRule;

type Severity<C extends FindingCode> = (typeof FINDING_CODES)[C]['severity'];
/** An error must be reproduced or blocked; a warning has nothing to mirror. */
type RuleFor<C extends FindingCode> = Severity<C> extends 'error' ? ReproduceRule | BlockRule : NothingRule;

/** A name no client asks for: the leaf of a server whose certificate names no usable host. */
export const NOWHERE = 'name-mismatch.invalid';

const DAY = 86400_000;

/** The certificate a finding is about: the leaf (index 0, or the chain as a whole), else an intermediate. */
function target(spec: MirrorSpec, f: Finding): CertFlaws {
  return f.certIndex === null || f.certIndex === 0 ? spec : intermediate(spec);
}

function intermediate(spec: MirrorSpec): IntermediateFlaws {
  spec.intermediate ??= {};
  return spec.intermediate;
}

/** The finding's own dates (validity findings carry them in `detail`), else dates that are wrong the same way. */
function datesOf(f: Finding, expired: boolean): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(f.detail?.notBefore ?? NaN);
  const notAfter = new Date(f.detail?.notAfter ?? NaN);
  if (!Number.isNaN(notBefore.getTime()) && !Number.isNaN(notAfter.getTime())) return { notBefore, notAfter };
  const now = Date.now();
  return expired ? { notBefore: new Date(now - 400 * DAY), notAfter: new Date(now - DAY) } : { notBefore: new Date(now + DAY), notAfter: new Date(now + 400 * DAY) };
}

const copyDates = (expired: boolean) => (spec: MirrorSpec, f: Finding): void => {
  Object.assign(target(spec, f), datesOf(f, expired));
};

/** A DNS name or IP literal that can go in a certificate (the CA refuses anything else). */
function usable(name: string): boolean {
  return /^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/i.test(name.replace(/\.$/, '')) || /^[0-9a-f:.]+$/i.test(name);
}

/** The server's own names, wrong for this host: its SAN entries; else its CN, in the CN only; else a name nobody asks for. */
function wrongNames(spec: MirrorSpec, input: MirrorInput): void {
  let own: ReturnType<typeof certificateNames> | null;
  try {
    own = input.sent[0] ? certificateNames(input.sent[0]) : null;
  } catch {
    own = null;
  }
  const dns = (own?.dns ?? []).filter(usable);
  const ips = (own?.ips ?? []).filter(usable);
  if (dns.length + ips.length > 0) {
    spec.names = { dns, ips };
  } else if (own?.cn && usable(own.cn) && own.cn.toLowerCase() !== input.host.toLowerCase()) {
    spec.names = { dns: [own.cn], ips: [] };
    spec.cnOnly = true;
  } else {
    spec.names = { dns: [NOWHERE], ips: [] };
  }
}

export const MIRROR_RULES = {
  CERT_UNPARSABLE: {
    kind: 'block',
    why: 'tlslab can only send certificates its TLS library can load, and an unreadable certificate cannot be loaded, so it cannot hand your browser the same broken bytes.',
  },
  CERT_EXPIRED: { kind: 'reproduce', presents: "the expired certificate's dates, on the leaf or on an intermediate", apply: copyDates(true) },
  CERT_NOT_YET_VALID: { kind: 'reproduce', presents: "the certificate's future dates, on the leaf or on an intermediate", apply: copyDates(false) },
  HOSTNAME_MISMATCH: { kind: 'reproduce', presents: "a leaf with the server's own (wrong) names", apply: (spec, _f, input) => wrongNames(spec, input) },
  HOSTNAME_CN_ONLY: {
    kind: 'reproduce',
    presents: 'a leaf with the name in its CN and no subjectAltName (browsers refuse it; Node and curl accept it, as they accept the real one)',
    apply: (spec, f, input) => {
      spec.names = { dns: [f.detail?.host ?? input.host], ips: [] };
      spec.cnOnly = true;
    },
  },
  CHAIN_EMPTY: {
    kind: 'block',
    why: 'A TLS server that authenticates with a certificate must send at least one (RFC 8446 §4.4.2), so tlslab cannot present your browser an empty chain the way this server did.',
  },
  CHAIN_SELF_SIGNED_LEAF: { kind: 'reproduce', presents: 'a self-signed leaf, sent alone', apply: (spec) => void (spec.selfSigned = true) },
  CHAIN_UNTRUSTED_ROOT: { kind: 'reproduce', presents: 'a chain ending at "tlslab Untrusted Root", sent with it', apply: (spec) => void (spec.untrustedIssuer = true) },
  CHAIN_UNKNOWN_ISSUER: {
    kind: 'reproduce',
    presents: 'a leaf under "tlslab Untrusted Intermediate", sent; its issuer, "tlslab Untrusted Root", is not',
    apply: (spec) => void (spec.unknownIssuer = true),
  },
  CHAIN_MISSING_INTERMEDIATE: {
    kind: 'reproduce',
    presents: 'a leaf signed by "tlslab Mirror Intermediate", which is not sent',
    apply: (spec) => void (spec.missingIntermediate = true),
  },
  CHAIN_TOO_LONG: {
    kind: 'block',
    why: 'tlslab stopped following this chain after 10 certificates without reaching a trusted root, so it does not know where the chain ends; a copy made under tlslab’s own CA would end at that CA, which your browser trusts.',
  },
  CHAIN_WRONG_ORDER: { kind: 'nothing' },
  CHAIN_EXTRA_CERT: { kind: 'nothing' },
  NODE_VERIFY_FAILED: {
    kind: 'block',
    why: 'Node refused this chain for a reason tlslab’s own checks did not find, so tlslab does not know which flaw to copy; a certificate without it would be accepted by your browser.',
  },
  SIGNATURE_INVALID: { kind: 'reproduce', presents: 'a certificate whose signature has one bit flipped', apply: (spec, f) => void (target(spec, f).badSignature = true) },
  ALG_SHA1_SIGNATURE: { kind: 'reproduce', presents: 'a certificate signed with sha1WithRSAEncryption', apply: (spec, f) => void (target(spec, f).signatureHash = 'sha1') },
  ALG_MD5_SIGNATURE: { kind: 'reproduce', presents: 'a certificate signed with md5WithRSAEncryption', apply: (spec, f) => void (target(spec, f).signatureHash = 'md5') },
  ALG_BROKEN_DIGEST: {
    kind: 'reproduce',
    presents: 'a certificate signed with md5WithRSAEncryption (tlslab cannot sign with MD2 or MD4; browsers refuse both for the same reason, a digest whose collisions can be forged)',
    apply: (spec, f) => void (target(spec, f).signatureHash = 'md5'),
    as: 'ALG_MD5_SIGNATURE',
  },
  ALG_UNKNOWN: { kind: 'nothing' },
  ALG_MISMATCH: {
    kind: 'reproduce',
    presents: 'a certificate whose TBS names sha512WithRSAEncryption while its outer field names the algorithm it was signed with',
    apply: (spec, f) => void (target(spec, f).algorithmMismatch = true),
  },
  KEY_RSA_TOO_SMALL: { kind: 'reproduce', presents: 'a certificate with a 1024-bit RSA key', apply: (spec, f) => void (target(spec, f).weakKey = 'rsa1024') },
  KEY_WEAK_CURVE: {
    kind: 'block',
    why: 'tlslab mints certificates with RSA keys only (its certificate builder cannot hold an elliptic-curve key), so it cannot present your browser a key on this curve.',
  },
  KEY_UNSUPPORTED_TYPE: {
    kind: 'block',
    why: 'tlslab mints certificates with RSA keys only, so it cannot present your browser a certificate with a key of this kind.',
  },
  EKU_NO_SERVER_AUTH: { kind: 'reproduce', presents: 'a leaf whose extendedKeyUsage is clientAuth only', apply: (spec) => void (spec.eku = 'clientAuth') },
  EKU_CA_NO_SERVER_AUTH: {
    kind: 'reproduce',
    presents: 'a leaf under a sent intermediate whose extendedKeyUsage is clientAuth only',
    apply: (spec) => void (intermediate(spec).clientAuthOnly = true),
  },
  BC_ISSUER_NOT_CA: { kind: 'reproduce', presents: 'a leaf under a sent intermediate marked CA:FALSE', apply: (spec) => void (intermediate(spec).notCa = true) },
  BC_LEAF_IS_CA: { kind: 'nothing' },
  BC_PATH_LEN_EXCEEDED: {
    kind: 'reproduce',
    presents: 'tlslab CA → an intermediate with pathlen:0 → a second intermediate → the leaf, all sent',
    apply: (spec) => void (intermediate(spec).pathLenExceeded = true),
  },
  KU_ISSUER_NO_CERT_SIGN: {
    kind: 'reproduce',
    presents: 'a leaf under a sent intermediate whose keyUsage lacks keyCertSign (digitalSignature, cRLSign)',
    apply: (spec) => void (intermediate(spec).noCertSign = true),
  },
  KU_LEAF_NOT_FOR_TLS: { kind: 'reproduce', presents: 'a leaf whose keyUsage is nonRepudiation only', apply: (spec) => void (spec.keyUsageNotForTls = true) },
  KU_LEAF_RSA_KEY_TRANSPORT_ONLY: { kind: 'nothing' },
} as const satisfies { [C in FindingCode]: RuleFor<C> };

/** For a code the table does not know (a finding from a newer verifier): the safe answer. */
export const UNKNOWN_CODE_RULE: BlockRule = {
  kind: 'block',
  why: 'tlslab has no way to reproduce this flaw in a certificate of its own, and a certificate without it would be accepted by your browser.',
};

/** The rule for any code string, unknown codes included (they block). */
export function mirrorRule(code: string): MirrorRule {
  return Object.hasOwn(MIRROR_RULES, code) ? (MIRROR_RULES as Record<string, MirrorRule>)[code] : UNKNOWN_CODE_RULE;
}

/** The docs/findings.md table (between its `mirror-rules` markers); scripts/gen-mirror-doc.js writes it. */
export function mirrorRulesMarkdown(): string {
  const rows = (Object.keys(MIRROR_RULES) as FindingCode[]).map((code) => {
    const rule: MirrorRule = MIRROR_RULES[code];
    switch (rule.kind) {
      case 'reproduce':
        return `| \`${code}\` | reproduced | ${rule.presents}${rule.as ? ` (fails as \`${rule.as}\`)` : ''} |`;
      case 'block':
        return `| \`${code}\` | teaching page | ${rule.why} |`;
      case 'nothing':
        return `| \`${code}\` | nothing to mirror | a warning: browsers accept it |`;
    }
  });
  return ['| code | mirror mode | what the browser is shown, or why it cannot be |', '| --- | --- | --- |', ...rows].join('\n');
}
