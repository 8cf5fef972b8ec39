// The PAC file: evaluated in a VM with the PAC helpers, then used by headless Chromium (--proxy-pac-url) against
// two loopback servers: one serving the PAC and playing the proxy's own host, one recording proxied requests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import vm from 'node:vm';
import { chromium } from 'playwright-core';
import { hostPort, isProxyHost, pacFile } from '../../../src/classroom/pac';
import { describeWithTools } from '../../helpers/tools';

/** Runs a PAC text with the one helper it uses (shExpMatch: shell glob, `*` and `?`). */
function findProxy(pac: string): (url: string, host: string) => string {
  const shExpMatch = (s: string, glob: string): boolean => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(s);
  const sandbox: Record<string, unknown> = { shExpMatch };
  vm.runInNewContext(pac, sandbox);
  return sandbox.FindProxyForURL as (url: string, host: string) => string;
}

describe('pacFile', () => {
  const find = findProxy(pacFile('10.0.0.5', 8080));

  it.each([
    ['example.com', 'PROXY 10.0.0.5:8080'],
    ['valid.lab.tlslab', 'PROXY 10.0.0.5:8080'],
    ['tlslab', 'PROXY 10.0.0.5:8080'],
    ['10.0.0.77', 'PROXY 10.0.0.5:8080'],
    ['127.example.com', 'PROXY 10.0.0.5:8080'],
    ['127a1b2c3', 'PROXY 10.0.0.5:8080'], // the dots of 127.x.y.z are literal dots
    ['10.0.0.5', 'DIRECT'],
    ['localhost', 'DIRECT'],
    ['LOCALHOST', 'DIRECT'],
    ['app.localhost', 'DIRECT'],
    ['127.0.0.1', 'DIRECT'],
    ['127.1.2.3', 'DIRECT'],
    ['::1', 'DIRECT'],
  ])('%s → %s', (host, want) => expect(find(`http://${host}/`, host)).toBe(want));

  it('brackets an IPv6 proxy address and matches it unbracketed, as browsers pass it', () => {
    const f = findProxy(pacFile('FD00::5', 3128));
    expect(f('http://example.com/', 'example.com')).toBe('PROXY [fd00::5]:3128');
    expect(f('http://[fd00::5]:3128/', 'fd00::5')).toBe('DIRECT');
  });

  it('names a DNS proxy host as given', () => {
    expect(findProxy(pacFile('Teacher.local', 8080))('http://a/', 'a')).toBe('PROXY Teacher.local:8080');
    expect(findProxy(pacFile('Teacher.local', 8080))('http://teacher.local/', 'teacher.local')).toBe('DIRECT');
  });

  it.each([
    ['evil"); alert(1); ("', 8080],
    ['a b', 8080],
    ['', 8080],
    ['10.0.0.5', 0],
    ['10.0.0.5', 65536],
    ['10.0.0.5', 80.5],
  ])('refuses %j:%d', (host, port) => expect(() => pacFile(host, port)).toThrow(RangeError));

  it('has no DIRECT fallback after the proxy', () => {
    expect(pacFile('10.0.0.5', 8080)).not.toMatch(/PROXY [^"]*;\s*DIRECT/);
  });

  it('hostPort and isProxyHost', () => {
    expect(hostPort('::1', 80)).toBe('[::1]:80');
    expect(hostPort('10.0.0.5', 80)).toBe('10.0.0.5:80');
    expect(isProxyHost('teacher-pc.local.')).toBe(true);
    expect(isProxyHost('-bad.local')).toBe(false);
  });
});

describeWithTools(['chromium'], 'Chromium follows the PAC file', () => {
  let pacServer: http.Server;
  let recorder: http.Server;
  const proxied: string[] = [];
  let pacUrl = '';
  let selfUrl = '';

  beforeAll(async () => {
    recorder = http.createServer((req, res) => {
      proxied.push(`${req.method} ${req.url}`);
      res.end('through the proxy');
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    const proxyPort = (recorder.address() as AddressInfo).port;
    // The PAC's "own host" is 127.0.0.1 here, as the instructor's LAN address would be in class.
    pacServer = http.createServer((req, res) => {
      if (req.url === '/proxy.pac') {
        res.writeHead(200, { 'Content-Type': 'application/x-ns-proxy-autoconfig' });
        res.end(pacFile('127.0.0.1', proxyPort));
      } else {
        res.end('the join page, asked directly');
      }
    });
    await new Promise<void>((r) => pacServer.listen(0, '127.0.0.1', r));
    selfUrl = `http://127.0.0.1:${(pacServer.address() as AddressInfo).port}/`;
    pacUrl = `${selfUrl}proxy.pac`;
  });
  afterAll(async () => {
    for (const s of [pacServer, recorder]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  it('sends a site through the proxy and the proxy’s own address directly', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--proxy-pac-url=${pacUrl}`],
      timeout: 30_000,
    });
    try {
      const page = await browser.newPage();
      await page.goto('http://pac-check.test/', { timeout: 20_000 });
      expect(await page.locator('body').innerText()).toBe('through the proxy');
      expect(proxied).toContain('GET http://pac-check.test/');
      // (Chromium also bypasses loopback on its own; the VM test above is the one that checks the PAC's own rule.)
      await page.goto(selfUrl, { timeout: 20_000 });
      expect(await page.locator('body').innerText()).toBe('the join page, asked directly');
      expect(proxied.some((r) => r.includes('127.0.0.1'))).toBe(false);
    } finally {
      await browser.close();
    }
  });
});
