// The Chromium browsers of the lesson-truth tests: ones that go through a tlslab (trusting its CA or nothing), and
// ones that show its dashboard directly; all closed, and their NSS homes removed, by `close()`.
// I/O: launches browser processes and makes temporary NSS databases.
import type { Browser, Page } from 'playwright-core';
import { launchChromium, makeNssHome, type TrustedHome } from './chromium-proxy';
import { classifiedConn, LabConn } from './lab-proxy-conns';
import type { TestTlslab } from './tlslab';

export class LessonBrowsers {
  private readonly homes: TrustedHome[] = [];
  private readonly browsers: Browser[] = [];

  /** A browser through `app`'s proxy that trusts tlslab's CA (`trust`) or nothing. */
  async through(app: TestTlslab, trust: boolean): Promise<Browser> {
    const home = makeNssHome(trust ? [{ nick: 'tlslab', pem: app.ca.certPem }] : []);
    this.homes.push(home);
    const b = await launchChromium(home, { proxyUrl: app.proxyUrl });
    this.browsers.push(b);
    return b;
  }

  /** A page of tlslab's dashboard at 1280×800 on connection `conn`, in a browser that goes to it directly. */
  async dashboard(app: TestTlslab, conn: string): Promise<Page> {
    const home = makeNssHome([]);
    this.homes.push(home);
    const direct = await launchChromium(home);
    this.browsers.push(direct);
    const page = await direct.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${app.dashboardUrl}?conn=${conn}`);
    return page;
  }

  async close(): Promise<void> {
    await Promise.all(this.browsers.map((b) => b.close()));
    for (const h of this.homes) h.remove();
  }
}

/** The newest connection to `host` since `since` that Chromium accepted, with all its events so far. */
export async function acceptedConn(app: TestTlslab, host: string, since: number): Promise<LabConn> {
  const c = await classifiedConn(app, host, since, (o) => o === 'accepted');
  return new LabConn(c.id, app.events.filter((e) => e.conn === c.id));
}
