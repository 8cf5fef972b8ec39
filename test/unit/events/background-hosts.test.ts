// The browser background-host table the dashboard's "hide background" uses: what it matches, what it leaves alone,
// and that every entry is a well-formed glob with words a teacher can show.
import { BACKGROUND_HOSTS, BackgroundHosts } from '../../../src/events/background-hosts';
import { hostGlob } from '../../../src/events/host-glob';

const bg = new BackgroundHosts();
const conn = (host: string, sni: string | null = host, lab?: string): { target: { host: string; port: number }; sni: string | null; lab?: string } => ({ target: { host, port: 443 }, sni, ...(lab ? { lab } : {}) });

describe('BackgroundHosts', () => {
  it.each([
    'update.googleapis.com', 'redirector.gvt1.com', 'r3---sn-abc.gvt1.com', 'clients2.google.com', 'accounts.google.com',
    'safebrowsing.googleapis.com', 'safebrowsing.google.com', 'optimizationguide-pa.googleapis.com',
    'content-autofill.googleapis.com', 'firefox.settings.services.mozilla.com', 'push.services.mozilla.com', 'detectportal.firefox.com',
    'shavar.services.mozilla.com', 'aus5.mozilla.org', 'content-signature-2.cdn.mozilla.net', 'ocsp.digicert.com', 'ocsp.int-x3.letsencrypt.org',
    'UPDATE.GoogleAPIs.com.',
  ])('%s is a browser background host', (host) => {
    expect(bg.match(host)).not.toBeNull();
  });

  it.each(['www.google.com', 'google.com', 'mail.google.com', 'www.mozilla.org', 'example.com', 'googleapis.com', 'expired.lab.tlslab', 'tlslab', 'notupdate.googleapis.com.example', 'evilgvt1.com'])(
    '%s is not',
    (host) => {
      expect(bg.match(host)).toBeNull();
    },
  );

  it('judges a connection by its target or its SNI; lab origins never count', () => {
    expect(bg.isBackground(conn('update.googleapis.com'))).toBe(true);
    expect(bg.isBackground(conn('142.250.1.1', 'update.googleapis.com'))).toBe(true);
    expect(bg.isBackground(conn('www.example.com', null))).toBe(false);
    expect(bg.isBackground(conn('valid.lab.tlslab', 'valid.lab.tlslab', 'valid'))).toBe(false);
  });

  it('extra globs (a page\'s own additions) count too, and are said to be added', () => {
    const more = new BackgroundHosts(['*.telemetry.example', '  ', 'noise.test']);
    expect(more.added).toEqual(['*.telemetry.example', 'noise.test']);
    expect(more.match('a.telemetry.example')).toEqual({ pattern: '*.telemetry.example', by: 'browsers', what: 'added for this page' });
    expect(more.isBackground(conn('noise.test'))).toBe(true);
    expect(bg.isBackground(conn('noise.test'))).toBe(false);
  });

  it('every table entry is a distinct glob that matches something and says who calls it and why', () => {
    const patterns = BACKGROUND_HOSTS.map((e) => e.pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const e of BACKGROUND_HOSTS) {
      expect(e.pattern).toMatch(/^[a-z0-9.*?-]+$/);
      expect(hostGlob(e.pattern).test(e.pattern.replace(/\*/g, 'x').replace(/\?/g, '1'))).toBe(true);
      expect(e.what.length).toBeGreaterThan(3);
    }
  });
});
