// The redaction module: which names are credentials, URLs and header values as events show them, and the byte
// maskers that previews of decrypted data go through (HTTP/1 lines, HTTP/2 frames recorded from real Node peers).
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import path from 'node:path';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { CREDENTIAL_NAMES, isCredentialName, redactParams, redactUrl, shownHeaderValue } from '../../../src/capture/redact';
import { AppDataMasker, H2Masker, LineMasker, MASK } from '../../../src/capture/redact-bytes';

const stars = (s: string): string => '*'.repeat(s.length);

/** Runs a fresh masker over `chunks` (each shown whole); returns the concatenated masked text. */
function maskChunks(masker: LineMasker | H2Masker, chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks.map((c) => {
    const out = Buffer.from(c);
    masker.run(c, out);
    return out;
  }));
}

function splitAt(b: Buffer, points: number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => p % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...cuts, b.length]) {
    out.push(b.subarray(from, c));
    from = c;
  }
  return out;
}

describe('credential names (one table for headers and parameters)', () => {
  it('matches exact names and suffixes after normalizing', () => {
    for (const n of ['token', 'access_token', 'Refresh-Token', 'id_token', 'X-CSRF-Token', 'X-Amz-Security-Token', 'accessToken',
      'client_secret', 'password', 'new_password', 'passwd', 'pwd', 'api_key', 'apikey', 'X-Api-Key', 'key', 'auth', 'sig',
      'X-Amz-Signature', 'X-Amz-Credential', 'session', 'sid', 'JSESSIONID', 'PHPSESSID', 'sessionid', 'code', 'jwt',
      'Authorization', 'proxy-authorization', 'Cookie', 'Set-Cookie', 'user%5Bpassword%5D', 'user[password]', '%74oken']) {
      expect([n, isCredentialName(n)]).toEqual([n, true]);
    }
  });

  it('leaves ordinary names alone', () => {
    for (const n of ['Sec-WebSocket-Key', 'Content-Type', 'monkey', 'keyboard', 'Access-Control-Allow-Credentials', 'max-age',
      'q', 'page', 'Accept', 'Host', 'tokens', 'codec', 'session_count', 'signed', 'Sec-WebSocket-Accept', '']) {
      expect([n, isCredentialName(n)]).toEqual([n, false]);
    }
  });

  it('docs/events.md lists the table as it is', () => {
    const doc = readFileSync(path.resolve(__dirname, '../../../docs/events.md'), 'utf8').replace(/\s+/g, ' ');
    const m = /is one of (.+?), or ends in (.+?)\. So/.exec(doc);
    expect(m).not.toBeNull();
    const names = (text: string): string[] => [...text.matchAll(/`([a-z0-9]+)`/g)].map((x) => x[1]).sort();
    const table = Object.entries(CREDENTIAL_NAMES);
    expect(names((m as RegExpExecArray)[1])).toEqual(table.filter(([, k]) => k === 'exact').map(([n]) => n).sort());
    expect(names((m as RegExpExecArray)[2])).toEqual(table.filter(([, k]) => k === 'suffix').map(([n]) => n).sort());
  });

  it('is one table of exact or suffix rules', () => {
    expect(Object.values(CREDENTIAL_NAMES).every((m) => m === 'exact' || m === 'suffix')).toBe(true);
    for (const name of Object.keys(CREDENTIAL_NAMES)) expect(isCredentialName(name)).toBe(true);
  });
});

describe('URLs and header values in events', () => {
  it('redacts credential parameters, keeping everything else as sent', () => {
    expect(redactUrl('/a?token=abc&x=1')).toBe('/a?token=[redacted]&x=1');
    expect(redactUrl('https://h.example/p?x=1&Access_Token=ab%2Fc==#frag')).toBe('https://h.example/p?x=1&Access_Token=[redacted]#frag');
    expect(redactUrl('/cb?state=s1&code=QQQ')).toBe('/cb?state=s1&code=[redacted]');
    // `?` may appear inside a query value (RFC 3986 §3.4), so it does not end one: what follows is masked with it.
    expect(redactUrl('/x;jsessionid=ABC123?y=2')).toBe('/x;jsessionid=[redacted]');
    expect(redactUrl('/next?to=/b?password=pw')).toBe('/next?to=/b?password=[redacted]');
    expect(redactUrl('/f?user%5Bpassword%5D=pw&a=b')).toBe('/f?user%5Bpassword%5D=[redacted]&a=b');
    expect(redactUrl('/plain?page=2&q=token')).toBe('/plain?page=2&q=token');
    expect(redactUrl('/empty?token=&a=1')).toBe('/empty?token=&a=1');
    expect(redactUrl('example.com:443')).toBe('example.com:443');
  });

  it('redacts userinfo', () => {
    expect(redactUrl('http://alice:pw@h.example/x')).toBe('http://[redacted]@h.example/x');
    expect(redactUrl('https://ghp_abc@h.example/')).toBe('https://[redacted]@h.example/');
  });

  it('shows credential headers as [redacted] and masks credential parameters inside other values', () => {
    expect(shownHeaderValue('Cookie', 'a=1')).toBe('[redacted]');
    expect(shownHeaderValue('x-api-key', 'k')).toBe('[redacted]');
    expect(shownHeaderValue('Referer', 'https://r.example/?token=T&x=1')).toBe('https://r.example/?token=[redacted]&x=1');
    expect(shownHeaderValue('Location', '/cb?code=C')).toBe('/cb?code=[redacted]');
    expect(shownHeaderValue('Content-Type', 'text/html; charset=utf-8')).toBe('text/html; charset=utf-8');
    expect(shownHeaderValue('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==')).toBe('dGhlIHNhbXBsZSBub25jZQ==');
  });

  it('finds JSON credentials too', () => {
    expect(redactParams('{"access_token":"ab\\"c","n":1}')).toBe('{"access_token":"[redacted]","n":1}');
    expect(redactParams('{"password": 1234, "user": "bob"}')).toBe('{"password": [redacted], "user": "bob"}');
    expect(redactParams('{"name": "token"}')).toBe('{"name": "token"}');
  });
});

const HEAD = [
  'GET /p?a=1&token=SEKRIT&b=2 HTTP/1.1',
  'Host: x',
  'Cookie: sid=abc; t=1',
  'Authorization: Bearer XYZ',
  'Referer: https://r/?code=QQ',
  'X-Long: a',
  ' folded',
  'Proxy-Authorization:  Basic Zm9v',
  '  continued',
  'X-Api-Key:K1',
  '',
  'password=hunter2&user=bob',
].join('\r\n');

const HEAD_MASKED = [
  `GET /p?a=1&token=${stars('SEKRIT')}&b=2 HTTP/1.1`,
  'Host: x',
  `Cookie: ${stars('sid=abc; t=1')}`,
  `Authorization: ${stars('Bearer XYZ')}`,
  'Referer: https://r/?code=**',
  'X-Long: a',
  ' folded',
  `Proxy-Authorization:  ${stars('Basic Zm9v')}`,
  stars('  continued'),
  'X-Api-Key:**',
  '',
  `password=${stars('hunter2')}&user=bob`,
].join('\r\n');

describe('LineMasker (HTTP/1.x and other text)', () => {
  it('masks credential header values (with obs-fold lines) and credential parameters, in place', () => {
    expect(maskChunks(new LineMasker(), [Buffer.from(HEAD, 'latin1')]).toString('latin1')).toBe(HEAD_MASKED);
  });

  it('gives the same bytes however the stream is split', () => {
    const whole = Buffer.from(HEAD, 'latin1');
    for (let cut = 0; cut <= whole.length; cut++) {
      expect(maskChunks(new LineMasker(), [whole.subarray(0, cut), whole.subarray(cut)]).toString('latin1')).toBe(HEAD_MASKED);
    }
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 12 }), (points) => {
      expect(maskChunks(new LineMasker(), splitAt(whole, points)).toString('latin1')).toBe(HEAD_MASKED);
    }));
  });

  it('masks a preview shorter than its record as the whole record would be masked, and keeps its state', () => {
    const whole = Buffer.from(`${HEAD}\r\n${HEAD}\r\n`, 'latin1');
    for (const max of [0, 10, 40, 100, whole.length]) {
      const m = new LineMasker();
      const first = Buffer.from(whole.subarray(0, max));
      m.run(whole, first);
      expect(first.toString('latin1')).toBe(`${HEAD_MASKED}\r\n${HEAD_MASKED}\r\n`.slice(0, max));
      const next = Buffer.from('Cookie: again\r\n');
      m.run(Buffer.from('Cookie: again\r\n'), next);
      expect(next.toString('latin1')).toBe('Cookie: *****\r\n');
    }
  });

  it('a percent-escape in a parameter name split across chunks still decodes (token%5B=…)', () => {
    const whole = Buffer.from('token%5B=secret&a=1', 'latin1');
    const expected = maskChunks(new LineMasker(), [whole]).toString('latin1');
    expect(expected).toBe('token%5B=******&a=1');
    for (let cut = 0; cut <= whole.length; cut++) {
      expect(maskChunks(new LineMasker(), [whole.subarray(0, cut), whole.subarray(cut)]).toString('latin1')).toBe(expected);
    }
  });

  it('previews of any length mask exactly what the whole stream would (skipping past a preview loses nothing)', () => {
    const piece = fc.constantFrom('token', 'password', '=', '"', ':', ' ', '\r\n', '\n', '&', 'a', 'Cookie', '{', '\\', 'x1', ';', '%5B', ' \n ',
      '"token":', 'token=', '"password"', 'Cookie:');
    fc.assert(fc.property(fc.array(piece, { maxLength: 80 }), fc.array(fc.nat(), { maxLength: 8 }), fc.nat(40), (pieces, points, max) => {
      const whole = Buffer.from(pieces.join(''), 'latin1');
      const expected = maskChunks(new LineMasker(), [whole]);
      const m = new LineMasker();
      let at = 0;
      for (const chunk of splitAt(whole, points)) {
        const out = Buffer.from(chunk.subarray(0, Math.min(max, chunk.length)));
        m.run(chunk, out);
        expect(out.equals(expected.subarray(at, at + out.length))).toBe(true);
        at += chunk.length;
      }
    }), { numRuns: 500 });
  });

  it('a JSON credential whose value follows a line feed the preview skipped is still masked', () => {
    const m = new LineMasker();
    const first = Buffer.from('{"password":\n');
    m.run(first, Buffer.alloc(0));
    const second = Buffer.from(' "pw", "a": "b"}');
    const out = Buffer.from(second);
    m.run(second, out);
    expect(out.toString('latin1')).toBe(' "**", "a": "b"}');
  });

  it('only ever replaces bytes with the mask, and keeps the length', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, points) => {
      const input = Buffer.from(bytes);
      const out = maskChunks(new LineMasker(), splitAt(input, points));
      expect(out.length).toBe(input.length);
      for (let i = 0; i < input.length; i++) expect(out[i] === input[i] || out[i] === MASK).toBe(true);
      expect(maskChunks(new LineMasker(), [input]).equals(out)).toBe(true);
    }));
  });

  it('after unseen bytes masks up to the next line feed (they may continue a secret)', () => {
    const m = new LineMasker();
    m.lost();
    const tail = Buffer.from('abc; sid=zz\r\nAccept: */*\r\n');
    const out = Buffer.from(tail);
    m.run(tail, out);
    expect(out.toString('latin1')).toBe(`${stars('abc; sid=zz')}\r\nAccept: */*\r\n`);
  });

  it('masks header-looking lines wherever they are and JSON credentials in bodies', () => {
    const body = Buffer.from('HTTP/1.1 200 OK\r\nSet-Cookie: s=1\r\n\r\n{"access_token":"AT","expires_in":3600}');
    expect(maskChunks(new LineMasker(), [body]).toString('latin1')).toBe('HTTP/1.1 200 OK\r\nSet-Cookie: ***\r\n\r\n{"access_token":"**","expires_in":3600}');
  });
});

interface H2Recording {
  client: Buffer;
  server: Buffer;
}

const H2_SECRETS = ['c00kieSecret', 'b3arerSecret', 'ap1KeySecret', 'qu3rySecret', 'passw0rdBody', 'setC00kieSecret'];

/** A Node http2 client and h2c server through a byte-recording tee: secrets in headers (HPACK, Huffman), path and body. */
async function recordH2(padded: boolean): Promise<H2Recording> {
  const paddingStrategy = padded ? http2.constants.PADDING_STRATEGY_MAX : http2.constants.PADDING_STRATEGY_NONE;
  const server = http2.createServer({ paddingStrategy });
  server.on('stream', (stream) => {
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'set-cookie': 'sid=setC00kieSecret', 'content-type': 'text/plain' });
      stream.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client: Buffer[] = [];
  const fromServer: Buffer[] = [];
  const tee = net.createServer((down) => {
    const up = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    down.on('data', (c) => { client.push(Buffer.from(c)); up.write(c); });
    up.on('data', (c) => { fromServer.push(Buffer.from(c)); down.write(c); });
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  });
  await new Promise<void>((r) => tee.listen(0, '127.0.0.1', r));
  const session = http2.connect(`http://127.0.0.1:${(tee.address() as AddressInfo).port}`, { paddingStrategy });
  try {
    for (const i of [1, 2]) {
      await new Promise<void>((resolve, reject) => {
        const req = session.request({
          ':method': 'POST', ':path': `/p${i}?access_token=qu3rySecret`, cookie: 'c=c00kieSecret', authorization: 'Bearer b3arerSecret',
          'x-api-key': 'ap1KeySecret', 'content-type': 'application/x-www-form-urlencoded',
        });
        req.on('data', () => undefined);
        req.on('end', () => resolve());
        req.on('error', reject);
        req.end('user=bob&password=passw0rdBody');
      });
    }
  } finally {
    session.close();
    await new Promise<void>((r) => tee.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  }
  return { client: Buffer.concat(client), server: Buffer.concat(fromServer) };
}

/** Walks the frames of `bytes` (after `skip` preface bytes); calls `f` with each frame's offset, header and length. */
function frames(bytes: Buffer, skip: number, f: (at: number, type: number, flags: number, length: number) => void): void {
  let at = skip;
  while (at + 9 <= bytes.length) {
    const length = bytes.readUIntBE(at, 3);
    f(at, bytes[at + 3], bytes[at + 4], length);
    at += 9 + length;
  }
  expect(at).toBe(bytes.length);
}

describe('H2Masker (HTTP/2 frames)', () => {
  let plain: H2Recording;
  let padded: H2Recording;
  beforeAll(async () => {
    plain = await recordH2(false);
    padded = await recordH2(true);
  });

  it('the recordings carry the secrets (in the clear in bodies, Huffman-coded or literal in header blocks)', () => {
    expect(plain.client.toString('latin1')).toContain('passw0rdBody');
    expect(plain.client.length).toBeGreaterThan(100);
  });

  for (const which of ['plain', 'padded'] as const) {
    it(`masks every header block fragment and credential in DATA, keeps frame headers (${which} frames)`, () => {
      const rec = which === 'plain' ? plain : padded;
      for (const [dir, bytes, skip] of [['client', rec.client, 24], ['server', rec.server, 0]] as const) {
        const masked = maskChunks(new H2Masker(dir === 'client'), [bytes]);
        expect(masked.length).toBe(bytes.length);
        expect(masked.subarray(0, skip).equals(bytes.subarray(0, skip))).toBe(true);
        let headerBlocks = 0;
        frames(bytes, skip, (at, type, flags, length) => {
          expect(masked.subarray(at, at + 9).equals(bytes.subarray(at, at + 9))).toBe(true);
          const payload = masked.subarray(at + 9, at + 9 + length);
          if (type === 0x1 || type === 0x5 || type === 0x9) {
            headerBlocks++;
            const from = (flags & 0x8 ? 1 : 0) + (type === 0x1 && flags & 0x20 ? 5 : 0) + (type === 0x5 ? 4 : 0);
            expect(payload.subarray(0, from).equals(bytes.subarray(at + 9, at + 9 + from))).toBe(true);
            expect(payload.subarray(from).every((b) => b === MASK)).toBe(true);
          } else if (type !== 0x0) {
            expect(payload.equals(bytes.subarray(at + 9, at + 9 + length))).toBe(true);
          }
        });
        expect(headerBlocks).toBeGreaterThanOrEqual(2);
        const text = masked.toString('latin1');
        for (const s of H2_SECRETS) expect(text).not.toContain(s);
        if (dir === 'client') expect(text).toContain(`password=${stars('passw0rdBody')}`);
        // Split anywhere: the same result.
        fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 10 }), (points) => {
          expect(maskChunks(new H2Masker(dir === 'client'), splitAt(bytes, points)).equals(masked)).toBe(true);
        }), { numRuns: 60 });
      }
    });
  }

  it('masks everything once the stream stops making sense (no preface)', () => {
    const m = new H2Masker(true);
    const junk = Buffer.from('GET / HTTP/1.1\r\nCookie: a\r\n\r\n');
    expect(maskChunks(m, [junk]).every((b) => b === MASK)).toBe(true);
  });
});

describe('AppDataMasker (one direction of one leg)', () => {
  it('picks HTTP/2 for ALPN h2 or a client preface, line rules otherwise', () => {
    const pre = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const headers = Buffer.concat([Buffer.from([0, 0, 4, 0x1, 0x4, 0, 0, 0, 1]), Buffer.from('abcd')]);
    const h2 = new AppDataMasker('client', () => null).view(Buffer.concat([pre, headers]), 1000);
    expect(h2 && Buffer.from(h2).toString('latin1')).toBe(`${pre.toString('latin1')}${headers.subarray(0, 9).toString('latin1')}****`);
    const server = new AppDataMasker('server', () => 'h2').view(headers, 1000);
    expect(server && Buffer.from(server).subarray(9).toString('latin1')).toBe('****');
    const h1 = new AppDataMasker('client', () => 'http/1.1').view(Buffer.from('GET /?sid=1 HTTP/1.1\r\n'), 1000);
    expect(h1 && Buffer.from(h1).toString('latin1')).toBe('GET /?sid=* HTTP/1.1\r\n');
  });

  it('returns at most `max` bytes, and loses its context at an unseen record', () => {
    const m = new AppDataMasker('client', () => 'http/1.1');
    expect(m.view(Buffer.from('GET / HTTP/1.1\r\nCookie: abc\r\n'), 5)?.length).toBe(5);
    expect(m.view(null, 256)).toBeNull();
    const after = m.view(Buffer.from('def\r\nAccept: x\r\n'), 256);
    expect(after && Buffer.from(after).toString('latin1')).toBe('***\r\nAccept: x\r\n');
  });
});
