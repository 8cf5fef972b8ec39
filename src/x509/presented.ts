// The chain tlslab presented on the client leg, verified as the browser verifies it: tlslab's CA as the only trust
// anchor, the name the browser asked for, every check. Pure; the caller passes the DER it sent and the CA's PEM.
import type { CertSummary, PresentedVerdict } from '../events/schema';
import { createTrustStore, type TrustStore } from './trust-store';
import { verifyServerChain } from './verify';

/** The last anchor's store: tlslab has one CA for its whole run, so one entry is enough. */
let cached: { pem: string; store: TrustStore } | null = null;

function anchorStore(caPem: string): TrustStore {
  if (cached?.pem !== caPem) cached = { pem: caPem, store: createTrustStore({ extraPems: [caPem] }) };
  return cached.store;
}

export interface PresentedInput {
  /** DER as tlslab sent it, leaf first. */
  chain: Buffer[];
  /** What the browser asked for (SNI, else the CONNECT host). */
  host: string;
  /** tlslab's CA certificate, PEM: the browser's trust anchor once the CA is installed. */
  caPem: string;
  /** The anchor's subject, for the verdict. */
  caSubject: string;
  now?: Date;
}

/**
 * Every check of `verifyServerChain`, trusting tlslab's CA and nothing else: what a browser that installed the CA
 * concludes. The sent certificates come back with source `minted`; the CA, found in the store, with `trust-store`.
 */
export function verifyPresentedChain(p: PresentedInput): { chain: CertSummary[]; verdict: PresentedVerdict } {
  const r = verifyServerChain({ chain: p.chain, host: p.host, trust: anchorStore(p.caPem), now: p.now });
  const chain = r.chain.map((c) => (c.source === 'sent' ? { ...c, source: 'minted' as const } : c));
  return { chain, verdict: { ok: r.ok, findings: r.findings, host: p.host, anchor: p.caSubject } };
}
