// The hosts browsers call on their own — updates, Safe Browsing, sign-in checks, captive-portal probes — kept in one
// table, so the dashboard can hide them on the projector and say exactly what it hides. Pure: no I/O.
import { hostGlob } from './host-glob.js';
import type { ConnectionSummary } from './stream.js';

export type BackgroundCaller = 'Chromium' | 'Firefox' | 'Edge' | 'browsers';

export interface BackgroundHost {
  /** A host glob (src/events/host-glob.ts): `*` spans dots. */
  pattern: string;
  by: BackgroundCaller;
  /** What the browser calls it for, a few words. */
  what: string;
}

/**
 * Names seen in browsers' own traffic through a proxy (Chromium 156 and Firefox ESR 153 on Debian, fresh profiles;
 * the browsers' documentation of their background services). A list of names, not a judgement of each connection:
 * a page someone opens on one of these hosts is hidden too, and a browser's calls to hosts not listed are not.
 */
export const BACKGROUND_HOSTS: readonly BackgroundHost[] = [
  { pattern: 'update.googleapis.com', by: 'Chromium', what: 'component and browser update checks' },
  { pattern: '*.gvt1.com', by: 'Chromium', what: 'update downloads' },
  { pattern: 'clients?.google.com', by: 'Chromium', what: 'update, crash and suggestion services' },
  { pattern: 'clientservices.googleapis.com', by: 'Chromium', what: 'field-trial settings (variations)' },
  { pattern: 'accounts.google.com', by: 'Chromium', what: 'account sign-in checks' },
  { pattern: 'content-autofill.googleapis.com', by: 'Chromium', what: 'autofill' },
  { pattern: 'optimizationguide*.googleapis.com', by: 'Chromium', what: 'page-load hints' },
  { pattern: 'mtalk.google.com', by: 'Chromium', what: 'push messaging' },
  { pattern: 'android.clients.google.com', by: 'Chromium', what: 'push messaging registration' },
  { pattern: 'connectivitycheck.gstatic.com', by: 'browsers', what: 'captive-portal checks' },
  { pattern: '*safebrowsing*', by: 'browsers', what: 'Safe Browsing lists and checks' },
  { pattern: 'firefox.settings.services.mozilla.com', by: 'Firefox', what: 'remote settings' },
  { pattern: 'push.services.mozilla.com', by: 'Firefox', what: 'push messaging' },
  { pattern: 'detectportal.firefox.com', by: 'Firefox', what: 'captive-portal checks' },
  { pattern: 'shavar.services.mozilla.com', by: 'Firefox', what: 'tracking-protection lists' },
  { pattern: '*.services.mozilla.com', by: 'Firefox', what: 'other Mozilla services (location, sync, …)' },
  { pattern: 'aus5.mozilla.org', by: 'Firefox', what: 'update checks' },
  { pattern: 'incoming.telemetry.mozilla.org', by: 'Firefox', what: 'telemetry' },
  { pattern: '*.cdn.mozilla.net', by: 'Firefox', what: 'remote-settings files and signatures' },
  { pattern: 'edge.microsoft.com', by: 'Edge', what: 'browser services' },
  { pattern: '*.smartscreen.microsoft.com', by: 'Edge', what: 'SmartScreen checks' },
  { pattern: 'ocsp.*', by: 'browsers', what: 'certificate revocation (OCSP) checks' },
  { pattern: '*.ocsp.*', by: 'browsers', what: 'certificate revocation (OCSP) checks' },
];

const COMPILED: readonly { re: RegExp; entry: BackgroundHost }[] = BACKGROUND_HOSTS.map((entry) => ({ re: hostGlob(entry.pattern), entry }));

/** Decides which connections are a browser's own calls: the table, plus `extra` globs (e.g. from the page's URL). */
export class BackgroundHosts {
  private readonly extra: readonly { re: RegExp; entry: BackgroundHost }[];

  constructor(extra: readonly string[] = []) {
    this.extra = extra.filter((p) => p.trim() !== '').map((p) => ({ re: hostGlob(p.trim()), entry: { pattern: p.trim(), by: 'browsers', what: 'added for this page' } }));
  }

  /** The entry a host name matches, or null. */
  match(host: string): BackgroundHost | null {
    const name = host.toLowerCase().replace(/\.$/, '');
    if (name === '') return null;
    for (const c of COMPILED) if (c.re.test(name)) return c.entry;
    for (const c of this.extra) if (c.re.test(name)) return c.entry;
    return null;
  }

  /** Is this connection one a browser made on its own (its target or SNI matches)? Lab origins never are. */
  isBackground(s: Pick<ConnectionSummary, 'target' | 'sni' | 'lab'>): boolean {
    if (s.lab !== undefined) return false;
    return this.match(s.target.host) !== null || (s.sni !== null && this.match(s.sni) !== null);
  }

  /** The extra globs given, as written. */
  get added(): string[] {
    return this.extra.map((c) => c.entry.pattern);
  }
}
