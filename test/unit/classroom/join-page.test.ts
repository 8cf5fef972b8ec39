// The join page: every step and platform, values escaped, no external assets; rendered in headless Chromium
// to prove it loads nothing from anywhere.
import { chromium } from 'playwright-core';
import { escapeHtml, joinPage } from '../../../src/classroom/join-page';
import { STUDENT_TEXT } from '../../../src/classroom/student-text';
import { describeWithTools } from '../../helpers/tools';

const input = { proxyHost: '10.0.0.5', proxyPort: 8080, caFingerprint256: 'AB:CD:EF' };

describe('joinPage', () => {
  const html = joinPage(input);

  it('shows the proxy setting, the PAC URL, the CA downloads and the student view', () => {
    expect(html).toContain('Proxy (for HTTP and HTTPS): <code>10.0.0.5</code>, port <code>8080</code>');
    expect(html).toContain('<a href="http://10.0.0.5:8080/proxy.pac"><code>http://10.0.0.5:8080/proxy.pac</code></a>');
    expect(html).toContain('href="http://tlslab/tlslab-ca.pem"');
    expect(html).toContain('href="http://tlslab/tlslab-ca.crt"');
    expect(html).toContain('href="http://tlslab/tlslab-ca.der"');
    expect(html).toContain('href="http://tlslab/"');
    expect(html).toContain('<code>AB:CD:EF</code>');
  });

  it.each(['Chrome and Chromium', 'Firefox:', 'macOS:', 'Windows', 'iPhone and iPad:', 'Android:'])('has the proxy and CA steps for %s', (platform) => {
    expect(html.split(`<li>${escapeHtml(platform)}`).length - 1).toBe(2);
  });

  it('tells how to sign in: name, class code', () => {
    expect(html).toContain('User name: your name');
    expect(html).toContain('Password: the class code your instructor reads aloud');
  });

  it('never shows the class code (anyone on the LAN can open this page)', () => {
    expect(joinPage({ ...input })).not.toMatch(/maple|rocket/);
  });

  it('fills every placeholder', () => {
    expect(html).not.toMatch(/\{[a-zA-Z]+\}/);
  });

  it('escapes what it is given', () => {
    const evil = joinPage({ proxyHost: '<script>alert(1)</script>', proxyPort: 1, caFingerprint256: '"><img src=x>', viewUrl: 'http://tlslab/"onmouseover="x' });
    expect(evil).not.toContain('<script>');
    expect(evil).not.toContain('<img');
    expect(evil).not.toContain('"onmouseover');
    expect(evil).toContain('&lt;script&gt;');
  });

  it('has no script, no external style, image or font', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|@import|url\(/i);
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const h of hrefs) expect(h).toMatch(/^http:\/\/(tlslab\/|10\.0\.0\.5:8080\/)/);
  });

  it('uses the student-text table for its headings', () => {
    for (const k of ['join.title', 'join.step-proxy', 'join.step-sign-in', 'join.step-ca', 'join.step-view'] as const) expect(html).toContain(escapeHtml(STUDENT_TEXT[k]));
  });
});

describeWithTools(['chromium'], 'the join page in Chromium', () => {
  it('renders its four steps and requests nothing', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'], timeout: 30_000 });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.setContent(joinPage(input));
      expect(await page.locator('h2').allInnerTexts()).toEqual(['1. Set tlslab as your proxy', '2. Sign in when your browser asks', '3. Trust the tlslab certificate authority', '4. Open your own view']);
      expect(await page.title()).toBe('Join the tlslab classroom');
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
