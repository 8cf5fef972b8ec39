// The WebSocket wire protocol between the dashboard server and its clients, and the per-connection summary.
// Plain types only — no Node imports — shared by src/server and src/dashboard.
import type { ClientOutcome, Endpoint, FailureCause, Leg, Named, Student, TlslabEvent, UpstreamPolicy } from './schema.js';
import type { RoomLessons, RoomStudent } from './room.js';

/** Filters a client may ask for (as `/ws?conn=…&host=…&client=…&student=…&failures=1`, or later in a `filter` message). */
export interface StreamFilter {
  /** Only this connection id. */
  conn?: string;
  /** Only connections whose target host contains this text (case-insensitive). */
  host?: string;
  /** Only connections from this client address. */
  client?: string;
  /** Classroom mode: only this student's connections (their id `s-…`, or their name, case-insensitive). */
  student?: string;
  /** Only connections where a leg failed. */
  failuresOnly?: boolean;
}

/**
 * The version of this wire protocol, sent in `hello` as `protocol` (absent before version 2). 2: the snapshot carries a
 * window of the newest matching summaries and their `total`; older ones come from `GET /api/connections?before=`. 3: live
 * record and handshake events leave their bytes and field trees out (`deferred`); `GET /api/connections/:id/events`
 * fills them in (docs/events.md, "Details on demand").
 */
export const STREAM_PROTOCOL_VERSION = 3;

/** Server → client. */
export type ServerMessage =
  /**
   * First message on every connection. `schema`: the event schema's version; `protocol`: this wire protocol's
   * (`STREAM_PROTOCOL_VERSION`). `student`: this stream is that student's own view (served through the proxy at
   * http://tlslab/), scoped by the server to their connections; absent on the dashboard port.
   */
  | { kind: 'hello'; schema: number; protocol: number; serverTime: number; historySize: number; filter: StreamFilter; student?: Student }
  /**
   * A window of the retained history matching the filter; sent once right after `hello`, and after filter changes
   * (`filter`: the filter it answers — tlslab always sends it; after several quick changes, only the latest).
   * `summaries`: the newest matching summaries (at most the server's window), newest first; `total`: how many match in
   * all (the rest, older, from `GET /api/connections?before=`). `events`: the kept events of the newest few of them,
   * oldest first. `room`: the room overview as of this snapshot, one entry per student (the dashboard port only; not
   * filtered).
   */
  | { kind: 'snapshot'; filter?: StreamFilter; events: TlslabEvent[]; summaries: ConnectionSummary[]; total: number; evicted: number; room?: RoomStudent[] }
  /** Live events, in `seq` order, after the snapshot. */
  | { kind: 'events'; events: TlslabEvent[] }
  /**
   * One student's lesson progress changed (they answered a question or picked a lesson in their own view): the whole
   * of it, to set on their room line. The dashboard port only; the snapshot's `room` carries it as of the snapshot.
   */
  | { kind: 'room-lessons'; student: Student; lessons: RoomLessons }
  /** This client fell behind (or history was evicted): `missed` events between `fromSeq` and `toSeq` were not sent. */
  | { kind: 'gap'; missed: number; fromSeq: number; toSeq: number; reason: 'slow-consumer' | 'history-evicted' }
  | { kind: 'heartbeat'; t: number };

/** Client → server. */
export type ClientMessage = { kind: 'filter'; filter: StreamFilter } | { kind: 'ping' };

export type ConnectionStatus =
  /** Still running, nothing failed so far. */
  | 'open'
  /** Ended, both legs fine. */
  | 'ok'
  /** A leg failed (see `failedLeg`). */
  | 'failed'
  /** Relayed although the upstream certificate failed (policy `allow`). */
  | 'insecure';

export interface LegSummary {
  version: Named | null;
  cipherSuite: Named | null;
  alpn: string | null;
  /** Upstream leg: our verdict. Client leg: null (see `clientOutcome`). */
  verdict: { ok: boolean; codes: string[] } | null;
  /** Bytes received from / sent to the peer on this leg. */
  bytesIn: number;
  bytesOut: number;
  alerts: { from: 'client' | 'server'; name: string; encrypted: boolean }[];
  /** How tlslab's peer on this leg ended its TCP connection after the handshake (`tls:tcp-end`), or null. */
  peerEnd?: { how: 'fin' | 'reset'; closeNotify: boolean } | null;
}

/** One row of the connection list and of `GET /api/connections`. */
export interface ConnectionSummary {
  id: string;
  client: Endpoint;
  target: { host: string; port: number };
  lab?: string;
  /** Classroom mode: the student who made the connection (from its `conn:open`). */
  student?: Student;
  sni: string | null;
  openedAt: number;
  closedAt: number | null;
  status: ConnectionStatus;
  /** The leg where something failed first, if any. */
  failedLeg: Leg | null;
  cause: FailureCause | null;
  policy?: UpstreamPolicy;
  clientOutcome: ClientOutcome | null;
  /** One-sentence explanation of the failure, for the list. */
  explanation: string | null;
  /**
   * What to know about a connection that did not fail, or null: idle and kept open by the browser, ended by the
   * browser's reset after its last answer (a normal end), or a server that closed without close_notify.
   */
  note?: string | null;
  legs: Record<Leg, LegSummary>;
  requests: number;
  /** The first `http:request` on the connection: its method and target (cut to 200 characters), once seen. */
  firstRequest?: { method: string; url: string };
  /**
   * Set once the browser accepted the client leg: `true` when it resumed an earlier session (no certificate was
   * sent), `false` for a full handshake. Tells apart the two connections a browser often opens per visit.
   */
  resumed?: boolean;
  /** `http:response` events seen: `requests - responses` are waiting for their answer. */
  responses?: number;
  /** Last event seq seen for this connection. */
  lastSeq: number;
}
