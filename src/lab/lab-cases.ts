// The built-in failure lab's cases: name, what each teaches and what a student should see. Pure data.
// Servers are in origins.ts; certificates in lab-pki.ts.

/** What the lab expects a client to see on a case. */
export interface LabExpectation {
  /** Upstream finding codes (src/x509) tlslab should report; [] = none; absent = no certificate to check. */
  upstreamCodes?: string[];
  /** What a Node client trusting the lab root reports (`err.code`, or the message when Node gives none). */
  nodeError?: string;
  /** Chromium's net error when it visits the origin directly (or through tlslab in mirror mode). */
  chromium?: string;
  /** One or two sentences: what the student should see, and where. */
  note: string;
  /**
   * Through tlslab, which leg shows the case: tlslab makes its own handshake with the browser (normally TLS 1.3),
   * whatever the origin speaks, so a case about the origin's handshake is on the upstream leg.
   */
  throughTlslab?: string;
  /** What it means that the student is reading the origin's page, where that is not "verification was turned off". */
  readingThis?: string;
}

export interface LabCaseInfo {
  name: string;
  title: string;
  /** One sentence. */
  teaches: string;
  expected: LabExpectation;
}

const CERT_IS_FINE = 'the certificate is fine: only the handshake or the connection differs';

/** Where a case about the origin's own handshake shows, through tlslab. */
const ON_UPSTREAM_LEG = 'Through tlslab, look at the upstream leg (tlslab ↔ this origin): it shows this case. Your browser’s leg to tlslab is a separate handshake that tlslab makes itself — TLS 1.3 when your browser offers it — whatever this origin speaks.';

/** The cases, in the order they are listed and served (ports are assigned in this order). */
export const LAB_CASES: readonly LabCaseInfo[] = [
  {
    name: 'valid',
    title: 'A certificate that passes every check',
    teaches: 'What a good chain looks like: a leaf for this name, inside its dates, signed by a CA the client trusts.',
    expected: { upstreamCodes: [], note: 'The page loads. Step 3 (certificate verification) passes on both legs.' },
  },
  {
    name: 'expired',
    title: 'Expired certificate',
    teaches: 'A certificate is only valid between its notBefore and notAfter dates; after notAfter every client refuses it.',
    expected: { upstreamCodes: ['CERT_EXPIRED'], nodeError: 'CERT_HAS_EXPIRED', chromium: 'ERR_CERT_DATE_INVALID', note: 'Step 3 fails: "certificate has expired". curl sends alert 45 (certificate_expired); Chromium sends 46.' },
  },
  {
    name: 'not-yet-valid',
    title: 'Certificate not valid yet',
    teaches: 'A certificate whose notBefore is in the future is refused just like an expired one (check the clock, too).',
    expected: { upstreamCodes: ['CERT_NOT_YET_VALID'], nodeError: 'CERT_NOT_YET_VALID', chromium: 'ERR_CERT_DATE_INVALID', note: 'Step 3 fails: "certificate is not yet valid".' },
  },
  {
    name: 'wrong-host',
    title: 'Certificate for another name',
    teaches: 'The name you asked for must appear in the certificate\'s subjectAltName; a perfectly signed certificate for wrong.example proves nothing about this host.',
    expected: { upstreamCodes: ['HOSTNAME_MISMATCH'], nodeError: 'ERR_TLS_CERT_ALTNAME_INVALID', chromium: 'ERR_CERT_COMMON_NAME_INVALID', note: 'The chain verifies, then the hostname check fails. curl completes the handshake, then closes with close_notify.' },
  },
  {
    name: 'self-signed',
    title: 'Self-signed certificate',
    teaches: 'A self-signed certificate vouches for itself: nobody the client trusts has checked who holds the key.',
    expected: { upstreamCodes: ['CHAIN_SELF_SIGNED_LEAF'], nodeError: 'DEPTH_ZERO_SELF_SIGNED_CERT', chromium: 'ERR_CERT_AUTHORITY_INVALID', note: 'Step 3 fails at the chain: issuer and subject are the same, and that certificate is not in the trust store.' },
  },
  {
    name: 'untrusted-root',
    title: 'Chain to a root nobody trusts',
    teaches: 'A chain is only as good as its root: this one ends at "tlslab Lab Untrusted Root", which is in no trust store.',
    expected: { upstreamCodes: ['CHAIN_UNTRUSTED_ROOT'], nodeError: 'SELF_SIGNED_CERT_IN_CHAIN', chromium: 'ERR_CERT_AUTHORITY_INVALID', note: 'The server sends its leaf and its root; the root is not trusted, so step 3 fails.' },
  },
  {
    name: 'incomplete-chain',
    title: 'Missing intermediate certificate',
    teaches: 'Servers must send the intermediate CA certificates; without "tlslab Lab Intermediate" the client cannot link the leaf to the trusted lab root.',
    expected: { upstreamCodes: ['CHAIN_MISSING_INTERMEDIATE'], nodeError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', chromium: 'ERR_CERT_AUTHORITY_INVALID', note: 'Step 3 fails: "unable to verify the first certificate" — the issuer of the leaf is nowhere to be found.' },
  },
  {
    name: 'sha1',
    title: 'SHA-1 signature',
    teaches: 'The CA signed this certificate with SHA-1, whose collisions can be forged, so clients no longer accept such signatures.',
    expected: { upstreamCodes: ['ALG_SHA1_SIGNATURE'], nodeError: 'CA signature digest algorithm too weak', chromium: 'ERR_CERT_INVALID', note: 'Step 3 fails on the signature algorithm (sha1WithRSAEncryption), not on the signature itself, which is valid.' },
  },
  {
    name: 'rsa1024',
    title: 'RSA-1024 key',
    teaches: 'A 1024-bit RSA key is within reach of a well-funded attacker; certificates need at least 2048 bits.',
    expected: {
      upstreamCodes: ['KEY_RSA_TOO_SMALL'],
      note: 'tlslab flags the key size. curl on Debian (OpenSSL security level 2) refuses: "EE certificate key too weak"; Node (level 1) accepts. Chromium and Firefox accept it too, because the root is one you added yourself: their 2048-bit minimum is for public certificate authorities. Through tlslab in mirror mode both load tlslab’s copy; in block mode you get the teaching page.',
      readingThis: 'You are reading this page, so your client accepted the 1024-bit key: Chromium and Firefox do under a root you added yourself (the lab root, or tlslab’s CA in mirror mode), and so does Node; curl at OpenSSL security level 2 does not.',
    },
  },
  {
    name: 'client-auth-eku',
    title: 'Certificate for client authentication only',
    teaches: 'The extendedKeyUsage extension says what a certificate is for; this one allows clientAuth only, so it cannot identify a server.',
    expected: { upstreamCodes: ['EKU_NO_SERVER_AUTH'], nodeError: 'INVALID_PURPOSE', chromium: 'ERR_CERT_INVALID', note: 'Step 3 fails: "unsuitable certificate purpose".' },
  },
  {
    name: 'tls12-only',
    title: 'TLS 1.2 only (ECDHE)',
    teaches: 'In TLS 1.2 the server sends its certificate in the clear, then a signed ServerKeyExchange with its ECDHE share, and ChangeCipherSpec really switches keys.',
    expected: { upstreamCodes: [], note: `The connection works in TLS 1.2: compare its ladder with TLS 1.3 (${CERT_IS_FINE}).`, throughTlslab: ON_UPSTREAM_LEG },
  },
  {
    name: 'static-rsa',
    title: 'TLS 1.2 with RSA key exchange',
    teaches: 'Step 4 of the eight-step story exactly: the client encrypts the premaster secret with the server\'s RSA public key — no ServerKeyExchange and no forward secrecy.',
    expected: { upstreamCodes: [], note: 'Only AES128-GCM-SHA256 / AES256-GCM-SHA384 (TLS_RSA_…) are offered; curl, Node and Chromium 156 still accept RSA key exchange, though browsers are phasing it out.', throughTlslab: ON_UPSTREAM_LEG },
  },
  {
    name: 'hello-retry',
    title: 'HelloRetryRequest (TLS 1.3)',
    teaches: 'The server accepts only the secp384r1 group, so a client whose first ClientHello carries an x25519 key share is asked, in a HelloRetryRequest, for a second ClientHello with a share the server can use.',
    expected: { upstreamCodes: [], note: `tlslab's first upstream ClientHello carries an x25519 key share only: the origin answers with a HelloRetryRequest naming secp384r1, and the handshake goes on after a second ClientHello (${CERT_IS_FINE}).`, throughTlslab: ON_UPSTREAM_LEG },
  },
  {
    name: 'no-close-notify',
    title: 'No close_notify',
    teaches: 'Step 8: a server should end with a close_notify alert; this one just closes TCP, so the client cannot tell a complete response from a cut one.',
    expected: {
      upstreamCodes: [],
      note: 'The body arrives (no Content-Length), then a TCP FIN without close_notify: openssl s_client reports "unexpected eof while reading"; curl shows the page as if nothing were wrong — it cannot tell.',
      throughTlslab: 'Through tlslab, the upstream leg shows it at step 8: the server closes TCP without close_notify. tlslab then ends your browser’s leg with its own close_notify, so your browser cannot see the flaw: only the upstream leg can.',
    },
  },
  {
    name: 'reset-mid-handshake',
    title: 'Connection reset during the handshake',
    teaches: 'The server reads the ClientHello and answers with a TCP reset: the handshake stops at step 1 and no certificate is ever seen.',
    expected: { nodeError: 'ECONNRESET', chromium: 'ERR_CONNECTION_RESET', note: 'Only the ClientHello is on the wire, then a TCP RST.' },
  },
  {
    name: 'slow-handshake',
    title: 'Slow handshake',
    teaches: 'The server waits a few seconds before answering the ClientHello: handshake time is part of what users feel, and clients have timeouts.',
    expected: { upstreamCodes: [], note: 'The ServerHello arrives only after the configured delay (3 s by default); the page then loads normally.' },
  },
];

export const LAB_DOMAIN = 'lab.tlslab';

export function labHost(name: string): string {
  return `${name}.${LAB_DOMAIN}`;
}
