// The key schedule of one TLS connection as data: its inputs and each derivation step with its label, inputs and
// output (or why tlslab cannot compute it). Plain JSON-ready types; no I/O.

/** Where a value comes from. */
export type ValueSource =
  /** Read from the handshake messages on the wire (randoms, key shares, transcript hashes). */
  | 'wire'
  /** A fixed value of the protocol (the all-zero string, the hash of nothing). */
  | 'constant'
  /** From the TLS library's key log (NSS format). */
  | 'key-log'
  /** Computed by tlslab from values it has. */
  | 'computed'
  /** Handed in by the caller (a test vector's shared secret, say): never the case for live connections. */
  | 'given'
  /** Not known to tlslab; `why` says why. */
  | 'unknown';

export interface ScheduleInput {
  id: string;
  name: string;
  /** Lowercase hex; null when unknown. */
  hex: string | null;
  source: ValueSource;
  /** For transcript hashes: the handshake messages hashed, in order. */
  messages?: string[];
  why?: string;
}

export interface ScheduleStep {
  id: string;
  /** The RFC's name for the output, e.g. `client_handshake_traffic_secret`. */
  name: string;
  op: 'HKDF-Extract' | 'Derive-Secret' | 'HKDF-Expand-Label' | 'HMAC' | 'PRF' | 'split';
  /** The derivation as the RFC writes it. */
  formula: string;
  /** The full label that enters the KDF (`tls13 c hs traffic`, `master secret`). */
  label?: string;
  /** Ids of the inputs and earlier steps it is computed from. */
  from: string[];
  hex: string | null;
  source: ValueSource;
  /** The key log holds the same secret: does the computed value equal it? */
  keyLog?: { label: string; matches: boolean };
  /** A message on the wire carries this value (a Finished's verify_data): does it equal? */
  wire?: { message: string; matches: boolean };
  why?: string;
  /** Where the RFC defines it, e.g. `RFC 8446 §7.1`. */
  rfc: string;
}

export interface KeyScheduleView {
  version: string;
  cipherSuite: string;
  /** The KDF's hash (TLS 1.3) or the PRF's (TLS 1.2); TLS 1.0/1.1 say `MD5+SHA-1`. */
  hash: string;
  inputs: ScheduleInput[];
  steps: ScheduleStep[];
  /** Sentences that say what the view can and cannot show for this connection. */
  notes: string[];
}

/** Why there is no schedule for a leg. */
export interface NoKeySchedule {
  unavailable: string;
}
