// Connections' HTTP exchanges as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), from tlslab's events:
// requests and responses of HTTP/1.x and HTTP/2, their times, and the TLS of each leg. Pure; no I/O.
import type { HttpRequestEvent, HttpResponseEvent, Leg, TlslabEvent } from '../events/schema';
import type { ConnectionSummary, LegSummary } from '../events/stream';

export interface HarNameValue {
  name: string;
  value: string;
}

/** HAR 1.2 §entries: what tlslab fills in (optional fields it has no value for are left out, or -1 where the spec says so). */
export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: HarNameValue[];
    headers: HarNameValue[];
    queryString: HarNameValue[];
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: HarNameValue[];
    headers: HarNameValue[];
    content: { size: number; mimeType: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
  };
  cache: Record<string, never>;
  timings: { blocked: number; dns: number; connect: number; send: number; wait: number; receive: number; ssl: number };
  serverIPAddress?: string;
  connection: string;
  comment?: string;
  /** tlslab's own fields (HAR allows custom fields that start with an underscore). */
  _tlslab: {
    conn: string;
    /** The TLS of each leg: the browser's with tlslab, tlslab's with the server. */
    tls: Record<Leg, { version: string | null; cipherSuite: string | null; alpn: string | null }>;
    /** How the connection ended, as the dashboard shows it. */
    status: ConnectionSummary['status'];
  };
}

export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    entries: HarEntry[];
    comment: string;
  };
}

/** One connection: its summary and its events (the bus history). */
export interface HarConnection {
  summary: ConnectionSummary;
  events: readonly TlslabEvent[];
}

const pairs = (headers: readonly [string, string][]): HarNameValue[] => headers.map(([name, value]) => ({ name, value }));

function header(headers: readonly [string, string][], name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function legTls(l: LegSummary): { version: string | null; cipherSuite: string | null; alpn: string | null } {
  return { version: l.version?.name ?? null, cipherSuite: l.cipherSuite?.name ?? null, alpn: l.alpn };
}

/** The request's URL, absolute: HTTP/1.x sends a path in a tunnel; the scheme and host are the connection's. */
export function absoluteUrl(s: ConnectionSummary, via: string, url: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  const scheme = via === 'websocket' ? 'ws' : via === 'http' ? 'http' : 'https';
  const host = s.sni ?? s.target.host;
  const defaultPort = scheme === 'https' ? 443 : 80;
  const hostText = host.includes(':') ? `[${host}]` : host;
  const port = s.target.port === defaultPort || s.target.port === 0 ? '' : `:${s.target.port}`;
  return `${scheme}://${hostText}${port}${url.startsWith('/') ? url : `/${url}`}`;
}

function queryOf(url: string): HarNameValue[] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  const out: HarNameValue[] = [];
  for (const part of url.slice(q + 1).split('#')[0]?.split('&') ?? []) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (x: string): string => {
      try {
        return decodeURIComponent(x.replace(/\+/g, ' '));
      } catch {
        return x;
      }
    };
    out.push({ name: decode(eq < 0 ? part : part.slice(0, eq)), value: eq < 0 ? '' : decode(part.slice(eq + 1)) });
  }
  return out;
}

const ms = (v: number): number => Math.max(0, Math.round(v * 1000) / 1000);

/**
 * The HAR of `conns`, one entry per `http:request`, oldest first. Headers and URLs are as the events carry them:
 * credentials are already `[redacted]` there (docs/events.md, Secrets in events), so the HAR holds none. A request
 * with no response (the connection ended first) has status 0, as browsers write it.
 */
export function buildHar(conns: readonly HarConnection[], creator: { name: string; version: string }): Har {
  const entries: { t: number; e: HarEntry }[] = [];
  for (const { summary: s, events } of conns) {
    const open = events.find((e) => e.type === 'conn:open');
    const via = open?.type === 'conn:open' ? open.via : 'connect';
    const upstream = events.find((e) => e.type === 'conn:upstream');
    const server = upstream?.type === 'conn:upstream' ? upstream.remote.address : undefined;
    const responses = new Map<number, HttpResponseEvent>();
    for (const e of events) if (e.type === 'http:response' && !responses.has(e.id)) responses.set(e.id, e);
    const tls = { client: legTls(s.legs.client), upstream: legTls(s.legs.upstream) };
    for (const e of events) {
      if (e.type !== 'http:request') continue;
      const req: HttpRequestEvent = e;
      const res = responses.get(req.id);
      const version = `HTTP/${req.httpVersion}`;
      const wait = res ? ms(res.t - req.t) : 0;
      const url = absoluteUrl(s, via, req.url);
      entries.push({
        t: req.t,
        e: {
          startedDateTime: new Date(req.t).toISOString(),
          time: wait,
          request: { method: req.method, url, httpVersion: version, cookies: [], headers: pairs(req.headers), queryString: queryOf(url), headersSize: -1, bodySize: -1 },
          response: res
            ? {
                status: res.status,
                statusText: res.statusText,
                httpVersion: version,
                cookies: [],
                headers: pairs(res.headers),
                content: { size: res.bodyBytes, mimeType: header(res.headers, 'content-type') ?? 'x-unknown' },
                redirectURL: header(res.headers, 'location') ?? '',
                headersSize: -1,
                bodySize: res.bodyBytes,
              }
            : { status: 0, statusText: '', httpVersion: version, cookies: [], headers: [], content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: -1 },
          cache: {},
          // tlslab sees the request head and the end of the response: the time between is `wait`.
          timings: { blocked: -1, dns: -1, connect: -1, send: 0, wait, receive: 0, ssl: -1 },
          ...(server ? { serverIPAddress: server } : {}),
          connection: s.id,
          ...(res ? {} : { comment: 'No response was seen: the connection ended (or the recording stopped) before one.' }),
          _tlslab: { conn: s.id, tls, status: s.status },
        },
      });
    }
  }
  entries.sort((a, b) => a.t - b.t);
  return {
    log: {
      version: '1.2',
      creator,
      entries: entries.map((x) => x.e),
      comment: 'Exported by tlslab. Credentials (cookies, authorization, tokens…) are masked as [redacted], as on the dashboard.',
    },
  };
}
