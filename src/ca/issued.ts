// The shapes shared by leaf and mirror issuance. Types only.
import type { LeafNames } from './names';
import type { EkuChoice } from './cert-builder';

/** A minted certificate, ready for `tls.createSecureContext({ cert: [certPem, ...chainPem].join(''), key: keyPem })`. */
export interface IssuedCert {
  certPem: string;
  certDer: Buffer;
  /** The private key of the certificate (the shared leaf key unless a flaw needs another). Never display it. */
  keyPem: string;
  /** The certificates to send after the leaf, in order (may be empty). */
  chainPem: string[];
}

/** Flaws any certificate of a mirrored chain can carry, the leaf or an intermediate. */
export interface CertFlaws {
  /** Copy the upstream's dates (expired or not yet valid); default: a normal validity window. */
  notBefore?: Date;
  notAfter?: Date;
  /** An RSA-1024 key. */
  weakKey?: 'rsa1024';
  /** The issuer's signature digest (default sha256). */
  signatureHash?: 'sha1' | 'md5';
  /** A signature that does not verify with the issuer's key (one bit flipped after signing). */
  badSignature?: boolean;
  /** The two signature-algorithm fields disagree (sha512WithRSAEncryption inside, the real one outside). */
  algorithmMismatch?: boolean;
}

/** A sent intermediate between the issuer and the leaf, carrying flaws of its own. */
export interface IntermediateFlaws extends CertFlaws {
  /** basicConstraints CA:FALSE, although it signed the leaf. */
  notCa?: boolean;
  /** keyUsage without keyCertSign (digitalSignature, cRLSign). */
  noCertSign?: boolean;
  /** extendedKeyUsage clientAuth only: it may not vouch for servers. */
  clientAuthOnly?: boolean;
  /** pathlen:0, with a second intermediate ("tlslab Mirror Sub-Intermediate") below it. */
  pathLenExceeded?: boolean;
}

/**
 * A chain that carries the same flaws as the real server's, so a browser shows the error it would show without
 * the proxy. The top-level flaws are the leaf's. Flags combine; `selfSigned` wins over the issuer choices, and
 * `missingIntermediate` over `intermediate` (an intermediate that is not sent shows none of its flaws).
 */
export interface MirrorSpec extends CertFlaws {
  /** The names to carry — for a wrong-host upstream, the upstream's own (wrong) names. */
  names: LeafNames;
  /** No subjectAltName: the first name is only in the subject's CN (browsers refuse that; Node and curl do not). */
  cnOnly?: boolean;
  /** keyUsage nonRepudiation only: the key may not be used for TLS (neither digitalSignature nor keyEncipherment). */
  keyUsageNotForTls?: boolean;
  /** `clientAuth`: EKU without serverAuth. `none`: no EKU extension at all (which clients accept). */
  eku?: Exclude<EkuChoice, 'serverAuth'>;
  /** Self-signed leaf (issuer = subject, no chain sent). */
  selfSigned?: boolean;
  /** Signed (directly, or through the intermediate) by "tlslab Untrusted Root", which nobody trusts; that root is sent. */
  untrustedIssuer?: boolean;
  /** Signed by "tlslab Untrusted Intermediate", which is sent; its issuer, "tlslab Untrusted Root", is not. */
  unknownIssuer?: boolean;
  /** Signed by an intermediate under the tlslab CA; the intermediate is not sent. */
  missingIntermediate?: boolean;
  /** Signed by an intermediate under the tlslab CA that is sent, with these flaws. */
  intermediate?: IntermediateFlaws;
}
