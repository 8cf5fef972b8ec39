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

/**
 * A leaf that carries the same flaws as the real server's certificate, so a browser shows the error it would
 * show without the proxy. Flags combine; `selfSigned` wins over the issuer choices.
 */
export interface MirrorSpec {
  /** The names to carry — for a wrong-host upstream, the upstream's own (wrong) names. */
  names: LeafNames;
  /** Copy the upstream's dates (expired or not yet valid); default: a normal validity window. */
  notBefore?: Date;
  notAfter?: Date;
  /** Self-signed leaf (issuer = subject, no chain sent). */
  selfSigned?: boolean;
  /** Signed by "tlslab Untrusted Root", which nobody trusts; that root is sent as the chain. */
  untrustedIssuer?: boolean;
  /** Signed by an intermediate under the tlslab CA; the intermediate is not sent. */
  missingIntermediate?: boolean;
  /** An RSA-1024 leaf key. */
  weakKey?: 'rsa1024';
  /** The issuer's signature digest (default sha256). */
  signatureHash?: 'sha1' | 'md5';
  /** `clientAuth`: EKU without serverAuth. `none`: no EKU extension at all (which clients accept). */
  eku?: Exclude<EkuChoice, 'serverAuth'>;
}
