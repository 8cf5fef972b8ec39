// Real clients signing in to a proxy built from the classroom modules (authenticate, FailureLimiter, the 407/429
// answers): curl and headless Chromium, on 127.0.0.1. Proves the challenge is one they answer, and in UTF-8.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { FailureLimiter } from '../../../src/classroom/failure-limiter';
import { authenticate, COUNTS_AS_ATTEMPT } from '../../../src/classroom/proxy-auth';
import { proxyAuthRequired, serializeAnswer, tooManyFailures, type ProxyAnswer } from '../../../src/classroom/responses';
import { describeWithTools } from '../../helpers/tools';

const run = promisify(execFile);
const CODE = 'maple-rocket-47';

interface SignInProxy {
  port: number;
  signedIn: { name: string; id: string }[];
  /** 407s sent. */
  challenges: () => number;
  close(): Promise<void>;
}

/** A proxy that only signs students in: a signed-in plain-HTTP request is answered by the proxy itself. */
async function startSignInProxy(): Promise<SignInProxy> {
  const signedIn: { name: string; id: string }[] = [];
  const limiter = new FailureLimiter();
  let port = 0;
  let challenges = 0;
  const gate = (req: http.IncomingMessage): ProxyAnswer | { name: string; id: string } => {
    const client = req.socket.remoteAddress;
    const limited = limiter.check(client);
    if (!limited.ok) return tooManyFailures(limited.retryAfterMs);
    const r = authenticate(req.headers['proxy-authorization'], CODE);
    if (r.ok) return r;
    if (COUNTS_AS_ATTEMPT[r.failure]) limiter.fail(client);
    challenges++;
    return proxyAuthRequired(r.failure, `127.0.0.1:${port}`);
  };
  const server = http.createServer((req, res) => {
    const g = gate(req);
    if ('status' in g) {
      res.writeHead(g.status, g.statusText, g.headers);
      res.end(g.body);
      return;
    }
    signedIn.push(g);
    const body = `signed in as ${g.name}\n`;
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.on('connect', (req: http.IncomingMessage, socket) => {
    const g = gate(req);
    socket.end('status' in g ? serializeAnswer(g) : 'HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  return { port, signedIn, challenges: () => challenges, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describeWithTools(['curl'], 'curl signs in to the classroom proxy', () => {
  let p: SignInProxy;
  beforeAll(async () => {
    p = await startSignInProxy();
  });
  afterAll(() => p.close());

  const curl = async (args: string[]): Promise<{ code: string; body: string }> => {
    const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' });
    const at = stdout.lastIndexOf('\n');
    return { body: stdout.slice(0, at), code: stdout.slice(at + 1) };
  };

  it('without credentials: 407 with the text of what to type', async () => {
    const r = await curl(['-x', `http://127.0.0.1:${p.port}`, 'http://classroom.test/']);
    expect(r.code).toBe('407');
    expect(r.body).toContain('User name: your name');
  });

  it('a CONNECT without credentials: curl reports the 407 of the tunnel', async () => {
    const r = await run('curl', ['-s', '-S', '-x', `http://127.0.0.1:${p.port}`, 'https://classroom.test/']).catch((e: { stderr: string }) => e);
    expect('stderr' in r ? r.stderr : '').toMatch(/CONNECT tunnel failed, response 407/);
  });

  it('with name and code in the proxy URL (UTF-8, percent-encoded): signed in under the normalized name', async () => {
    const r = await curl(['-x', `http://Zo%C3%AB%20%20Lovelace:Maple%20Rocket%2047@127.0.0.1:${p.port}`, 'http://classroom.test/']);
    expect([r.code, r.body.trim()]).toEqual(['200', 'signed in as Zoë Lovelace']);
  });

  it('two names from one address are two students', async () => {
    await curl(['-x', `http://Ada:${CODE}@127.0.0.1:${p.port}`, 'http://classroom.test/']);
    await curl(['-x', `http://Grace:${CODE}@127.0.0.1:${p.port}`, 'http://classroom.test/']);
    const ids = new Set(p.signedIn.filter((s) => s.name === 'Ada' || s.name === 'Grace').map((s) => s.id));
    expect(ids.size).toBe(2);
  });

  it('a wrong code is a 407; after ten, the address gets 429 with Retry-After and even the right code is not checked', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await curl(['-x', `http://Mallory:guess-${i}-xx@127.0.0.1:${p.port}`, 'http://classroom.test/']);
      expect(r.code).toBe('407');
    }
    const limited = await run('curl', ['-s', '-i', '-x', `http://Ada:${CODE}@127.0.0.1:${p.port}`, 'http://classroom.test/'], { encoding: 'utf8' });
    expect(limited.stdout).toMatch(/^HTTP\/1\.1 429 Too Many Requests/);
    expect(limited.stdout).toMatch(/\r\nRetry-After: \d+\r\n/);
  });
});

describeWithTools(['chromium'], 'Chromium signs in to the classroom proxy', () => {
  let p: SignInProxy;
  beforeAll(async () => {
    p = await startSignInProxy();
  });
  afterAll(() => p.close());

  it('answers the 407 with Basic credentials in UTF-8 and loads the page', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      proxy: { server: `http://127.0.0.1:${p.port}`, username: 'Zoë Ångström', password: 'Maple Rocket 47' },
      timeout: 30_000,
    });
    try {
      const page = await browser.newPage();
      const before = p.challenges();
      const res = await page.goto('http://classroom.test/', { timeout: 20_000 });
      expect(res?.status()).toBe(200);
      expect((await page.locator('body').innerText()).trim()).toBe('signed in as Zoë Ångström');
      expect(p.challenges()).toBeGreaterThan(before); // it was asked (a 407), not told in advance
    } finally {
      await browser.close();
    }
  });
});
