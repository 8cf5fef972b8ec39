// Every sentence the dashboard's ladders and certificate panel show of their own (not carried by an event), as one
// set of tables: docs/lesson-text.md prints them for proofreading. Plain constants — no Node imports.
import type { LessonStep, UpstreamPolicy } from './schema.js';

/** Labels and notes of ladder items; `{…}` are filled in by the ladder. */
export const LADDER_TEXT = {
  trusted: "Browser trusts tlslab's certificate",
  resumed: 'Resumed: no certificate was sent',
  rejected: "Browser rejects tlslab's certificate ({outcome})",
  handshakeComplete: 'Handshake complete: {version}',
  handshakeCompletedByPolicy: 'Handshake completed by policy: {version}',
  encryptedAlert: 'The alert was encrypted: on the wire it looks like application data; tlslab decrypted it.',
  tcpEndClean: '{who} closed TCP after close_notify',
  tcpEndFin: '{who} closed TCP without close_notify',
  tcpEndReset: '{who} reset TCP without close_notify',
  holdsHello: 'tlslab holds the ClientHello',
  holding: 'Until its own handshake with the real server (the upstream leg) is done: its answer depends on what that server sent — the names on its certificate, and whether the certificate passed verification.',
  heldFor: 'The browser waited {wait} for the answer: tlslab first did its own handshake with the real server (the upstream leg), because its answer depends on what that server sent — the names on its certificate, and whether the certificate passed verification.',
  tlslabOwnCloseNotify:
    'tlslab’s own close_notify: the real server sent none (it closed TCP without close_notify on the upstream leg), and tlslab ended this leg politely anyway, so the browser could not see the missing one.',
} as const satisfies Record<string, string>;

/**
 * On a failed upstream leg, under the "Handshake completed" item: a browser would have stopped at step 3; tlslab did
 * not, and says why for each policy.
 */
export const COMPLETED_BY_POLICY_NOTE: Readonly<Record<UpstreamPolicy, string>> = {
  block:
    'A browser refusing this certificate would have sent a fatal alert at step 3 and never finished this handshake. tlslab, by policy (block), finished it to read what the server sent, then closed it and showed the browser its teaching page instead.',
  mirror:
    'A browser refusing this certificate would have sent a fatal alert at step 3 and never finished this handshake. tlslab, by policy (mirror), finished it and presented the browser a certificate with the same flaw, so that the browser refuses that one.',
  allow:
    'A browser refusing this certificate would have sent a fatal alert at step 3 and never finished this handshake. tlslab, by policy (allow), finished it and relays the traffic anyway: this connection is insecure.',
};

/** Under the verdict item of a failed upstream chain: what tlslab did about it. */
export const POLICY_NOTE: Readonly<Record<UpstreamPolicy, string>> = {
  block: 'Policy block: tlslab does not relay; the browser gets a page that explains the failure.',
  mirror: 'Policy mirror: tlslab presents the browser a certificate with the same flaw, so the browser sees it too.',
  allow: 'Policy allow: tlslab relays anyway — the connection is insecure.',
};

/**
 * Where TLS 1.3 departs from the eight-step story, for steps that have no message of their own.
 * Shown in an empty step band of a TLS 1.3 leg.
 */
export const TLS13_STEP_NOTES: Readonly<Partial<Record<LessonStep, string>>> = {
  4: 'TLS 1.3: no ClientKeyExchange. The client already sent its key_share (an ephemeral public key) in the ClientHello; no session key travels encrypted with the server\'s public key.',
  5: 'TLS 1.3: no ServerKeyExchange. The key exchange is in the hellos\' key_share; the server proves it owns the certificate with CertificateVerify.',
  6: 'TLS 1.3: encryption starts right after the ServerHello, not at ChangeCipherSpec.',
};

/** RSA key transport (TLS 1.2 and older): the steps where the story's words fit exactly, or differ. */
export const RSA_STEP_NOTES: Readonly<Partial<Record<LessonStep, string>>> = {
  5: 'RSA key transport: no ServerKeyExchange. The server decrypts the premaster secret from the ClientKeyExchange with its private key — exactly the story, and why it has no forward secrecy.',
};

/** The certificate panel's own sentences. */
export const CHAIN_TEXT = {
  presentedTitle: 'What tlslab presented to the browser',
  upstreamTitle: 'What the real server sent',
  notSeen: 'Not seen yet.',
  resumed: 'No certificate on this connection: the browser resumed an earlier session with tlslab, so tlslab sent none. Trust comes from the earlier connection, where the browser verified tlslab’s certificate.',
  presentedLeaf: "A leaf minted on the fly from tlslab's own CA, with the real server's names.",
  presentedMirror: "A leaf that mirrors the real server's flaw, so the browser sees it too.",
  presentedOk: 'Checked as the browser checks it, trusting tlslab’s CA only, for {host}: every check passed.',
  presentedBad: 'Checked as the browser checks it, trusting tlslab’s CA only, for {host}: {n} problem(s) — what the browser refuses.',
  upstreamOk: 'tlslab checked it for {host}: every check passed.',
  upstreamBad: 'tlslab checked it for {host}: {n} problem(s).',
  nodeAlone: ' Node alone reports only {code}.',
  notSent: 'Not sent: “{issuer}”. The certificate below names it as its issuer, but it was not in the chain and no trust store holds it.',
  notSentRole: 'missing',
} as const satisfies Record<string, string>;

/** Fills `{name}` placeholders. */
export function fillText(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (values[k] !== undefined ? String(values[k]) : m));
}
