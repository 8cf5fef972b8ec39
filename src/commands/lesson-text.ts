// docs/lesson-text.md: every sentence tlslab shows a student, rendered from the tables that hold them, so that a teacher
// can proofread all of it in one read. Pure: tables in, Markdown out (scripts/gen-lesson-text.js writes the file).
import { ALERT_MEANING, CLIENT_OUTCOME_TEXT, ENCRYPTED_ALERT_WHY, LEAF_ALERT_MEANING } from '../capture/client-outcome';
import { TCP_END_TEXT } from '../capture/tcp-end';
import { CHAIN_TEXT, COMPLETED_BY_POLICY_NOTE, LADDER_TEXT, POLICY_NOTE, RSA_STEP_NOTES, TLS13_STEP_NOTES } from '../events/ladder-text';
import { FAILURE_CAUSES, LESSON_STEPS } from '../events/schema';
import { SUMMARY_TEXT } from '../events/summary';
import { LAB_CASES } from '../lab/lab-cases';
import { MIRROR_RULES } from '../proxy/mirror-rules';
import { CA_PAGE_STEPS, FAILURE_PAGE_TEXT } from '../proxy/pages';
import { DEFAULT_KEY_SHARE_NOTE, ECH_FIELD_NOTES, EXTENSION_NOTES, KEY_SHARE_NOTES } from '../tls/extension-notes';
import { LESSON_NOTES } from '../tls/lesson';
import { GREASE_NOTE, extensionName, groupName } from '../tls/names/lookup';
import { ACCEPTED_UNDER_USER_ROOT } from '../x509/browser-rules';
import { CERT_PHRASE, CHECK_TEXT, FINDING_TEXT } from '../x509/finding-text';
import { NODE_ERRORS } from '../x509/node-errors';

type Rows = readonly (readonly [string, string])[];

/** One table cell: a single line, `|` escaped; HTML (the CA page's lines) as the text a reader sees. */
function cell(text: string): string {
  const plain = text.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  return plain.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(head: string, rows: Rows): string {
  return [`| ${head} | text |`, '| --- | --- |', ...rows.map(([k, v]) => `| \`${cell(k)}\` | ${cell(v)} |`)].join('\n');
}

function entries(o: Readonly<Record<string, string | undefined>>): Rows {
  return Object.entries(o).flatMap(([k, v]) => (v === undefined ? [] : [[k, v] as const]));
}

function section(title: string, source: string, intro: string, body: string): string {
  return `## ${title}\n\nSource: ${source}. ${intro}\n\n${body}\n`;
}

const INTRO = `# Every sentence a student reads

Generated from the tables in the code by \`node scripts/gen-lesson-text.js\` (after \`npm run build\`);
\`test/unit/lesson-text-doc.test.ts\` fails when this page and the tables disagree. Proofread here, fix in the table named
under each heading. \`{…}\` is filled in when tlslab runs (a host name, a date, an alert); \`CODE.variant\` is a second
wording of the same case. Other texts a student reads have pages of their own: the lessons
([lab-handbook.md](lab-handbook.md)), the classroom pages ([classroom.md](classroom.md)), error codes ([errors.md](errors.md)).
`;

/** The whole page. */
export function lessonTextMarkdown(): string {
  const steps = Object.entries(LESSON_STEPS).map(([n, name]) => [`step ${n}`, name] as const);
  const keyShares: Rows = [
    ['(any other group).client', DEFAULT_KEY_SHARE_NOTE.client],
    ['(any other group).server', DEFAULT_KEY_SHARE_NOTE.server],
    ...Object.entries(KEY_SHARE_NOTES).flatMap(([g, n]) => {
      const name = groupName(Number(g)).name;
      return [[`${name}.client`, n.client], [`${name}.server`, n.server]] as const;
    }),
  ];
  const extensions: Rows = [
    ['GREASE', GREASE_NOTE],
    ...Object.entries(EXTENSION_NOTES).map(([t, n]) => [extensionName(Number(t)).name, n] as const),
    ...Object.entries(ECH_FIELD_NOTES).map(([f, n]) => [`encrypted_client_hello.${f}`, n] as const),
  ];
  const lab: Rows = LAB_CASES.flatMap((c) => [
    [`${c.name}.title`, c.title],
    [`${c.name}.teaches`, c.teaches],
    [`${c.name}.note`, c.expected.note],
    ...(c.expected.throughTlslab ? [[`${c.name}.throughTlslab`, c.expected.throughTlslab] as const] : []),
    ...(c.expected.readingThis ? [[`${c.name}.readingThis`, c.expected.readingThis] as const] : []),
  ]);
  const mirror: Rows = Object.entries(MIRROR_RULES).flatMap(([code, r]) => ('why' in r ? [[`${code}`, r.why] as const] : []));
  const node: Rows = Object.entries(NODE_ERRORS).map(([code, e]) => [code, e.sentence] as const);
  return [
    INTRO,
    section('The eight steps', '`LESSON_STEPS` in `src/events/schema.ts`', 'The names on the ladder\'s rail.', table('step', steps)),
    section('Lesson notes on messages', '`LESSON_NOTES` in `src/tls/lesson.ts`', 'The note under each handshake message and ChangeCipherSpec, by the case it is for.', table('case', entries(LESSON_NOTES))),
    section('Steps with no message of their own', '`TLS13_STEP_NOTES`, `RSA_STEP_NOTES` in `src/events/ladder-text.ts`', 'Shown in an empty step of a TLS 1.3 leg, or of a leg with RSA key transport.', `${table('TLS 1.3, step', entries(TLS13_STEP_NOTES))}\n\n${table('RSA key transport, step', entries(RSA_STEP_NOTES))}`),
    section('Extensions and fields', '`EXTENSION_NOTES`, `ECH_FIELD_NOTES`, `KEY_SHARE_NOTES` in `src/tls/extension-notes.ts`; `GREASE_NOTE` in `src/tls/names/lookup.ts`', 'The notes in the byte view.', `${table('extension or field', extensions)}\n\n${table('key share', keyShares)}`),
    section('The ladder and the certificate panel', '`LADDER_TEXT`, `COMPLETED_BY_POLICY_NOTE`, `POLICY_NOTE`, `CHAIN_TEXT` in `src/events/ladder-text.ts`', 'What the dashboard says of its own.', `${table('label or note', entries(LADDER_TEXT))}\n\n${table('completed by policy', entries(COMPLETED_BY_POLICY_NOTE))}\n\n${table('policy', entries(POLICY_NOTE))}\n\n${table('certificate panel', entries(CHAIN_TEXT))}`),
    section('How the client reacted', '`CLIENT_OUTCOME_TEXT`, `ALERT_MEANING`, `LEAF_ALERT_MEANING`, `ENCRYPTED_ALERT_WHY` in `src/capture/client-outcome.ts`', 'The explanation of `tls:client-outcome`: `{alert}` is an alert with its meaning (and, when encrypted, why), `{why}` the likely reason.', `${table('outcome', entries(CLIENT_OUTCOME_TEXT))}\n\n${table('alert', entries(ALERT_MEANING))}\n\n${table('alert, with a good tlslab leaf', entries(LEAF_ALERT_MEANING))}\n\n${table('encrypted alert, by version', entries(ENCRYPTED_ALERT_WHY))}`),
    section('How a connection ended', '`TCP_END_TEXT` in `src/capture/tcp-end.ts`; `SUMMARY_TEXT` in `src/events/summary.ts`; `FAILURE_CAUSES` in `src/events/schema.ts`', 'Step 8 as it happened, the summary\'s notes, and each cause.', `${table('peer end', entries(TCP_END_TEXT))}\n\n${table('summary', entries(SUMMARY_TEXT))}\n\n${table('cause', entries(FAILURE_CAUSES))}`),
    section('Certificate findings', '`FINDING_TEXT`, `CHECK_TEXT`, `CERT_PHRASE` in `src/x509/finding-text.ts`; `ACCEPTED_UNDER_USER_ROOT` in `src/x509/browser-rules.ts`; `NODE_ERRORS` in `src/x509/node-errors.ts`', 'What tlslab\'s checks say of each certificate ([findings.md](findings.md) lists the codes), what browsers accept under a root the user added, and Node\'s one error in words.', `${table('finding', entries(FINDING_TEXT))}\n\n${table('passing check', entries(CHECK_TEXT))}\n\n${table('certificate named as', entries(CERT_PHRASE))}\n\n${table('accepted under a user-added root', entries(ACCEPTED_UNDER_USER_ROOT))}\n\n${table('Node error', node)}`),
    section('Pages', '`FAILURE_PAGE_TEXT`, `CA_PAGE_STEPS` in `src/proxy/pages.ts`; the reasons of `MIRROR_RULES` in `src/proxy/mirror-rules.ts`', 'The teaching page (HTTP 502), the CA page at http://tlslab/, and why mirror mode cannot show a flaw.', `${table('teaching page', entries(FAILURE_PAGE_TEXT))}\n\n${table('CA page, trust it', entries(CA_PAGE_STEPS))}\n\n${table('mirror mode cannot', mirror)}`),
    section('The failure lab', '`LAB_CASES` in `src/lab/lab-cases.ts`', 'Each case\'s own page and the CA page\'s list.', table('case', lab)),
  ].join('\n');
}
