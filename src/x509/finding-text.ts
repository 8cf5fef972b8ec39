// Every sentence the certificate checks give a student, as templates in one place: the findings (by code, and a
// variant where one code says two things), what a passing check says, and how a certificate is named. The checks fill
// in `{…}` with `say`; docs/lesson-text.md prints the tables. Pure data, no I/O.
import type { FindingCode } from './findings';

/** Finding sentences: one per code, plus `CODE.variant` where the facts call for another wording. */
export const FINDING_TEXT = {
  CHAIN_EMPTY: 'The server sent no certificate at all, so there is nothing to check it against.',
  CERT_UNPARSABLE: 'Certificate #{index} sent by the server cannot be read as an X.509 certificate, so it cannot be checked or trusted.',
  CHAIN_SELF_SIGNED_LEAF: "The server's certificate is self-signed: it vouches for itself, and no certificate authority in the trust store vouches for it.",
  CHAIN_UNTRUSTED_ROOT: 'The chain ends at the root certificate “{root}” (#{index}), which the server sent itself but which is not in the trust store, so nothing here trusts it.',
  CHAIN_MISSING_INTERMEDIATE: '{who} was issued by “{issuer}”, but the server did not send that certificate and the trust store does not have it: most likely the server forgot to send its intermediate certificate, unless “{issuer}” is a certificate authority this trust store does not know.',
  'CHAIN_MISSING_INTERMEDIATE.aia': '{who} was issued by “{issuer}”, but the server did not send that certificate and the trust store does not have it: the server forgot to send its intermediate certificate (some browsers download it from {url}; other clients fail).',
  CHAIN_UNKNOWN_ISSUER: '{who} was issued by “{issuer}”, a certificate authority that is not in the trust store, so the chain does not lead to anything trusted.',
  CHAIN_TOO_LONG: 'The chain goes on for more than {limit} certificates without reaching a trusted root, so it was not followed further.',
  CHAIN_WRONG_ORDER: 'The server sent its certificates out of order (the chain runs {order}); most clients sort them out, but TLS 1.2 requires each certificate to be followed by its issuer.',
  CHAIN_EXTRA_CERT: "{who} is not part of the chain from the server's certificate to a root: the server sent it for nothing.",
  'CHAIN_EXTRA_CERT.unexamined': '{who} was not examined: the chain was already too long before reaching it.',
  NODE_VERIFY_FAILED: "Node's own verification refused this chain ({code}: {why}), although tlslab's checks found no error.",
  CERT_EXPIRED: '{who} expired on {notAfter}; today is {today}, so it can no longer be trusted.',
  CERT_NOT_YET_VALID: '{who} only becomes valid on {notBefore}; today is {today} (a wrong clock on either side causes this too).',
  HOSTNAME_MISMATCH: "The server's certificate is for {names}, not for “{host}”{because}, so the browser cannot tell it is talking to the right server.",
  'HOSTNAME_MISMATCH.no_names': "The server's certificate names no host at all (no Subject Alternative Name, no Common Name), so it cannot prove it is “{host}”.",
  HOSTNAME_CN_ONLY: "The server's certificate names “{host}” only in its Common Name and has no DNS entry in its Subject Alternative Name: Node and curl accept that, but browsers such as Chromium ignore the Common Name entirely and refuse it.",
  SIGNATURE_INVALID: '{who} carries a signature that does not verify with the public key of “{issuer}”: it was altered, or signed by a different key.',
  ALG_SHA1_SIGNATURE: '{who} is signed with {algorithm}: {digest} collisions can be forged, so browsers stopped accepting {digest} certificate signatures.',
  ALG_MD5_SIGNATURE: '{who} is signed with {algorithm}: {digest} collisions can be forged, so browsers stopped accepting {digest} certificate signatures.',
  ALG_BROKEN_DIGEST: '{who} is signed with {algorithm}: {digest} collisions can be forged, so browsers stopped accepting {digest} certificate signatures.',
  ALG_UNKNOWN: '{who} is signed with an algorithm tlslab does not know ({oid}).',
  ALG_MISMATCH: '{who} names two different signature algorithms ({inner} inside, {outer} outside), which RFC 5280 forbids.',
  KEY_RSA_TOO_SMALL: "{who} has a {bits}-bit RSA key; keys under {minimum} bits are within reach of well-funded attackers. Browsers refuse them from public certificate authorities, but Chromium and Firefox still load a {bits}-bit key under a root the user added (as the lab root or tlslab's CA).",
  'KEY_RSA_TOO_SMALL.below_floor': '{who} has a {bits}-bit RSA key, which an attacker can factor; browsers refuse RSA keys under {floor} bits whatever the root.',
  KEY_WEAK_CURVE: '{who} has an elliptic-curve key on {curve}, a curve browsers do not accept for certificates (only P-256, P-384 and P-521).',
  KEY_UNSUPPORTED_TYPE: '{who} has a {key} key, which TLS clients no longer accept.',
  EKU_NO_SERVER_AUTH: '{who} may only be used for {usages}, not to identify a web server (serverAuth).',
  EKU_CA_NO_SERVER_AUTH: '{who} restricts everything it issues to {usages}, so it cannot vouch for a web server.',
  BC_ISSUER_NOT_CA: '{who} signed the certificate below it, but it is not a certificate authority ({constraints}), so what it signs is worthless.',
  BC_LEAF_IS_CA: "{who} says it is a certificate authority (CA:TRUE): a server's certificate should not be able to issue certificates of its own.",
  BC_PATH_LEN_EXCEEDED: '{who} allows at most {max} intermediate certificate{s} below it (pathlen:{max}), but the chain has {below}.',
  KU_ISSUER_NO_CERT_SIGN: '{who} signed the certificate below it, but its key usage ({usages}) does not include signing certificates (keyCertSign).',
  KU_LEAF_NOT_FOR_TLS: '{who} has a key usage ({usages}) that forbids what a TLS server does with its {kind} key: sign the handshake (digitalSignature).',
  'KU_LEAF_NOT_FOR_TLS.rsa': '{who} has a key usage ({usages}) that forbids what a TLS server does with its {kind} key: sign the handshake (digitalSignature) or receive the key (keyEncipherment).',
  KU_LEAF_RSA_KEY_TRANSPORT_ONLY: '{who} allows its RSA key only for key encipherment: that works only for TLS 1.2 RSA key exchange, not for TLS 1.3 or ECDHE, which need digitalSignature.',
} as const satisfies Record<FindingCode | `${FindingCode}.${string}`, string>;

/** What a check says of a certificate that passes it (CertSummary.checks). */
export const CHECK_TEXT = {
  'chain.trusted_here': '{who} is trusted: the chain ends here.',
  'chain.in_store_here': '{who} is in the trust store, so the chain ends here, trusted.',
  'chain.issued_by': '{who} was issued by {issuer}.',
  'chain.stops_here': '{who} is where the chain stops.',
  validity: 'Valid from {notBefore} to {notAfter}, and today ({today}) is inside that period.',
  hostname: 'The certificate is for “{host}”: its Subject Alternative Name lists {what}“{name}”.',
  'signature.self': 'Its signature verifies with its own public key (it is self-signed).',
  signature: 'Its signature verifies with the public key of {issuer}.',
  'algorithm.root': 'Signed with {algorithm}, which does not matter for a root: it is trusted (or not) for being in the trust store{notForSignature}.',
  algorithm: 'Signed with {algorithm}, a current algorithm.',
  'key-strength': 'Its key ({key}) is strong enough.',
  'extended-key-usage.leaf_none': 'It has no extended key usage, so any use is allowed, serving a website included.',
  'extended-key-usage.leaf': 'Its extended key usage allows serving a website (serverAuth).',
  'extended-key-usage.ca_none': 'It puts no limit on what its certificates are used for.',
  'extended-key-usage.ca': 'It allows issuing certificates for web servers.',
  'basic-constraints.leaf': 'It is not a certificate authority, as a server certificate should be.',
  'basic-constraints.ca': 'It is a certificate authority (CA:TRUE), so it may sign certificates.',
  'key-usage.none': 'It has no keyUsage extension, so its key is not restricted.',
  'key-usage.ca': 'Its key usage allows signing certificates (keyCertSign).',
  'key-usage.leaf': 'Its key usage ({usages}) allows what a TLS server does with its key.',
} as const satisfies Record<string, string>;

/** How a sentence names a certificate (its subject). */
export const CERT_PHRASE = {
  leaf: "The server's certificate",
  intermediate: 'The intermediate certificate “{name}” (#{index})',
  root: 'The root certificate “{name}” (#{index})',
  'root.trust_store': 'The root certificate “{name}” from the trust store',
  extra: 'The extra certificate “{name}” (#{index})',
} as const satisfies Record<string, string>;

export type FindingTextKey = keyof typeof FINDING_TEXT;
export type CheckTextKey = keyof typeof CHECK_TEXT;

/** Fills `{name}` placeholders from `values`. */
export function fillTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (values[k] !== undefined ? String(values[k]) : m));
}

/** A finding's sentence. */
export function say(key: FindingTextKey, values: Readonly<Record<string, string | number>> = {}): string {
  return fillTemplate(FINDING_TEXT[key], values);
}

/** A passing check's sentence. */
export function sayOk(key: CheckTextKey, values: Readonly<Record<string, string | number>> = {}): string {
  return fillTemplate(CHECK_TEXT[key], values);
}
