// The throwaway browser profile `tlslab browser` launches with: an NSS database trusting the tlslab CA, the proxy
// settings, and the command-line flags or prefs for Chromium and Firefox. I/O: a temp folder and certutil.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TlslabError } from '../errors';

export type BrowserKind = 'chromium' | 'firefox';

export interface BrowserProfile {
  /** The temporary folder (Chromium: HOME, with the profile inside; Firefox: the profile itself). */
  dir: string;
  args: string[];
  env: Record<string, string>;
  remove(): void;
}

export interface ProfileOptions {
  kind: BrowserKind;
  proxy: { host: string; port: number };
  /** The CA to trust; null: trust nothing extra (to watch the browser refuse tlslab). */
  caPem: string | null;
  /** The dashboard URL: reached directly, not through the proxy. */
  dashboard: string | null;
  headless: boolean;
  /** Running as root: Chromium needs --no-sandbox. */
  root: boolean;
}

/**
 * Hosts Chromium calls on its own at start-up and on navigations even with --disable-background-networking (seen
 * with Chromium 156). They bypass the proxy and fail in Chromium's resolver, so they do not crowd the connection list.
 */
const CHROMIUM_BACKGROUND_HOSTS = [
  'update.googleapis.com', 'clients2.google.com', 'accounts.google.com', 'connectivitycheck.gstatic.com', 'optimizationguide-pa.googleapis.com',
];

/** Absolute path of the first of `names` found on PATH, or null. */
export function findProgram(names: readonly string[]): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** An NSS database (cert9.db) in `dir` that trusts `caPem` to identify websites (trust flags "C,,"). */
function nssDatabase(dir: string, caPem: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = path.join(dir, 'tlslab-ca.pem');
  fs.writeFileSync(caFile, caPem);
  try {
    execFileSync('certutil', ['-d', `sql:${dir}`, '-N', '--empty-password'], { stdio: 'pipe' });
    execFileSync('certutil', ['-d', `sql:${dir}`, '-A', '-t', 'C,,', '-n', 'tlslab CA (tlslab browser)', '-i', caFile], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new TlslabError('TLSLAB_ERR_BROWSER', `certutil could not make the profile's certificate database: ${(err.stderr?.toString() || err.message).trim().slice(0, 300)}`);
  }
}

const hostPort = (h: string, p: number): string => `${h.includes(':') ? `[${h}]` : h}:${p}`;

/** The dashboard's host:port, for the bypass lists (null when there is none or it is not a URL). */
function dashboardHostPort(url: string | null): string | null {
  if (url === null) return null;
  try {
    const u = new URL(url);
    return hostPort(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port || (u.protocol === 'https:' ? 443 : 80)));
  } catch {
    return null;
  }
}

function chromiumProfile(o: ProfileOptions, dir: string): BrowserProfile {
  if (o.caPem !== null) nssDatabase(path.join(dir, '.pki', 'nssdb'), o.caPem);
  const dashboard = dashboardHostPort(o.dashboard);
  const bypass = ['<-loopback>', ...(dashboard ? [dashboard] : []), ...CHROMIUM_BACKGROUND_HOSTS];
  const args = [
    `--user-data-dir=${path.join(dir, 'profile')}`,
    `--proxy-server=http://${hostPort(o.proxy.host, o.proxy.port)}`,
    // <-loopback> takes loopback out of the implicit bypass list: tlslab sees 127.0.0.1 targets too.
    `--proxy-bypass-list=${bypass.join(';')}`,
    `--host-resolver-rules=${CHROMIUM_BACKGROUND_HOSTS.map((h) => `MAP ${h} ~NOTFOUND`).join(', ')}`,
    '--no-first-run', '--no-default-browser-check', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-default-apps', '--disable-quic', '--password-store=basic',
    ...(o.headless ? ['--headless=new', '--disable-gpu'] : []),
    ...(o.root ? ['--no-sandbox'] : []),
  ];
  // Chromium on Linux reads the NSS database at $HOME/.pki/nssdb: HOME is the temp folder, for the browser only.
  return { dir, args, env: { HOME: dir }, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Prefs that keep Firefox from calling Mozilla (and Google, for media plugins) on its own. Not all of it: release
 * builds still fetch some remote settings, and those connections show in tlslab's list like any other.
 */
const FIREFOX_QUIET: Readonly<Record<string, string | number | boolean>> = {
  'app.update.disabledForTesting': true,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'browser.discovery.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.newtabpage.activity-stream.feeds.system.topstories': false,
  'browser.newtabpage.activity-stream.feeds.topsites': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.search.update': false,
  'captivedetect.canonicalURL': '',
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.usage.uploadEnabled': false,
  'browser.newtabpage.activity-stream.feeds.asrouterfeed': false,
  'browser.newtabpage.activity-stream.asrouter.userprefs.cfr.addons': false,
  'browser.newtabpage.activity-stream.asrouter.userprefs.cfr.features': false,
  'messaging-system.rsexperimentloader.enabled': false,
  'dom.push.connection.enabled': false,
  'dom.push.serverURL': '',
  'extensions.blocklist.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.update.enabled': false,
  'geo.provider.network.url': '',
  'media.gmp-manager.updateEnabled': false,
  'media.gmp-manager.url': 'data:text/plain,',
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.http.speculative-parallel-limit': 0,
  'network.prefetch-next': false,
  'network.trr.mode': 5,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'toolkit.telemetry.server': '',
};

function firefoxProfile(o: ProfileOptions, dir: string): BrowserProfile {
  if (o.caPem !== null) nssDatabase(dir, o.caPem);
  const dashboard = dashboardHostPort(o.dashboard);
  const prefs: Record<string, string | number | boolean> = {
    'network.proxy.type': 1,
    'network.proxy.http': o.proxy.host,
    'network.proxy.http_port': o.proxy.port,
    'network.proxy.ssl': o.proxy.host,
    'network.proxy.ssl_port': o.proxy.port,
    // Firefox never proxies loopback unless told to; the dashboard alone goes direct.
    'network.proxy.allow_hijacking_localhost': true,
    'network.proxy.no_proxies_on': dashboard ?? '',
    'network.http.http3.enable': false,
    'security.enterprise_roots.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'browser.aboutwelcome.enabled': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    // Background traffic Firefox would otherwise send through tlslab: updates, settings, push, telemetry, probes.
    ...FIREFOX_QUIET,
  };
  fs.writeFileSync(path.join(dir, 'user.js'), Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n');
  const args = ['--profile', dir, '--no-remote', '--new-instance', ...(o.headless ? ['--headless'] : [])];
  return { dir, args, env: { HOME: dir }, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function browserProfile(o: ProfileOptions): BrowserProfile {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tlslab-${o.kind}-`));
  try {
    return o.kind === 'chromium' ? chromiumProfile(o, dir) : firefoxProfile(o, dir);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
