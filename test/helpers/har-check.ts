// A structural check of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), written from the spec: every
// required field present with its type, optional ones typed when present, custom fields prefixed with `_`, and
// `time` the sum of the timings that apply. Returns the problems found (none: a valid HAR).

type Obj = Record<string, unknown>;
type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** ISO 8601 with time and zone, as the spec asks for `startedDateTime`. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

class Checker {
  readonly problems: string[] = [];

  need(o: Obj, at: string, fields: Record<string, Kind>, optional: Record<string, Kind> = {}): void {
    for (const [k, t] of Object.entries(fields)) {
      if (!(k in o)) this.problems.push(`${at}.${k} is required`);
      else this.type(o[k], t, `${at}.${k}`);
    }
    for (const [k, t] of Object.entries(optional)) if (k in o && o[k] !== undefined) this.type(o[k], t, `${at}.${k}`);
    for (const k of Object.keys(o)) if (!(k in fields) && !(k in optional) && k !== 'comment' && !k.startsWith('_')) this.problems.push(`${at}.${k} is not a HAR 1.2 field (custom fields start with _)`);
    if ('comment' in o && typeof o.comment !== 'string') this.problems.push(`${at}.comment must be a string`);
  }

  type(v: unknown, t: Kind, at: string): void {
    const ok = t === 'array' ? Array.isArray(v) : t === 'object' ? isObj(v) : typeof v === t && (t !== 'number' || Number.isFinite(v));
    if (!ok) this.problems.push(`${at} must be ${t === 'array' ? 'an array' : `a ${t}`}`);
  }

  pairs(v: unknown, at: string): void {
    if (!Array.isArray(v)) return;
    v.forEach((p, i) => (isObj(p) ? this.need(p, `${at}[${i}]`, { name: 'string', value: 'string' }) : this.problems.push(`${at}[${i}] must be an object`)));
  }

  cookies(v: unknown, at: string): void {
    if (!Array.isArray(v)) return;
    v.forEach((c, i) =>
      isObj(c)
        ? this.need(c, `${at}[${i}]`, { name: 'string', value: 'string' }, { path: 'string', domain: 'string', expires: 'string', httpOnly: 'boolean', secure: 'boolean' })
        : this.problems.push(`${at}[${i}] must be an object`),
    );
  }
}

export function harProblems(har: unknown): string[] {
  const c = new Checker();
  if (!isObj(har) || !isObj(har.log)) return ['log is required and must be an object'];
  const log = har.log;
  c.need(log, 'log', { version: 'string', creator: 'object', entries: 'array' }, { browser: 'object', pages: 'array' });
  if (log.version !== '1.2') c.problems.push(`log.version is ${JSON.stringify(log.version)}, expected "1.2"`);
  if (isObj(log.creator)) c.need(log.creator, 'log.creator', { name: 'string', version: 'string' });
  if (isObj(log.browser)) c.need(log.browser, 'log.browser', { name: 'string', version: 'string' });
  const pageIds = new Set<string>();
  if (Array.isArray(log.pages)) {
    log.pages.forEach((p, i) => {
      if (!isObj(p)) return void c.problems.push(`log.pages[${i}] must be an object`);
      c.need(p, `log.pages[${i}]`, { startedDateTime: 'string', id: 'string', title: 'string', pageTimings: 'object' });
      if (typeof p.id === 'string') pageIds.add(p.id);
    });
  }
  (Array.isArray(log.entries) ? log.entries : []).forEach((e, i) => {
    const at = `log.entries[${i}]`;
    if (!isObj(e)) return void c.problems.push(`${at} must be an object`);
    c.need(e, at, { startedDateTime: 'string', time: 'number', request: 'object', response: 'object', cache: 'object', timings: 'object' }, { pageref: 'string', serverIPAddress: 'string', connection: 'string' });
    if (typeof e.startedDateTime === 'string' && !ISO.test(e.startedDateTime)) c.problems.push(`${at}.startedDateTime is not ISO 8601: ${e.startedDateTime}`);
    if (typeof e.pageref === 'string' && !pageIds.has(e.pageref)) c.problems.push(`${at}.pageref names no page`);
    if (isObj(e.request)) {
      const r = e.request;
      c.need(r, `${at}.request`, { method: 'string', url: 'string', httpVersion: 'string', cookies: 'array', headers: 'array', queryString: 'array', headersSize: 'number', bodySize: 'number' }, { postData: 'object' });
      if (typeof r.url === 'string') {
        try {
          new URL(r.url); // the spec asks for an absolute URL
        } catch {
          c.problems.push(`${at}.request.url is not an absolute URL: ${r.url}`);
        }
      }
      c.cookies(r.cookies, `${at}.request.cookies`);
      c.pairs(r.headers, `${at}.request.headers`);
      c.pairs(r.queryString, `${at}.request.queryString`);
      if (isObj(r.postData)) c.need(r.postData, `${at}.request.postData`, { mimeType: 'string' }, { params: 'array', text: 'string' });
    }
    if (isObj(e.response)) {
      const r = e.response;
      c.need(r, `${at}.response`, { status: 'number', statusText: 'string', httpVersion: 'string', cookies: 'array', headers: 'array', content: 'object', redirectURL: 'string', headersSize: 'number', bodySize: 'number' });
      c.cookies(r.cookies, `${at}.response.cookies`);
      c.pairs(r.headers, `${at}.response.headers`);
      if (isObj(r.content)) c.need(r.content, `${at}.response.content`, { size: 'number', mimeType: 'string' }, { compression: 'number', text: 'string', encoding: 'string' });
    }
    if (isObj(e.cache)) c.need(e.cache, `${at}.cache`, {}, { beforeRequest: 'object', afterRequest: 'object' });
    if (isObj(e.timings)) {
      const t = e.timings;
      c.need(t, `${at}.timings`, { send: 'number', wait: 'number', receive: 'number' }, { blocked: 'number', dns: 'number', connect: 'number', ssl: 'number' });
      for (const k of ['send', 'wait', 'receive']) if (typeof t[k] === 'number' && (t[k]) < 0) c.problems.push(`${at}.timings.${k} must not be negative`);
      for (const k of ['blocked', 'dns', 'connect', 'ssl']) if (typeof t[k] === 'number' && (t[k]) < -1) c.problems.push(`${at}.timings.${k} must be -1 or more`);
      // time: the sum of the timings that apply; ssl is part of connect, so it is not added again.
      const sum = ['blocked', 'dns', 'connect', 'send', 'wait', 'receive'].reduce((s, k) => s + (typeof t[k] === 'number' && (t[k]) >= 0 ? (t[k]) : 0), 0);
      if (typeof e.time === 'number' && Math.abs(e.time - sum) > 0.01) c.problems.push(`${at}.time is ${e.time}, the timings add up to ${sum}`);
    }
  });
  return c.problems;
}
