// The shape of a lesson once parsed: tasks, conditions on a connection, questions and their facts. Plain types and
// closed-union tables only, no Node imports (the dashboard compiles the evaluator against this file too).
import type { ClientOutcome, Leg, LessonStep, Side, UpstreamPolicy } from '../events/schema.js';
import type { ConnectionStatus } from '../events/stream.js';

/** One lesson, as read from a Markdown file with YAML front matter (docs/lessons.md). */
export interface Lesson {
  /** Stable id: the front matter's `id`, else the file name without its number prefix (`04-dates.md` → `dates`). */
  id: string;
  /** File name inside its folder; lessons are listed in file-name order. */
  file: string;
  /** `shipped` (lessons/ in tlslab) or `teacher` (a folder given with `--lessons`). */
  source: 'shipped' | 'teacher';
  title: string;
  /** One or two sentences: what the student will be able to say afterwards. */
  goal: string;
  /** The steps of the eight-step story the lesson is about (docs/eight-steps.md). */
  steps: LessonStep[];
  /** Lab cases the lesson uses (every one must exist). */
  lab: string[];
  /** How tlslab must run for this lesson (beyond `tlslab start`): shown to the instructor. */
  tlslab: TlslabSetup;
  /** What to open: lab cases and URLs. */
  open: OpenTarget[];
  /** Questions to think about before looking (not graded). */
  predict: string[];
  /** Where to look in the connection view. */
  look: LookAt[];
  tasks: Task[];
  /** Markdown shown once the tasks are done. */
  explanation: string;
}

export interface TlslabSetup {
  /** `--upstream-failure` values the lesson needs (`MODE` or `HOST=MODE`). */
  upstreamFailure: string[];
}

export type OpenTarget = { lab: string } | { url: string };

export interface LookAt {
  text: string;
  at: Where;
  /** The task whose connection the link opens (default: the first task's that has one). */
  task?: string;
}

/** The views of one connection a link can open. */
export const VIEWS = ['ladder', 'certificates', 'records', 'key-schedule', 'replay'] as const;
export type View = (typeof VIEWS)[number];

/** A place in the connection view: a leg, and optionally a step, a message and a field of it. */
export interface Where {
  leg: Leg;
  view: View;
  step?: LessonStep;
  message?: MessageName;
  /** A field name as the hex view shows it (`key_share`, `cipher_suite`, `signature_algorithms`, …). */
  field?: string;
}

/** Handshake messages (and the two record kinds a lesson points at) by the RFCs' names. */
export const MESSAGE_CODES = {
  client_hello: 1,
  server_hello: 2,
  hello_retry_request: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  key_update: 24,
  change_cipher_spec: -20,
  alert: -21,
} as const satisfies Record<string, number>;
export type MessageName = keyof typeof MESSAGE_CODES;

/** One thing to do: the connection it produces (`when`) and the questions about that connection. */
export interface Task {
  id: string;
  /** What to do, in one or two sentences. */
  do: string;
  /** Command lines that produce the connection without a browser (curl, openssl); `{proxy}`, `{proxyHostPort}`, `{ca}` are filled in. */
  try: string[];
  /** The app moves on when one of the student's connections meets every condition. */
  when: ConnectionCondition;
  questions: Question[];
}

/** Conditions on a whole connection; every one given must hold. */
export interface ConnectionCondition {
  lab?: string;
  status?: ConnectionStatus;
  failedLeg?: Leg | 'none';
  policy?: UpstreamPolicy;
  clientOutcome?: ClientOutcome;
  /** A finding code of tlslab's upstream verdict (src/x509/findings.ts). */
  finding?: string;
  /** The connection has ended (`true`) or is still open (`false`). */
  closed?: boolean;
  client?: LegCondition;
  upstream?: LegCondition;
}

export const TLS_VERSIONS = ['TLS 1.0', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3'] as const;
export type TlsVersionName = (typeof TLS_VERSIONS)[number];
export const KEY_EXCHANGES = ['ecdhe', 'dhe', 'rsa', 'psk'] as const;
export type KeyExchangeName = (typeof KEY_EXCHANGES)[number];

/** Conditions on one leg. */
export interface LegCondition {
  version?: TlsVersionName;
  keyExchange?: KeyExchangeName;
  /** The (EC)DHE group, by its IANA name (`x25519`, `secp256r1`, …). */
  group?: string;
  /** The negotiated ALPN protocol, or `none`. */
  alpn?: string;
  /** Messages seen on the leg (from either side). */
  has?: MessageName[];
  /** Messages not seen on the leg. */
  lacks?: MessageName[];
  helloRetryRequest?: boolean;
  resumed?: boolean;
  /** Whether each side named sent a close_notify on this leg. */
  closeNotify?: Partial<Record<Side, boolean>>;
  /** The description of a fatal alert the client side of the leg sent (`unknown_ca`, …). */
  clientAlert?: string;
  /** The handshake completed on this leg. */
  established?: boolean;
}

/** How a fact question is answered in the panel. */
export type AnswerInput = 'step' | 'choice' | 'yes-no';

/** Everything a question can ask about one's own connection: a closed union, each evaluated in facts.ts. */
export const FACTS = {
  'failing-step': { leg: false, input: 'step', what: 'the step and leg where the connection first failed (answered by clicking the ladder)' },
  'failed-check': { leg: false, input: 'choice', what: "the check that failed first in tlslab's verification of the server's chain" },
  version: { leg: true, input: 'choice', what: 'the TLS version negotiated on the leg' },
  'cipher-suite': { leg: true, input: 'choice', what: 'the cipher suite negotiated on the leg' },
  'key-exchange': { leg: true, input: 'choice', what: 'how the leg agreed on its keys: ecdhe, dhe, rsa (key transport) or psk' },
  group: { leg: true, input: 'choice', what: 'the key exchange group the leg used (ServerHello key_share in TLS 1.3, ServerKeyExchange in TLS 1.2)' },
  'hrr-group': { leg: true, input: 'choice', what: 'the group a HelloRetryRequest asked the client for' },
  'key-share-groups': { leg: true, input: 'choice', what: 'the groups the client sent key shares for in its first ClientHello' },
  alpn: { leg: true, input: 'choice', what: 'the application protocol negotiated by ALPN (or none)' },
  'alpn-offer': { leg: true, input: 'choice', what: 'the application protocol the client listed first in its ALPN offer (its favourite)' },
  'client-alert': { leg: true, input: 'choice', what: 'the fatal alert the client side of the leg sent (or none)' },
  resumed: { leg: true, input: 'yes-no', what: 'whether the leg resumed an earlier session instead of a full handshake' },
  'close-notify-from': { leg: true, input: 'choice', what: 'which sides sent close_notify on the leg: client, server, both or neither' },
  'certificate-issuer': { leg: true, input: 'choice', what: "the issuer of the leaf certificate the leg's server presented" },
  'certificate-count': { leg: true, input: 'choice', what: 'how many certificates the server sent in its Certificate message' },
  'certificate-encrypted': { leg: true, input: 'yes-no', what: "whether the server's Certificate message was encrypted on the wire" },
  'has-message': { leg: true, input: 'yes-no', what: 'whether a given message (question field `message`) appears on the leg' },
  'key-length': { leg: true, input: 'choice', what: 'the length in bytes of each write key of the negotiated cipher suite' },
  hash: { leg: true, input: 'choice', what: 'the hash of the key schedule (HKDF in TLS 1.3, the PRF in TLS 1.2)' },
  policy: { leg: false, input: 'choice', what: 'what tlslab did about a failed upstream certificate: block, mirror or allow' },
  'client-outcome': { leg: false, input: 'choice', what: 'how the browser reacted to the certificate tlslab presented' },
} as const satisfies Record<string, { leg: boolean; input: AnswerInput; what: string }>;
export type FactName = keyof typeof FACTS;

export type Question = FactQuestion | ChoiceQuestion;

interface QuestionBase {
  id: string;
  ask: string;
  /** Shown once answered. */
  explain?: string;
}

/** Checked against the student's own connection. */
export interface FactQuestion extends QuestionBase {
  kind: 'fact';
  fact: FactName;
  /** For leg facts. */
  leg?: Leg;
  /** For `has-message`. */
  message?: MessageName;
  /** What most students will see, for the instructor's key (the app checks each student's own connection). */
  typical?: string;
}

/** A knowledge question with one right choice. */
export interface ChoiceQuestion extends QuestionBase {
  kind: 'choice';
  choices: string[];
  /** Index into `choices` of the right one. */
  answer: number;
}

/** What each connection condition of a `when` means (docs/lessons.md is generated from this). */
export const CONNECTION_CONDITION_DOCS = {
  lab: 'The connection went to this lab case (`valid`, `expired`, …).',
  status: 'The connection summary\'s status: `open`, `ok`, `failed` or `insecure`.',
  failedLeg: 'The leg that failed first: `client`, `upstream`, or `none` (nothing failed).',
  policy: "What tlslab did about a failed upstream certificate: `block`, `mirror` or `allow`.",
  clientOutcome: 'How the client reacted to the certificate tlslab presented: `accepted`, `rejected-alert`, `closed-in-handshake`, `closed-after-handshake`, `timeout`.',
  finding: "tlslab's upstream verdict has this finding code (docs/findings.md), e.g. `CERT_EXPIRED`.",
  closed: 'The connection has ended (`true`) or is still open (`false`).',
  client: 'Conditions on the client leg (below).',
  upstream: 'Conditions on the upstream leg (below).',
} as const satisfies Record<keyof ConnectionCondition, string>;

/** What each leg condition means. */
export const LEG_CONDITION_DOCS = {
  version: 'The negotiated version: `TLS 1.0` … `TLS 1.3`.',
  keyExchange: 'How the leg agreed on its keys: `ecdhe`, `dhe`, `rsa` or `psk`.',
  group: 'The key exchange group by its IANA name (`x25519`, `secp256r1`; `P-256` is read as `secp256r1`).',
  alpn: 'The negotiated ALPN protocol (`h2`, `http/1.1`) or `none`.',
  has: 'A list of messages seen on the leg, from either side (names below).',
  lacks: 'A list of messages not seen on the leg.',
  helloRetryRequest: 'The server sent a HelloRetryRequest (`true`) or not.',
  resumed: 'The leg resumed an earlier session (TLS 1.3 PSK; TLS 1.2 abbreviated handshake).',
  closeNotify: 'Whether each side named sent close_notify, e.g. `{ server: false }`.',
  clientAlert: 'The description of the first fatal alert the client side sent (`unknown_ca`, `certificate_unknown`, …).',
  established: 'The handshake completed on the leg.',
} as const satisfies Record<keyof LegCondition, string>;
