// The accounting behind the limits: token buckets, the bounded LRU map, failed sign-ins per address, and
// per-student fair share. All on an injected clock.
import { BoundedMap } from '../../../src/classroom/bounded-map';
import { DEFAULT_SHARE_LIMITS, FairShare } from '../../../src/classroom/fair-share';
import { DEFAULT_FAILURE_RULE, FailureLimiter } from '../../../src/classroom/failure-limiter';
import { fullBucket, isFull, take } from '../../../src/classroom/token-bucket';

describe('token bucket', () => {
  const rule = { capacity: 3, perSecond: 2 };
  it('allows a burst of `capacity`, then one per 1/perSecond', () => {
    const b = fullBucket(rule, 0);
    expect([take(b, rule, 0).ok, take(b, rule, 0).ok, take(b, rule, 0).ok]).toEqual([true, true, true]);
    expect(take(b, rule, 0)).toEqual({ ok: false, retryAfterMs: 500 });
    expect(take(b, rule, 250)).toEqual({ ok: false, retryAfterMs: 250 });
    expect(take(b, rule, 500).ok).toBe(true);
    expect(take(b, rule, 500).ok).toBe(false);
    expect(isFull(b, rule, 500 + 1500)).toBe(true);
  });
  it('gains nothing from a clock that goes backwards', () => {
    const b = fullBucket(rule, 10_000);
    for (let i = 0; i < 3; i++) take(b, rule, 10_000);
    expect(take(b, rule, 0).ok).toBe(false);
    expect(take(b, rule, 10_000).ok).toBe(false);
    expect(take(b, rule, 10_500).ok).toBe(true);
  });
});

describe('BoundedMap', () => {
  it('forgets the least recently used first', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.get('a');
    m.set('c', 3);
    expect([...m.entries()].map(([k]) => k)).toEqual(['a', 'c']);
    expect(m.peek('b')).toBeUndefined();
  });
  it('keeps entries that may not be evicted, even past the limit', () => {
    const m = new BoundedMap<string, { busy: boolean }>(2, (v) => !v.busy);
    m.set('a', { busy: true });
    m.set('b', { busy: true });
    m.set('c', { busy: false });
    expect(m.size).toBe(3);
    m.set('d', { busy: false });
    expect([...m.entries()].map(([k]) => k)).toEqual(['a', 'b', 'd']);
  });
  it('refuses a useless limit', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});

describe('FailureLimiter', () => {
  it(`allows ${DEFAULT_FAILURE_RULE.capacity} failures, then refuses until the bucket refills (one per 6 s)`, () => {
    let now = 1_000_000;
    const lim = new FailureLimiter({ now: () => now });
    for (let i = 0; i < 10; i++) {
      expect(lim.check('10.0.0.9')).toEqual({ ok: true });
      lim.fail('10.0.0.9');
    }
    expect(lim.check('10.0.0.9')).toEqual({ ok: false, retryAfterMs: 6000 });
    expect(lim.check('::ffff:10.0.0.9')).toMatchObject({ ok: false }); // the same address, mapped
    expect(lim.check('10.0.0.10')).toEqual({ ok: true }); // another address is not affected
    now += 5_999;
    expect(lim.check('10.0.0.9').ok).toBe(false);
    now += 1;
    expect(lim.check('10.0.0.9').ok).toBe(true);
    lim.fail('10.0.0.9');
    expect(lim.check('10.0.0.9').ok).toBe(false);
  });

  it('keys IPv6 clients by their /64, so rotating addresses does not help', () => {
    const lim = new FailureLimiter({ now: () => 0 });
    for (let i = 0; i < 10; i++) lim.fail(`2001:db8:1:2::${(i + 1).toString(16)}`);
    expect(lim.check('2001:db8:1:2:abcd::1').ok).toBe(false);
    expect(lim.check('2001:db8:1:3::1').ok).toBe(true);
  });

  it('forgets an address once its bucket is full again, and stays within maxAddresses', () => {
    let now = 0;
    const lim = new FailureLimiter({ now: () => now, maxAddresses: 100 });
    for (let i = 0; i < 1000; i++) lim.fail(`10.1.${i >> 8}.${i & 255}`);
    expect(lim.size).toBe(100);
    now += 60_000;
    lim.check('10.1.3.231'); // the most recent one: full again, so forgotten
    expect(lim.size).toBe(99);
  });

  it('puts unreadable client addresses under one key', () => {
    const lim = new FailureLimiter({ now: () => 0 });
    for (let i = 0; i < 10; i++) lim.fail(i % 2 ? undefined : 'garbage');
    expect(lim.check(undefined).ok).toBe(false);
  });
});

describe('FairShare', () => {
  it('admits up to maxTunnels at once per student and says which limit bit', () => {
    const share = new FairShare({ limits: { maxTunnels: 3, connections: { capacity: 100, perSecond: 100 } }, now: () => 0 });
    const leases = [share.admit('ada'), share.admit('ada'), share.admit('ada')];
    expect(leases.every((l) => l.ok)).toBe(true);
    expect(share.admit('ada')).toEqual({ ok: false, limit: 'concurrent-tunnels', value: 3, open: 3, retryAfterMs: 1000 });
    expect(share.admit('grace').ok).toBe(true); // one student's limit is not another's
    const first = leases[0];
    if (first.ok) {
      first.lease.release();
      first.lease.release(); // a second release does nothing
    }
    expect(share.openCount('ada')).toBe(2);
    expect(share.admit('ada').ok).toBe(true);
    expect(share.admit('ada').ok).toBe(false);
  });

  it('limits new connections per second with a burst, and a refused one costs nothing', () => {
    let now = 0;
    const share = new FairShare({ limits: { maxTunnels: 1000, connections: { capacity: 5, perSecond: 2 } }, now: () => now });
    for (let i = 0; i < 5; i++) {
      const r = share.admit('ada');
      expect(r.ok).toBe(true);
      if (r.ok) r.lease.release();
    }
    expect(share.admit('ada')).toEqual({ ok: false, limit: 'connection-rate', value: 2, open: 0, retryAfterMs: 500 });
    now += 500;
    expect(share.admit('ada').ok).toBe(true);
  });

  it('never forgets a student with open tunnels (their count would reset)', () => {
    const share = new FairShare({ limits: { maxTunnels: 1, connections: { capacity: 10, perSecond: 1 } }, maxStudents: 2, now: () => 0 });
    expect(share.admit('ada').ok).toBe(true);
    for (let i = 0; i < 50; i++) {
      const r = share.admit(`s${i}`);
      if (r.ok) r.lease.release();
    }
    expect(share.admit('ada')).toMatchObject({ ok: false, limit: 'concurrent-tunnels' });
    expect(share.size).toBeLessThanOrEqual(3);
  });

  it('has defaults that leave a browser alone: 32 connections at once to one proxy fit', () => {
    const share = new FairShare({ now: () => 0 });
    const results = Array.from({ length: 32 }, () => share.admit('ada'));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(DEFAULT_SHARE_LIMITS.maxTunnels).toBeGreaterThanOrEqual(32);
  });
});
