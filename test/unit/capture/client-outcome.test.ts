import { explainClientOutcome } from '../../../src/capture/client-outcome';

const alert46 = { level: { code: 2, name: 'fatal' }, description: { code: 46, name: 'certificate_unknown' }, encrypted: true };
const leaf = { host: 'example.com', mode: 'leaf' as const, caUrl: 'http://tlslab/' };

describe('explainClientOutcome', () => {
  it('explains a rejection with the alert and the likely reason: our CA is not trusted', () => {
    const s = explainClientOutcome('rejected-alert', alert46, leaf);
    expect(s).toMatch(/^Step 3 failed on the client's side/);
    expect(s).toContain('alert 46 certificate_unknown');
    expect(s).toContain('encrypted');
    expect(s).toContain('http://tlslab/');
  });

  it('in mirror mode, says the browser refused the same flaw the real server has', () => {
    const s = explainClientOutcome('rejected-alert', alert46, { ...leaf, mode: 'mirror', mirrored: 'The server’s certificate expired on 2025-01-01.' });
    expect(s).toContain('same flaw as the real server');
    expect(s).toContain('expired on 2025-01-01');
  });

  it('names the silent hang-up of Node clients and the close_notify of curl', () => {
    expect(explainClientOutcome('closed-in-handshake', null, leaf)).toMatch(/without sending an alert/);
    const closeNotify = { level: { code: 1, name: 'warning' }, description: { code: 0, name: 'close_notify' }, encrypted: true };
    expect(explainClientOutcome('closed-after-handshake', closeNotify, leaf)).toMatch(/curl does this/);
  });

  it('says step 3 passed when the client sent its request', () => {
    expect(explainClientOutcome('accepted', null, leaf)).toMatch(/step 3 passed on the client leg/);
  });
});
