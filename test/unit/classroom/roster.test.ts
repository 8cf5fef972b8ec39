// The roster: a name belongs to the address that first used it until it is idle, NAT included.
import { Roster } from '../../../src/classroom/roster';

describe('Roster', () => {
  it('gives a name to the first address and refuses it to another while in use', () => {
    let now = 0;
    const r = new Roster({ now: () => now, idleReleaseMs: 60_000 });
    expect(r.claim('s-ada', 'Ada', '10.0.0.7')).toMatchObject({ ok: true, isNew: true });
    now = 1_000;
    expect(r.claim('s-ada', 'ADA', '::ffff:10.0.0.7')).toMatchObject({ ok: true, isNew: false, entry: { name: 'ADA', firstSeen: 0, lastSeen: 1_000 } });
    expect(r.claim('s-ada', 'Ada', '10.0.0.8')).toEqual({ ok: false, heldBy: '10.0.0.7', idleForMs: 0 });
  });

  it('lets two names share one address (students behind NAT)', () => {
    const r = new Roster({ now: () => 0 });
    expect(r.claim('s-ada', 'Ada', '192.168.1.1').ok).toBe(true);
    expect(r.claim('s-grace', 'Grace', '192.168.1.1').ok).toBe(true);
    expect(r.list().map((e) => e.name)).toEqual(['Ada', 'Grace']);
  });

  it('hands an idle name to a new address, or at once after release', () => {
    let now = 0;
    const r = new Roster({ now: () => now, idleReleaseMs: 60_000 });
    r.claim('s-ada', 'Ada', '10.0.0.7');
    now = 59_999;
    expect(r.claim('s-ada', 'Ada', '10.0.0.8').ok).toBe(false);
    now = 60_000;
    expect(r.claim('s-ada', 'Ada', '10.0.0.8')).toMatchObject({ ok: true, isNew: true, entry: { address: '10.0.0.8', firstSeen: 60_000 } });
    expect(r.claim('s-ada', 'Ada', '10.0.0.7').ok).toBe(false);
    expect(r.release('s-ada')).toBe(true);
    expect(r.claim('s-ada', 'Ada', '10.0.0.7').ok).toBe(true);
    expect(r.get('s-ada')?.address).toBe('10.0.0.7');
  });

  it('stays within maxNames', () => {
    const r = new Roster({ now: () => 0, maxNames: 10 });
    for (let i = 0; i < 100; i++) r.claim(`s-${i}`, `n${i}`, '10.0.0.1');
    expect(r.list()).toHaveLength(10);
    expect(r.get('s-99')).toBeDefined();
  });
});
