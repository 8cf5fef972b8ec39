// watchIdle: one timer pushed back by traffic in either direction, fired once, stopped when every stream closed.
import { EventEmitter } from 'node:events';
import { watchIdle } from '../../../src/proxy/idle-timer';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('watchIdle', () => {
  it('fires once after the timeout with no data, not while either side keeps sending', () => {
    const a = new EventEmitter();
    const b = new EventEmitter();
    const fired = jest.fn();
    const w = watchIdle([a, b], 300, fired);
    for (let i = 0; i < 20; i++) {
      jest.advanceTimersByTime(200);
      (i % 2 === 0 ? a : b).emit('data', Buffer.from('x'));
    }
    expect(fired).not.toHaveBeenCalled();
    expect(w.fired).toBe(false);
    jest.advanceTimersByTime(299);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(w.fired).toBe(true);
    jest.advanceTimersByTime(10_000);
    expect(fired).toHaveBeenCalledTimes(1);
    // It no longer listens once fired.
    expect(a.listenerCount('data') + b.listenerCount('data')).toBe(0);
  });

  it('keeps timing a half-closed relay, and stops once every stream has closed', () => {
    const a = new EventEmitter();
    const b = new EventEmitter();
    const fired = jest.fn();
    watchIdle([a, b], 300, fired);
    a.emit('close');
    jest.advanceTimersByTime(300);
    expect(fired).toHaveBeenCalledTimes(1);

    const c = new EventEmitter();
    const d = new EventEmitter();
    const never = jest.fn();
    watchIdle([c, d], 300, never);
    c.emit('close');
    d.emit('close');
    jest.advanceTimersByTime(10_000);
    expect(never).not.toHaveBeenCalled();
    expect(c.listenerCount('data') + d.listenerCount('data')).toBe(0);
  });
});
