// Puts tlslab together: CA, upstream trust, lab origins, event bus, dashboard server, proxy front.
// The CLI's `start` and the integration tests both run tlslab through `startTlslab`.
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import crypto from 'node:crypto';
import type net from 'node:net';
import os from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CertificateAuthority, LeafCache, type MirrorSpec } from './ca';
import { createTrustStore } from './x509';
import { Lab } from './lab';
import { EventBus } from './events/bus';
import { startDashboardServer } from './server';
import { ProxyFront } from './proxy/front';
import { UpstreamPolicyTable } from './proxy/policy';
import { DEFAULT_TIMEOUTS, type ProxyContext, type Timeouts } from './proxy/context';
import { caPage, type CaPageInput } from './proxy/pages';
import type { ConnectionSession } from './capture/session';
import { CaptureStore, type CaptureStoreOptions } from './capture/capture-store';
import { EventDetails } from './capture/event-details';
import { TlslabError } from './errors';
import { silentLogger, type Logger } from './log';
import { SessionRecorder, type RecorderStats } from './record/session-recorder';
import { KeyLogFile } from './record/keylog-file';
import { SessionExports } from './record/session-exports';
import { checkClassCode, generateClassCode, hostPort, lanAddresses, parseAllowClients, type CidrSet, type ShareLimits } from './classroom';
import { sendRawAnswer } from './proxy/front-pages';
import { localHost } from './proxy/classroom-gate';
import { IgnoredHosts } from './proxy/ignore-hosts';
import { LessonService, loadLessonsOrThrow } from './lessons';
import { keyScheduleOfConnection } from './tls/key-schedule';

export const REPO_ROOT = path.resolve(__dirname, '..');

export interface TlslabOptions {
  host?: string;
  port?: number;
  uiHost?: string;
  /** Dashboard port; `false` runs without a dashboard. */
  uiPort?: number | false;
  certsDir?: string;
  /** Extra PEM files trusted for upstream verification. */
  upstreamCa?: string[];
  /** `--upstream-failure` values: `MODE` or `HOST=MODE`. */
  upstreamFailure?: string[];
  lab?: boolean;
  slowHandshakeMs?: number;
  /** Token required by the dashboard (generated when the dashboard binds beyond loopback). */
  token?: string;
  history?: number;
  timeouts?: Partial<Timeouts>;
  log?: Logger;
  /**
   * Classroom mode: everyone signs in to the proxy (name + class code), the proxy listens on every interface unless
   * `host` says otherwise, the dashboard on loopback unless `uiHost` says otherwise.
   */
  classroom?: boolean;
  /** The class code (`--class-code`); generated when absent. Classroom mode only. */
  classCode?: string;
  /** `--allow-client` CIDR blocks: clients from these public addresses may use a proxy that listens beyond loopback. */
  allowClients?: string[];
  /** Per-student limits in classroom mode (default DEFAULT_SHARE_LIMITS). */
  shareLimits?: ShareLimits;
  /** `--record FILE`: every intercepted TLS connection's bytes (both legs, with their key logs) and every connection's facts and the proxy's decisions, into a pcapng (0600). */
  record?: string;
  /** `--keylog FILE`: both legs' NSS key-log lines, appended as they come (0600). */
  keylog?: string;
  /** `--lessons DIR`: a teacher's lesson folders, served beside the shipped lessons (checked at start). */
  lessonDirs?: string[];
  /** `--ignore-host PATTERN`: CONNECT targets relayed untouched, never listed (glob or /regex/: src/proxy/ignore-hosts.ts). */
  ignoreHosts?: string[];
  /**
   * What the live events carry (default `live`): `live` leaves record and handshake bytes and field trees out of the
   * stream (`deferred`), built from the kept bytes when a view opens the connection; `full` puts them in every event
   * (the history and every viewer then carry them for every connection).
   */
  eventDetail?: 'live' | 'full';
  /** Bounds of the raw bytes kept per connection for exports and for the details views ask for (CAPTURE_STORE_DEFAULTS). */
  keptCaptures?: CaptureStoreOptions;
}

export interface RunningTlslab {
  proxyHost: string;
  proxyPort: number;
  /** `http://127.0.0.1:8080` */
  proxyUrl: string;
  /** The dashboard's address without the token (null without a dashboard): safe in logs and pages. */
  dashboardUrl: string | null;
  /** The dashboard link that signs a browser in (carries `?token=` when there is a token): the instructor's alone. */
  dashboardLoginUrl: string | null;
  token: string | null;
  ca: CertificateAuthority;
  lab: Lab | null;
  bus: EventBus;
  /** PEM trust anchors used upstream (system roots not included). */
  extraTrust: string[];
  /** Classroom mode's class code; null outside classroom mode. */
  classroom: { code: string } | null;
  /** The `--record` file's figures so far; null when not recording. */
  recording: (() => RecorderStats) | null;
  /** Tunnels relayed untouched because of `--ignore-host` (never listed, so counted here). */
  ignoredTunnels(): number;
  /** Stops everything; calling it again waits for the same close. */
  close(): Promise<void>;
}

const isLoopback = (h: string): boolean => h === 'localhost' || h === '::1' || h.startsWith('127.');

/** Every interface: IPv6 and IPv4 on one socket (`::`, dual stack) where the machine has IPv6, else IPv4 only. */
export function allInterfaces(): string {
  const hasIpv6 = Object.values(os.networkInterfaces()).some((infos) => infos?.some((i) => i.family === 'IPv6'));
  return hasIpv6 ? '::' : '0.0.0.0';
}

/** The classroom settings from the options: the class code (checked or generated) and the `--allow-client` blocks. */
function classroomSettings(opts: TlslabOptions): { code: string | null; allowClients: CidrSet | undefined } {
  const allow = parseAllowClients(opts.allowClients ?? []);
  if (!allow.ok) throw new TlslabError('TLSLAB_ERR_USAGE', allow.messages.join('; '));
  if (opts.classCode !== undefined && !opts.classroom) throw new TlslabError('TLSLAB_ERR_USAGE', '--class-code needs --classroom');
  if (!opts.classroom) return { code: null, allowClients: allow.set };
  if (opts.classCode === undefined) return { code: generateClassCode(), allowClients: allow.set };
  const checked = checkClassCode(opts.classCode);
  if (!checked.ok) throw new TlslabError('TLSLAB_ERR_USAGE', checked.message);
  return { code: checked.code, allowClients: allow.set };
}

/** Reads `--upstream-ca` files and NODE_EXTRA_CA_CERTS; a missing or empty file is a clear error. */
export function readTrustFiles(files: readonly string[]): string[] {
  const pems: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (err) {
      throw new TlslabError('TLSLAB_ERR_UPSTREAM_CA_FILE', `cannot read the upstream CA file ${f}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new TlslabError('TLSLAB_ERR_UPSTREAM_CA_FILE', `the upstream CA file ${f} holds no PEM certificate`);
    }
    pems.push(text);
  }
  return pems;
}

export async function startTlslab(opts: TlslabOptions = {}): Promise<RunningTlslab> {
  const log = opts.log ?? silentLogger();
  const classroom = classroomSettings(opts);
  const host = opts.host ?? (opts.classroom ? allInterfaces() : '127.0.0.1');
  // In classroom mode the instructor's dashboard stays on this machine (the projector); students have their own view.
  const uiHost = opts.uiHost ?? (opts.classroom ? '127.0.0.1' : host);
  const certsDir = path.resolve(opts.certsDir ?? path.join(REPO_ROOT, 'certs'));
  const ca = await CertificateAuthority.loadOrCreate(certsDir, { log });
  const leaves = new LeafCache(ca);
  // Mirror mode's extra keys (RSA-1024, an intermediate) are made on the thread pool, off the first connection's path.
  ca.prepareMirror().catch((err: unknown) => log.warn({ err: String(err) }, 'mirror keys could not be prepared'));
  const policy = UpstreamPolicyTable.parse(opts.upstreamFailure ?? []);
  const ignored = IgnoredHosts.parse(opts.ignoreHosts ?? []);

  const extraFiles = [...(opts.upstreamCa ?? [])];
  if (process.env.NODE_EXTRA_CA_CERTS) extraFiles.push(process.env.NODE_EXTRA_CA_CERTS);
  const extraTrust = readTrustFiles(extraFiles);

  const lab = opts.lab === false ? null : await Lab.start({ certsDir, slowHandshakeMs: opts.slowHandshakeMs, log });
  if (lab) extraTrust.push(lab.rootPem);
  const trust = createTrustStore({ system: true, extraPems: extraTrust });
  const trustPems = [...tls.rootCertificates, ...extraTrust];

  const bus = new EventBus({ history: opts.history });
  let lessons: LessonService;
  try {
    lessons = new LessonService(loadLessonsOrThrow(opts.lessonDirs ?? []));
  } catch (err) {
    await lab?.close();
    throw err;
  }
  let recorder: SessionRecorder | null = null;
  let keylog: KeyLogFile | null = null;
  try {
    if (opts.record) recorder = new SessionRecorder(opts.record, bus, { trust: extraTrust, log });
    if (opts.keylog) keylog = new KeyLogFile(opts.keylog);
  } catch (err) {
    await recorder?.close();
    await lab?.close();
    throw err;
  }
  bus.subscribe((e) => {
    // One info line per connection, when it ends; the details are events (and debug lines).
    if (e.type !== 'conn:close') return;
    const s = bus.summary(e.conn);
    log.info({
      conn: e.conn,
      target: s ? `${s.target.host}:${s.target.port}` : undefined,
      status: s?.status,
      failedLeg: s?.failedLeg ?? undefined,
      cause: e.cause,
      codes: s?.legs.upstream.verdict?.codes.length ? s.legs.upstream.verdict.codes : undefined,
      client: s?.clientOutcome ?? undefined,
      ms: Math.round(e.durationMs),
    }, 'connection');
  });
  // The last connections' raw legs, for "Open in Wireshark" and the session exports (pcapng, HAR).
  const captures = new CaptureStore(opts.keptCaptures);
  const exports = new SessionExports(bus, captures, extraTrust);
  // The live decoders leave record and message bytes out of events (`detail: 'live'`); a view that opens a connection
  // gets them from its kept legs.
  const details = new EventDetails(captures);
  let token: string | null = opts.token ?? null;
  let dashboard: Awaited<ReturnType<typeof startDashboardServer>> | null = null;
  if (opts.uiPort !== false) {
    if (!token && !isLoopback(uiHost)) token = crypto.randomBytes(18).toString('base64url');
    dashboard = await startDashboardServer({
      bus, host: uiHost, port: opts.uiPort ?? 8081, token: token ?? undefined, log, pcapng: (id) => exports.pcapng([id]), exports,
      lessons, details: (id, events) => details.fill(id, events), keySchedule: (id) => {
        const kept = captures.get(id);
        return kept ? keyScheduleOfConnection(id, kept) : null;
      },
      // A student's view links the CA page at /ca (the instructor's dashboard is not theirs to open: not named there).
      caPage: (req) => caPage(caPageInput({ ca, lab, dashboardUrl: null, dashboardLocked: true, proxy: `http://${hostPort(shownHost(req, host), front.port)}` })),
    });
  }
  const dashboardUrl = dashboard ? dashboard.url : null;
  const dashboardLocked = token !== null;

  const sessions = new Map<ConnectionSession, net.Socket>();
  const mirrorCache = new Map<string, tls.SecureContext>();
  const ctx: ProxyContext = {
    bus,
    log,
    ca,
    leaves,
    trust,
    trustPems,
    lab,
    policy,
    ignored,
    dashboardUrl,
    timeouts: { ...DEFAULT_TIMEOUTS, ...opts.timeouts },
    sessionOptions: { decoder: { detail: opts.eventDetail ?? 'live' } },
    track(session, socket) {
      sessions.set(session, socket);
      recorder?.watch(session, socket);
      keylog?.watch(session);
      captures.add(session.id, session, {
        browser: { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
        proxy: { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
      });
      socket.once('close', () => {
        sessions.delete(session);
        captures.markClosed(session.id);
      });
    },
    trackRaw(session, client, upstream, first) {
      recorder?.watchRaw(session, client, upstream, first);
    },
    magic: (req, res, student) => {
      // A signed-in student's http://tlslab/ is their own view; the CA files are the same for everyone.
      if (student !== null && ctx.studentView && !isCaFile(req.url)) return ctx.studentView(req, res, student);
      serveMagic(req, res, { ca, lab, dashboardUrl, dashboardLocked, proxy: `http://${hostPort(shownHost(req, host), front.port)}` });
    },
    // Through the proxy, a signed-in student's http://tlslab/ is the dashboard app scoped to their own connections.
    ...(dashboard ? { studentView: dashboard.studentView.bind(dashboard), studentViewUpgrade: dashboard.studentViewUpgrade.bind(dashboard) } : {}),
    upgrade: (req, socket, head, student) => {
      if (student !== null && ctx.studentViewUpgrade) return ctx.studentViewUpgrade(req, socket, head, student);
      sendRawAnswer(socket, { status: 400, code: 'TLSLAB_ERR_BAD_TARGET', text: "tlslab's own pages (http://tlslab/) have no WebSocket." });
    },
    mirrorContext(spec: MirrorSpec) {
      const key = JSON.stringify(spec);
      let sc = mirrorCache.get(key);
      if (!sc) {
        const issued = ca.issueMirror(spec);
        sc = tls.createSecureContext({ cert: [issued.certPem, ...issued.chainPem].join('\n'), key: issued.keyPem, ciphers: 'DEFAULT:@SECLEVEL=0' });
        if (mirrorCache.size > 500) mirrorCache.clear();
        mirrorCache.set(key, sc);
      }
      return sc;
    },
  };

  const front = new ProxyFront(ctx, {
    host,
    port: opts.port ?? 8080,
    gate: {
      classCode: classroom.code,
      exposed: !isLoopback(host),
      allowClients: classroom.allowClients,
      otherOwnPorts: dashboard ? [dashboard.port] : [],
      shareLimits: opts.shareLimits,
      // Where a request for tlslab's own port is pointed instead: a student's view, or the dashboard.
      viewUrl: classroom.code !== null ? 'http://tlslab/' : (dashboardUrl ?? 'http://tlslab/'),
    },
  });
  try {
    await front.listen();
  } catch (err) {
    await dashboard?.close();
    await lab?.close();
    await recorder?.close();
    await keylog?.close();
    throw err;
  }
  const proxyUrl = `http://${host.includes(':') ? `[${host}]` : host}:${front.port}`;
  log.info({ proxy: proxyUrl, dashboard: dashboardUrl, ca: path.join(certsDir, 'tlslab-ca.pem'), classroom: classroom.code !== null }, 'tlslab started');
  // Closing twice (a signal during a close, a test that closed early) waits for the one close.
  let closing: Promise<void> | null = null;
  return {
    proxyHost: host,
    proxyPort: front.port,
    proxyUrl,
    dashboardUrl,
    dashboardLoginUrl: dashboard ? dashboard.loginUrl : null,
    token,
    ca,
    lab,
    bus,
    extraTrust,
    classroom: classroom.code === null ? null : { code: classroom.code },
    recording: recorder ? () => recorder.stats() : null,
    ignoredTunnels: () => ignored.count,
    close() {
      closing ??= (async () => {
        for (const s of sessions.values()) s.destroy();
        await front.close();
        await recorder?.close();
        await keylog?.close();
        await dashboard?.close();
        await lab?.close();
      })();
      return closing;
    },
  };
}

interface MagicInput {
  ca: CertificateAuthority;
  lab: Lab | null;
  dashboardUrl: string | null;
  /** The dashboard asks for the access token. */
  dashboardLocked: boolean;
  proxy: string;
}

/** The proxy's address to show a client: the one it reached when the proxy listens on every interface. */
function shownHost(req: IncomingMessage, host: string): string {
  if (host !== '::' && host !== '0.0.0.0') return host;
  // Inside a tunnel (https://tlslab/) the socket is a tap, which has no address: the first LAN address then.
  return req.socket.localAddress ? localHost(req.socket) : (lanAddresses(os.networkInterfaces())[0] ?? '127.0.0.1');
}

const CA_FILES = ['/tlslab-ca.pem', '/tlslab-ca.crt', '/tlslab-ca.der'];

/** The CA certificate's download paths (absolute form or origin form, query ignored). */
function isCaFile(url: string | undefined): boolean {
  return CA_FILES.includes((url ?? '/').replace(/^https?:\/\/[^/]+/, '').split('?')[0] ?? '');
}

/** What the CA page shows: the CA, the dashboard (never its token), the proxy, the lab origins. */
function caPageInput(m: MagicInput): CaPageInput {
  return {
    fingerprint256: m.ca.fingerprint256,
    subject: m.ca.subject,
    notAfter: m.ca.notAfter,
    dashboard: m.dashboardUrl ? { url: m.dashboardUrl, locked: m.dashboardLocked } : undefined,
    proxy: m.proxy,
    lab: m.lab?.cases.map((c) => ({ name: c.name, host: c.host, teaches: c.teaches })),
  };
}

/** http://tlslab/ : the CA page and the CA certificate (never a key). */
function serveMagic(req: IncomingMessage, res: ServerResponse, m: MagicInput): void {
  const url = (req.url ?? '/').replace(/^https?:\/\/[^/]+/, '').split('?')[0];
  const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', ...extra });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  switch (url) {
    case '/':
    case '/index.html':
      send(200, 'text/html; charset=utf-8', caPage(caPageInput(m)));
      return;
    case '/tlslab-ca.pem':
      send(200, 'application/x-pem-file', m.ca.certPem, { 'Content-Disposition': 'attachment; filename="tlslab-ca.pem"' });
      return;
    case '/tlslab-ca.crt':
      send(200, 'application/x-x509-ca-cert', m.ca.certPem, { 'Content-Disposition': 'attachment; filename="tlslab-ca.crt"' });
      return;
    case '/tlslab-ca.der':
      send(200, 'application/x-x509-ca-cert', m.ca.certDer, { 'Content-Disposition': 'attachment; filename="tlslab-ca.der"' });
      return;
    default:
      send(404, 'text/plain; charset=utf-8', 'tlslab: not found. Try http://tlslab/\n');
  }
}
