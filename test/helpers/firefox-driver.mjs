// Drives Debian's firefox-esr headless over WebDriver BiDi (puppeteer-core, an ES module: it runs in this child
// process, not inside jest). I/O: one Firefox process; reads a JSON job from argv[2], prints a JSON result on stdout.
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

/**
 * Prefs that keep Firefox from calling home (remote settings, updates, telemetry, safe browsing, captive portal and
 * connectivity checks, OCSP, prefetching): through the proxy, each would be a connection to a host outside the test.
 */
const QUIET = {
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'app.update.auto': false,
  'app.update.url': '',
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.topsites.contile.enabled': false,
  'browser.newtabpage.activity-stream.feeds.topsites': false,
  'browser.discovery.enabled': false,
  'captivedetect.canonicalURL': '',
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.predictor.enabled': false,
  'network.prefetch-next': false,
  'network.trr.mode': 5,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'identity.fxaccounts.enabled': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'media.gmp-manager.url': '',
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.server': '',
};

/**
 * @typedef {{ firefox: string, profile: string, proxyPort: number, tlsMax: 'TLSv1.2' | 'TLSv1.3', urls: string[], shots?: string, prefs?: Record<string, string | number | boolean> }} Job
 * @typedef {{ url: string, status: number | null, title: string | null, text: string | null, error: string | null }} Visit
 */

/** @type {Job} */
const job = JSON.parse(process.argv[2] ?? '{}');
const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath: job.firefox,
  headless: true,
  userDataDir: job.profile,
  timeout: 30_000,
  // A release build reads services.settings.server (below) only with this set; without it Firefox syncs its remote
  // settings from Mozilla's server at start-up, a dozen connections through the proxy.
  env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
  extraPrefsFirefox: {
    ...QUIET,
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': job.proxyPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': job.proxyPort,
    'network.proxy.allow_hijacking_localhost': true,
    'network.proxy.no_proxies_on': '',
    // 3 = TLS 1.2, 4 = TLS 1.3: the highest version Firefox offers on the client leg.
    'security.tls.version.max': job.tlsMax === 'TLSv1.2' ? 3 : 4,
    ...(job.prefs ?? {}),
  },
});
/** @type {Visit[]} */
const visits = [];
try {
  for (const url of job.urls) {
    const page = await browser.newPage();
    try {
      const res = await page.goto(url, { timeout: 20_000 });
      // eslint-disable-next-line no-undef -- the callback runs in the page, where document is defined
      const text = await page.evaluate(() => document.body?.innerText ?? '');
      visits.push({ url, status: res?.status() ?? null, title: await page.title(), text, error: null });
      if (job.shots) {
        fs.mkdirSync(job.shots.replace(/[^/]*$/, ''), { recursive: true });
        const file = `${job.shots}-${new URL(url).hostname.split('.')[0]}-${job.tlsMax}.png`;
        await page.screenshot({ path: path.resolve(file) }).catch((err) => process.stderr.write(`(no screenshot ${file}: ${err.message})\n`));
      }
    } catch (err) {
      visits.push({ url, status: null, title: null, text: null, error: String(err instanceof Error ? err.message : err).split('\n')[0] });
    } finally {
      await page.close();
    }
  }
} finally {
  // Closing the browser ends every connection it still holds: what the test then checks on tlslab's side.
  await browser.close();
}
process.stdout.write(`${JSON.stringify(visits)}\n`);
