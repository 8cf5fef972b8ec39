// The old generation's growth setting follows what the proxy does: 30 % while it serves handshakes and small
// exchanges, V8's own factor while any leg streams (a leg that carried more than 1 MiB), until the last one ends;
// node's own --heap-growing-percent always wins. Checked through the module's state and through a real session's legs.
import v8 from 'node:v8';
import { ConnectionSession } from '../../../src/capture/session';
import type * as heapMode from '../../../src/capture/heap-mode';
import { HANDSHAKE_GROWING_PERCENT, STREAM_BYTES, heapGrowingPercent, streamStarted, tuneHeap } from '../../../src/capture/heap-mode';
import type { TlslabEvent } from '../../../src/events/schema';

// The flag is the process's: leave V8's own factor behind for the other test files this worker runs.
afterAll(() => v8.setFlagsFromString('--heap-growing-percent=0'));

describe('heap mode', () => {
  it('does nothing until the proxy turns it on, then follows the legs that stream', () => {
    const before = streamStarted();
    expect(heapGrowingPercent()).toBeNull();
    before();
    tuneHeap();
    expect(heapGrowingPercent()).toBe(HANDSHAKE_GROWING_PERCENT);
    const a = streamStarted();
    const b = streamStarted();
    expect(heapGrowingPercent()).toBe(0);
    a();
    a(); // once only
    expect(heapGrowingPercent()).toBe(0);
    b();
    expect(heapGrowingPercent()).toBe(HANDSHAKE_GROWING_PERCENT);
  });

  it('a session\'s leg streams once it carried more than STREAM_BYTES, until it ends', () => {
    tuneHeap();
    const session = new ConnectionSession({ emit: (e) => e as TlslabEvent });
    const leg = session.upstream;
    leg.feed('server', Buffer.alloc(STREAM_BYTES)); // not more than it yet
    expect(heapGrowingPercent()).toBe(HANDSHAKE_GROWING_PERCENT);
    leg.feed('server', Buffer.alloc(1));
    expect(heapGrowingPercent()).toBe(0);
    leg.end();
    expect(heapGrowingPercent()).toBe(HANDSHAKE_GROWING_PERCENT);
    leg.end(); // a second end changes nothing
    expect(heapGrowingPercent()).toBe(HANDSHAKE_GROWING_PERCENT);
  });

  it('leaves node\'s own --heap-growing-percent alone', () => {
    jest.isolateModules(() => {
      process.execArgv.push('--heap-growing-percent=50');
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../../src/capture/heap-mode') as typeof heapMode;
        fresh.tuneHeap();
        expect(fresh.heapGrowingPercent()).toBeNull();
        fresh.streamStarted()();
        expect(fresh.heapGrowingPercent()).toBeNull();
      } finally {
        process.execArgv.pop();
      }
    });
  });
});
